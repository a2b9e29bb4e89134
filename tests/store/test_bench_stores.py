"""The stores benchmark runs end to end at a small size, on a real PostgreSQL server, and its figures
are internally consistent (both stores find the same hits; sizes and rates are positive)."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks import bench_stores


def test_bench_runs_small(pg_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JIANCE_BENCH_POSTGRES", pg_url)
    monkeypatch.setattr(bench_stores, "OUT", tmp_path / "stores.json")
    monkeypatch.setattr(bench_stores, "QUERIES", 10)
    rows = bench_stores.run([300, 600])
    assert [r["articles"] for r in rows] == [300, 600]
    for row in rows:
        assert row["sqlite_hits"] == row["postgresql_hits"] > 0  # same answers from both backends
        assert row["sqlite_import_per_s"] > 0 and row["postgresql_import_per_s"] > 0
        assert row["sqlite_mb_per_10k"] > 0 and row["postgresql_mb_per_10k"] > 0
    assert (tmp_path / "stores.json").exists()
