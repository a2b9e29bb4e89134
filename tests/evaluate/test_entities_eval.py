from pathlib import Path

import pytest

from jiance.evaluate.entities import (
    check_entity_floors,
    load_sample_gold,
    load_seed_gold,
    predict,
    sample_articles,
    score_entities,
    score_written_gold_file,
)
from jiance.pipeline import parse_path
from jiance.stages.entities import load_aliases

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / ".." / "shared"
SEED = SHARED / "seeds" / "000_8913e8f3e5978f8d.txt"
SEED_GOLD = SHARED / "eval" / "seed_entities_column1_gold.json"
FLOORS = ROOT / "evals" / "entities_floors.toml"


def test_samples_meet_floors() -> None:
    aliases = load_aliases()
    gold, units = load_sample_gold(ROOT / "evals" / "entities_samples_gold.json")
    score = score_entities(predict(sample_articles(units), aliases), gold, aliases)
    assert check_entity_floors(score, FLOORS, "samples") == []


@pytest.mark.skipif(not (SEED.exists() and SEED_GOLD.exists()), reason="seed bulletin or its gold is absent")
def test_seed_column1_meets_floors() -> None:
    aliases = load_aliases()
    articles = [a for a in parse_path(SEED).articles if a.section == "产业环境" and a.kind == "article"][:14]
    score = score_entities(predict(articles, aliases), load_seed_gold(SEED_GOLD), aliases)
    assert check_entity_floors(score, FLOORS, "seed-column1") == []
    assert score.person_precision >= 0.95


def test_written_set_meets_floors() -> None:
    score = score_written_gold_file(ROOT / "evals" / "entities_samples_gold.json")
    assert check_entity_floors(score, FLOORS, "written") == []
