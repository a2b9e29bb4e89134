"""The inbox library: stories from duplicate groups and events, filters, verdicts, snoozes, the article view
and the per-issue edit. The store is real (SQLite in a temporary folder); articles and their analysis are
written by the tests so that groups, events and tags are known exactly."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from jiance import inbox
from jiance.errors import InputError, NotFoundError, PublishError, StoreError
from jiance.publish.issues import add_to_issue, get_issue, new_issue, publish_issue
from jiance.records import Article, Document, Provenance
from jiance.store.collection import collection_for
from jiance.store.sqlite import SQLiteStore

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ARTICLES: dict[str, Article] = {}


def _put(
    store: SQLiteStore, key: str, title: str, paragraphs: list[str], results: dict[str, Any], **kw: Any
) -> str:
    """Store one article from a document of its own, with the given analysis results."""
    article = Article("article", title, paragraphs, **kw)
    raw = f"{key}\n{title}".encode()
    doc = Document(hashlib.sha256(raw).hexdigest(), f"/in/{key}.txt", "text/plain", len(raw), "imported")
    store.save_import(doc, raw, [article])
    for stage, result in results.items():
        store.save_analysis(article.id, stage, result, "1")
    ARTICLES[key] = article
    return article.id


def _analysis(
    key: str, *, group: str | None = None, event: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {"duplicate_group": group or key, "event": {"event_id": event or key, "reasons": []}, **extra}


CHIPS = [{"tag": "chips", "display": "芯片与半导体", "score": 3.0}]
MIIT = [{"name": "工业和信息化部", "type": "organization", "aliases": ["工信部"], "forms": ["工信部"]}]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    """Five articles: a1, a2 (a reprint of a1) and a3 (same event as a2) are one story; b1 and c1 alone."""
    with SQLiteStore(tmp_path / "inbox.db") as opened:
        long = [
            "华为今天发布新一代昇腾集群，单集群算力提升至百万卡级。",
            "业内认为，这将带动国产算力产业链。",
        ]
        _put(opened, "a1", "华为发布新一代昇腾集群", long, _analysis("a1", group="g1"), source_name="新华网")
        _put(
            opened,
            "a2",
            "华为发布昇腾集群",
            long[:1],
            _analysis("a2", group="g1", event="e1"),
            source_name="人民网",
        )
        _put(
            opened,
            "a3",
            "昇腾集群发布会现场",
            ["发布会在深圳举行。"],
            _analysis("a3", event="e1"),
            source_name="财新",
        )
        figures = [
            {"raw": "11.6%", "value": 11.6, "kind": "change", "subject": "增加值", "period": "前三季度",
             "sentence": "工信部：前三季度增加值同比增长11.6%", "span": [14, 19]},
        ]  # fmt: skip
        b1_results = _analysis(
            "b1",
            tags=CHIPS,
            entities=MIIT,
            figures=figures,
            column={"column": "产业环境", "confidence": 0.9},
            summary={"text": "工信部发布前三季度数据。"},
        )
        _put(opened, "b1", "工信部：前三季度增加值同比增长11.6%", ["工信部表示，增长主要来自集成电路。"],
             b1_results, source_name="新华网", provenance=Provenance(url="https://example.com/b1"))  # fmt: skip
        _put(opened, "c1", "某地发布数据条例", ["条例自公布之日起施行。"], _analysis("c1"),
             source_name="地方日报", published_at="2026-01-05T09:00:00+08:00",
             provenance=Provenance(url="javascript:alert(1)"))  # fmt: skip
        yield opened


def _id(key: str) -> str:
    return ARTICLES[key].id


def _ids(found: list[inbox.Story]) -> list[list[str]]:
    return [[m.article_id for m in story.members] for story in found]


def test_duplicates_and_events_make_one_story_led_by_the_fullest_report(store: SQLiteStore) -> None:
    found = inbox.stories(store, now=NOW)
    assert len(found) == 3
    story = next(s for s in found if len(s.members) > 1)
    assert story.id == _id("a1") and story.lead.article_id == _id("a1")
    assert sorted(m.article_id for m in story.members) == sorted(_id(k) for k in ("a1", "a2", "a3"))
    assert story.outlets == 3
    assert {m.source for m in story.members} == {"新华网", "人民网", "财新"}


def test_newest_story_first(store: SQLiteStore) -> None:
    found = inbox.stories(store, now=NOW)
    assert [s.id for s in found] == [_id("c1"), _id("b1"), _id("a1")]


def test_a_story_carries_its_analysis(store: SQLiteStore) -> None:
    story = inbox.find_story(store, _id("b1"), now=NOW)
    assert story.column == inbox.ColumnHint("产业环境", 0.9)
    assert story.tags == [inbox.Tag("chips", "芯片与半导体")]
    assert story.figures == [inbox.FigureChip("11.6%", "增加值", "前三季度")]
    assert story.summary == "工信部发布前三季度数据。"
    assert story.entities == ["工业和信息化部"]
    assert story.lead.url == "https://example.com/b1"


def test_without_a_summary_the_card_shows_the_opening_and_a_bad_url_is_no_link(store: SQLiteStore) -> None:
    story = inbox.find_story(store, _id("c1"), now=NOW)
    assert story.summary == "条例自公布之日起施行。"
    assert story.lead.url is None


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"source": "财新"}, ["a1"]),  # any member counts: the story is led by 新华网's report
        ({"source": "新华网"}, ["b1", "a1"]),
        ({"tag": "chips"}, ["b1"]),
        ({"tag": "芯片与半导体"}, ["b1"]),
        ({"entity": "工信部"}, ["b1"]),  # an alias finds the entity
        ({"entity": "ＩＮＶＡＬＩＤ"}, []),
        ({"column": "产业环境"}, ["b1"]),
        ({"has_figures": True}, ["b1"]),
        ({"has_figures": False}, ["c1", "a1"]),
        ({"date_from": "2026-01-01", "date_to": "2026-01-31"}, ["c1"]),
    ],
)
def test_filters_keep_a_story_when_a_member_passes(
    store: SQLiteStore, filters: dict[str, Any], expected: list[str]
) -> None:
    found = inbox.stories(store, now=NOW, **filters)
    assert [s.id for s in found] == [_id(k) for k in expected]


def test_a_bad_date_filter_is_an_input_error(store: SQLiteStore) -> None:
    with pytest.raises(InputError, match="date_from"):
        inbox.stories(store, date_from="2026/01/01")


def test_the_view_offers_facets_of_the_whole_inbox(store: SQLiteStore) -> None:
    view = inbox.inbox_view(store, inbox.Filters(source="财新"), now=NOW)
    assert view.total == 1
    assert view.facets.sources[0] == "新华网"  # carried most
    assert set(view.facets.sources) == {"新华网", "人民网", "财新", "地方日报"}
    assert view.facets.columns == ["产业环境"]
    assert view.facets.tags == [inbox.Tag("chips", "芯片与半导体")]


def test_limit_cuts_the_list_but_not_the_total(store: SQLiteStore) -> None:
    view = inbox.inbox_view(store, limit=1, now=NOW)
    assert len(view.stories) == 1 and view.total == 3


def test_accept_adds_the_lead_and_marks_every_member(store: SQLiteStore) -> None:
    issue = new_issue(store, "第1期")
    report = inbox.accept(store, [_id("a3")], issue.id)  # any member's id finds the story
    assert report.added == [_id("a1")]
    assert [item.article_id for item in get_issue(store, issue.id).items] == [_id("a1")]
    assert {store.get_article(_id(k)).status for k in ("a1", "a2", "a3")} == {"accepted"}
    assert [s.id for s in inbox.stories(store, now=NOW)] == [_id("c1"), _id("b1")]


def test_accept_uses_the_suggested_column_unless_told(store: SQLiteStore) -> None:
    issue = new_issue(store, "第1期")
    inbox.accept(store, [_id("b1")], issue.id)
    inbox.accept(store, [_id("c1")], issue.id, section="海外借鉴")
    placed = {item.article_id: item.section for item in get_issue(store, issue.id).items}
    assert placed == {_id("b1"): "产业环境", _id("c1"): "海外借鉴"}


def test_accept_into_a_published_issue_is_refused(store: SQLiteStore) -> None:
    issue = new_issue(store, "第1期")
    publish_issue(store, issue.id)
    with pytest.raises(PublishError, match="drafts only"):
        inbox.accept(store, [_id("b1")], issue.id)
    assert store.get_article(_id("b1")).status == "new"


def test_a_repeat_of_an_earlier_issue_is_refused_and_stays_in_the_inbox(store: SQLiteStore) -> None:
    earlier = new_issue(store, "第1期", date="2026-01-01")
    add_to_issue(store, earlier.id, [_id("b1")])
    publish_issue(store, earlier.id)
    later = new_issue(store, "第2期", date="2026-02-01")
    report = inbox.accept(store, [_id("b1")], later.id)
    assert report.added == [] and [r.article_id for r in report.repeats] == [_id("b1")]
    assert store.get_article(_id("b1")).status == "new"


def test_rejected_members_never_return(store: SQLiteStore) -> None:
    rejected = inbox.reject(store, [_id("a1")])
    assert sorted(rejected) == sorted(_id(k) for k in ("a1", "a2", "a3"))
    collection = collection_for(store)
    assert all(collection.is_rejected(_id(k)) for k in ("a1", "a2", "a3"))
    assert _id("a1") not in [s.id for s in inbox.stories(store, include_snoozed=True, now=NOW)]


def test_an_unknown_id_is_not_found(store: SQLiteStore) -> None:
    with pytest.raises(NotFoundError):
        inbox.reject(store, ["nope"])


def test_snooze_hides_a_story_until_its_time(store: SQLiteStore) -> None:
    until = (NOW + timedelta(days=2)).isoformat()
    snoozed = inbox.snooze(store, [_id("b1")], until, now=NOW)
    assert snoozed == [_id("b1")]
    assert _id("b1") not in [s.id for s in inbox.stories(store, now=NOW)]
    shown = inbox.inbox_view(store, inbox.Filters(include_snoozed=True), now=NOW)
    assert shown.snoozed == 0 and next(s for s in shown.stories if s.id == _id("b1")).snoozed_until
    assert inbox.inbox_view(store, now=NOW).snoozed == 1
    assert _id("b1") in [s.id for s in inbox.stories(store, now=NOW + timedelta(days=3))]


def test_a_snooze_is_stored_in_utc(store: SQLiteStore) -> None:
    inbox.snooze(store, [_id("c1")], "2026-03-05T08:00:00+08:00", now=NOW)
    assert store.snoozes() == {_id("c1"): "2026-03-05T00:00:00+00:00"}


@pytest.mark.parametrize("until", ["2026-02-01", "next week"])
def test_a_snooze_needs_a_future_time(store: SQLiteStore, until: str) -> None:
    with pytest.raises(InputError):
        inbox.snooze(store, [_id("c1")], until, now=NOW)


def test_wake_time_counts_days_from_now() -> None:
    assert inbox.wake_time(3, now=NOW) == "2026-03-04T08:00:00+00:00"
    with pytest.raises(InputError):
        inbox.wake_time(0)


def test_current_issue_is_the_newest_draft_or_the_one_asked_for(store: SQLiteStore) -> None:
    assert inbox.current_issue(store).current is None
    older = new_issue(store, "第1期", date="2026-01-01")
    newer = new_issue(store, "第2期", date="2026-02-01")
    published = new_issue(store, "第3期", date="2026-03-01")
    publish_issue(store, published.id)
    choice = inbox.current_issue(store)
    assert choice.current is not None and choice.current.id == newer.id
    assert [i.id for i in choice.drafts] == [newer.id, older.id]
    chosen = inbox.current_issue(store, older.id).current
    assert chosen is not None and chosen.id == older.id
    fallback = inbox.current_issue(store, published.id).current
    assert fallback is not None and fallback.id == newer.id


def test_set_status_refuses_an_unknown_status(store: SQLiteStore) -> None:
    with pytest.raises(StoreError, match="unknown article status"):
        store.set_status([_id("c1")], "maybe")
    assert store.set_snoozed([_id("c1")], "2030-01-01T00:00:00+00:00") == 1
    assert store.set_snoozed([_id("c1")], None) == 1 and store.snoozes() == {}


# -- highlighting and the article view --------------------------------------------------------------------


def test_highlight_marks_the_figure_that_was_read_and_every_name() -> None:
    text = "工信部：前三季度增加值同比增长11.6%，工业和信息化部称11.6%的增速"
    figure = {"raw": "11.6%", "sentence": "工信部：前三季度增加值同比增长11.6%", "span": [14, 19]}
    segments = inbox.highlight(text, [figure], ["工业和信息化部", "工信部"])
    marked = [(s.text, s.mark) for s in segments if s.mark]
    assert marked == [("工信部", "ent"), ("11.6%", "fig"), ("工业和信息化部", "ent")]
    assert "".join(s.text for s in segments) == text


def test_highlight_keeps_hostile_text_as_plain_text() -> None:
    text = "<script>alert(1)</script>华为"
    segments = inbox.highlight(text, [], ["华为"])
    assert segments == [inbox.Segment("<script>alert(1)</script>"), inbox.Segment("华为", "ent")]


def test_overlapping_marks_go_to_the_earlier_longer_one() -> None:
    segments = inbox.highlight("中国移动公司", [], ["中国", "中国移动", "移动公司"])
    assert [(s.text, s.mark) for s in segments] == [("中国移动", "ent"), ("公司", None)]


def test_article_view_shows_neighbours_and_provenance(store: SQLiteStore) -> None:
    view = inbox.article_view(store, _id("a2"))
    assert [r.article_id for r in view.duplicates] == [_id("a1")]
    assert [r.article_id for r in view.same_event] == [_id("a3")]
    assert [d.path for d in view.documents] == ["/in/a2.txt"]
    b1 = inbox.article_view(store, _id("b1"))
    assert any(s.mark == "fig" and s.text == "11.6%" for s in b1.title)
    assert any(s.mark == "ent" and s.text == "工信部" for s in b1.paragraphs[0].segments)


def test_related_articles_share_names_or_tags(store: SQLiteStore) -> None:
    _put(store, "d1", "工信部部署芯片攻关", ["工信部召开会议。"], _analysis("d1", tags=CHIPS, entities=MIIT))
    _put(store, "d2", "芯片出口增长", ["出口增长。"], _analysis("d2", tags=CHIPS))
    view = inbox.article_view(store, _id("b1"))
    assert [r.article_id for r in view.related] == [_id("d1"), _id("d2")]  # a shared name weighs more
    assert "工业和信息化部" in view.related[0].reason


def test_a_client_view_shows_published_articles_only(store: SQLiteStore) -> None:
    with pytest.raises(NotFoundError):
        inbox.article_view(store, _id("b1"), published_only=True)
    issue = new_issue(store, "第1期")
    add_to_issue(store, issue.id, [_id("a1")])
    publish_issue(store, issue.id)
    view = inbox.article_view(store, _id("a1"), published_only=True)
    assert view.duplicates == [] and view.issues == []  # a2 is unpublished: no link to it


# -- the per-issue edit -----------------------------------------------------------------------------------


def test_save_item_keeps_only_real_changes_and_reset_drops_them(store: SQLiteStore) -> None:
    issue = new_issue(store, "第1期")
    add_to_issue(store, issue.id, [_id("a1")])
    original = ARTICLES["a1"]
    overrides = inbox.save_item(
        store, issue.id, _id("a1"), title=original.title, summary="", body="第一段。\n\n  第二段。  \n"
    )
    assert overrides == {"paragraphs": ["第一段。", "第二段。"]}
    edit = inbox.item_edit(store, issue.id, _id("a1"))
    assert edit.body == "第一段。\n第二段。" and edit.original_body == original.body
    assert edit.title == original.title
    assert inbox.save_item(
        store, issue.id, _id("a1"), title="新标题", summary="要点", body=original.body
    ) == {
        "title": "新标题",
        "summary": "要点",
    }
    assert inbox.reset_item(store, issue.id, _id("a1")) == {}


def test_editing_an_article_outside_the_issue_is_not_found(store: SQLiteStore) -> None:
    issue = new_issue(store, "第1期")
    with pytest.raises(NotFoundError):
        inbox.item_edit(store, issue.id, _id("a1"))


def test_safe_url_allows_http_only() -> None:
    assert inbox.safe_url("https://example.com/a") == "https://example.com/a"
    assert inbox.safe_url(" JavaScript:alert(1)") is None
    assert inbox.safe_url("data:text/html,x") is None
    assert inbox.safe_url(None) is None
