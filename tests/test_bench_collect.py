"""The collection benchmark runs end to end at a small scale (the real figures come from `make bench`)."""

from __future__ import annotations

import pytest
from benchmarks import bench_collect


def test_collect_benchmark_runs_small(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JIANCE_BENCH_COLLECT_PAGES", "60")
    bench_collect.main()
    out = capsys.readouterr().out
    assert "collection of 60 pages" in out and "trafilatura alone" in out


def test_site_has_unique_articles_behind_list_pages() -> None:
    from jiance.samples.site import SampleSite

    site = SampleSite(120)
    articles = [p for p in site.pages if p.startswith("/a/")]
    assert len(articles) == 120 and site.lists == 3
    assert len({site.pages[p] for p in articles}) == 120
