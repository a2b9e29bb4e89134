"""The one place that orders the stages: read → decode → split → store.

``parse_*`` functions never touch a store (``jiance parse``); :func:`import_paths` runs the same stages and
hands each file's result to the store's single write path. A file that fails at any stage becomes a failed
:class:`~jiance.records.Document` with its reason, and the batch goes on. Parsers of untrusted binary
formats (PDF, DOCX) run in a child process with the workspace's time and memory limits.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from jiance.errors import (
    InputError,
    JianceError,
    MissingFileError,
    NotFoundError,
    StoreError,
    TooLargeError,
    UnsupportedFormatError,
)
from jiance.readers.text import read_text
from jiance.records import Bulletin, Document, SourceText
from jiance.settings import Settings
from jiance.stages.split import SplitOptions, split_bulletin
from jiance.store.base import Store

__all__ = [
    "FileResult",
    "ImportReport",
    "import_paths",
    "iter_input_files",
    "parse_bytes",
    "parse_path",
    "read_source",
    "split_options",
    "store_failed",
    "store_parsed",
]

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
TEXT = "text/plain"
_SUFFIXES = {".txt", ".text", ".md", ".pdf", ".docx", ".html", ".htm", ".xhtml"}


def split_options(settings: Settings | None) -> SplitOptions:
    """The splitter's view of the settings table."""
    if settings is None:
        return SplitOptions()
    return SplitOptions(
        sections=tuple(settings.sections),
        expert_marker=settings.expert_marker,
        bulletin_titles=tuple("".join(t.split()) for t in settings.bulletin_titles),
    )


def _sniff(data: bytes, path: str) -> str:
    from jiance.readers.sniff import sniff

    return sniff(data, path)


def read_source(data: bytes, path: str, settings: Settings | None = None) -> SourceText:
    """Bytes of any supported format to decoded lines, binary parsers under the sandbox's limits."""
    settings = settings or Settings()
    media = _sniff(data, path)
    if media == PDF:
        from jiance.readers.pdf import read_pdf

        return _limited(read_pdf, data, path, settings)
    if media == DOCX:
        from jiance.readers.docx import read_docx

        return _limited(read_docx, data, path, settings)
    if media == HTML:
        from jiance.readers.html import read_html

        return read_html(data, path)
    if media == TEXT:
        return read_text(data, path)
    raise UnsupportedFormatError(f"unsupported media type {media}", where=path)


def _limited(
    reader: Callable[[bytes, str], SourceText], data: bytes, path: str, settings: Settings
) -> SourceText:
    from jiance.sandbox import run_limited

    return run_limited(
        reader, data, path, timeout=settings.parse_timeout_s, memory_mb=settings.parse_memory_mb, where=path
    )


def _check_size(size: int, path: str, settings: Settings) -> None:
    limit = settings.max_file_mb * 1024 * 1024
    if size > limit:
        raise TooLargeError(
            f"{size / 1048576:.1f} MB is over the {settings.max_file_mb} MB limit (max_file_mb)", where=path
        )


def parse_bytes(data: bytes, path: str, settings: Settings | None = None) -> Bulletin:
    """Parse one file's bytes into its bulletin structure, without touching a store."""
    settings = settings or Settings()
    _check_size(len(data), path, settings)
    return split_bulletin(read_source(data, path, settings), split_options(settings))


def parse_path(path: Path, settings: Settings | None = None) -> Bulletin:
    """Parse one file into its bulletin structure, without touching a store."""
    settings = settings or Settings()
    return parse_bytes(_read_capped(path, settings), str(path), settings)


@dataclass(slots=True)
class FileResult:
    """The fate of one input file in an import."""

    path: str
    status: str  # imported | unchanged | failed
    document_id: str | None = None
    reason: str | None = None
    message: str | None = None
    articles: int = 0
    articles_new: int = 0


@dataclass(slots=True)
class ImportReport:
    """Per-file results of one import run, and their counts."""

    results: list[FileResult] = field(default_factory=list)

    @property
    def counts(self) -> Counter[str]:
        return Counter(r.status for r in self.results)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]


def iter_input_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named on the command line; folders are walked (sorted, hidden entries skipped)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                hidden = any(part.startswith(".") for part in rel.parts)
                if child.is_file() and not hidden and (child.suffix.lower() in _SUFFIXES or not child.suffix):
                    yield child
        else:
            yield path


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _failed_document(path: Path, data: bytes | None, error: JianceError) -> Document:
    digest = hashlib.sha256(data if data is not None else str(path).encode()).hexdigest()
    reason = error.reason if isinstance(error, InputError) else "error"
    return Document(
        id=digest,
        path=str(path),
        media_type="application/octet-stream",
        size=len(data) if data is not None else 0,
        status="failed",
        reason=reason,
        error=error.message,
        fetched_at=_now(),
    )


def _read_capped(path: Path, settings: Settings) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise MissingFileError("no such file", where=str(path)) from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from exc
    _check_size(size, str(path), settings)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from exc


def _already_imported(store: Store, document_id: str) -> Document | None:
    """The stored document with these exact bytes, when it was imported: re-runs skip parsing it."""
    try:
        doc = store.get_document(document_id)
    except NotFoundError:
        return None
    return doc if doc.status == "imported" else None


def import_file(path: Path, store: Store, settings: Settings) -> FileResult:
    """Parse one file and store it with its articles; a failure is stored as a failed document."""
    data: bytes | None = None
    try:
        data = _read_capped(path, settings)
        known = _already_imported(store, hashlib.sha256(data).hexdigest())
        if known is not None:
            return FileResult(str(path), "unchanged", known.id, articles=known.article_count)
        bulletin = parse_bytes(data, str(path), settings)
    except StoreError:
        raise  # a store that cannot be read is no fault of the file: never record it as a failed document
    except JianceError as error:
        return store_failed(path, data, error, store, settings)
    return store_parsed(path, data, bulletin, store)


def store_failed(
    path: Path, data: bytes | None, error: JianceError, store: Store, settings: Settings
) -> FileResult:
    """Record a file that could not be imported as a failed document (its bytes kept under the size cap)."""
    doc = _failed_document(
        path, data if data is not None and len(data) <= settings.max_file_mb << 20 else None, error
    )
    store.save_import(doc, data, [])
    return FileResult(str(path), "failed", doc.id, doc.reason, error.message)


def store_parsed(path: Path, data: bytes, bulletin: Bulletin, store: Store) -> FileResult:
    """Store a parsed file and its articles: the one write path of ``import`` and ``batch import``."""
    doc = Document(
        id=hashlib.sha256(data).hexdigest(),
        path=str(path),
        media_type=bulletin.media_type,
        size=len(data),
        status="imported",
        encoding=bulletin.encoding,
        fetched_at=_now(),
        article_count=len(bulletin.articles),
    )
    outcome = store.save_import(doc, data, bulletin.articles)
    return FileResult(
        str(path), outcome.status, doc.id, articles=len(bulletin.articles), articles_new=outcome.articles_new
    )


def import_paths(
    paths: Iterable[Path],
    store: Store,
    settings: Settings,
    *,
    on_file: Callable[[FileResult], None] | None = None,
) -> ImportReport:
    """Import every file under ``paths``; re-running is idempotent, failures are recorded, the batch goes on.

    A failing store (a full disk, an I/O error) stops the batch: every later write would fail the same way.
    Each file is one transaction, so the files before it are stored whole and the one in hand not at all;
    the error says so, and that a re-run resumes (stored files are recognised by their bytes and skipped).
    """
    report = ImportReport()
    for path in iter_input_files(paths):
        try:
            result = import_file(path, store, settings)
        except StoreError as error:
            stored = report.counts["imported"] + report.counts["unchanged"]
            raise StoreError(
                f"{error.message} (while storing {path}: the {stored} files imported before it are stored"
                " whole, this one not at all; once the store can be written again, importing again resumes)",
                where=error.where,
            ) from error
        report.results.append(result)
        if on_file is not None:
            on_file(result)
    return report
