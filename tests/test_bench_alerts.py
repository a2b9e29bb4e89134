"""The alerts benchmark runs end to end at a tiny scale (the real figures come from `make bench`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks import bench_alerts, harness


def test_alerts_benchmark_prints_rates_and_its_peer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(harness, "RESULTS", tmp_path / "results.jsonl")
    monkeypatch.setenv("JIANCE_BENCH_ALERTS_ARTICLES", "300")
    monkeypatch.setenv("JIANCE_BENCH_ALERTS_RULES", "20")
    monkeypatch.setenv("JIANCE_BENCH_ALERTS_FIRST_ARTICLES", "300")
    figures = bench_alerts.main()
    out = capsys.readouterr().out
    assert "alerts: 20 rules over 300 new articles in a store of 300" in out  # the everyday run
    assert "alerts: 2 rules over 300 synthetic articles" in out  # the first run (a tenth of the rules)
    assert "naive per-rule scan" in out and "ratio" in out
    assert figures["hits"] > 0 and figures["ours_rules_s"] > 0 and figures["peer_rules_s"] > 0
    assert figures["incremental"]["hits"] > 0 and figures["incremental"]["rules_s"] > 0


def test_synthetic_rules_alternate_queries_and_taxonomy_rules() -> None:
    rules = bench_alerts.synthetic_rules(10, bench_alerts.synthetic_articles(50))
    assert [r.query is not None for r in rules] == [True, False] * 5
    assert all(r.tag is not None for r in rules[1::2])
