"""`jiance watch` for real: a child process collects a loopback site on schedule and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jiance.samples.site import SampleSite, serve_site
from jiance.workspace import init_workspace, open_store


def _workspace(tmp_path: Path, base: str, pages: int) -> Path:
    workspace = init_workspace(tmp_path / "ws")
    (workspace / "jiance.toml").write_text(
        "fetch_host_delay_ms = 0\n"
        "[[sources]]\n"
        'name = "样例动态"\nkind = "page"\n'
        f'url = "{base}/list/0.html"\n'
        'links = "ul.list a"\nnext = "a.next"\n'
        f'max_pages = {pages}\nallow_private = true\nschedule = "1h"\n',
        encoding="utf-8",
    )
    return workspace


def _articles(workspace: Path) -> int:
    with open_store(workspace) as store:
        return store.count_articles()


def test_watch_collects_then_stops_on_sigterm(tmp_path: Path) -> None:
    site = SampleSite(40, per_list=10)
    with serve_site(site) as base:
        workspace = _workspace(tmp_path, base, site.lists)
        child = subprocess.Popen(
            [sys.executable, "-m", "jiance.cli", "watch", "--grace", "10", "--workspace", str(workspace)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            deadline = time.monotonic() + 60
            while _articles(workspace) < 40 and time.monotonic() < deadline and child.poll() is None:
                time.sleep(0.2)
            assert _articles(workspace) == 40
            child.send_signal(signal.SIGTERM)
            stdout, stderr = child.communicate(timeout=20)
        finally:
            if child.poll() is None:
                child.kill()
    assert child.returncode == 0, stderr
    assert "finished" in stdout and "样例动态" in stdout and "stopped" in stdout
    with open_store(workspace) as store:
        assert store.integrity_check() == []
