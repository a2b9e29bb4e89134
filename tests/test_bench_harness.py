"""The benchmark harness measures in a child, records results as JSON lines and runs modules by name."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

# benchmarks/ is a top-level package beside src/, not installed; `python -m benchmarks` finds it from the
# repository root, and so must the tests.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.__main__ import available  # noqa: E402
from benchmarks.__main__ import main as run_benchmarks  # noqa: E402
from benchmarks.bench_decode import synthetic_text  # noqa: E402
from benchmarks.harness import Measurement, measure, ratio, report, throughput_mb_s  # noqa: E402


def _allocate_64_mb() -> None:
    block = bytearray(64 * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page so it is resident


def _fail() -> None:
    raise ValueError("boom")


def test_measure_sees_the_work_memory() -> None:
    result = measure(_allocate_64_mb, repeat=2)
    assert isinstance(result, Measurement)
    assert 0 < result.seconds_best <= result.seconds_median
    # The lower bound is the point (the child sees its own 64 MB); the upper bound only catches a peak that
    # counted the parent's heap, with room for copy-on-write pages of a big pytest worker being touched.
    assert 60 <= result.peak_rss_mb < 200


def test_measure_reports_a_failing_work() -> None:
    with pytest.raises(RuntimeError, match="ValueError: boom"):
        measure(_fail, repeat=1)


def test_ratio_and_throughput() -> None:
    assert ratio(3.0, 1.5) == "2.00×"
    assert ratio(1.0, 0.0) == "n/a"
    assert throughput_mb_s(2**21, 2.0) == 1.0


def test_report_appends_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / "results.jsonl"
    report("demo", [{"case": "a", "MB/s": 1.5}], results=results)
    report("demo", [{"case": "b", "MB/s": 2.5}], results=results)
    records = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]
    assert [r["row"]["case"] for r in records] == ["a", "b"]
    assert records[0]["machine"]["cpu_count"] >= 1
    assert "T" in records[0]["timestamp"]
    assert "demo" in capsys.readouterr().out


def test_discovery_and_unknown_names() -> None:
    assert "decode" in available()
    assert run_benchmarks(["no-such-benchmark"]) == 2


def test_synthetic_text_is_chinese_and_reproducible() -> None:
    text = synthetic_text(2000)
    assert len(text) >= 2000
    assert text == synthetic_text(2000)
    assert text.encode("gbk").decode("gb18030") == text
