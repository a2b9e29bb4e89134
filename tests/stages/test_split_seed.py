"""The seed bulletin (read from /work/shared at run time, never copied): columns, metadata, experts, joins."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiance.evaluate import load_gold, score_file
from jiance.pipeline import parse_path
from jiance.records import EXPERT_OPINION, Bulletin

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SEED = SHARED / "seeds" / "000_8913e8f3e5978f8d.txt"
GOLD = SHARED / "eval" / "seed_column1_gold.json"

pytestmark = pytest.mark.skipif(not SEED.exists(), reason=f"the seed bulletin is not there ({SEED})")

COLUMNS = ["产业环境", "运营竞争", "技术情报", "企业情报", "海外借鉴"]
SPEAKERS = ["王恩东", "孟樸", "熊伟", "耿怡", "刘鸿惠", "鲍永哲", "袁钰", "于路"]
CHIP_TITLE = "工信部：汽车芯片短缺问题预计四季度有所缓解"
HUNAN_TITLE = "湖南省功率半导体产业对接会举行 为半导体产业发展贡献“湖南力量”"


@pytest.fixture(scope="module")
def seed() -> Bulletin:
    return parse_path(SEED)


def test_columns_in_order(seed: Bulletin) -> None:
    assert seed.sections == COLUMNS
    order = [a.section for a in seed.articles]
    assert [c for i, c in enumerate(order) if i == 0 or order[i - 1] != c] == COLUMNS


def test_issue_metadata(seed: Bulletin) -> None:
    issue = seed.issue
    assert (issue.title, issue.date) == ("信息产业监测", "2021-10-21")
    assert issue.contact == "400-007-6879"
    assert issue.copyright is not None and issue.copyright.startswith("©2021")


def test_expert_pieces(seed: Bulletin) -> None:
    pieces = [a for a in seed.articles if a.kind == EXPERT_OPINION]
    assert len(pieces) == 8
    for piece, name in zip(pieces, SPEAKERS, strict=True):
        assert piece.speaker is not None and name in piece.speaker
        assert piece.headline and piece.related_title and piece.paragraphs
        assert piece.title == f"{piece.speaker}：{piece.headline}"


def test_no_furniture_in_bodies(seed: Bulletin) -> None:
    assert seed.issue.copyright
    for article in seed.articles:
        for text in [article.title, *article.paragraphs]:
            assert "Page " not in text, article.title
            assert seed.issue.copyright not in text, article.title
    reasons = {f.reason for f in seed.furniture}
    assert reasons == {"running-header-footer", "page-number"}


def test_paragraph_rejoined_across_the_page_footer(seed: Bulletin) -> None:
    if not GOLD.exists():
        pytest.skip(f"the seed gold is not there ({GOLD})")
    gold = next(r for r in load_gold(GOLD).records if r.title == CHIP_TITLE)
    article = next(a for a in seed.articles if a.title == CHIP_TITLE)
    assert article.paragraphs[0] == gold.paragraphs[0]


def test_two_line_title_rejoined(seed: Bulletin) -> None:
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    assert HUNAN_TITLE not in lines  # the dump wraps it over two lines
    article = next(a for a in seed.articles if a.title == HUNAN_TITLE)
    assert article.section == "运营竞争"


def test_latin_words_joined_with_a_space(seed: Bulletin) -> None:
    text = "\n".join(a.body for a in seed.articles)
    assert "MacBook Pro" in text and "MacBookPro" not in text
    assert "Ken Pillonel" in text and "KenPillonel" not in text


def test_column_one_against_gold() -> None:
    if not GOLD.exists():
        pytest.skip(f"the seed gold is not there ({GOLD})")
    metrics = score_file(SEED, load_gold(GOLD)).metrics()
    assert metrics["title_recall"] >= 0.85
    assert metrics["column_accuracy"] == 1.0
    assert metrics["furniture_leaks"] == 0
