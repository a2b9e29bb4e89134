"""Alerts: rule loading, and the at-most-once-per-rule guarantee under restarts, duplicates and crashes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jiance.alerts import AlertRule, dry_run, evaluate, in_quiet_hours, load_alerts, parse_alerts
from jiance.distribute.base import Message
from jiance.errors import ConfigError
from jiance.records import Article, Document
from jiance.store.alerts import alerts_for
from jiance.store.base import Store
from jiance.store.sqlite import SQLiteStore

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
def store(backend_store: SQLiteStore) -> SQLiteStore:
    """Both backends (tests/conftest.py)."""
    return backend_store


def add(
    store: Store,
    title: str,
    body: str,
    *,
    source: str = "甲报",
    group: str | None = None,
    event: str | None = None,
    figures: list[dict[str, Any]] | None = None,
    path: str | None = None,
) -> str:
    """Store one article as an import would, with the analysis results alerting reads."""
    article = Article("article", title, [body], source_name=source)
    raw = f"{title}\n{body}\n{source}\n{path}".encode()
    doc = Document(
        hashlib.sha256(raw).hexdigest(), path or f"{article.id[:8]}.txt", "text/plain", len(raw), "imported"
    )
    store.save_import(doc, raw, [article])
    for stage, value in (("duplicate_group", group), ("event", event and {"event_id": event, "reasons": []})):
        if value is not None:
            store.save_analysis(article.id, stage, value, "test")
    if figures is not None:
        store.save_analysis(article.id, "figures", figures, "test")
    return article.id


def rule(text: str) -> AlertRule:
    (parsed,) = parse_alerts(text, where="alerts.toml")
    return parsed


CHIPS = rule(
    '[[alerts]]\nname = "chips"\nquery = "光刻机"\nrecipients = ["desk@example.cn"]\nlookback_days = 3'
)


def local(hour: int, minute: int = 0, *, days: int = 0) -> datetime:
    """Today (in Shanghai) at ``hour:minute``: near the store's wall clock, as created_at is."""
    today = datetime.now(SHANGHAI).date() + timedelta(days=days)
    return datetime(today.year, today.month, today.day, hour, minute, tzinfo=SHANGHAI)


def hits(store: Store, name: str = "chips") -> list[str]:
    return [h.article_id for h in alerts_for(store).hits(name)]


def outbox(store: Store) -> list[dict[str, Any]]:
    rows = alerts_for(store).store._read("SELECT payload FROM outbox ORDER BY id")
    return [json.loads(r[0]) for r in rows]


# -- loading ------------------------------------------------------------------------------------------


def test_a_full_rule_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(
        '[[alerts]]\nname = "芯片"\nrule = [["芯片", "半导体"], ["+光刻", "+设备"]]\nexclude = ["薯片"]\n'
        'mode = "digest"\ndigest_at = "08:30"\nquiet_hours = "22:00-07:00"\nchannels = ["ops-wecom"]\n\n'
        '[[alerts]]\nname = "outlets"\nmode = "threshold"\noutlets = 3\nrecipients = ["a@b.cn"]\n\n'
        '[[alerts]]\nname = "revenue"\nquery = "营收"\nmode = "threshold"\n'
        'figure = {subject = "营收", unit = "亿元", above = 100}\nrecipients = ["a@b.cn"]\n',
        encoding="utf-8",
    )
    digest, outlets, figure = load_alerts(path)
    assert (
        digest.mode == "digest" and digest.digest_at == "08:30" and digest.quiet_hours == ("22:00", "07:00")
    )
    assert digest.tag is not None and len(digest.tag.groups) == 2 and digest.channels == ["ops-wecom"]
    assert digest.timezone == "Asia/Shanghai"
    assert outlets.outlets == 3 and outlets.query is None and outlets.rule is None
    assert figure.figure is not None and figure.figure.above == 100.0 and figure.figure.crossed(120.0)
    assert load_alerts(tmp_path / "missing.toml") == []


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('name = "x"\nquery = "a b"\nrecipients = ["a@b.cn"]\ncolour = "red"', "colour"),
        ('name = "x"\nrecipients = ["a@b.cn"]', "query"),
        ('name = "x"\nquery = "ab"\nrule = [["ab"]]\nrecipients = ["a@b.cn"]', "rule"),
        ('name = "x"\nquery = "ab"\nmode = "digest"\nrecipients = ["a@b.cn"]', "digest_at"),
        (
            'name = "x"\nquery = "ab"\nmode = "digest"\ndigest_at = "25:00"\nrecipients = ["a@b.cn"]',
            "digest_at",
        ),
        ('name = "x"\nquery = "ab"\nmode = "threshold"\nrecipients = ["a@b.cn"]', "outlets"),
        ('name = "x"\nquery = "ab"\nmode = "sometimes"\nrecipients = ["a@b.cn"]', "mode"),
        ('name = "x"\nquery = "ab"\nquiet_hours = "22:00"\nrecipients = ["a@b.cn"]', "quiet_hours"),
        ('name = "x"\nquery = "ab"\ntimezone = "Mars/Base"\nrecipients = ["a@b.cn"]', "timezone"),
        ('name = "x"\nquery = "ab"\nrecipients = ["not-an-address"]', "recipients"),
        ('name = "x"\nquery = "ab"', "recipients"),
        ('name = "x"\nquery = "ab"\noutlets = 2\nrecipients = ["a@b.cn"]', "outlets"),
        (
            'name = "x"\nmode = "threshold"\nfigure = {subject = "营收", unit = "亿元"}\nrecipients = ["a@b.cn"]',
            "figure",
        ),
        ('name = "x"\nrule = [["/[unclosed/"]]\nrecipients = ["a@b.cn"]', "rule"),
        ('name = "x"\nrule = "芯片"\nrecipients = ["a@b.cn"]', "rule"),
    ],
)
def test_bad_rules_name_the_file_and_the_key(body: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_alerts(f"[[alerts]]\n{body}\n", where="ws/alerts.toml")
    assert "ws/alerts.toml" in str(caught.value)
    assert f"'{key}'" in str(caught.value)


def test_rule_names_are_unique() -> None:
    text = '[[alerts]]\nname = "x"\nquery = "ab"\nrecipients = ["a@b.cn"]\n' * 2
    with pytest.raises(ConfigError, match="used twice"):
        parse_alerts(text.replace("\n[[", "\n\n[["), where="alerts.toml")


# -- incremental, once per rule -----------------------------------------------------------------------


def test_incremental_alerts_each_new_item_once(store: SQLiteStore) -> None:
    first = add(store, "国产光刻机取得突破", "某企业发布新一代光刻机样机。")
    add(store, "云计算市场报告", "公有云收入继续增长。")
    (batch,) = evaluate(store, [CHIPS], now=datetime.now(UTC))
    assert batch.status == "sent" and [h.article_id for h in batch.hits] == [first]
    assert "「光刻机」" in batch.hits[0].reason
    assert hits(store) == [first] and len(outbox(store)) == 1
    message = Message.from_record(outbox(store)[0])
    assert message.channel == "email" and message.recipient == "desk@example.cn"
    assert "国产光刻机取得突破" in message.text and message.meta["stories"] == [f"article:{first}"]
    (again,) = evaluate(store, [CHIPS], now=datetime.now(UTC))
    assert again.status == "nothing" and again.hits == [] and len(outbox(store)) == 1
    second = add(store, "光刻机零部件订单增加", "上游厂商表示光刻机零部件订单明显增加。")
    (third,) = evaluate(store, [CHIPS], now=datetime.now(UTC) + timedelta(minutes=5))
    assert [h.article_id for h in third.hits] == [second] and hits(store) == [first, second]


def test_restart_mid_run_never_alerts_twice(db_path: Path) -> None:
    with SQLiteStore(db_path) as store:
        first = add(store, "光刻机项目落地", "新建光刻机项目落地。")
        evaluate(store, [CHIPS], now=datetime.now(UTC))
    for later in (timedelta(0), timedelta(minutes=1), timedelta(hours=20)):  # same `now`, and later
        with SQLiteStore(db_path) as reopened:
            (batch,) = evaluate(reopened, [CHIPS], now=datetime.now(UTC) + later)
            assert batch.hits == [] and len(outbox(reopened)) == 1
    with SQLiteStore(db_path) as reopened:
        add(reopened, "光刻机产能扩张", "第二条光刻机消息。")
        (batch,) = evaluate(reopened, [CHIPS], now=datetime.now(UTC))
        assert len(batch.hits) == 1 and hits(reopened)[0] == first and len(outbox(reopened)) == 2


def test_a_duplicate_arrival_of_the_same_article_is_not_alerted_again(store: SQLiteStore) -> None:
    first = add(store, "光刻机出口数据", "本月光刻机出口增长。", path="feed-1.txt")
    evaluate(store, [CHIPS], now=datetime.now(UTC))
    again = add(store, "光刻机出口数据", "本月光刻机出口增长。", source="甲报", path="feed-2.txt")
    assert again == first and len(store.documents()) == 2  # the same id, arriving from a second document
    (batch,) = evaluate(store, [CHIPS], now=datetime.now(UTC))
    assert batch.hits == [] and hits(store) == [first] and len(outbox(store)) == 1


def test_near_duplicate_reprints_share_one_alert(store: SQLiteStore) -> None:
    original = add(store, "光刻机企业获新订单", "某光刻机企业获得新订单。", group="g1")
    reprint = add(
        store, "光刻机企业获新订单（转载）", "某光刻机企业获得了新订单。", source="乙网", group="g1"
    )
    (batch,) = evaluate(store, [CHIPS], now=datetime.now(UTC))
    assert [h.article_id for h in batch.hits] == [original] and batch.hits[0].story == "dup:g1"
    later = add(store, "光刻机企业获新订单！", "某光刻机企业获得新的订单。", source="丙台", group="g1")
    (batch,) = evaluate(store, [CHIPS], now=datetime.now(UTC))
    assert batch.hits == [] and reprint != later and len(outbox(store)) == 1


def test_a_reprint_whose_group_replaces_the_original_key_is_still_one_story(store: SQLiteStore) -> None:
    original = add(store, "光刻机新品发布", "光刻机新品今日发布。", group="zzz")  # alone: its own group
    evaluate(store, [CHIPS], now=datetime.now(UTC))
    reprint = add(store, "光刻机新品发布会", "光刻机新品今日发布会。", source="乙网", group="aaa")
    store.save_analysis(original, "duplicate_group", "aaa", "test")  # the group merged under a new key
    (batch,) = evaluate(store, [CHIPS], now=datetime.now(UTC))
    assert batch.hits == [] and hits(store) == [original] and reprint != original


def test_an_event_is_a_story_when_there_is_no_duplicate_group(store: SQLiteStore) -> None:
    add(store, "光刻机大会开幕", "光刻机大会今日开幕。", event="e7")
    add(store, "光刻机大会聚焦国产化", "光刻机大会讨论国产化。", source="乙网", event="e7")
    (batch,) = evaluate(store, [CHIPS], now=datetime.now(UTC))
    assert [h.story for h in batch.hits] == ["event:e7"]


def test_a_crash_between_hit_and_enqueue_rolls_both_back(store: SQLiteStore) -> None:
    first = add(store, "光刻机突破", "光刻机消息。")

    def broken(store: Store, message: Message, *, key: str, kind: str, **_: Any) -> bool:
        raise RuntimeError("power cut")

    state_before = alerts_for(store).snapshot()[1:]
    with pytest.raises(RuntimeError, match="power cut"):
        evaluate(store, [CHIPS], now=datetime.now(UTC), enqueue=broken)
    assert alerts_for(store).snapshot()[1:] == state_before  # no hit, no outbox row
    state = alerts_for(store).rule_state("chips")
    assert state is not None and state.last_run_at is None  # the watermark did not move either
    (batch,) = evaluate(store, [CHIPS], now=datetime.now(UTC))
    assert [h.article_id for h in batch.hits] == [first] and len(outbox(store)) == 1


def test_a_second_enqueue_of_the_same_batch_is_a_no_op(store: SQLiteStore) -> None:
    add(store, "光刻机突破", "光刻机消息。")
    sent: list[str] = []

    def recording(store: Store, message: Message, *, key: str, kind: str, **_: Any) -> bool:
        sent.append(key)
        return alerts_for(store).outbox_insert(message.to_record(), key=key, kind=kind, at="now")

    evaluate(store, [CHIPS], now=datetime.now(UTC), enqueue=recording)
    assert len(sent) == 1 and sent[0].startswith("alert:chips:email:desk@example.cn:")
    assert alerts_for(store).hits("chips")[0].outbox_key == sent[0]
    assert not alerts_for(store).outbox_insert(
        {"channel": "email", "recipient": "x"}, key=sent[0], kind="alert", at="now"
    )


def test_rejected_articles_do_not_alert(store: SQLiteStore) -> None:
    article = add(store, "光刻机谣言", "光刻机消息未经证实。")
    store.set_status([article], "rejected")
    (batch,) = evaluate(store, [CHIPS], now=datetime.now(UTC))
    assert batch.hits == []


# -- taxonomy rules -----------------------------------------------------------------------------------


def test_a_taxonomy_rule_matches_with_the_taxonomy_matcher_and_says_why(store: SQLiteStore) -> None:
    chips = rule(
        '[[alerts]]\nname = "chips"\nrule = [["芯片", "/\\\\d+nm/"], ["+光刻", "+设备"]]\nexclude = ["薯片"]\n'
        'recipients = ["a@b.cn"]\nlookback_days = 3'
    )
    wanted = add(store, "存储芯片价格上涨", "多家厂商上调存储芯片报价。")
    by_regex = add(store, "新工艺量产", "3nm 工艺开始量产。")
    add(store, "薯片与芯片", "零食薯片销量增长，芯片一词只是谐音。")  # vetoed by exclude
    by_plus = add(store, "设备更新", "光刻设备更新换代加快。")
    add(store, "设备招标", "一批网络设备完成招标。")  # only one of the two + words
    (batch,) = evaluate(store, [chips], now=datetime.now(UTC))
    assert {h.article_id for h in batch.hits} == {wanted, by_regex, by_plus}
    reasons = {h.article_id: h.reason for h in batch.hits}
    assert "芯片 (title×1, body×1)" in reasons[wanted] and "+光刻" in reasons[by_plus]
    assert {h.reason for h in alerts_for(store).hits("chips")} == set(reasons.values())


# -- quiet hours, digest, thresholds ------------------------------------------------------------------


def test_quiet_hours_defer_and_never_drop(store: SQLiteStore) -> None:
    quiet = rule(
        '[[alerts]]\nname = "chips"\nquery = "光刻机"\nquiet_hours = "22:00-07:00"\nchannels = ["ops"]\n'
        "lookback_days = 3"
    )
    assert in_quiet_hours(quiet, local(23)) and in_quiet_hours(quiet, local(6, 59))
    assert not in_quiet_hours(quiet, local(7)) and not in_quiet_hours(quiet, local(12))
    first = add(store, "光刻机突破", "光刻机消息。")
    (night,) = evaluate(store, [quiet], now=local(23))
    assert night.status == "deferred" and [h.article_id for h in night.hits] == [first]
    assert outbox(store) == [] and alerts_for(store).hits("chips", pending=True)[0].article_id == first
    second = add(store, "光刻机又一突破", "又一条光刻机消息。")
    (still,) = evaluate(store, [quiet], now=local(5, days=1))
    assert still.status == "deferred" and [h.article_id for h in still.hits] == [second]
    (morning,) = evaluate(store, [quiet], now=local(7, 30, days=1))
    assert morning.status == "sent" and morning.sent == 2 and morning.hits == []
    (message,) = outbox(store)
    assert message["channel"] == "ops" and len(message["parts"]) == 2
    assert alerts_for(store).hits("chips", pending=True) == []
    (after,) = evaluate(store, [quiet], now=local(8, days=1))
    assert after.status == "nothing" and len(outbox(store)) == 1


def test_a_digest_collects_until_its_time_once_a_day(store: SQLiteStore) -> None:
    daily = rule(
        '[[alerts]]\nname = "chips"\nquery = "光刻机"\nmode = "digest"\ndigest_at = "08:30"\n'
        'recipients = ["a@b.cn"]\nlookback_days = 3'
    )
    add(store, "光刻机一", "光刻机消息一。")
    (early,) = evaluate(store, [daily], now=local(7))
    add(store, "光刻机二", "光刻机消息二。")
    (still,) = evaluate(store, [daily], now=local(8, 29))
    assert early.status == still.status == "collecting" and outbox(store) == []
    (due,) = evaluate(store, [daily], now=local(8, 31))
    assert due.status == "sent" and due.sent == 2
    (digest,) = outbox(store)
    assert (
        digest["subject"].startswith("【监测日报】chips")
        and "光刻机一" in digest["text"]
        and "光刻机二" in digest["text"]
    )
    add(store, "光刻机三", "光刻机消息三。")
    (later,) = evaluate(store, [daily], now=local(12))
    assert later.status == "collecting" and len(outbox(store)) == 1  # today's digest went out already
    (tomorrow,) = evaluate(store, [daily], now=local(8, 30, days=1))
    assert tomorrow.status == "sent" and tomorrow.sent == 1 and len(outbox(store)) == 2
    kinds = alerts_for(store).store._read("SELECT kind FROM outbox")
    assert {k[0] for k in kinds} == {"digest"}


def test_an_outlets_threshold_fires_once_when_a_story_crosses_it(store: SQLiteStore) -> None:
    spread = rule(
        '[[alerts]]\nname = "spread"\nquery = "光刻机"\nmode = "threshold"\noutlets = 2\n'
        'recipients = ["a@b.cn"]\nlookback_days = 3'
    )
    add(store, "光刻机订单", "光刻机订单消息。", source="甲报", group="g")
    (one,) = evaluate(store, [spread], now=datetime.now(UTC))
    add(store, "光刻机订单", "光刻机订单消息！", source="甲报", group="g")  # same outlet twice: still one
    (same,) = evaluate(store, [spread], now=datetime.now(UTC))
    assert one.hits == [] and same.hits == [] and outbox(store) == []
    add(store, "光刻机订单（转）", "光刻机订单的消息。", source="乙网", group="g")
    (two,) = evaluate(store, [spread], now=datetime.now(UTC))
    assert len(two.hits) == 1 and "carried by 2 outlets: 乙网, 甲报" in two.hits[0].reason
    add(store, "光刻机订单（再转）", "光刻机订单之消息。", source="丙台", group="g")
    (three,) = evaluate(store, [spread], now=datetime.now(UTC))
    assert three.hits == [] and len(outbox(store)) == 1


def test_a_figure_threshold_fires_when_the_value_crosses(store: SQLiteStore) -> None:
    revenue = rule(
        '[[alerts]]\nname = "rev"\nmode = "threshold"\nfigure = {subject = "营收", unit = "亿元", above = 100}\n'
        'recipients = ["a@b.cn"]\nlookback_days = 3'
    )
    low = [{"raw": "80亿元", "value": 80.0, "unit": "亿元", "subject": "营收"}]
    high = [{"raw": "120亿元", "value": 120.0, "unit": "亿元", "subject": "季度营收"}]
    other_unit = [{"raw": "120万元", "value": 120.0, "unit": "万元", "subject": "营收"}]
    add(store, "甲公司财报", "营收80亿元。", figures=low)
    wanted = add(store, "乙公司财报", "季度营收120亿元。", figures=high)
    add(store, "丙公司财报", "营收120万元。", figures=other_unit)
    (batch,) = evaluate(store, [revenue], now=datetime.now(UTC))
    assert [h.article_id for h in batch.hits] == [wanted]
    assert "120亿元 (季度营收) crosses 营收 > 100 亿元" in batch.hits[0].reason


def test_rules_run_independently_over_one_read(store: SQLiteStore) -> None:
    other = rule('[[alerts]]\nname = "cloud"\nquery = "云"\nrecipients = ["a@b.cn"]\nlookback_days = 3')
    chip = add(store, "光刻机突破", "光刻机消息。")
    cloud = add(store, "云计算", "公有云增长。")
    evaluate(store, [CHIPS], now=datetime.now(UTC))
    batches = evaluate(store, [CHIPS, other], now=datetime.now(UTC))
    assert batches[0].hits == [] and [h.article_id for h in batches[1].hits] == [cloud]
    assert hits(store) == [chip]


# -- dry run ------------------------------------------------------------------------------------------


def test_dry_run_shows_what_would_be_sent_and_changes_nothing(store: SQLiteStore) -> None:
    done = add(store, "光刻机旧闻", "光刻机旧消息。")
    evaluate(store, [CHIPS], now=datetime.now(UTC))
    fresh = add(store, "光刻机新闻", "光刻机新消息。")
    before = alerts_for(store).snapshot()
    found = dry_run(store, CHIPS, now=datetime.now(UTC), days=7)
    assert alerts_for(store).snapshot() == before
    assert {h.article_id: h.already for h in found} == {done: True, fresh: False}
    assert all("「光刻机」" in h.reason for h in found)
    assert dry_run(store, CHIPS, now=datetime.now(UTC) + timedelta(days=30), days=7) == []


def test_a_bot_channel_goes_out_on_its_type_split_under_its_limit() -> None:
    """An alert to a configured bot (by name) is enqueued on the bot's channel type, its stories packed
    under that channel's size limit, so the outbox routes it to `<type>:<name>`."""
    from jiance.alerts import routed
    from jiance.distribute.base import Message
    from jiance.distribute.render import IM_LIMITS, utf8_len

    seen: list[Message] = []

    def enqueue(
        store: object,
        message: Message,
        *,
        key: str,
        kind: str,
        issue_id: object = None,
        edition: object = None,
    ) -> bool:
        seen.append(message)
        return True

    stories = [f"第{i}条：" + "长" * 900 for i in range(12)]
    message = Message(
        channel="ops-wecom", recipient="ops-wecom", subject="【监测提醒】芯片：12 条", text="", parts=stories
    )
    send = routed(enqueue, {"ops-wecom": "wecom"})  # type: ignore[arg-type]
    send(None, message, key="k", kind="alert")  # type: ignore[arg-type]
    [out] = seen
    assert (out.channel, out.recipient) == ("wecom", "ops-wecom")
    assert len(out.parts) > 1 and all(utf8_len(p) <= IM_LIMITS["wecom"] for p in out.parts)
    assert all(any(s in p for p in out.parts) for s in stories)  # no story cut in two
