"""The search benchmark runs end to end at a small scale and its recall is exact."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_search import run  # noqa: E402


def test_bench_runs_small(tmp_path: Path) -> None:
    figures = run(2000, results=tmp_path / "results.jsonl")
    assert figures["recall"] == 1.0 and figures["precision"] == 1.0
    assert figures["index_mb"] > 0 and figures["trigram_hits_2char"] == 0
    assert (tmp_path / "results.jsonl").read_text(encoding="utf-8").count("\n") == 11
