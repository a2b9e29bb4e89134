"""The default store: one SQLite file in WAL mode, with recorded migrations and a bigram search index.

Every write goes through :meth:`SQLiteStore._write` (one ``BEGIN IMMEDIATE`` transaction), and the search
index is written in the same transaction as the article it indexes, so the two never disagree. The index
design (overlapping character bigrams in a contentless FTS5 table, every hit re-checked with a substring
test) is explained and measured in docs/search.md; the parts that do not depend on SQL live in
:mod:`jiance.store.search` so that other backends reuse them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jiance.errors import StoreError
from jiance.records import Article
from jiance.store.base import StoredArticle
from jiance.store.migrations import SQLITE_MIGRATIONS, Migration
from jiance.store.search import (
    PLACEHOLDER,
    SENTINEL,
    bm25,
    bm25_idf,
    body_fields,
    index_text,
    phrase_counts,
    query_grams,
    query_terms,
    title_fields,
    verify,
)
from jiance.store.sqlbase import SQLStore, now

__all__ = ["RANK_WINDOW", "SCORE_HERE_MAX", "SQLiteStore", "body_fields", "title_fields"]

RANK_WINDOW = 1000  # a query matching more rows than this is ordered newest first (see _probe)
SCORE_HERE_MAX = 300  # up to this many matches of one term, bm25 is computed here (see _scored_here)
PAIR_CAP = 3000  # a bigram found in fewer rows than this may pin a long query down (see _rarest_pair)
_WEIGHTS = {"article_fts": (5.0, 1.0), "title_fts": (1.0,)}  # bm25 column weights, as in migration 1


def _fts_phrase(term: str) -> str:
    grams, prefix = query_grams(term)
    return f'"{" ".join(grams)}"' + ("*" if prefix else "")


def _varints(blob: bytes) -> list[int]:
    """The SQLite-format varints packed in ``blob`` (how FTS5 stores its row and token counts)."""
    values, i = [], 0
    while i < len(blob):
        value = 0
        for n in range(9):
            byte = blob[i]
            i += 1
            if n == 8:  # the ninth byte carries eight bits
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                break
        values.append(value)
    return values


def _paged(rows: list[tuple[int, float]], size: int | None) -> Iterator[list[tuple[int, float]]]:
    step = size or max(1, len(rows))
    for start in range(0, len(rows), step):
        yield rows[start : start + step]


def _exact(terms: Sequence[str]) -> bool:
    """True when the bigram match alone is exact, i.e. no term holds a character the index conflates."""
    return not any(
        c in (PLACEHOLDER, SENTINEL) or (c.isascii() and not c.isalnum()) for term in terms for c in term
    )


class SQLiteStore(SQLStore):
    """The SQLite implementation of :class:`jiance.store.base.Store`."""

    dialect = "sqlite"

    def __init__(
        self,
        path: Path | str,
        *,
        max_raw_mb: int = 50,
        snippet_chars: int = 80,
        busy_timeout_s: float = 30.0,
        migrate: bool = True,
        check_same_thread: bool = True,
    ) -> None:
        self.path = str(path)
        self.max_raw_bytes = max_raw_mb * 1024 * 1024
        self.snippet_chars = snippet_chars
        self._depth = 0
        try:
            # check_same_thread=False only for a store used by one request at a time that a web framework
            # may hand from thread to thread (set-up, handler and tear-down in different worker threads).
            self._db = sqlite3.connect(
                self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=check_same_thread
            )
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            self._db.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash loses no committed data
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store: {exc}", where=self.path) from exc
        if migrate:
            self.migrate()

    # -- plumbing ---------------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """The single write path: one immediate transaction, rolled back on any error.

        Re-entrant: a write inside :meth:`transaction` (or another write) joins the outer transaction, so a
        mutation and its audit row commit together or not at all.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self._db
            finally:
                self._depth -= 1
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot start a write: {exc}", where=self.path) from exc
        self._depth = 1
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException as exc:
            # On a full disk or an I/O error SQLite has rolled back already; a second ROLLBACK would
            # fail and hide the real reason.
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"write failed: {exc}", where=self.path) from exc
            raise
        finally:
            self._depth = 0

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"read failed: {exc}", where=self.path) from exc

    def migrate(self) -> list[int]:
        """Apply the migrations not yet recorded in ``schema_migrations``; returns the numbers applied."""
        try:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations"
                " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot prepare the store: {exc}", where=self.path) from exc
        done = {row[0] for row in self._read("SELECT version FROM schema_migrations")}
        applied = []
        for migration in SQLITE_MIGRATIONS:
            if migration.version not in done:
                self._apply(migration)
                applied.append(migration.version)
        return applied

    def _apply(self, migration: Migration) -> None:
        # executescript cannot run inside our BEGIN; the script carries its own transaction instead.
        script = (
            f"BEGIN IMMEDIATE;\n{migration.sql}\n"
            "INSERT INTO schema_migrations (version, name, applied_at)"
            f" VALUES ({migration.version}, '{migration.name}', '{now()}');\nCOMMIT;"
        )
        try:
            self._db.executescript(script)
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise StoreError(f"migration {migration.version} failed: {exc}", where=self.path) from exc

    def schema_versions(self) -> list[int]:
        """The migration numbers recorded as applied, in order."""
        return [row[0] for row in self._read("SELECT version FROM schema_migrations ORDER BY version")]

    def close(self) -> None:
        self._db.close()

    def _insert_article(self, db: sqlite3.Connection, document_id: str, position: int, art: Article) -> bool:
        """Insert one article and its index row unless its id is already stored; True if it was new."""
        prov = art.provenance
        cur = db.execute(
            "INSERT INTO articles (id, document_id, position, kind, section, title, subheadings, body,"
            " speaker, headline, related_title, prov_path, url, line_start, line_end, page_start, page_end,"
            " issue, published_at, source_name, author, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO NOTHING",
            (art.id, document_id, position, art.kind, art.section, art.title,
             json.dumps(art.subheadings, ensure_ascii=False), art.body, art.speaker, art.headline,
             art.related_title, prov.path, prov.url, prov.line_start, prov.line_end, prov.page_start,
             prov.page_end, json.dumps(art.issue.to_record(), ensure_ascii=False) if art.issue else None,
             art.published_at, art.source_name, art.author, now()),
        )  # fmt: skip
        if cur.rowcount == 0:
            return False
        title = index_text(title_fields(art))
        db.execute(
            "INSERT INTO article_fts (rowid, title, body) VALUES (?, ?, ?)",
            (cur.lastrowid, title, index_text(body_fields(art))),
        )
        db.execute("INSERT INTO title_fts (rowid, title) VALUES (?, ?)", (cur.lastrowid, title))
        return True

    # -- search -----------------------------------------------------------------------------------------

    def _filtered(
        self, table: str, select: str, match: str, section: str | None, kind: str | None
    ) -> tuple[str, list[Any]]:
        select = select.replace("fts.", f"{table}.")
        sql = f"SELECT {select} FROM {table} JOIN articles a ON a.seq = {table}.rowid WHERE {table} MATCH ?"
        params: list[Any] = [match]
        for condition, value in (("a.section = ?", section), ("a.kind = ?", kind)):
            if value is not None:
                sql += f" AND {condition}"
                params.append(value)
        return sql, params

    def _probe(self, table: str, match: str, section: str | None, kind: str | None) -> list[int]:
        """Up to RANK_WINDOW + 1 matching rowids: more than RANK_WINDOW means the query is frequent.

        The probe stops at the first match past the window, so it is cheap exactly when the query is
        frequent; FTS5's bm25 is not, since it counts every match of every phrase (its idf) before it
        scores the first row, a full intersection of long doclists (see docs/search.md). FTS5 walks a
        doclist forwards faster than backwards, hence no ORDER BY.
        """
        sql, params = self._filtered(table, "fts.rowid", match, section, kind)
        return [int(r[0]) for r in self._read(sql + " LIMIT ?", [*params, RANK_WINDOW + 1])]

    def _candidates(
        self, table: str, terms: list[str], section: str | None, kind: str | None, limit: int | None
    ) -> Iterator[tuple[StoredArticle, float]]:
        """Index matches in ranking order with their score, fetched a page at a time.

        Frequent queries come newest first (score 0), so the caller stops after a page or two; the others
        by bm25, computed here from the text when one unfiltered term matches a few rows (one index walk
        instead of FTS5's two, or none when its two rarest bigrams pin it down), else by FTS5.
        """
        match = " AND ".join(_fts_phrase(t) for t in terms)
        size = None if limit is None else max(2 * limit, 20)
        alone = len(terms) == 1 and section is None and kind is None
        pinned = self._rarest_pair(table, terms[0]) if alone else None
        rows: Iterator[list[tuple[int, float]]]
        if pinned is not None:
            rows = _paged(self._scored_here(table, terms[0], pinned), size)
        elif len(seqs := self._probe(table, match, section, kind)) > RANK_WINDOW:
            rows = self._newest_pages(table, match, section, kind, size)
        elif alone and len(seqs) <= SCORE_HERE_MAX:
            rows = _paged(self._scored_here(table, terms[0], seqs), size)
        else:
            rows = self._ranked_pages(table, match, section, kind, size)
        for page in rows:
            by_seq = self._by_seq([seq for seq, _ in page])
            for seq, score in page:
                yield by_seq[seq], score

    def _capped(self, table: str, match: str, cap: int) -> int:
        """min(number of rows matching, cap): a walk that stops at the cap."""
        sql = f"SELECT count(*) FROM (SELECT rowid FROM {table} WHERE {table} MATCH ? LIMIT ?)"
        return int(self._read(sql, (match, cap))[0][0])

    def _rarest_pair(self, table: str, term: str) -> list[int] | None:
        """Rows holding both of the term's two rarest bigrams, when that is a short list; else None.

        FTS5 evaluates a phrase by walking the doclist of every bigram in it, and the bigrams of a long
        query are often common even when the query is rare (信息, 智能 in 出智能化信息). Two short
        doclists give a superset of the matches at a fraction of that cost, and ``_scored_here`` keeps
        exactly the rows the phrase matches.
        """
        grams, prefix = query_grams(term)
        distinct = set(grams)
        if table == "title_fts" or prefix or len(grams) < 3 or len(distinct) < 2 or SENTINEL in term:
            return None  # titles are short: the title index's own walk is already cheap
        counts = sorted((self._capped(table, f'"{g}"', PAIR_CAP), g) for g in distinct)
        if counts[0][0] >= PAIR_CAP:
            return None
        sql = f"SELECT rowid FROM {table} WHERE {table} MATCH ? LIMIT ?"
        both = self._read(sql, (f'"{counts[0][1]}" AND "{counts[1][1]}"', SCORE_HERE_MAX + 1))
        return [int(r[0]) for r in both] if len(both) <= SCORE_HERE_MAX else None

    def _table_stats(self, table: str) -> tuple[int, float]:
        """(rows, mean tokens per row) of an FTS5 table from its averages record: the figures bm25 uses."""
        found = self._read(f"SELECT block FROM {table}_data WHERE id = 1")
        counts = _varints(found[0][0]) if found else [0]
        rows = max(counts[0], 1)
        return rows, sum(counts[1:]) / rows

    def _scored_here(self, table: str, term: str, seqs: list[int]) -> list[tuple[int, float]]:
        """(rowid, bm25) of the rows of ``seqs`` that match ``term``, best first, exactly as FTS5 scores.

        ``seqs`` must hold every match (it may hold more); the matches' count is the phrase's idf count.
        """
        if not seqs:
            return []
        weights = _WEIGHTS[table]
        rows = self._read(
            "SELECT seq, published_at, title, headline, body, subheadings, speaker, related_title"
            f" FROM articles WHERE seq IN ({','.join('?' * len(seqs))})",
            seqs,
        )
        found = []
        for r in rows:
            title = [t for t in (r[2], r[3]) if t]
            columns = [title, [r[4], *json.loads(r[5]), *(t for t in (r[6], r[7]) if t)]][: len(weights)]
            counts, length = phrase_counts(term, columns)
            if any(counts):
                freq = sum(w * n for w, n in zip(weights, counts, strict=True))
                found.append((int(r[0]), r[1] or "", freq, length))
        total, avgdl = self._table_stats(table)
        idf = bm25_idf(total, len(found))
        scored = [(seq, published, bm25(freq, length, avgdl, idf)) for seq, published, freq, length in found]
        # The order of FTS5's path: score, then published_at DESC (NULL last), then seq DESC.
        scored.sort(key=lambda row: (row[2], row[1], row[0]), reverse=True)
        return [(seq, score) for seq, _, score in scored]

    def _ranked_pages(
        self, table: str, match: str, section: str | None, kind: str | None, size: int | None
    ) -> Iterator[list[tuple[int, float]]]:
        """(rowid, score) of every match by bm25 (ties by recency), cut into pages of ``size``.

        One query ranks them all (at most RANK_WINDOW rows), because every ranked query pays bm25's full
        count of the matches again.
        """
        sql, params = self._filtered(table, "fts.rowid, fts.rank", match, section, kind)
        sql += " ORDER BY 2, a.published_at DESC, a.seq DESC"
        yield from _paged([(int(r[0]), -float(r[1])) for r in self._read(sql, params)], size)

    def _newest_pages(
        self, table: str, match: str, section: str | None, kind: str | None, size: int | None
    ) -> Iterator[list[tuple[int, float]]]:
        """Pages of matches newest first; each page resumes below the last rowid, so none re-walks."""
        sql, params = self._filtered(table, "fts.rowid", match, section, kind)
        below: int | None = None
        while True:
            page_sql, page_params = sql, list(params)
            if below is not None:
                page_sql += f" AND {table}.rowid < ?"
                page_params.append(below)
            page_sql += f" ORDER BY {table}.rowid DESC"
            if size is not None:
                page_sql += " LIMIT ?"
                page_params.append(size)
            page = [(int(r[0]), 0.0) for r in self._read(page_sql, page_params)]
            if page:
                yield page
            if size is None or len(page) < size:
                return
            below = page[-1][0]

    def search_ids(self, query: str, *, section: str | None = None, kind: str | None = None) -> list[str]:
        """Ids of every article matching ``query`` (unranked): the cheap path for counts and recall."""
        terms = query_terms(query)
        if not terms:
            return []
        expr = " AND ".join(_fts_phrase(t) for t in terms)
        sql = (
            "SELECT a.id, a.title, a.headline, a.body, a.subheadings, a.speaker, a.related_title"
            " FROM article_fts JOIN articles a ON a.seq = article_fts.rowid WHERE article_fts MATCH ?"
        )
        params: list[Any] = [expr]
        for column, value in (("a.section", section), ("a.kind", kind)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        rows = self._read(sql, params)
        if _exact(terms):
            return [r[0] for r in rows]
        return [
            r[0]
            for r in rows
            if verify(terms, [t for t in (r[1], r[2], r[3], *json.loads(r[4]), r[5], r[6]) if t])
        ]

    # -- rebuilding the index ---------------------------------------------------------------------------

    def reset_index(self) -> None:
        """Empty both bigram indexes (contentless FTS5 tables can only be emptied whole)."""
        with self._write() as db:
            for table in ("article_fts", "title_fts"):
                db.execute(f"INSERT INTO {table} ({table}) VALUES ('delete-all')")

    def write_index(self, entries: Sequence[tuple[str, str, str]]) -> int:
        """Index ``(article id, title index text, body index text)`` entries, after :meth:`reset_index`:
        a contentless FTS5 row cannot be replaced, only added, so a rebuild starts from empty."""
        if not entries:
            return 0
        by_id = {entry[0]: entry for entry in entries}
        with self._write() as db:
            seqs = db.execute(
                f"SELECT seq, id FROM articles WHERE id IN ({','.join('?' * len(by_id))})", list(by_id)
            ).fetchall()
            db.executemany(
                "INSERT INTO article_fts (rowid, title, body) VALUES (?, ?, ?)",
                [(seq, by_id[article_id][1], by_id[article_id][2]) for seq, article_id in seqs],
            )
            db.executemany(
                "INSERT INTO title_fts (rowid, title) VALUES (?, ?)",
                [(seq, by_id[article_id][1]) for seq, article_id in seqs],
            )
        return len(seqs)

    # -- health -----------------------------------------------------------------------------------------

    def integrity_check(self) -> list[str]:
        """Problems found (empty when healthy): SQLite's own check, foreign keys, document links, the
        search index."""
        problems = [f"integrity: {r[0]}" for r in self._read("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [
            f"foreign key: {r[0]} row {r[1]} points to a missing {r[2]}"
            for r in self._read("PRAGMA foreign_key_check")
        ]
        unlinked = self._read(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_documents l"
            " WHERE l.article_id = a.id AND l.document_id = a.document_id)"
        )[0][0]
        if unlinked:
            problems.append(f"{unlinked} articles lack the link to their first document")
        stored = self.count_articles()
        for table in ("article_fts", "title_fts"):
            try:
                with self._write() as db:
                    db.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
            except StoreError as exc:
                problems.append(f"search index {table}: {exc.message}")
            indexed = self._read(f"SELECT count(*) FROM {table}_docsize")[0][0]
            if indexed != stored:
                problems.append(f"search index {table} holds {indexed} articles, the store {stored}")
        return problems
