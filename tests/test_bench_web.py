"""The web load test runs end to end at a small scale: no request fails and no edit is lost while a
collection run writes (the real figures, 50 editors, come from `make bench`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks import bench_web, harness


def test_concurrent_editors_lose_no_edit_while_collection_writes() -> None:
    result = bench_web.run_load(4, 2, collect=True)
    assert result.errors == [] and result.lost == []
    assert result.edits == 8 and set(result.latencies) == {
        "inbox",
        "search",
        "issue builder",
        "article",
        "save edit",
    }


@pytest.mark.slow
def test_the_benchmark_prints_its_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(harness, "RESULTS", tmp_path / "results.jsonl")
    monkeypatch.setenv("JIANCE_BENCH_WEB_EDITORS", "3")
    monkeypatch.setenv("JIANCE_BENCH_WEB_ROUNDS", "1")
    monkeypatch.setenv("JIANCE_BENCH_WEB_THINK_S", "0")
    monkeypatch.setenv("JIANCE_BENCH_WEB_WORKERS", "1")
    bench_web.main()
    out = capsys.readouterr().out
    assert "3 editors" in out and "lost 0" in out and "errors 0 / 0" in out
    assert (tmp_path / "results.jsonl").read_text(encoding="utf-8").count("\n") == 6
