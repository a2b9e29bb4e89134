"""What publishing keeps in the SQLite store: issues, their ordered items with overrides, and builds.

The tables come from migrations 1 and 4. :class:`SQLiteIssues` wraps an SQL store (:class:`jiance.store.sqlbase.SQLStore`) and uses its
one write path, like :mod:`jiance.store.collection`. Positions are kept dense per column (0, 1, 2 …): every
change re-numbers the column it touched in the same transaction, so concurrent editors never see gaps or
two items at one place.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jiance.errors import NotFoundError, StoreError
from jiance.publish.model import Issue, IssueItem, KeyFigure
from jiance.store.base import Store
from jiance.store.sqlbase import SQLStore

__all__ = ["BuildRow", "EarlierUse", "SQLiteIssues", "issues_for"]

_ISSUE_COLUMNS = (
    "id, title, date, number, status, highlights, key_figures, sections, source_document_id,"
    " created_at, published_at"
)
_EDITABLE = ("title", "date", "number", "status", "published_at", "source_document_id")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class BuildRow:
    """One file built from an issue: which edition and format, its hash and size, when."""

    issue_id: int
    edition: str
    format: str
    path: str | None
    sha256: str
    size: int
    pages: int | None
    built_at: str


@dataclass(slots=True)
class EarlierUse:
    """An article already placed in another issue that comes before the one asked about."""

    article_id: str
    issue_id: int
    issue_title: str
    issue_number: str | None
    issue_date: str | None
    status: str


class SQLiteIssues:
    """Issue bookkeeping over an SQL store."""

    def __init__(self, store: SQLStore) -> None:
        self.store = store

    # -- issues -----------------------------------------------------------------------------------------

    def create(
        self,
        title: str,
        *,
        date: str | None = None,
        number: str | None = None,
        sections: Sequence[str] = (),
        source_document_id: str | None = None,
    ) -> int:
        """A new draft issue; returns its id."""
        with self.store._write() as db:
            cur = db.execute(
                "INSERT INTO issues (title, date, number, sections, source_document_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (title, date, number, json.dumps(list(sections), ensure_ascii=False), source_document_id,
                 _now(), _now()),
            )  # fmt: skip
            return int(cur.fetchone()[0])

    def _issue(self, row: Sequence[Any]) -> Issue:
        issue = Issue(
            id=row[0],
            title=row[1] or "",
            date=row[2],
            number=row[3],
            status=row[4],
            highlights=json.loads(row[5]),
            key_figures=[KeyFigure.from_record(r) for r in json.loads(row[6])],
            sections=json.loads(row[7]),
            source_document_id=row[8],
            created_at=row[9],
            published_at=row[10],
        )
        issue.items = self.items(issue.id)
        return issue

    def get(self, issue_id: int) -> Issue:
        rows = self.store._read(f"SELECT {_ISSUE_COLUMNS} FROM issues WHERE id = ?", (issue_id,))
        if not rows:
            raise NotFoundError(f"no issue {issue_id}", where=str(issue_id))
        return self._issue(rows[0])

    def all(self) -> list[Issue]:
        """Every issue, newest date first (issues without a date last), then newest id first."""
        rows = self.store._read(
            f"SELECT {_ISSUE_COLUMNS} FROM issues ORDER BY date IS NULL, date DESC, id DESC"
        )
        return [self._issue(row) for row in rows]

    def update(self, issue_id: int, **fields: Any) -> None:
        """Change scalar fields (title, date, number, status, published_at, source_document_id)."""
        unknown = set(fields) - set(_EDITABLE)
        if unknown:
            raise StoreError(f"cannot update issue fields {sorted(unknown)}")
        if not fields:
            return
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self.store._write() as db:
            self._require(db, issue_id)
            db.execute(
                f"UPDATE issues SET {assignments}, updated_at = ? WHERE id = ?",
                (*fields.values(), _now(), issue_id),
            )

    def set_json(self, issue_id: int, field: str, value: Any) -> None:
        """Replace one JSON field: ``highlights``, ``key_figures`` or ``sections``."""
        if field not in ("highlights", "key_figures", "sections"):
            raise StoreError(f"{field!r} is not a JSON field of an issue")
        with self.store._write() as db:
            self._require(db, issue_id)
            db.execute(
                f"UPDATE issues SET {field} = ?, updated_at = ? WHERE id = ?",
                (json.dumps(value, ensure_ascii=False), _now(), issue_id),
            )

    def delete(self, issue_id: int) -> None:
        with self.store._write() as db:
            self._require(db, issue_id)
            db.execute("DELETE FROM issues WHERE id = ?", (issue_id,))

    def _require(self, db: Any, issue_id: int) -> None:
        """The issue exists; its row stays locked to this transaction (PostgreSQL) so two editors
        renumbering the same issue take turns instead of losing each other's change."""
        if not db.execute(
            f"SELECT 1 FROM issues WHERE id = ?{self.store.for_update}", (issue_id,)
        ).fetchone():
            raise NotFoundError(f"no issue {issue_id}", where=str(issue_id))

    # -- items ------------------------------------------------------------------------------------------

    def items(self, issue_id: int) -> list[IssueItem]:
        """The issue's items by column order (the issue's ``sections`` first), then position."""
        order_rows = self.store._read("SELECT sections FROM issues WHERE id = ?", (issue_id,))
        order = json.loads(order_rows[0][0]) if order_rows else []
        rows = self.store._read(
            "SELECT article_id, section, position, overrides FROM issue_items WHERE issue_id = ?"
            " ORDER BY position",
            (issue_id,),
        )
        items = [IssueItem(r[0], r[1], r[2], json.loads(r[3])) for r in rows]
        rank = {name: i for i, name in enumerate(order)}
        first_seen: dict[str | None, int] = {}
        for item in items:
            first_seen.setdefault(item.section, len(first_seen))
        return sorted(
            items, key=lambda it: (rank.get(it.section or "", len(rank)), first_seen[it.section], it.position)
        )

    def add(
        self, issue_id: int, placements: Sequence[tuple[str, str | None]], position: int | None = None
    ) -> list[str]:
        """Append (or insert at ``position``) articles into columns; returns the ids actually added
        (an article already in the issue stays where it is)."""
        added: list[str] = []
        with self.store._write() as db:
            self._require(db, issue_id)
            for offset, (article_id, section) in enumerate(placements):
                if not db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone():
                    raise NotFoundError(f"no article {article_id}", where=article_id)
                if db.execute(
                    "SELECT 1 FROM issue_items WHERE issue_id = ? AND article_id = ?", (issue_id, article_id)
                ).fetchone():
                    continue
                ids = self._column(db, issue_id, section)
                at = len(ids) if position is None else min(max(position + offset, 0), len(ids))
                db.execute(
                    "INSERT INTO issue_items (issue_id, article_id, section, position) VALUES (?, ?, ?, ?)",
                    (issue_id, article_id, section, at),
                )
                self._renumber(db, issue_id, section, [*ids[:at], article_id, *ids[at:]])
                added.append(article_id)
            self._touch(db, issue_id)
        return added

    def move(self, issue_id: int, article_id: str, *, position: int | None = None, section: str | None = None,
             change_section: bool = False) -> None:  # fmt: skip
        """Move an item within its column, or to another column when ``change_section`` (at the end when
        ``position`` is None)."""
        with self.store._write() as db:
            self._require(db, issue_id)
            row = db.execute(
                "SELECT section FROM issue_items WHERE issue_id = ? AND article_id = ?",
                (issue_id, article_id),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"article {article_id} is not in issue {issue_id}", where=article_id)
            old = row[0]
            new = section if change_section else old
            rest = [a for a in self._column(db, issue_id, old) if a != article_id]
            if new != old:
                self._renumber(db, issue_id, old, rest)
                rest = self._column(db, issue_id, new)
                db.execute(
                    "UPDATE issue_items SET section = ? WHERE issue_id = ? AND article_id = ?",
                    (new, issue_id, article_id),
                )
            at = len(rest) if position is None else min(max(position, 0), len(rest))
            self._renumber(db, issue_id, new, [*rest[:at], article_id, *rest[at:]])
            self._touch(db, issue_id)

    def remove(self, issue_id: int, article_ids: Sequence[str]) -> int:
        """Take articles out of the issue; returns how many were in it."""
        removed = 0
        with self.store._write() as db:
            self._require(db, issue_id)
            for article_id in article_ids:
                row = db.execute(
                    "SELECT section FROM issue_items WHERE issue_id = ? AND article_id = ?",
                    (issue_id, article_id),
                ).fetchone()
                if row is None:
                    continue
                db.execute(
                    "DELETE FROM issue_items WHERE issue_id = ? AND article_id = ?", (issue_id, article_id)
                )
                self._renumber(db, issue_id, row[0], self._column(db, issue_id, row[0]))
                removed += 1
            self._touch(db, issue_id)
        return removed

    def set_overrides(self, issue_id: int, article_id: str, overrides: dict[str, Any]) -> None:
        """Replace the item's overrides (the stored article itself never changes)."""
        with self.store._write() as db:
            cur = db.execute(
                "UPDATE issue_items SET overrides = ? WHERE issue_id = ? AND article_id = ?",
                (json.dumps(overrides, ensure_ascii=False), issue_id, article_id),
            )
            if cur.rowcount == 0:
                raise NotFoundError(f"article {article_id} is not in issue {issue_id}", where=article_id)
            self._touch(db, issue_id)

    @staticmethod
    def _column(db: Any, issue_id: int, section: str | None) -> list[str]:
        rows = db.execute(
            "SELECT article_id FROM issue_items WHERE issue_id = ? AND section IS NOT DISTINCT FROM ? ORDER BY position",
            (issue_id, section),
        ).fetchall()
        return [r[0] for r in rows]

    @staticmethod
    def _renumber(db: Any, issue_id: int, section: str | None, ordered: Sequence[str]) -> None:
        db.executemany(
            "UPDATE issue_items SET position = ? WHERE issue_id = ? AND article_id = ? AND section IS NOT DISTINCT FROM ?",
            [(i, issue_id, article_id, section) for i, article_id in enumerate(ordered)],
        )

    @staticmethod
    def _touch(db: Any, issue_id: int) -> None:
        db.execute("UPDATE issues SET updated_at = ? WHERE id = ?", (_now(), issue_id))

    def document_articles(self, document_id: str) -> list[str]:
        """The ids of the articles a document holds, in the document's order (``issue new --from``)."""
        rows = self.store._read(
            "SELECT article_id FROM article_documents WHERE document_id = ? ORDER BY position", (document_id,)
        )
        return [r[0] for r in rows]

    # -- history ----------------------------------------------------------------------------------------

    def earlier_uses(self, issue_id: int, article_ids: Sequence[str] | None = None) -> list[EarlierUse]:
        """Articles that issues *before* this one already carry (earlier date, or same date and lower id;
        an issue without a date counts by id alone). ``article_ids`` None: every earlier issue's articles."""
        rows = self.store._read("SELECT date, id FROM issues WHERE id = ?", (issue_id,))
        if not rows:
            raise NotFoundError(f"no issue {issue_id}", where=str(issue_id))
        date = rows[0][0] or "9999-99-99"
        found = self.store._read(
            "SELECT ii.article_id, i.id, i.title, i.number, i.date, i.status FROM issue_items ii"
            " JOIN issues i ON i.id = ii.issue_id WHERE i.id != ?"
            " AND (COALESCE(i.date, '9999-99-99') < ? OR (COALESCE(i.date, '9999-99-99') = ? AND i.id < ?))"
            " ORDER BY i.date, i.id",
            (issue_id, date, date, issue_id),
        )
        wanted = set(article_ids) if article_ids is not None else None
        return [EarlierUse(*r) for r in found if wanted is None or r[0] in wanted]

    def record_build(self, row: BuildRow) -> None:
        with self.store._write() as db:
            db.execute(
                "INSERT INTO issue_builds (issue_id, edition, format, path, sha256, size, pages, built_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row.issue_id,
                    row.edition,
                    row.format,
                    row.path,
                    row.sha256,
                    row.size,
                    row.pages,
                    row.built_at,
                ),
            )

    def builds(self, issue_id: int) -> list[BuildRow]:
        rows = self.store._read(
            "SELECT issue_id, edition, format, path, sha256, size, pages, built_at FROM issue_builds"
            " WHERE issue_id = ? ORDER BY id",
            (issue_id,),
        )
        return [BuildRow(*r) for r in rows]


def issues_for(store: Store) -> SQLiteIssues:
    """The issue bookkeeping of ``store``; every SQL store (SQLite, PostgreSQL) has it."""
    if not isinstance(store, SQLStore):
        raise StoreError(f"publishing needs an SQL store, not {type(store).__name__}")
    return SQLiteIssues(store)
