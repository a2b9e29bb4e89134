"""Hostile documents: malformed, truncated, encrypted, image-only, bomb and slow PDFs and DOCX files.

Every hostile file is written here (reportlab through the sample renderers, zipfile, raw bytes), then the
whole lot is imported in one batch, interleaved with good files, through :func:`jiance.pipeline.import_paths`
into a real SQLite store, and once more through ``jiance import``. What must hold: no file takes longer than
``parse_timeout_s`` plus a margin (the sandbox kills a parser that hangs), the importer never raises, every
hostile file is stored as failed with a project reason (damage a parser repairs, a lost xref or a cyclic
style chain, must instead come through whole), and every good file after a hostile one is imported.

tests/test_bad_input.py checks the reason and message of one file of each kind; this suite adds the
variants (cut at many offsets, cyclic page trees, lying zip headers, entity bombs, inflating streams).
"""

from __future__ import annotations

import functools
import io
import shutil
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from fuzz.seeds import tiny_pdf, zip_needing_version
from tests.reliability.figures import record

from conftest import run_cli
from jiance.pipeline import FileResult, import_paths
from jiance.settings import load_settings
from jiance.workspace import init_workspace, open_store
from test_bad_input import slow_pdf, zip_bomb

PARSE_TIMEOUT_S = 4  # room for a good PDF on a loaded 2-core machine; the slow PDF needs far more
PARSE_MEMORY_MB = 256
# A killed child is reaped at once; the margin covers fork, import and a loaded 2-core CI machine.
MARGIN_S = 6.0
GOOD_FILES = (
    "sample-b.pdf",
    "sample-c.docx",
    "sample-a.html",
    "sample-a__seed-like.txt",
    "sample-a.pdf",
    "sample-b.docx",
    "sample-c.pdf",
    "sample-a.docx",
    "sample-b.html",
)
REASONS = {"corrupt", "encrypted", "no-text-layer", "too-large", "parse-limit", "empty", "unsupported-format"}
COMMAND = ".venv/bin/pytest -q -p no:randomly tests/reliability/test_hostile_documents.py"


def pdf_from_objects(bodies: list[bytes], *, root: int = 1) -> bytes:
    """A PDF with a correct xref table around the given object bodies (numbered from 1)."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, root, xref)
    return bytes(out)


def _page_with(stream: bytes, extra: bytes = b"") -> list[bytes]:
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d %s>>\nstream\n" % (len(stream), extra) + stream + b"\nendstream",
    ]


def pdf_bomb(inflated_mb: int) -> bytes:
    """A one-page PDF whose FlateDecode content stream inflates to ``inflated_mb`` MB of spaces."""
    packer = zlib.compressobj(1)
    chunk = b" " * 2**20
    stream = b"".join(packer.compress(chunk) for _ in range(inflated_mb)) + packer.flush()
    return pdf_from_objects(_page_with(stream, b"/Filter /FlateDecode "))


def pdf_cyclic_pages() -> bytes:
    """A page tree whose node lists itself as its own kid: a naive walker never ends."""
    return pdf_from_objects(
        [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R 2 0 R] /Count 2 >>"]
    )


def pdf_deep_nesting(depth: int = 200_000) -> bytes:
    """An object nested ``depth`` arrays deep, the kind of input that overflows a recursive parser."""
    return pdf_from_objects([b"<< /Type /Catalog /Pages 2 0 R /X " + b"[" * depth + b"]" * depth + b" >>"])


def pdf_self_referencing_length() -> bytes:
    """A content stream whose /Length is an indirect reference to the stream itself."""
    stream = b"BT /F1 12 Tf 72 700 Td (x) Tj ET"
    bodies = _page_with(stream)
    bodies[3] = b"<< /Length 4 0 R >>\nstream\n" + stream + b"\nendstream"
    return pdf_from_objects(bodies)


def pdf_bad_xref(good: bytes) -> bytes:
    """A real PDF whose startxref points into the middle of nowhere."""
    head, _, _ = good.rpartition(b"startxref")
    return head + b"startxref\n999999999\n%%EOF\n"


def pdf_garbage_streams(good: bytes) -> bytes:
    """A real PDF with the inside of every stream overwritten by noise (structure intact, content not)."""
    out = bytearray(good)
    start = 0
    while (begin := out.find(b"stream\n", start)) != -1:
        end = out.find(b"endstream", begin)
        if end == -1:
            break
        for i in range(begin + 7, end - 1):
            out[i] = (i * 131 + 7) % 256
        start = end + 9
    return bytes(out)


def docx_from_parts(parts: dict[str, bytes], *, lie_sizes: bool = False) -> bytes:
    """A zip of DOCX parts; ``lie_sizes`` rewrites the directory to claim each part inflates to 100 bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    data = bytearray(out.getvalue())
    if lie_sizes:
        pos = 0
        while (pos := data.find(b"PK\x01\x02", pos)) != -1:  # central directory entries
            struct.pack_into("<I", data, pos + 24, 100)
            pos += 4
        pos = 0
        while (pos := data.find(b"PK\x03\x04", pos)) != -1:  # local headers
            struct.pack_into("<I", data, pos + 22, 100)
            pos += 4
    return bytes(data)


def _docx_parts(good_docx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(good_docx)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def docx_with_document(good_docx: bytes, document: bytes, **kwargs: bool) -> bytes:
    return docx_from_parts({**_docx_parts(good_docx), "word/document.xml": document}, **kwargs)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE w:document ['
    + b'<!ENTITY a0 "ha">'
    + b"".join(b'<!ENTITY a%d "%s">' % (n, b"&a%d;" % (n - 1) * 10) for n in range(1, 10))
    + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    + b"<w:body><w:p><w:r><w:t>&a9;</w:t></w:r></w:p></w:body></w:document>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
)
IMAGE_ONLY_DOCUMENT = (
    b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:drawing/></w:r></w:p><w:sectPr/></w:body></w:document>"
)


def docx_cyclic_styles(good_docx: bytes) -> bytes:
    """Every style based on itself: a style-chain walk that trusts ``basedOn`` never ends."""
    parts = _docx_parts(good_docx)
    styles = parts["word/styles.xml"]
    out = bytearray()
    for piece in styles.split(b"<w:style ")[1:]:
        style_id = piece.split(b'w:styleId="', 1)[1].split(b'"', 1)[0]
        out += b"<w:style " + piece.replace(b"<w:name ", b'<w:basedOn w:val="%s"/><w:name ' % style_id, 1)
    head = styles.split(b"<w:style ")[0]
    return docx_from_parts({**parts, "word/styles.xml": head + bytes(out)})


def encrypted_docx() -> bytes:
    """The shape of a password-protected Word file: an OLE container holding an EncryptedPackage stream."""
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 504
        + "EncryptedPackage".encode("utf-16-le")
        + b"\0" * 4096
    )


# Damage pdfminer repairs (it rebuilds a lost xref by scanning for objects): the file must come through whole.
RECOVERABLE = {"pdf-bad-xref.pdf": "sample-b.pdf", "docx-cyclic-styles.docx": "sample-c.docx"}


def hostile_files(inbox: Path) -> dict[str, Callable[[], bytes]]:
    """Name → writer of every hostile document (names sort into the interleaving order)."""
    from jiance.samples.corpus import load_sample
    from jiance.samples.pdf import render_image_only_pdf, render_pdf

    good_pdf = (inbox / "sample-b.pdf").read_bytes()
    good_docx = (inbox / "sample-c.docx").read_bytes()
    files: dict[str, Callable[[], bytes]] = {
        "pdf-not-a-pdf.pdf": lambda: b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n",
        "pdf-header-only.pdf": lambda: b"%PDF-1.4\n%%EOF\n",
        "pdf-bad-xref.pdf": lambda: pdf_bad_xref(good_pdf),
        "pdf-garbage-streams.pdf": lambda: pdf_garbage_streams(good_pdf),
        "pdf-cyclic-pages.pdf": pdf_cyclic_pages,
        "pdf-deep-nesting.pdf": pdf_deep_nesting,
        "pdf-self-length.pdf": pdf_self_referencing_length,
        "pdf-reference-cycle.pdf": lambda: tiny_pdf(info=b"6 0 R"),  # found by fuzz_pdf: looped forever
        "pdf-encrypted.pdf": lambda: render_pdf(load_sample("sample-a"), password="secret"),
        "pdf-image-only.pdf": render_image_only_pdf,
        "pdf-bomb.pdf": lambda: pdf_bomb(PARSE_MEMORY_MB + 128),
        "pdf-slow.pdf": lambda: slow_pdf(2_000_000),  # about 40 s of pdfminer work
        "docx-truncated.docx": lambda: good_docx[: len(good_docx) * 2 // 3],
        "docx-bad-xml.docx": lambda: docx_with_document(good_docx, b"<w:document><w:body><w:p>"),
        "docx-billion-laughs.docx": lambda: docx_with_document(good_docx, BILLION_LAUGHS),
        "docx-external-entity.docx": lambda: docx_with_document(good_docx, EXTERNAL_ENTITY),
        "docx-image-only.docx": lambda: docx_with_document(good_docx, IMAGE_ONLY_DOCUMENT),
        "docx-encrypted.docx": encrypted_docx,
        "docx-bomb.docx": lambda: zip_bomb(80),
        "docx-lying-sizes.docx": lambda: docx_with_document(
            good_docx, b"<w:p/>" * (40 * 2**20 // 6), lie_sizes=True
        ),
        "docx-no-document.docx": lambda: docx_from_parts({"[Content_Types].xml": b"<Types/>"}),
        "docx-cyclic-styles.docx": lambda: docx_cyclic_styles(good_docx),
        "docx-zip-version.docx": lambda: zip_needing_version(111),  # found by fuzz_docx
    }
    for cut in (0.1, 0.5, 0.9, 0.999):
        files[f"pdf-truncated-{cut}.pdf"] = functools.partial(_cut, good_pdf, cut)
    return files


def _cut(data: bytes, share: float) -> bytes:
    return data[: int(len(data) * share)]


@dataclass
class BatchRun:
    results: list[FileResult]
    seconds: dict[str, float]
    hostile: list[str]
    good: list[str]
    articles: int


@pytest.fixture(scope="module")
def hostile(inbox: Path) -> dict[str, bytes]:
    """The bytes of every hostile file, written once for both imports."""
    return {name: writer() for name, writer in sorted(hostile_files(inbox).items())}


def _write_batch(inbox: Path, files: dict[str, bytes], folder: Path) -> tuple[list[str], list[str]]:
    """Hostile files with a good file after every few of them, numbered so the folder walk keeps that order."""
    folder.mkdir()
    hostile, good = [], []
    for index, (name, data) in enumerate(sorted(files.items())):
        numbered = f"{index * 2:03d}-{name}"
        (folder / numbered).write_bytes(data)
        hostile.append(numbered)
        if index % 3 == 2:
            source = GOOD_FILES[index // 3]
            target = f"{index * 2 + 1:03d}-good-{source}"
            shutil.copy(inbox / source, folder / target)
            good.append(target)
    return hostile, good


def _workspace(root: Path) -> Path:
    ws = init_workspace(root)
    (ws / "jiance.toml").write_text(
        f"parse_timeout_s = {PARSE_TIMEOUT_S}\nparse_memory_mb = {PARSE_MEMORY_MB}\n", encoding="utf-8"
    )
    return ws


@pytest.fixture(scope="module")
def batch(inbox: Path, hostile: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> BatchRun:
    root = tmp_path_factory.mktemp("hostile")
    names, good = _write_batch(inbox, hostile, root / "batch")
    ws = _workspace(root / "ws")
    settings = load_settings(ws)
    seconds: dict[str, float] = {}
    last = time.monotonic()

    def clock(result: FileResult) -> None:
        nonlocal last
        now = time.monotonic()
        seconds[Path(result.path).name] = now - last
        last = now

    with open_store(ws, settings) as store:
        report = import_paths([root / "batch"], store, settings, on_file=clock)
        articles = store.count_articles()
    return BatchRun(report.results, seconds, names, good, articles)


def test_no_file_runs_past_the_parse_limit(batch: BatchRun) -> None:
    worst = max(batch.seconds.values())
    slowest = max(batch.seconds, key=lambda name: batch.seconds[name])
    hangs = sum(1 for s in batch.seconds.values() if s > PARSE_TIMEOUT_S + MARGIN_S)
    record(
        "hostile-documents",
        "batch import (import_paths)",
        {
            "hostile_files": len(batch.hostile),
            "good_files": len(batch.good),
            "hangs_past_limit": hangs,
            "parse_timeout_s": PARSE_TIMEOUT_S,
            "worst_file_s": round(worst, 2),
            "files_without_a_result": len(set(batch.hostile + batch.good) - set(batch.seconds)),
            "good_files_imported_after_hostile": sum(
                1 for r in batch.results if Path(r.path).name in batch.good and r.status == "imported"
            ),
        },
        command=COMMAND,
    )
    assert hangs == 0, (slowest, worst)


def _recoverable(name: str) -> str | None:
    return next((good for bad, good in RECOVERABLE.items() if name.endswith(bad)), None)


def test_every_hostile_file_fails_with_a_project_reason(batch: BatchRun) -> None:
    by_name = {Path(r.path).name: r for r in batch.results}
    assert sorted(by_name) == sorted(batch.hostile + batch.good)
    broken = [name for name in batch.hostile if _recoverable(name) is None]
    reasons = {name: by_name[name].reason for name in broken}
    assert {name: by_name[name].status for name in broken} == dict.fromkeys(broken, "failed")
    assert set(reasons.values()) <= REASONS, reasons
    assert all(by_name[name].message for name in broken)


def test_repairable_damage_is_repaired(batch: BatchRun, inbox: Path) -> None:
    from jiance.pipeline import parse_path

    for name in batch.hostile:
        if (original := _recoverable(name)) is not None:
            result = next(r for r in batch.results if r.path.endswith(name))
            assert result.status == "imported", result
            assert result.articles == len(parse_path(inbox / original).articles)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("pdf-slow.pdf", "parse-limit"),
        ("pdf-bomb.pdf", "parse-limit"),
        ("pdf-encrypted.pdf", "encrypted"),
        ("pdf-image-only.pdf", "no-text-layer"),
        ("docx-encrypted.docx", "encrypted"),
        ("docx-bomb.docx", "too-large"),
        ("docx-image-only.docx", "empty"),
        ("pdf-reference-cycle.pdf", "corrupt"),
        ("docx-zip-version.docx", "corrupt"),
    ],
)
def test_the_limit_that_stops_each_kind(batch: BatchRun, name: str, reason: str) -> None:
    found = [r for r in batch.results if Path(r.path).name.endswith(name)]
    assert [r.reason for r in found] == [reason], found


def test_entities_are_neither_expanded_nor_fetched(batch: BatchRun) -> None:
    """An entity bomb fails or stays small; an external entity never pulls a local file into the store."""
    for r in batch.results:
        if "laughs" in r.path or "external" in r.path:
            assert r.status == "failed" or r.articles <= 1, r
            assert "root:" not in (r.message or "")


def test_every_good_file_after_a_hostile_one_is_imported(batch: BatchRun) -> None:
    by_name = {Path(r.path).name: r for r in batch.results}
    assert {name: by_name[name].status for name in batch.good} == dict.fromkeys(batch.good, "imported")
    assert all(by_name[name].articles > 0 for name in batch.good)
    assert batch.articles == sum(r.articles_new for r in batch.results)  # the store holds what was reported


def test_the_cli_import_survives_the_same_batch(
    inbox: Path, hostile: dict[str, bytes], tmp_path: Path
) -> None:
    names, good = _write_batch(inbox, hostile, tmp_path / "batch")
    ws = _workspace(tmp_path / "ws")
    result = run_cli("import", str(tmp_path / "batch"), "-w", str(ws))
    assert result.exit_code == 1, result.output  # some files failed, none crashed the command
    assert "Traceback" not in result.output
    with open_store(ws) as store:
        docs = {Path(d.path or "").name: d for d in store.documents()}
    imported = sorted(name for name in good if docs[name].status == "imported")
    broken = sorted(name for name in names if _recoverable(name) is None)
    failed = sorted(name for name in broken if docs[name].status == "failed")
    record(
        "hostile-documents",
        "batch import (jiance import CLI)",
        {
            "hostile_files": len(names),
            "failed_as_expected": len(failed),
            "good_files": len(good),
            "good_files_imported": len(imported),
            "exit_code": result.exit_code,
        },
        command=f"{COMMAND} -k cli",
    )
    assert imported == sorted(good)
    assert failed == broken
