"""Trends on synthetic dated articles written for these tests: a term that jumps in the last week, a steady
term that does not, entity bursts, a story followed across three issues, and figure series with a 万/亿
slip, a falling cumulative total and a sign flip; then the ``jiance trends`` commands."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiance.cli import app
from jiance.errors import ConfigError
from jiance.figures_index import SeriesPoint
from jiance.publish.issues import add_to_issue, new_issue
from jiance.records import Article, Document, IssueMeta
from jiance.store.sqlite import SQLiteStore
from jiance.trends import burst_highlights, bursts, series_check, series_view, threads
from jiance.workspace import init_workspace, open_store

WEEK_END = date(2026, 3, 15)  # a Sunday: the week is 2026-03-09 … 03-15
MONDAY = date(2026, 3, 9)
COMPANIES = ["甲航天", "乙通信", "丙科技", "丁电子", "戊卫星", "己集团", "庚数据", "辛信息"]
VERBS = ["启动试验", "发布规划", "完成测试", "签署合作", "扩大投资", "公布进展", "组建团队"]
FILLER = ["光纤宽带用户稳步增长", "数据中心能耗管理", "工业软件国产替代", "移动支付安全治理"]


def _save(store: SQLiteStore, articles: list[Article]) -> list[str]:
    raw = "\n".join(a.id for a in articles).encode()
    doc = Document(hashlib.sha256(raw).hexdigest(), f"/in/{len(raw)}.txt", "text/plain", len(raw), "imported")
    store.save_import(doc, raw, articles)
    return [a.id for a in articles]


def _article(title: str, day: date, body: str = "", **kw: object) -> Article:
    text = body or f"{title}方面有新进展。{title}相关工作持续推进，业内关注{title}。"
    return Article("article", title, [text], published_at=day.isoformat(), **kw)  # type: ignore[arg-type]


def _hot(who: str, day: date, term: str = "卫星互联网") -> Article:
    body = f"{who}宣布投入{term}。业内认为，{term}将与地面网络互补，{who}年内将推动{term}的应用。"
    verb = VERBS[sum(map(ord, who)) % len(VERBS)]
    return _article(f"{term}：{who}{verb}", day, body)


def _week(week: int, n_hot: int, n_steady: int = 1) -> list[Article]:
    """Articles of week ``week`` (0 = this week, 5 = five weeks back): fillers plus the tracked terms."""
    day = MONDAY - timedelta(weeks=week) + timedelta(days=2)
    found = [_article(f"{topic}第{week}周", day) for topic in FILLER]
    found += [_hot(f"{COMPANIES[i]}第{week}周", day) for i in range(n_hot)]
    found += [_article(f"云计算服务价格调整第{week}周{i}", day) for i in range(n_steady)]
    return found


@pytest.fixture
def store(tmp_path: Path) -> SQLiteStore:
    s = SQLiteStore(tmp_path / "s.db")
    # 卫星互联网: 1,1,1,1,2 in the five weeks before, 6 this week; 云计算: 3 every week.
    for week, hot in ((5, 1), (4, 1), (3, 1), (2, 1), (1, 2), (0, 6)):
        _save(s, _week(week, hot, n_steady=3))
    return s


def test_a_term_that_jumps_this_week_is_the_top_burst(store: SQLiteStore) -> None:
    found = bursts(store, week_end=WEEK_END)
    top = found[0]
    assert top.name == "卫星互联网"
    assert top.count == 6 and top.weekly == [1, 1, 1, 1, 2, 6]
    assert top.mean == 1.2 and top.ratio == 5.0 and top.z > 2
    assert top.weeks[-1] == MONDAY.isoformat() and len(top.article_ids) == 6


def test_a_steady_term_is_not_a_burst(store: SQLiteStore) -> None:
    names = {b.name for b in bursts(store, week_end=WEEK_END, top=100)}
    assert "云计算服务价格调整" not in names and not any("云计算" in n for n in names)


def test_pieces_of_a_burst_term_are_not_listed_again(store: SQLiteStore) -> None:
    names = [b.name for b in bursts(store, week_end=WEEK_END, top=100)]
    assert "卫星互联网" in names
    assert not [n for n in names if n != "卫星互联网" and n in "卫星互联网"]


def test_articles_after_week_end_and_empty_weeks_do_not_count(store: SQLiteStore) -> None:
    # Next week's articles are outside the window; this week seen from Wednesday still has all six.
    _save(store, [_hot(f"{c}九号", WEEK_END + timedelta(days=3)) for c in COMPANIES[:5]])
    assert bursts(store, week_end=MONDAY + timedelta(days=2))[0].count == 6
    # Seen from a week with nothing before it there is no baseline, so no burst.
    assert bursts(store, week_end=MONDAY - timedelta(weeks=5) + timedelta(days=6)) == []


def test_minimum_count_keeps_small_jumps_out(store: SQLiteStore) -> None:
    _save(store, [_hot(c, MONDAY + timedelta(days=1), "量子密钥") for c in COMPANIES[:2]])
    assert "量子密钥" not in {b.name for b in bursts(store, week_end=WEEK_END, top=100)}
    loose = bursts(store, week_end=WEEK_END, top=100, min_count=2)
    assert [(b.count, b.ratio) for b in loose if b.name == "量子密钥"] == [(2, None)]


def test_the_issue_date_dates_an_article_before_its_publication(store: SQLiteStore) -> None:
    old = MONDAY - timedelta(weeks=8)
    late = [
        _article(
            f"{c}旧闻", old, _hot(c, old).body, issue=IssueMeta(date=(MONDAY + timedelta(days=1)).isoformat())
        )
        for c in COMPANIES[6:]
    ]
    _save(store, late)
    assert bursts(store, week_end=WEEK_END)[0].count == 8


def test_entity_bursts_come_from_the_entities_stage(store: SQLiteStore) -> None:
    for stored in store.articles():
        day = date.fromisoformat(stored.article.published_at or "")
        hot = "卫星互联网" in stored.article.title and day >= MONDAY
        names = ["星网公司"] if hot else ["工信部"]
        store.save_analysis(stored.id, "entities", [{"name": n, "type": "organization"} for n in names], "1")
    found = bursts(store, week_end=WEEK_END, kind="entity")
    assert [b.name for b in found] == ["星网公司"]
    assert found[0].type == "organization" and found[0].ratio is None and found[0].count == 6


def test_bursts_need_two_weeks(store: SQLiteStore) -> None:
    with pytest.raises(ConfigError):
        bursts(store, week_end=WEEK_END, weeks=1)


def test_highlights_are_ready_for_the_issue(store: SQLiteStore) -> None:
    lines = burst_highlights(store, WEEK_END)
    assert lines[0] == "「卫星互联网」本周提及 6 篇，为前五周均值的 5 倍"
    assert burst_highlights(store, WEEK_END, weeks=3)[0] == "「卫星互联网」本周提及 6 篇，为前两周均值的 4 倍"


# -- threads -----------------------------------------------------------------------------------------------


def _entities(store: SQLiteStore, article_id: str, *names: str) -> None:
    store.save_analysis(article_id, "entities", [{"name": n, "type": "organization"} for n in names], "1")


def _issue_with(store: SQLiteStore, title: str, day: str, article_ids: list[str]) -> int:
    issue = new_issue(store, title, date=day)
    add_to_issue(store, issue.id, article_ids, allow_repeats=True)
    return issue.id


def test_a_story_followed_across_issues_is_one_thread(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "t.db")
    day = date(2026, 1, 5)
    a1, a2, a3, b1, b2, c1, c2, *fill = _save(
        store, [_article(f"报道{name}", day) for name in ("量子干线开通", "量子干线扩容", "量子干线验收",
                                                         "甲", "乙", "丙", "丁", "戊", "己", "庚")]
    )  # fmt: skip
    _entities(store, a1, "国盾量子", "京沪干线", "工信部")
    _entities(store, a2, "国盾量子", "京沪干线", "工信部")
    _entities(store, a3, "工信部")
    _entities(store, b1, "某某研究院", "工信部")
    _entities(store, b2, "某某研究院")
    _entities(store, c1, "丙公司", "丁公司")
    _entities(store, c2, "丙公司", "丁公司", "工信部")
    store.save_analysis(a2, "event", {"event_id": a2, "reasons": []}, "1")
    store.save_analysis(a3, "event", {"event_id": a2, "reasons": ["date：1月5日"]}, "1")
    first = _issue_with(store, "第1期", "2026-01-05", [a1, b1, c1, c2, fill[0]])
    second = _issue_with(store, "第2期", "2026-01-12", [a2, b2, fill[1]])
    third = _issue_with(store, "第3期", "2026-01-19", [a3, fill[2]])

    found = threads(store)
    assert len(found) == 1
    thread = found[0]
    assert [(e.issue_id, e.article_id) for e in thread.entries] == [(first, a1), (second, a2), (third, a3)]
    assert [e.date for e in thread.entries] == ["2026-01-05", "2026-01-12", "2026-01-19"]
    assert thread.issues == 3 and thread.label == "报道量子干线开通"
    assert thread.reasons == ["共同实体：京沪干线、国盾量子", "同一事件"]
    assert threads(store, min_issues=4) == []
    assert thread.to_record()["entries"][0]["issue_title"] == "第1期"


# -- figure series -----------------------------------------------------------------------------------------


def _points(*values: float, sentence: str = "新增用户数") -> list[SeriesPoint]:
    return [
        SeriesPoint(f"2026-0{i + 1}-01", v, f"{v:g}", f"a{i}", f"第{i + 1}期", f"{sentence}{v:g}")
        for i, v in enumerate(values)
    ]


def test_a_wan_slip_is_flagged_once() -> None:
    warnings = series_check(_points(100, 120, 1_300_000, 140))
    assert [(w.kind, w.date, w.previous_value) for w in warnings] == [("magnitude", "2026-03-01", 120)]
    assert "万" in warnings[0].message and "10^4" in warnings[0].message


def test_a_yi_slip_either_way_is_flagged() -> None:
    assert "亿" in series_check(_points(3.2, 3.5e8))[0].message
    shrunk = series_check(_points(2.5e9, 2.7e9, 27.5))
    assert shrunk[0].kind == "magnitude" and "小" in shrunk[0].message


def test_ordinary_growth_is_not_flagged() -> None:
    assert series_check(_points(10, 100, 95, 1000, 800)) == []


def test_a_cumulative_total_that_falls_or_flips_sign_is_flagged() -> None:
    drop = series_check(_points(100, 120, 110, 130, sentence="累计用户"))
    assert [(w.kind, w.value) for w in drop] == [("drop", 110)]
    flip = series_check(_points(100, -120), cumulative=True)
    assert [w.kind for w in flip] == ["sign"]
    assert series_check(_points(100, 120, 110)) == []  # not a running total: a fall is news, not a slip


def _figure(subject: str, value: float, raw: str, unit: str) -> dict[str, object]:
    sentence = f"{subject}达到{raw}。"
    return {
        "raw": raw,
        "value": value,
        "unit": unit,
        "kind": "count",
        "subject": subject,
        "sentence": sentence,
    }


def test_series_view_checks_and_draws_the_stored_series(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "f.db")
    values = [(date(2026, 1, 5), 310.0, "310万"), (date(2026, 1, 12), 325.0, "325万"),
              (date(2026, 1, 19), 3_400_000.0, "340万"), (date(2026, 1, 26), 352.0, "352万")]  # fmt: skip
    for day, value, raw in values:
        (article_id,) = _save(store, [_article(f"基站建设{day}", day)])
        store.save_analysis(article_id, "figures", [_figure("5G基站累计", value, raw, "万个")], "1")
    view = series_view(store, "5G基站", "万个")
    assert [p.value for p in view.points] == [v for _, v, _ in values]
    assert [(w.kind, w.date) for w in view.warnings] == [("magnitude", "2026-01-19")]
    assert view.svg is not None and view.svg.lstrip().startswith("<svg")
    assert series_view(store, "不存在", "个").svg is None


# -- CLI ---------------------------------------------------------------------------------------------------


def test_cli_bursts_threads_and_series(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    with open_store(ws) as s:
        for week, hot in ((2, 1), (1, 1), (0, 6)):
            s.save_import(*_doc(_week(week, hot)))
    runner = CliRunner()
    result = runner.invoke(app, ["trends", "bursts", "--week-end", "2026-03-15", "--weeks", "3", "-f", "json",
                                 "-w", str(ws)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["name"] == "卫星互联网"
    table = runner.invoke(
        app, ["trends", "bursts", "--week-end", "2026-03-15", "--weeks", "3", "-w", str(ws)]
    )
    assert "卫星互联网" in table.stdout
    lines = runner.invoke(
        app, ["trends", "bursts", "--week-end", "2026-03-15", "--weeks", "3", "--highlights", "-w", str(ws)]
    )
    assert "「卫星互联网」本周提及 6 篇，为前两周均值的 6 倍" in lines.stdout
    assert runner.invoke(app, ["trends", "bursts", "--week-end", "soon", "-w", str(ws)]).exit_code == 2
    threads_out = runner.invoke(app, ["trends", "threads", "-f", "json", "-w", str(ws)])
    assert threads_out.exit_code == 0 and json.loads(threads_out.stdout) == []
    series = runner.invoke(app, ["trends", "series", "5G基站", "万个", "-f", "json", "-w", str(ws)])
    assert json.loads(series.stdout) == {"subject": "5G基站", "unit": "万个", "points": [], "warnings": []}


def _doc(articles: list[Article]) -> tuple[Document, bytes, list[Article]]:
    raw = "\n".join(a.id for a in articles).encode()
    return Document(hashlib.sha256(raw).hexdigest(), None, "text/plain", len(raw), "imported"), raw, articles


def test_the_week_s_bursts_are_added_to_an_issue_s_highlights(store: SQLiteStore) -> None:
    from jiance.publish.issues import get_issue, set_highlights, with_trend_highlights

    issue = new_issue(store, "信息产业监测", date=WEEK_END.isoformat())
    set_highlights(store, issue.id, ["编辑写的第一条"])
    lines = with_trend_highlights(store, get_issue(store, issue.id))
    assert lines[0] == "编辑写的第一条" and any("卫星互联网" in line for line in lines[1:])
    assert lines[1:] == burst_highlights(store, WEEK_END)[: len(lines) - 1]
    set_highlights(store, issue.id, lines)
    assert with_trend_highlights(store, get_issue(store, issue.id)) == lines  # nothing added twice
