"""Same-event clusters: the seed's two double reports, the samples' distinct stories, reasons given."""

from __future__ import annotations

import tomllib
from itertools import combinations
from pathlib import Path

import pytest

from jiance.records import Article, Entity, Figure
from jiance.samples.corpus import gold_records, load_sample, sample_names
from jiance.stages.events import EventInfo, events

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / ".." / "shared" / "seeds"
FLOORS = tomllib.loads((ROOT / "evals" / "dedup_floors.toml").read_text(encoding="utf-8"))["events"]

# Two reports of one (invented) press conference, written for this test in different words.
FIRST = Article(
    kind="article",
    title="通信管理部门：前三季度新建光缆线路超过300万公里",
    paragraphs=[
        "11月3日，某省新闻办举行发布会，省通信管理局局长陈望舒介绍，前三季度全省新建光缆线路312万公里，"
        "千兆用户达到864万户。",
        "陈望舒表示，下一步将推动算力网络向县城延伸。",
    ],
)
SECOND = Article(
    kind="article",
    title="光缆建设提速 千兆用户规模扩大",
    paragraphs=[
        "在3日召开的新闻发布会上，省通信管理局负责人陈望舒说，全省千兆用户已有864万户，"
        "新建光缆312万公里，位居全国前列。",
        "他还提到，县城算力设施将纳入明年规划。",
    ],
)


def seed_articles() -> list[Article]:
    found = sorted(SEEDS.glob("000_*.txt"))
    if not found:
        pytest.skip("seed bulletin not present in /work/shared/seeds")
    from jiance.pipeline import parse_path

    return parse_path(found[0]).articles


def by_title(articles: list[Article], start: str) -> Article:
    return next(a for a in articles if a.title.startswith(start))


def test_seed_double_reports_share_an_event_with_reasons() -> None:
    articles = seed_articles()
    result = events(articles)
    found = 0
    for first, second in [("工信部：汽车芯片", "工业通信业热点"), ("大型互联网科技平台", "大数据与隐私")]:
        a, b = by_title(articles, first), by_title(articles, second)
        found += result[a.id].event_id == result[b.id].event_id
        assert result[a.id].reasons and result[b.id].reasons
    assert found >= FLOORS["seed_pairs_found"]
    reasons = " ".join(result[by_title(articles, "大型互联网科技平台").id].reasons)
    assert "易纲" in reasons


def test_seed_unrelated_articles_stay_apart() -> None:
    articles = seed_articles()
    result = events(articles)
    unrelated = [
        "工信部：汽车芯片",
        "大型互联网科技平台",
        "阿里发布自研",
        "苹果史上最强芯片",
        "爱立信在华",
        "习近平：",
    ]
    chosen = [by_title(articles, title) for title in unrelated]
    wrong = sum(result[a.id].event_id == result[b.id].event_id for a, b in combinations(chosen, 2))
    assert wrong <= FLOORS["seed_false_pairs_max"]


def test_distinct_sample_stories_are_distinct_events() -> None:
    articles = [
        Article(kind=r["kind"], title=r["title"], paragraphs=list(r["paragraphs"]))
        for name in sample_names()
        for r in gold_records(load_sample(name))
    ]
    result = events(articles)
    assert len({info.event_id for info in result.values()}) == len(articles)


def test_same_event_in_other_words_is_joined_and_explained() -> None:
    result = events([FIRST, SECOND])
    assert result[FIRST.id].event_id == result[SECOND.id].event_id == min(FIRST.id, SECOND.id)
    joined = " ".join(result[FIRST.id].reasons)
    assert "person：陈望舒" in joined and "figure：864万户" in joined


def test_one_shared_name_is_not_an_event() -> None:
    other = Article(
        kind="article", title="另一件事", paragraphs=["省通信管理局局长陈望舒表示，将开展防诈宣传。"]
    )
    result = events([FIRST, other])
    assert result[FIRST.id].event_id != result[other.id].event_id
    assert result[other.id] == EventInfo(other.id, [])


def test_stage_results_replace_the_patterns() -> None:
    person = [Entity(name="陈望舒", type="person")]
    figure = [Figure(raw="864万户", value=864.0, unit="万户", kind="count", sentence="")]
    result = events(
        [FIRST, SECOND],
        entities={FIRST.id: person, SECOND.id: person},
        figures={FIRST.id: figure, SECOND.id: figure},
    )
    assert result[FIRST.id].event_id == result[SECOND.id].event_id
    assert result[FIRST.id].to_record()["event_id"] == result[FIRST.id].event_id


def test_candidate_pairs_miss_no_link_of_the_all_pairs_comparison() -> None:
    from collections import Counter

    from jiance.samples.corpus import iter_articles, load_sample, sample_names
    from jiance.stages import events as ev

    articles = [
        Article("article", a["title"], [b["text"] for b in a["blocks"]], section=s)
        for name in sample_names()
        for s, a in iter_articles(load_sample(name))
    ]
    if sorted(SEEDS.glob("000_*.txt")):
        articles += seed_articles()
    evidence = [ev.article_evidence(a) for a in articles]
    ev._share_names(articles, evidence)
    df: Counter[tuple[str, str]] = Counter(
        (kind, item) for e in evidence for kind, items in e.items.items() for item in items
    )
    weights = ev.item_weights(df, len(evidence))
    brute = []
    for i in range(len(evidence)):
        for j in range(i + 1, len(evidence)):
            score, reasons = ev._pair_score(evidence[i], evidence[j], weights)
            kinds = {ev._KIND_CLASS.get(r.split("：", 1)[0], r.split("：", 1)[0]) for r in reasons}
            if score >= ev.LINK_SCORE and len(kinds - {"term"}) >= 1 and len(kinds) >= ev.LINK_KINDS:
                brute.append((i, j))
    assert [(i, j) for i, j, _, _ in ev.event_links(evidence)] == brute
