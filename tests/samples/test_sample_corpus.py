"""The bundled samples: valid shape, enough variety to be a fair gold, and gold of the seed's shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jiance.errors import ConfigError
from jiance.samples import check_sample, gold_records, load_sample, sample_articles_text, sample_names
from jiance.samples.corpus import iter_articles

SEED_GOLD = Path(__file__).resolve().parents[2] / ".." / "shared" / "eval" / "seed_column1_gold.json"


def _all_articles() -> list[dict]:
    return [article for name in sample_names() for _, article in iter_articles(load_sample(name))]


def _body_paragraphs() -> list[str]:
    texts = [b["text"] for a in _all_articles() for b in a["blocks"] if b["kind"] == "paragraph"]
    return texts + [p for a in _all_articles() for e in a.get("experts", []) for p in e["paragraphs"]]


def test_three_valid_samples_with_distinct_identities() -> None:
    samples = [load_sample(name) for name in sample_names()]
    assert len(samples) == 3
    assert all(check_sample(s) == [] for s in samples)
    for key in ("title", "contact", "date", "publisher", "name"):
        assert len({s[key] for s in samples}) == 3, key
    assert all("400-007-6879" not in s["contact"] and s["title"] != "信息产业监测" for s in samples)


def test_unknown_sample_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="sample-a"):
        load_sample("no-such-sample")


def test_enough_articles_and_structure() -> None:
    articles = _all_articles()
    assert len(articles) >= 40
    with_subs = [a for a in articles if any(b["kind"] == "subheading" for b in a["blocks"])]
    assert len(articles) / 4 <= len(with_subs) <= len(articles) / 2
    expert_blocks = [a["experts"] for a in articles if a.get("experts")]
    assert len(expert_blocks) >= 3 and all(2 <= len(b) <= 3 for b in expert_blocks)
    assert any(len(a["blocks"]) == 1 for a in articles), "one very short article"
    assert any(a["title"].count("：") == 1 and len(a["title"].split("：")[0]) <= 8 for a in articles)
    assert sum(1 for a in articles if " " in a["title"]) >= 10


def test_paragraph_lengths_and_special_paragraphs() -> None:
    paragraphs = _body_paragraphs()
    assert max(map(len, paragraphs)) <= 250
    short = [p for p in paragraphs if len(p) < 60]
    assert 1 <= len(short) <= 4, short
    assert any(p.endswith("？") for p in paragraphs)
    assert any(p.count("。") >= 2 and p.startswith("“") for p in paragraphs), "a quote spanning sentences"
    joined = "".join(paragraphs)
    for needle in ("同比增长", "%—", "亿元", "Wi-Fi 7", "RISC-V", "M4 Pro"):
        assert needle in joined, needle


def test_subheadings_look_like_titles() -> None:
    subs = [b["text"] for a in _all_articles() for b in a["blocks"] if b["kind"] == "subheading"]
    assert all(len(s) <= 24 and not s.endswith("。") for s in subs)
    assert any(s.endswith("？") for s in subs) and any(" " in s for s in subs)


def test_gold_counts_and_order() -> None:
    sample = load_sample("sample-a")
    records = gold_records(sample)
    articles = [a for _, a in iter_articles(sample)]
    pieces = sum(len(a.get("experts", [])) for a in articles)
    assert len(records) == len(articles) + pieces
    expert = next(r for r in records if r["kind"] == "expert_opinion")
    before = records[records.index(expert) - 1]
    assert expert["related_title"] == before["title"] and expert["title"].startswith(expert["speaker"] + "：")
    with_subs = next(r for r in records if r["subheadings"])
    assert set(with_subs["subheadings"]) <= set(with_subs["paragraphs"])


def test_gold_has_the_seed_gold_shape() -> None:
    if not SEED_GOLD.is_file():
        pytest.skip(f"seed gold not present at {SEED_GOLD}")
    seed_keys = set(json.loads(SEED_GOLD.read_text(encoding="utf-8"))["records"][0])
    ours = gold_records(load_sample("sample-b"))
    assert all(seed_keys <= set(r) for r in ours)


def test_sample_articles_text_pairs() -> None:
    pairs = sample_articles_text()
    assert len(pairs) == sum(len(gold_records(load_sample(n))) for n in sample_names())
    assert all(title and "\n" not in title and body for title, body in pairs)


def test_every_character_is_gbk_encodable() -> None:
    for name in sample_names():
        text = json.dumps(load_sample(name), ensure_ascii=False)
        bad = {ch for ch in text if not _encodes(ch)}
        assert not bad, f"{name}: not in GBK: {sorted(bad)}"


def _encodes(ch: str) -> bool:
    try:
        ch.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True
