"""The figures scorer, and the stage's floors on the seed gold and on our held-out sample gold."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiance.evaluate.figures import (
    check_figure_floors,
    load_figure_floors,
    score_figures,
    score_sample_gold,
    score_seed,
)

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / ".." / "shared"
SEED = SHARED / "seeds" / "000_8913e8f3e5978f8d.txt"
SEED_GOLD = SHARED / "eval" / "seed_figures_gold.json"
FLOORS = load_figure_floors(ROOT / "evals" / "figures_floors.toml")


def _fig(raw: str, **fields: object) -> dict[str, object]:
    return {"article": "a", "raw": raw, "value": 1.0, "unit": "个", "kind": "count", **fields}


def test_scorer_pairs_repeated_raws_and_counts_misses() -> None:
    gold = [_fig("1个"), _fig("1个"), _fig("2家", unit="家")]
    predicted = [_fig("1个"), _fig("3 %", unit="%")]
    score = score_figures(predicted, gold)
    assert (score.matched, score.precision, score.recall) == (1, 0.5, 1 / 3)
    assert score.missed == [("a", "1个"), ("a", "2家")]
    assert score.spurious == [("a", "3%")]


def test_scorer_field_accuracy_only_over_matches() -> None:
    score = score_figures([_fig("1个", unit="家")], [_fig("1个")])
    assert score.accuracy("unit") == 0.0
    assert score.accuracy("value") == 1.0
    assert score.wrong == [("a", "1个", "unit")]


def test_floor_check_reports_shortfalls() -> None:
    score = score_figures([], [_fig("1个")])
    assert check_figure_floors(score, {"recall": 0.9, "nope": 1.0}) == [
        "recall 0.000 < floor 0.900",
        "unknown metric 'nope'",
    ]


def test_held_out_samples_meet_floors() -> None:
    score = score_sample_gold(ROOT / "evals" / "figures_samples_gold.json")
    assert check_figure_floors(score, FLOORS["samples"]) == []


@pytest.mark.skipif(not SEED.exists() or not SEED_GOLD.exists(), reason="seed bulletin or its gold is absent")
def test_seed_gold_meets_floors() -> None:
    score = score_seed(SEED, SEED_GOLD)
    assert score.gold == 45
    assert check_figure_floors(score, FLOORS["seed"]) == []
