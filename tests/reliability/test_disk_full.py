"""A full disk and failing writes under ``jiance import``: a one-line error naming the store (no traceback),
no partial document, and once space is back a re-run that imports the rest, each file exactly once.

The small disk is a real tmpfs mounted for the test (root only; otherwise that test is skipped and says
why); the same scenario also runs everywhere with ``RLIMIT_FSIZE`` on the importing process, where the
kernel refuses writes past the limit with EFBIG. A read-only remount stands for a disk that fails writes.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.reliability.crash_child import Synthetic, synthetic_articles, write_inbox
from tests.reliability.figures import record

from jiance.workspace import init_workspace, open_store

JIANCE = str(Path(sys.executable).with_name("jiance"))
FILES = 150
COMMAND = ".venv/bin/pytest -q -p no:randomly tests/reliability/test_disk_full.py"


def _mount(*options: str, target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *options, str(target)], capture_output=True, text=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB tmpfs mounted for this test, unmounted afterwards whatever happened."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8); the RLIMIT_FSIZE test covers this case")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = _mount("-t", "tmpfs", "-o", "size=16m", "tmpfs", target=disk)
    if mounted.returncode != 0:
        pytest.skip(f"mount -t tmpfs refused here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True, check=False)


@dataclass(slots=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def paths(self, status: str) -> set[str]:
        """The files the import printed with ``status`` (imported, unchanged), each after its commit."""
        return {line.split()[1] for line in self.stdout.splitlines() if line.startswith(f"{status} ")}


def _import(workspace: Path, inbox: Path, limit_bytes: int | None = None) -> Run:
    """``jiance import`` as its own process; with ``limit_bytes`` every file it writes is capped there."""

    def capped() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        assert limit_bytes is not None
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANCE_")}
    done = subprocess.run(
        [JIANCE, "import", str(inbox), "--workspace", str(workspace)],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "400"},
        preexec_fn=capped if limit_bytes is not None else None,
        check=False,
        timeout=600,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def _assert_one_line_error(run: Run, *words: str) -> str:
    """The run failed with the project's one-line message containing ``words``, and no traceback."""
    assert run.code == 1, run.stderr[-2000:]
    assert "Traceback" not in run.stderr and "╭" not in run.stderr, run.stderr[-3000:]
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, run.stderr[-2000:]
    assert all(word in errors[0] for word in words), errors[0]
    return errors[0]


def _stored_whole(workspace: Path, made: dict[str, Synthetic]) -> tuple[set[str], list[str]]:
    """Paths of the stored documents, and every way one of them is not complete: its bytes, its one article
    with every paragraph, its search index entry, the store's integrity check."""
    problems: list[str] = []
    with open_store(workspace) as store:
        problems += store.integrity_check()
        documents = store.documents()
        for doc in documents:
            article = made[Path(str(doc.path)).name]
            stored = store.articles(document_id=doc.id)
            if doc.status != "imported" or store.get_raw(doc.id) != article.text().encode():
                problems.append(f"{doc.path}: status {doc.status} or stored bytes differ")
            if [s.article.title for s in stored] != [article.title] or list(
                stored[0].article.paragraphs
            ) != list(article.paragraphs):
                problems.append(f"{doc.path}: article missing or incomplete")
            elif store.search_ids(f"本文编号{article.number}，") != [stored[0].id]:
                problems.append(f"{doc.path}: not found by search")
        if not store.count_articles() == len(documents) == len({d.id for d in documents}):
            problems.append(f"{store.count_articles()} articles for {len(documents)} documents")
    return {str(doc.path) for doc in documents}, problems


def _fill_then_resume(
    workspace: Path,
    inbox: Path,
    made: dict[str, Synthetic],
    fill: Callable[[], Run],
    free: Callable[[], None],
    reason: str,
) -> dict[str, int]:
    """The scenario both disks share: import until the disk is full, check, free space, import again;
    ``reason`` is what SQLite says (ENOSPC is "database or disk is full", EFBIG "disk I/O error")."""
    first = fill()
    _assert_one_line_error(first, str(workspace / "jiance.db"), reason, "importing again resumes")
    before = first.paths("imported")
    assert 0 < len(before) < FILES, "the disk filled in the middle of the import"
    free()
    stored, partial = _stored_whole(workspace, made)
    assert stored == before, "exactly the files reported imported are stored"
    assert partial == []
    second = _import(workspace, inbox)
    assert second.code == 0, second.stderr[-2000:]
    assert second.paths("unchanged") == before
    assert second.paths("imported") == {str(inbox / name) for name in made} - before
    stored, problems = _stored_whole(workspace, made)
    assert stored == {str(inbox / name) for name in made}
    assert problems == []
    return {
        "files": FILES,
        "imported before the disk was full": len(before),
        "imported by the re-run": len(second.paths("imported")),
        "imported twice": len(before & second.paths("imported")),
        "documents incomplete after the failure": len(partial),
        "problems after the re-run": len(problems),
    }


@pytest.fixture
def inbox(tmp_path: Path) -> tuple[Path, dict[str, Synthetic]]:
    folder = tmp_path / "inbox"
    articles = synthetic_articles(FILES)
    write_inbox(folder, articles)
    return folder, {f"{a.number:05d}.txt": a for a in articles}


def test_full_tmpfs_stops_import_cleanly_and_a_rerun_imports_the_rest_once(
    small_disk: Path, inbox: tuple[Path, dict[str, Synthetic]]
) -> None:
    folder, made = inbox
    workspace = init_workspace(small_disk / "ws")
    ballast = small_disk / "ballast"
    ballast.write_bytes(b"\0" * (12 << 20))  # leaves about 4 MB: the WAL fills it within some 40 imports
    figures = _fill_then_resume(
        workspace, folder, made, lambda: _import(workspace, folder), ballast.unlink, "disk is full"
    )
    record("disk-full", "tmpfs of 16 MB, 12 MB taken, then freed", figures, command=f"{COMMAND} -k tmpfs")


def test_file_size_limit_stops_import_cleanly_and_a_rerun_imports_the_rest_once(
    tmp_path: Path, inbox: tuple[Path, dict[str, Synthetic]]
) -> None:
    folder, made = inbox
    workspace = init_workspace(tmp_path / "ws")
    limit = 3 << 20  # the store file and its WAL may not grow past 3 MB (EFBIG)
    figures = _fill_then_resume(
        workspace,
        folder,
        made,
        lambda: _import(workspace, folder, limit_bytes=limit),
        lambda: None,
        "disk I/O error",
    )
    record(
        "disk-full", "RLIMIT_FSIZE of 3 MB (EFBIG), then lifted", figures, command=f"{COMMAND} -k size_limit"
    )


def test_full_disk_init_is_a_one_line_error(small_disk: Path) -> None:
    """``jiance init`` on a full disk: the file it could not write and why, no traceback."""
    with open(small_disk / "ballast", "wb") as ballast:
        try:
            while True:
                ballast.write(b"\0" * 65536)
                ballast.flush()
        except OSError:
            pass
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIANCE_")}
    done = subprocess.run(
        [JIANCE, "init", str(small_disk / "ws")], capture_output=True, text=True, env=env, check=False
    )
    run = Run(done.returncode, done.stdout, done.stderr)
    assert run.code in (1, 2), run.stderr
    assert "Traceback" not in run.stderr and "╭" not in run.stderr, run.stderr[-3000:]
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "No space left on device" in errors[0], run.stderr[-2000:]


def test_read_only_disk_is_a_one_line_error_and_nothing_changes(
    small_disk: Path, inbox: tuple[Path, dict[str, Synthetic]]
) -> None:
    """A disk that refuses writes (remounted read-only under a workspace that holds some files): the
    import fails with one line naming the store; once writable again, it imports the rest once."""
    folder, made = inbox
    workspace = init_workspace(small_disk / "ws")
    some = folder.parent / "some"
    some.mkdir()
    for name in sorted(made)[:50]:
        shutil.copy(folder / name, some / name)
    assert _import(workspace, some).code == 0
    assert _mount("-o", "remount,ro", target=small_disk).returncode == 0
    try:
        refused = _import(workspace, folder)
        line = _assert_one_line_error(refused, str(workspace / "jiance.db"))
    finally:
        assert _mount("-o", "remount,rw", target=small_disk).returncode == 0
    assert refused.paths("imported") == set()
    assert _stored_whole(workspace, made) == ({str(some / name) for name in sorted(made)[:50]}, [])
    again = _import(workspace, folder)
    assert again.code == 0 and len(again.paths("imported")) == FILES - 50, again.stderr[-2000:]
    record(
        "disk-full",
        "read-only remount",
        {
            "files refused": FILES,
            "imported while read-only": len(refused.paths("imported")),
            "imported afterwards": len(again.paths("imported")),
            "one-line error naming the store": int(str(workspace / "jiance.db") in line),
        },
        command=f"{COMMAND} -k read_only",
    )
