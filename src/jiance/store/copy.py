"""Copy one SQL store into another: how an SQLite workspace moves to PostgreSQL (``jiance db copy``).

Every table is copied in dependency order, in batches of one transaction each, with ``ON CONFLICT DO
NOTHING``: an interrupted copy is simply run again, and a second run adds nothing. Articles go through the
target's own insert (:meth:`SQLStore._insert_article`), so the target builds its own search index, then
take their editorial status, snooze and creation time from the source. Identity columns keep their
values (issue 3 stays issue 3, user ids stay valid for sessions and tokens), and PostgreSQL's identity
sequences are moved past the copied ids afterwards. Login attempts are not copied: they are a
rate-limiting window, not data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from jiance.errors import StoreError
from jiance.store.sqlbase import SQLStore

__all__ = ["TABLES", "CopyReport", "TableCopy", "copy_store"]

# Parents before children; articles are special-cased (search index), login_attempts left out.
TABLES: tuple[str, ...] = (
    "documents",
    "articles",
    "article_documents",
    "analysis",
    "issues",
    "issue_items",
    "issue_builds",
    "sources",
    "source_runs",
    "items",
    "item_failures",
    "users",
    "sessions",
    "api_tokens",
    "audit_log",
    "saved_searches",
    "outbox",
    "alert_rules",
    "alert_hits",
)
# Columns a backend computes itself, never copied.
_DERIVED = {"articles": {"seq", "grams", "title_grams", "folded", "title_len", "body_len"}}
_ORDER = {"article_documents": "rowid", "analysis": "article_id, stage", "documents": "first_seen, id"}
BATCH = 500
_BATCH = {"documents": 20}  # documents carry their original bytes: fewer per transaction


@dataclass(slots=True)
class TableCopy:
    """One table: rows in the source, rows added to the target, rows the target holds afterwards."""

    table: str
    source_rows: int
    added: int
    target_rows: int


@dataclass(slots=True)
class CopyReport:
    tables: list[TableCopy]

    @property
    def complete(self) -> bool:
        """Every source row has its counterpart (the target may hold more of its own)."""
        return all(t.target_rows >= t.source_rows for t in self.tables)


def columns(store: SQLStore, table: str) -> list[str]:
    """The table's column names, in order, as the backend describes them."""
    if store.dialect == "sqlite":
        return [row[1] for row in store._read(f"PRAGMA table_info({table})")]
    rows = store._read(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = ? ORDER BY ordinal_position",
        (table,),
    )
    return [row[0] for row in rows]


def _count(store: SQLStore, table: str) -> int:
    return int(store._read(f"SELECT count(*) FROM {table}")[0][0])


def _pages(store: SQLStore, table: str, names: list[str]) -> Iterator[list[Any]]:
    """The source rows a batch at a time, in a stable order (keyset-free: OFFSET is fine for a copy)."""
    order = _ORDER.get(table) or names[0]
    size = _BATCH.get(table, BATCH)
    offset = 0
    while True:
        rows = store._read(
            f"SELECT {', '.join(names)} FROM {table} ORDER BY {order} LIMIT ? OFFSET ?", (size, offset)
        )
        if not rows:
            return
        yield rows
        offset += len(rows)


def _copy_rows(source: SQLStore, target: SQLStore, table: str, progress: Callable[[str, int], None]) -> int:
    wanted = set(columns(target, table)) - _DERIVED.get(table, set())
    names = [c for c in columns(source, table) if c in wanted and c not in _DERIVED.get(table, set())]
    if table == "article_documents":
        names = [c for c in names if c != "rowid"]  # SQLite's implicit rowid is not a column; order only
    marks = ", ".join("?" * len(names))
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}) ON CONFLICT DO NOTHING"
    added = 0
    for rows in _pages(source, table, names):
        with target._write() as db:
            for row in rows:
                added += int(db.execute(sql, tuple(row)).rowcount or 0)
        progress(table, len(rows))
    return added


def _copy_articles(source: SQLStore, target: SQLStore, progress: Callable[[str, int], None]) -> int:
    """Articles through the target's insert (its search index), then their editorial state."""
    added, offset = 0, 0
    while True:
        page = source.articles(limit=BATCH, offset=offset)
        if not page:
            return added
        states = {
            row[0]: row[1:]
            for row in source._read(
                f"SELECT id, status, snoozed_until, created_at FROM articles"
                f" WHERE id IN ({', '.join('?' * len(page))})",
                [s.id for s in page],
            )
        }
        with target._write() as db:
            for stored in page:
                if target._insert_article(db, stored.document_id, stored.position, stored.article):
                    added += 1
                status, snoozed, created = states[stored.id]
                db.execute(
                    "UPDATE articles SET status = ?, snoozed_until = ?, created_at = ? WHERE id = ?",
                    (status, snoozed, created, stored.id),
                )
        progress("articles", len(page))
        offset += len(page)


def _bump_identities(target: SQLStore) -> None:
    """Move PostgreSQL's identity sequences past the ids copied in explicitly."""
    if target.dialect != "postgresql":
        return
    rows = target._read(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND is_identity = 'YES'"
    )
    with target._write() as db:
        for table, column in rows:
            db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
            )


def copy_store(
    source: SQLStore, target: SQLStore, *, progress: Callable[[str, int], None] | None = None
) -> CopyReport:
    """Copy every table of ``source`` into ``target`` (both migrated); safe to re-run."""
    if source is target:
        raise StoreError("cannot copy a store into itself")
    report = []
    step = progress or (lambda table, rows: None)
    for table in TABLES:
        before = _count(source, table)
        if table == "articles":
            added = _copy_articles(source, target, step)
        else:
            added = _copy_rows(source, target, table, step)
        report.append(TableCopy(table, before, added, _count(target, table)))
    _bump_identities(target)
    return CopyReport(report)
