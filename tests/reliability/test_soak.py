"""The soak's smoke run (``make soak`` runs the long one): 10 s, 20 sources, 2 editors, everything real —
``jiance watch``, ``jiance serve --workers 2``, the loopback site — and every figure the soak reports is
measured (latencies of each route, RSS of each process, the WAL, collection progress, failed sources)."""

from __future__ import annotations

import pytest
from tests.reliability.soak import figures_of, memory_growth, run_soak

pytestmark = pytest.mark.slow


def test_a_short_soak_collects_serves_and_measures_without_errors() -> None:
    result = run_soak(10, 20, 2, sample_s=1.0, think_s=0.2, schedule="5s")
    figures = figures_of(result)
    assert result.errors == [] and result.crashed == []
    assert set(result.latencies) == {"inbox", "search", "issue builder", "article", "sources", "save edit"}
    assert all(len(v) >= 1 for v in result.latencies.values())
    assert len(result.rss) >= 5 and len(result.wal) == len(result.rss)
    labels = set(memory_growth(result))
    assert {"soak (site, editors)", "watch", "serve"} <= labels and any("worker" in x for x in labels)
    assert figures["articles collected"] > 0
    assert result.runs_finished > 0 and result.runs_failed >= 3  # a 500, a cut connection, a 404 of 20
    assert result.site_requests > 20
