"""Tags: the rule grammar, the shipped taxonomy, the statistical fallback and the floors on our own gold."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from jiance.errors import ConfigError
from jiance.records import Article
from jiance.samples.corpus import gold_records, load_sample
from jiance.stages.tags import explain, learn_profiles, load_taxonomy, parse_taxonomy, score_tags, tags_of

ROOT = Path(__file__).resolve().parents[2]
RULES = """
[[tag]]
id = "chips"
display = "芯片"
groups = [["芯片", "半导体", "!薯片"], ["+/\\\\d+nm/", "+工艺"]]
exclude = ["芯片级原子钟"]
"""


def _article(title: str, body: str = "") -> Article:
    return Article(kind="article", title=title, paragraphs=[body] if body else [])


def test_plain_words_title_weighs_more() -> None:
    tx = parse_taxonomy(RULES)
    [match] = tags_of(_article("国产芯片出货增长"), tx)
    assert (match.tag, match.via, match.score) == ("chips", "rule", 3.0)
    assert "芯片 (title×1)" in match.rule


def test_excluded_and_required_words() -> None:
    tx = parse_taxonomy(RULES)
    assert tags_of(_article("芯片和薯片", "芯片 芯片"), tx) == []
    assert tags_of(_article("新品", "采用5nm"), tx) == []  # every + word is required
    assert [m.tag for m in tags_of(_article("5nm 工艺量产"), tx)] == ["chips"]
    assert tags_of(_article("芯片级原子钟问世"), tx) == []


def test_latin_words_respect_boundaries() -> None:
    tx = load_taxonomy()
    assert "vr" not in {m.tag for m in tags_of(_article("ARM 架构服务器", "ARM ARM ARM"), tx)}
    assert "5g6g" in {m.tag for m in tags_of(_article("５Ｇ基站建设提速"), tx)}  # full width folds


def test_bad_taxonomy_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        parse_taxonomy('[[tag]]\nid = "x"\ngroups = [["/(/"]]')
    with pytest.raises(ConfigError):
        load_taxonomy(tmp_path / "missing.toml")


def test_statistical_fallback_is_marked() -> None:
    tx = parse_taxonomy(RULES)
    corpus = [_article(f"芯片{i}", "晶圆代工产能紧张，晶圆价格上涨") for i in range(4)]
    corpus += [_article(f"天气{i}", "今日多云转晴，气温回升") for i in range(4)]
    learnt = learn_profiles(tx, corpus)
    [match] = tags_of(_article("代工厂扩产", "晶圆代工产能继续紧张"), learnt)
    assert match.via == "statistical" and "晶圆" in match.rule
    assert tags_of(_article("气温回升", "多云转晴"), learnt) == []


def test_explain_names_groups_and_words() -> None:
    text = explain(_article("芯片产能", "半导体"), parse_taxonomy(RULES))
    assert "芯片 [chips]: TAGGED" in text and "半导体 (body×1)" in text


def test_default_taxonomy_has_the_ict_tags() -> None:
    names = {t.display for t in load_taxonomy().tags}
    assert {"5G/6G", "芯片与半导体", "人工智能", "数据要素", "卫星互联网", "量子科技"} <= names


def _scores() -> dict[str, tuple[float, float]]:
    gold = json.loads((ROOT / "evals" / "tags_samples_gold.json").read_text(encoding="utf-8"))["articles"]
    tx, result = load_taxonomy(), {}
    for split in ("tune", "test"):
        pairs = []
        for item in (g for g in gold if g["split"] == split):
            r = gold_records(load_sample(item["sample"]))[item["index"]]
            assert r["title"] == item["title"]
            article = Article(
                kind=r["kind"], title=r["title"], paragraphs=r["paragraphs"], headline=r.get("headline")
            )
            pairs.append(([m.tag for m in tags_of(article, tx)], item["tags"]))
        score = score_tags(pairs)
        result[split] = (score.precision, score.recall)
    return result


def test_floors_on_sample_gold() -> None:
    floors = tomllib.loads((ROOT / "evals" / "tags_floors.toml").read_text(encoding="utf-8"))["tags"]
    scores = _scores()
    for split in ("tune", "test"):
        precision, recall = scores[split]
        assert precision >= floors[f"{split}_precision"], (split, precision)
        assert recall >= floors[f"{split}_recall"], (split, recall)
