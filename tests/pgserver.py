"""A real PostgreSQL server for the tests: Debian's binaries, a temporary data directory, loopback only.

``make test`` needs nothing running beforehand: the session fixture ``pg_server`` (tests/conftest.py)
calls :func:`start` once per xdist worker, and every test that wants PostgreSQL gets a database of its own
cloned from a migrated template (``CREATE DATABASE … TEMPLATE``), which is far cheaper than migrating
each time. PostgreSQL refuses to run as root, so under root (CI) the server runs as the ``postgres`` user
that Debian's package creates. ``JIANCE_TEST_POSTGRES=postgresql://…`` points the tests at an existing
server instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PGServer", "bin_dir", "start"]


def bin_dir() -> Path:
    """The newest installed server's bin directory (Debian keeps them under /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError(
            "no PostgreSQL server binaries under /usr/lib/postgresql: run scripts/setup-system.sh"
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _runuser() -> str:
    """runuser lives in /usr/sbin, which a CI job's PATH may leave out."""
    found = shutil.which("runuser") or shutil.which("runuser", path="/usr/sbin:/sbin")
    if found is None:
        raise RuntimeError("runuser (util-linux) not found: needed to run PostgreSQL as postgres under root")
    return found


def _as_server_user(argv: list[str]) -> list[str]:
    return [_runuser(), "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@dataclass
class PGServer:
    """A running server: its data directory, port and an admin URL (trust auth, loopback only)."""

    root: Path
    port: int
    user: str = "jiance"
    owned: bool = True

    @property
    def url(self) -> str:
        return self.url_for("postgres")

    def url_for(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self, template: str | None = None) -> str:
        """Create a fresh database (optionally a copy of ``template``) and return its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url_for(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if not self.owned:
            return
        subprocess.run(
            _as_server_user(
                [str(bin_dir() / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"]
            ),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start(base: Path | None = None) -> PGServer:
    """initdb + pg_ctl start on a free loopback port; fsync off (a test server never survives a crash)."""
    root = Path(tempfile.mkdtemp(prefix="jiance-pg-", dir=base))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    bindir = bin_dir()
    data = root / "data"
    init = subprocess.run(
        _as_server_user(
            [str(bindir / "initdb"), "-D", str(data), "-E", "UTF8", "--locale=C.UTF-8", "-A", "trust",
             "-U", "jiance", "--no-sync"]
        ),
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if init.returncode != 0:
        raise RuntimeError(f"initdb failed: {init.stderr.strip()}")
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c synchronous_commit=off"
        " -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB"
    )
    started = subprocess.run(
        _as_server_user(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "server.log"),
                "-w",
                "start",
            ]
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if started.returncode != 0:
        log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()} {log[-2000:]}")
    return PGServer(root, port)


def from_environment() -> PGServer | None:
    """The server ``JIANCE_TEST_POSTGRES`` names (admin URL), or None to start one."""
    url = os.environ.get("JIANCE_TEST_POSTGRES")
    if not url:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return PGServer(Path("."), parts.port or 5432, parts.username or "postgres", owned=False)
