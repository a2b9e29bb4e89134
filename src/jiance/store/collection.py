"""What collecting from sources keeps in the SQLite store: sources, their runs, items and item failures.

The tables come from migration 3. :class:`SQLiteCollection` wraps an SQL store (:class:`jiance.store.sqlbase.SQLStore`) and uses its one
write path (``_write``, one transaction) and its reads (``_read``), so the collection rows and the articles
live in the same file and the same transactions discipline. Articles themselves are stored through
``save_import`` by :mod:`jiance.sources.collect`; this module only remembers which URL led to which
article, what a source's runs did, and why an item failed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from jiance.errors import StoreError
from jiance.sources.config import SourceConfig
from jiance.sources.http import Validators
from jiance.store.base import Store
from jiance.store.sqlbase import SQLStore

__all__ = ["ItemFailure", "ItemRow", "SQLiteCollection", "SourceRun", "collection_for"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class ItemRow:
    """One collected URL and the article its text became."""

    canonical_url: str
    content_hash: str | None
    article_id: str | None
    source: str
    first_seen: str
    last_seen: str
    status: str  # new | rejected


@dataclass(slots=True)
class SourceRun:
    """One run of one source, as :mod:`jiance.sources.health` reads it."""

    source: str
    started_at: str
    finished_at: str
    status: str  # ok | degraded | failed
    items_new: int = 0
    items_unchanged: int = 0
    items_failed: int = 0
    error: str | None = None
    latency_s: float | None = None
    id: int | None = None


@dataclass(slots=True)
class ItemFailure:
    """An item of a run that could not be collected, and why (``reason`` is the error's reason code)."""

    url: str
    reason: str
    message: str | None = None


_ITEM_COLUMNS = "canonical_url, content_hash, article_id, source, first_seen, last_seen, status"
_RUN_COLUMNS = (
    "source, started_at, finished_at, status, items_new, items_unchanged, items_failed, error, latency_s, id"
)


class SQLiteCollection:
    """Collection bookkeeping over an SQL store."""

    def __init__(self, store: SQLStore) -> None:
        self.store = store

    # -- sources ----------------------------------------------------------------------------------------

    def save_source(self, config: SourceConfig) -> None:
        """Record the source's current configuration (validators and the editors' switch are kept)."""
        with self.store._write() as db:
            db.execute(
                "INSERT INTO sources (name, kind, config, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, config = excluded.config,"
                " updated_at = excluded.updated_at",
                (config.name, config.kind, json.dumps(config.to_record(), ensure_ascii=False), _now()),
            )

    def switches(self) -> dict[str, bool]:
        """The editors' on/off switch (``sources.enabled``) of every source the store has a row for."""
        return {str(r[0]): bool(r[1]) for r in self.store._read("SELECT name, enabled FROM sources")}

    def set_switch(self, config: SourceConfig, enabled: bool) -> None:
        """Turn a source's switch on or off; a source that never ran gets its row now."""
        with self.store._write() as db:
            db.execute(
                "INSERT INTO sources (name, kind, config, enabled, updated_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at",
                (config.name, config.kind, json.dumps(config.to_record(), ensure_ascii=False),
                 int(enabled), _now()),
            )  # fmt: skip

    def validators(self, source: str) -> Validators | None:
        """The validators of the source's last successful feed or list-page fetch, if any."""
        rows = self.store._read("SELECT etag, last_modified FROM sources WHERE name = ?", (source,))
        if not rows or (rows[0][0] is None and rows[0][1] is None):
            return None
        return Validators(etag=rows[0][0], last_modified=rows[0][1])

    def save_validators(self, source: str, validators: Validators) -> None:
        with self.store._write() as db:
            db.execute(
                "UPDATE sources SET etag = ?, last_modified = ? WHERE name = ?",
                (validators.etag, validators.last_modified, source),
            )

    # -- items ------------------------------------------------------------------------------------------

    def item(self, canonical_url: str) -> ItemRow | None:
        rows = self.store._read(
            f"SELECT {_ITEM_COLUMNS} FROM items WHERE canonical_url = ?", (canonical_url,)
        )
        return ItemRow(*rows[0]) if rows else None

    def items(self, source: str | None = None) -> list[ItemRow]:
        where, params = ("WHERE source = ?", (source,)) if source else ("", ())
        rows = self.store._read(f"SELECT {_ITEM_COLUMNS} FROM items {where} ORDER BY id", params)
        return [ItemRow(*row) for row in rows]

    def has_article(self, article_id: str) -> bool:
        return bool(self.store._read("SELECT 1 FROM articles WHERE id = ?", (article_id,)))

    def is_rejected(self, article_id: str) -> bool:
        """True when an editor rejected the article, or an item carrying its text: it must not return."""
        rows = self.store._read(
            "SELECT 1 FROM articles WHERE id = ? AND status = 'rejected'"
            " UNION ALL SELECT 1 FROM items WHERE content_hash = ? AND status = 'rejected' LIMIT 1",
            (article_id, article_id),
        )
        return bool(rows)

    def record_item(
        self,
        canonical_url: str,
        source: str,
        content_hash: str | None,
        *,
        article_id: str | None = None,
        validators: Validators | None = None,
    ) -> None:
        """Remember that ``canonical_url`` was collected (or seen again: only ``last_seen`` moves)."""
        now = _now()
        etag, modified = (validators.etag, validators.last_modified) if validators else (None, None)
        with self.store._write() as db:
            db.execute(
                f"INSERT INTO items ({_ITEM_COLUMNS}, etag, last_modified) VALUES (?, ?, ?, ?, ?, ?, 'new', ?, ?)"
                " ON CONFLICT (canonical_url) DO UPDATE SET last_seen = excluded.last_seen",
                (canonical_url, content_hash, article_id, source, now, now, etag, modified),
            )

    def touch_items(self, canonical_urls: list[str]) -> None:
        """Mark already known items as seen again."""
        if not canonical_urls:
            return
        with self.store._write() as db:
            db.executemany(
                "UPDATE items SET last_seen = ? WHERE canonical_url = ?",
                [(_now(), u) for u in canonical_urls],
            )

    def reject_item(self, canonical_url: str) -> None:
        """An editor's verdict on an item: it is never collected again, under any URL carrying its text."""
        with self.store._write() as db:
            db.execute("UPDATE items SET status = 'rejected' WHERE canonical_url = ?", (canonical_url,))

    # -- runs -------------------------------------------------------------------------------------------

    def record_run(self, run: SourceRun, failures: list[ItemFailure]) -> int:
        """Store one run and its failed items in one transaction; returns the run's id."""
        with self.store._write() as db:
            cur = db.execute(
                f"INSERT INTO source_runs ({_RUN_COLUMNS.removesuffix(', id')})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (run.source, run.started_at, run.finished_at, run.status, run.items_new, run.items_unchanged,
                 run.items_failed, run.error, run.latency_s),
            )  # fmt: skip
            run_id = int(cur.fetchone()[0])
            db.executemany(
                "INSERT INTO item_failures (run_id, source, url, reason, message, at) VALUES (?, ?, ?, ?, ?, ?)",
                [(run_id, run.source, f.url, f.reason, f.message, run.finished_at) for f in failures],
            )
        return run_id

    def runs(self, source: str, *, limit: int | None = None) -> list[SourceRun]:
        """The source's runs, newest first."""
        tail = f" LIMIT {int(limit)}" if limit is not None else ""
        rows = self.store._read(
            f"SELECT {_RUN_COLUMNS} FROM source_runs WHERE source = ? ORDER BY id DESC{tail}", (source,)
        )
        return [SourceRun(*row) for row in rows]

    def failures(self, run_id: int) -> list[ItemFailure]:
        rows = self.store._read(
            "SELECT url, reason, message FROM item_failures WHERE run_id = ? ORDER BY id", (run_id,)
        )
        return [ItemFailure(*row) for row in rows]


def collection_for(store: Store) -> SQLiteCollection:
    """The collection bookkeeping of ``store``; every SQL store (SQLite, PostgreSQL) has it."""
    if not isinstance(store, SQLStore):
        raise StoreError(f"collecting from sources needs an SQL store, not {type(store).__name__}")
    return SQLiteCollection(store)
