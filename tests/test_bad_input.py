"""A batch of broken files between good ones: each bad file fails with its reason, the rest is imported.

The bad files are the ones real inboxes receive (empty, binary, truncated, encrypted, scanned, a DOCX zip
bomb, an oversized dump, undecodable text, a path that vanished); a PDF whose content stream keeps
pdfminer busy for seconds checks that ``parse_timeout_s`` really stops a parser.
"""

from __future__ import annotations

import io
import shutil
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import Result

from conftest import TEXT_SAMPLE, run_cli
from jiance.records import Document
from jiance.workspace import init_workspace, open_store

# file name -> the reason code its failed document must carry
BAD = {
    "02-empty.txt": "empty",
    "03-binary.txt": "unsupported-format",
    "05-truncated.pdf": "corrupt",
    "06-encrypted.pdf": "encrypted",
    "07-scanned.pdf": "no-text-layer",
    "09-bomb.docx": "too-large",
    "10-big.txt": "too-large",
    "12-mojibake.txt": "undecodable",
}
GOOD = {
    "01-good.txt": TEXT_SAMPLE,
    "04-good.pdf": "sample-b.pdf",
    "08-good.docx": "sample-c.docx",
    "11-good.html": "sample-a.html",
}
MISSING = "13-missing.txt"


def zip_bomb(inflated_mb: int = 80) -> bytes:
    """A DOCX-shaped zip whose word/document.xml inflates to ``inflated_mb`` MB of one repeated tag."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", b"<w:p/>" * (inflated_mb * 2**20 // 6))
    return out.getvalue()


def slow_pdf(operations: int = 400_000) -> bytes:
    """A valid one-page PDF whose tiny compressed content stream holds ``operations`` save/restore pairs.

    pdfminer interprets roughly 50 000 of them per second, so the default keeps it busy for about 8 s.
    """
    stream = zlib.compress(b"q Q\n" * operations, 9)
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)


def write_bad_files(folder: Path) -> None:
    from jiance.samples.corpus import load_sample
    from jiance.samples.pdf import render_image_only_pdf, render_pdf

    pdf = render_pdf(load_sample("sample-a"))
    data = {
        "02-empty.txt": b"",
        "03-binary.txt": bytes(range(256)) * 8,
        "05-truncated.pdf": pdf[: len(pdf) // 2],
        "06-encrypted.pdf": render_pdf(load_sample("sample-a"), password="x"),
        "07-scanned.pdf": render_image_only_pdf(),
        "09-bomb.docx": zip_bomb(),
        "10-big.txt": ("信息产业动态，芯片产能持续紧张。\n" * 50_000).encode("utf-8"),  # 2.3 MB
        "12-mojibake.txt": "信息产业动态：芯片产能持续紧张。".encode("gbk")[:-1] + b"\xff\xfe\x81",
    }
    for name, content in data.items():
        (folder / name).write_bytes(content)


@dataclass
class Batch:
    workspace: Path
    batch: Path
    first: Result
    second: Result
    docs_first: list[Document]
    docs_second: list[Document]
    articles_first: int
    articles_second: int


def _snapshot(workspace: Path) -> tuple[list[Document], int]:
    with open_store(workspace) as store:
        return store.documents(), store.count_articles()


@pytest.fixture(scope="module")
def batch(inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Import the mixed batch twice into a workspace whose size limit is 1 MB."""
    root = tmp_path_factory.mktemp("bad")
    folder = root / "batch"
    folder.mkdir()
    for name, source in GOOD.items():
        shutil.copy(inbox / source, folder / name)
    write_bad_files(folder)
    ws = init_workspace(root / "ws")
    (ws / "jiance.toml").write_text("max_file_mb = 1\n", encoding="utf-8")
    args = ("import", str(folder), str(folder / MISSING), "-w", str(ws))
    first = run_cli(*args)
    docs_first, articles_first = _snapshot(ws)
    second = run_cli(*args)
    docs_second, articles_second = _snapshot(ws)
    return Batch(ws, folder, first, second, docs_first, docs_second, articles_first, articles_second)


def _by_name(docs: list[Document]) -> dict[str, Document]:
    return {Path(d.path or "").name: d for d in docs}


def test_exit_code_is_one_on_both_runs(batch: Batch) -> None:
    assert batch.first.exit_code == 1, batch.first.output
    assert batch.second.exit_code == 1, batch.second.output


def test_every_bad_file_is_stored_failed_with_its_reason(batch: Batch) -> None:
    with open_store(batch.workspace) as store:
        failed = _by_name(store.documents("failed"))
    assert {name: doc.reason for name, doc in failed.items() if name in BAD} == BAD
    assert set(failed) == {*BAD, MISSING}  # no good file failed
    assert all(doc.error for doc in failed.values())


def test_every_good_file_is_imported(batch: Batch) -> None:
    docs = _by_name(batch.docs_first)
    assert {name: docs[name].status for name in GOOD} == dict.fromkeys(GOOD, "imported")
    assert all(docs[name].article_count > 0 for name in GOOD)
    assert batch.articles_first > 0


def test_every_bad_file_is_named_on_stderr(batch: Batch) -> None:
    stderr = batch.first.stderr
    for name in [*BAD, MISSING]:
        assert name in stderr
    assert "empty" in stderr and "encrypted" in stderr and "max_file_mb" in stderr
    assert not any(name in batch.first.stderr for name in GOOD)


def test_each_error_is_one_line_with_file_and_reason(batch: Batch) -> None:
    lines = [line for line in batch.first.stderr.splitlines() if line.strip()]
    assert len(lines) == len(BAD) + 1  # one line per bad file, the missing path included
    for name, reason in [*BAD.items(), (MISSING, "missing")]:
        assert any(name in line and f"[{reason}]" in line for line in lines), (name, lines)


def test_rerun_imports_nothing_new(batch: Batch) -> None:
    assert batch.articles_second == batch.articles_first
    assert [(d.id, d.status, d.reason) for d in batch.docs_second] == [
        (d.id, d.status, d.reason) for d in batch.docs_first
    ]
    for name in GOOD:
        assert any(line.startswith("unchanged") and name in line for line in batch.second.stdout.splitlines())
    assert not any(line.startswith("imported ") for line in batch.second.stdout.splitlines())


def test_oversized_file_bytes_are_not_kept(batch: Batch) -> None:
    big = _by_name(batch.docs_first)["10-big.txt"]
    with open_store(batch.workspace) as store:
        assert store.get_raw(big.id) is None
    assert "max_file_mb" in (big.error or "")


def test_missing_path_is_stored_as_failed(batch: Batch) -> None:
    assert _by_name(batch.docs_first)[MISSING].reason == "missing"


def test_parse_timeout_stops_a_slow_pdf(text_sample: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "slow.pdf").write_bytes(slow_pdf())
    shutil.copy(text_sample, folder / "good.txt")
    ws = init_workspace(tmp_path / "ws")
    (ws / "jiance.toml").write_text("parse_timeout_s = 1\n", encoding="utf-8")
    result = run_cli("import", str(folder), "-w", str(ws))
    assert result.exit_code == 1
    with open_store(ws) as store:
        docs = _by_name(store.documents())
    assert docs["slow.pdf"].status == "failed" and docs["slow.pdf"].reason == "parse-limit"
    assert "1 s" in (docs["slow.pdf"].error or "")
    assert docs["good.txt"].status == "imported"
