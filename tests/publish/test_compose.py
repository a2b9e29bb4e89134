"""Composing an issue: overrides, column order, repeats of earlier issues left out, 持续跟踪 marked."""

from __future__ import annotations

from jiance.publish.compose import (
    EarlierArticle,
    compose_issue,
    composition_from_bulletin,
    composition_records,
    piece_from_article,
)
from jiance.publish.model import Composition, Issue, IssueItem
from jiance.records import Article, Bulletin

LAUNCH = Article(
    kind="article",
    title="星河通信发布“天枢二号”低轨卫星终端 首批订单达12万台",
    paragraphs=[
        "11月3日，星河通信在西安发布“天枢二号”低轨卫星直连终端，星河通信总裁林致远表示，首批订单已达12万台，将于明年一季度交付。",
        "该终端支持天通与低轨双模，待机时间提升至72小时。",
    ],
    section="企业情报",
)
DELIVERY = Article(
    kind="article",
    title="“天枢二号”卫星终端开始交付 星河通信称订单已增至20万台",
    paragraphs=[
        "星河通信11月20日宣布，“天枢二号”低轨卫星直连终端在西安工厂开始批量交付，林致远表示订单已从首批12万台增至20万台。",
        "公司计划在2027年推出面向车载市场的版本。",
    ],
    section="企业情报",
)
UNRELATED = Article(
    kind="article",
    title="欧洲航天局批准新一代导航卫星计划",
    paragraphs=["欧洲航天局理事会批准了新一代导航卫星星座计划，预算约为30亿欧元。"],
    section="海外借鉴",
)
REPRINT = Article(
    kind="article", title=LAUNCH.title + "（转载）", paragraphs=list(LAUNCH.paragraphs), section="企业情报"
)


def _issue(*articles: Article, sections: list[str] | None = None) -> Issue:
    items = [IssueItem(a.id, a.section, i) for i, a in enumerate(articles)]
    return Issue(id=2, title="信息产业监测", date="2026-11-27", sections=sections or [], items=items)


def _earlier(article: Article) -> EarlierArticle:
    return EarlierArticle(article, 1, "信息产业监测", "第1期", "2026-11-06")


def test_a_new_development_is_marked_with_a_pointer_to_the_earlier_issue() -> None:
    comp = compose_issue(
        _issue(DELIVERY, UNRELATED), {a.id: a for a in (DELIVERY, UNRELATED)}, earlier=[_earlier(LAUNCH)]
    )
    by_title = {p.title: p for p in comp.pieces}
    tracking = by_title[DELIVERY.title].tracking
    assert (
        tracking is not None and tracking.issue_number == "第1期" and tracking.article_title == LAUNCH.title
    )
    assert tracking.label() == f"持续跟踪（见第1期《{LAUNCH.title}》）"
    assert by_title[UNRELATED.title].tracking is None


def test_a_reprint_of_an_earlier_article_is_left_out_with_a_note() -> None:
    comp = compose_issue(
        _issue(REPRINT, UNRELATED), {a.id: a for a in (REPRINT, UNRELATED)}, earlier=[_earlier(LAUNCH)]
    )
    assert [p.title for p in comp.pieces] == [UNRELATED.title]
    assert len(comp.notes) == 1 and "第1期" in comp.notes[0] and REPRINT.title in comp.notes[0]


def test_overrides_and_column_order_are_applied() -> None:
    issue = _issue(DELIVERY, UNRELATED, sections=["海外借鉴", "企业情报"])
    issue.items[0].overrides = {"title": "改写的标题", "paragraphs": ["只留一段。"], "summary": "摘要"}
    comp = compose_issue(issue, {a.id: a for a in (DELIVERY, UNRELATED)})
    assert [s.name for s in comp.sections] == ["海外借鉴", "企业情报"]
    piece = comp.sections[1].pieces[0]
    assert (piece.title, piece.paragraphs, piece.summary) == ("改写的标题", ["只留一段。"], "摘要")
    assert piece.article_id == DELIVERY.id and piece.anchor == "s2-1"


def test_expert_opinion_override_rebuilds_the_title_line() -> None:
    opinion = Article(
        kind="expert_opinion",
        title="张三：算力是关键",
        paragraphs=["观点。"],
        speaker="张三",
        headline="算力是关键",
    )
    piece = piece_from_article(opinion, overrides={"headline": "网络是关键"})
    assert piece.title == "张三：网络是关键"


def test_a_bulletin_composes_as_it_stands(sample_bulletins: dict[str, Bulletin]) -> None:
    bulletin = sample_bulletins["sample-a"]
    comp: Composition = composition_from_bulletin(bulletin)
    assert [s.name for s in comp.sections] == bulletin.sections
    records = composition_records(comp)
    assert [(r["section"], r["title"], r["paragraphs"]) for r in records] == [
        (a.section, a.title, a.paragraphs) for a in bulletin.articles
    ]
    runs = [b for s in comp.sections for b in s.blocks() if isinstance(b, list)]
    assert runs and all(p.kind == "expert_opinion" for run in runs for p in run)
