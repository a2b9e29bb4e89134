"""Quality measurement: score parses against gold files and hold them to the floors in ``evals/``."""

from jiance.evaluate.gold import Baseline, Floors, Gold, GoldRecord, check_floors, load_baseline, load_gold
from jiance.evaluate.parse import (
    ParseScore,
    Ratio,
    detect_furniture,
    edit_similarity,
    render_score,
    score_file,
    score_parse,
)

__all__ = [
    "Baseline",
    "Floors",
    "Gold",
    "GoldRecord",
    "ParseScore",
    "Ratio",
    "check_floors",
    "detect_furniture",
    "edit_similarity",
    "load_baseline",
    "load_gold",
    "render_score",
    "score_file",
    "score_parse",
]
