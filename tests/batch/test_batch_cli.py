"""``jiance batch import|analyze`` against a scheduler and a worker started here on loopback
(``--scheduler tcp://…``): the same output lines, exit code and stored results as the in-process commands.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import run_cli

from jiance.workspace import init_workspace, open_store


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A real ``dask scheduler`` and one ``dask worker`` process on 127.0.0.1."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).with_name("dask"))
    procs = [
        subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        procs.append(
            subprocess.Popen(
                [dask, "worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
                # PDF/DOCX parsing forks a sandbox child: workers must not be daemonic (docs/batch.md)
                env={**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=30)


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_batch_import_and_analyze_on_a_scheduler(scheduler: str, inbox: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    local, batch = init_workspace(tmp_path / "local"), init_workspace(tmp_path / "batch")
    expected = run_cli("import", str(inbox), str(broken), "-w", str(local))
    got = run_cli("batch", "import", str(inbox), str(broken), "-w", str(batch), "--scheduler", scheduler)
    assert expected.exit_code == 1 and got.exit_code == 1, got.output  # the broken file fails in both
    assert _lines(got.stdout) == _lines(expected.stdout), repr(got.exception)
    assert "bad.pdf" in got.stderr and "bad.pdf" in expected.stderr
    again = run_cli("batch", "import", str(inbox), "-w", str(batch), "--scheduler", scheduler)
    assert again.exit_code == 0 and all(line.startswith("unchanged") for line in _lines(again.stdout)[:5])

    expected = run_cli("analyze", "-w", str(local))
    got = run_cli("batch", "analyze", "-w", str(batch), "--scheduler", scheduler, "--partition-size", "15")
    assert got.exit_code == 0, got.output
    assert _lines(got.stdout) == _lines(expected.stdout), repr(got.exception)
    with open_store(local) as a, open_store(batch) as b:
        for stage in ("duplicate_group", "event"):
            assert sorted(b.stage_results(stage)) == sorted(a.stage_results(stage))
            assert len(a.stage_results(stage)) == a.count_articles()


def test_a_bad_scheduler_address_is_a_usage_error(workspace: Path) -> None:
    result = run_cli("batch", "analyze", "-w", str(workspace), "--scheduler", "127.0.0.1:1")
    assert result.exit_code == 2
    assert "tcp://HOST:PORT" in result.stderr
