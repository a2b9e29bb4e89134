"""``jiance batch import``: files parsed on workers (``parse_bytes`` is pure), stored by the driver.

The driver reads each file (size-capped, as in process), skips bytes already imported, ships the bytes to
a worker and stores the parsed bulletin with ``store.save_import`` in input order, so the output lines
and the exit code are those of ``jiance import``. At most ``in_flight`` files are read and unparsed at a
time: that bounds the driver's memory to ``in_flight`` × ``max_file_mb``.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from jiance.errors import JianceError
from jiance.pipeline import (
    FileResult,
    ImportReport,
    _already_imported,
    _read_capped,
    iter_input_files,
    parse_bytes,
    store_failed,
    store_parsed,
)
from jiance.records import Bulletin
from jiance.settings import Settings
from jiance.store.base import Store

__all__ = ["batch_import_paths"]


def _parse(data: bytes, path: str, settings: Settings) -> Bulletin | tuple[str, str, str | None]:
    """``parse_bytes`` on a worker; an error comes back as (class name, message, reason) to be rebuilt."""
    try:
        return parse_bytes(data, path, settings)
    except JianceError as error:
        return (type(error).__name__, error.message, getattr(error, "reason", None))


def _rebuilt(info: tuple[str, str, str | None], path: str) -> JianceError:
    """The worker's error as the same class (input errors carry the reason the report shows)."""
    from jiance import errors

    cls = getattr(errors, info[0], JianceError)
    error: JianceError = (
        cls(info[1], where=path) if isinstance(cls, type) else JianceError(info[1], where=path)
    )
    return error


def _finish(path: Path, data: bytes, parsed: Any, store: Store, settings: Settings) -> FileResult:
    """Store one parsed file exactly as ``pipeline.import_file`` does (its own two write helpers)."""
    if isinstance(parsed, tuple):
        return store_failed(path, data, _rebuilt(parsed, str(path)), store, settings)
    return store_parsed(path, data, parsed, store)


def _parse_many(files: list[tuple[bytes, str]], settings: Settings) -> list[Any]:
    """Several files in one task: a file is milliseconds of work, a task round trip is not free."""
    return [_parse(data, path, settings) for data, path in files]


def batch_import_paths(
    paths: Iterable[Path],
    store: Store,
    settings: Settings,
    client: Any,
    *,
    in_flight: int = 8,
    files_per_task: int = 32,
    on_file: Callable[[FileResult], None] | None = None,
) -> ImportReport:
    """Import every file under ``paths`` with parsing on the cluster; the same report as ``import_paths``.

    Files needing a parse are sent ``files_per_task`` at a time; at most ``in_flight`` such groups are
    unfinished, so the driver holds at most ``in_flight × files_per_task`` files' bytes.
    """
    report = ImportReport()
    groups: deque[list[tuple[Path, bytes | None, FileResult | None]]] = deque()
    futures: deque[Any] = deque()
    current: list[tuple[Path, bytes | None, FileResult | None]] = []

    def settle() -> None:
        group, future = groups.popleft(), futures.popleft()
        parsed = iter(future.result() if future is not None else [])
        for path, data, known in group:
            result = known if known is not None else _finish(path, data or b"", next(parsed), store, settings)
            report.results.append(result)
            if on_file is not None:
                on_file(result)

    def flush() -> None:
        todo = [(data, str(path)) for path, data, known in current if known is None and data is not None]
        groups.append(list(current))
        futures.append(client.submit(_parse_many, todo, settings, pure=False) if todo else None)
        current.clear()
        while len(groups) >= in_flight:
            settle()

    for path in iter_input_files(paths):
        try:
            data = _read_capped(path, settings)
        except JianceError as error:
            current.append((path, None, store_failed(path, None, error, store, settings)))
        else:
            known = _already_imported(store, hashlib.sha256(data).hexdigest())
            if known is not None:
                current.append(
                    (path, None, FileResult(str(path), "unchanged", known.id, articles=known.article_count))
                )
            else:
                current.append((path, data, None))
        if len(current) >= files_per_task:
            flush()
    if current:
        flush()
    while groups:
        settle()
    return report
