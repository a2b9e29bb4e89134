"""The analysis benchmark runs end to end at a small scale (the real figures come from `make bench`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks import bench_analysis, harness


def test_analysis_benchmark_prints_its_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(harness, "RESULTS", tmp_path / "results.jsonl")  # keep .bench/ for real runs
    monkeypatch.setenv("JIANCE_BENCH_ANALYSIS_ARTICLES", "200")
    bench_analysis.main()
    out = capsys.readouterr().out
    assert "analysis of 200 synthetic articles" in out
    for work in ("figures_of", "entities_of", "column suggest", "duplicate_groups", "events"):
        assert work in out
    assert "analyze_articles (whole)" in out and "caps:" in out
    assert (tmp_path / "results.jsonl").read_text(encoding="utf-8").count("\n") >= 9


def test_synthetic_articles_differ_and_repeat() -> None:
    first = bench_analysis.synthetic_articles(120)
    assert len({article.body for article in first}) == 120
    assert all(article.title and article.paragraphs for article in first)
    again = bench_analysis.synthetic_articles(120)
    assert [a.body for a in again] == [a.body for a in first]
