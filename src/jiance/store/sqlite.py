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
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from jiance.errors import NotFoundError, StoreError
from jiance.records import Article, Document, IssueMeta, Provenance
from jiance.store.base import ARTICLE_STATUSES, ImportOutcome, SearchHit, StoredArticle
from jiance.store.migrations import SQLITE_MIGRATIONS, Migration
from jiance.store.search import (
    PLACEHOLDER,
    SENTINEL,
    bm25,
    bm25_idf,
    index_text,
    make_snippet,
    phrase_counts,
    query_grams,
    query_terms,
    verify,
)

__all__ = ["RANK_WINDOW", "SCORE_HERE_MAX", "SQLiteStore", "body_fields", "title_fields"]

RANK_WINDOW = 1000  # a query matching more rows than this is ordered newest first (see _probe)
SCORE_HERE_MAX = 300  # up to this many matches of one term, bm25 is computed here (see _scored_here)
PAIR_CAP = 3000  # a bigram found in fewer rows than this may pin a long query down (see _rarest_pair)
_WEIGHTS = {"article_fts": (5.0, 1.0), "title_fts": (1.0,)}  # bm25 column weights, as in migration 1

_ARTICLE_COLUMNS = (
    "a.seq, a.id, a.document_id, a.position, a.kind, a.section, a.title, a.subheadings, a.body, a.speaker,"
    " a.headline, a.related_title, a.prov_path, a.url, a.line_start, a.line_end, a.page_start, a.page_end,"
    " a.issue, a.published_at, a.source_name, a.author, a.status, a.created_at, d.path"
)
_DOCUMENT_COLUMNS = (
    "id, path, media_type, size, status, reason, error, url, fetched_at, encoding, article_count"
)
_LINKED_DOCUMENT_COLUMNS = ", ".join(f"d.{column}" for column in _DOCUMENT_COLUMNS.split(", "))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def title_fields(article: Article) -> list[str]:
    """The texts that count as the article's title for search (title hits rank first)."""
    return [article.title] + ([article.headline] if article.headline else [])


def body_fields(article: Article) -> list[str]:
    """The other searchable texts: the body, subheadings and the expert piece's speaker and related title."""
    extra = [t for t in (article.speaker, article.related_title) if t]
    return [article.body, *article.subheadings, *extra]


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


class SQLiteStore:
    """The SQLite implementation of :class:`jiance.store.base.Store`."""

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
            self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"write failed: {exc}", where=self.path) from exc
            raise
        finally:
            self._depth = 0

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One transaction around several library calls (a web request's mutation and its audit row)."""
        return self._write()

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"read failed: {exc}", where=self.path) from exc

    def migrate(self) -> list[int]:
        """Apply the migrations not yet recorded in ``schema_migrations``; returns the numbers applied."""
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
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
            f" VALUES ({migration.version}, '{migration.name}', '{_now()}');\nCOMMIT;"
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

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- documents and articles -------------------------------------------------------------------------

    def save_import(self, doc: Document, raw: bytes | None, articles: list[Article]) -> ImportOutcome:
        """Store a document and its articles in one transaction; idempotent for an imported document."""
        with self._write() as db:
            row = db.execute("SELECT status FROM documents WHERE id = ?", (doc.id,)).fetchone()
            if row is not None and row[0] == "imported":
                return ImportOutcome("unchanged", doc.id)
            failed = doc.status == "failed"
            kept = raw if raw is not None and len(raw) <= self.max_raw_bytes else None
            self._upsert_document(db, doc, kept, 0 if failed else len(articles))
            if failed:
                return ImportOutcome("failed", doc.id)
            new = 0
            for pos, art in enumerate(articles):
                new += self._insert_article(db, doc.id, pos, art)
                self._link(db, art.id, doc.id, pos)
            return ImportOutcome("imported", doc.id, new, len(articles) - new)

    def _link(self, db: sqlite3.Connection, article_id: str, document_id: str, position: int) -> None:
        """Record that ``document_id`` carries the article's text (once per pair; the first position wins)."""
        db.execute(
            "INSERT INTO article_documents (article_id, document_id, position, first_seen) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (article_id, document_id) DO NOTHING",
            (article_id, document_id, position, _now()),
        )

    def _upsert_document(self, db: sqlite3.Connection, doc: Document, raw: bytes | None, count: int) -> None:
        now = _now()
        status = "failed" if doc.status == "failed" else "imported"
        reason, error = (doc.reason, doc.error) if status == "failed" else (None, None)
        db.execute(
            "INSERT INTO documents (id, path, url, media_type, size, status, reason, error, encoding,"
            " fetched_at, raw, first_seen, last_seen, article_count)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET path = excluded.path, url = excluded.url,"
            " media_type = excluded.media_type, size = excluded.size, status = excluded.status,"
            " reason = excluded.reason, error = excluded.error, encoding = excluded.encoding,"
            " fetched_at = excluded.fetched_at, raw = coalesce(excluded.raw, raw),"
            " last_seen = excluded.last_seen, article_count = excluded.article_count",
            (doc.id, doc.path, doc.url, doc.media_type, doc.size, status, reason, error, doc.encoding,
             doc.fetched_at, raw, now, now, count),
        )  # fmt: skip

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
             art.published_at, art.source_name, art.author, _now()),
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

    def _document(self, row: Sequence[Any]) -> Document:
        return Document(*row)

    def get_document(self, document_id: str) -> Document:
        rows = self._read(f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE id = ?", (document_id,))
        if not rows:
            raise NotFoundError(f"no document {document_id}", where=self.path)
        return self._document(rows[0])

    def get_raw(self, document_id: str) -> bytes | None:
        """The original bytes of a document (None when they were over the size cap)."""
        rows = self._read("SELECT raw FROM documents WHERE id = ?", (document_id,))
        if not rows:
            raise NotFoundError(f"no document {document_id}", where=self.path)
        raw: bytes | None = rows[0][0]
        return raw

    def documents(self, status: str | None = None) -> list[Document]:
        where, params = ("WHERE status = ?", [status]) if status else ("", [])
        rows = self._read(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents {where} ORDER BY first_seen, id", params
        )
        return [self._document(r) for r in rows]

    def _stored(self, r: Sequence[Any]) -> StoredArticle:
        issue = json.loads(r[18]) if r[18] else None
        article = Article(
            kind=r[4], section=r[5], title=r[6], subheadings=json.loads(r[7]),
            paragraphs=r[8].split("\n") if r[8] else [], speaker=r[9], headline=r[10], related_title=r[11],
            provenance=Provenance(path=r[12], url=r[13], line_start=r[14], line_end=r[15], page_start=r[16],
                                  page_end=r[17]),
            issue=IssueMeta(**issue) if issue else None, published_at=r[19], source_name=r[20], author=r[21],
            document_id=r[2],
        )  # fmt: skip
        return StoredArticle(r[1], r[2], article, r[3], r[22], r[23], r[24])

    def _select_articles(self, where: str, params: Sequence[Any], tail: str = "") -> list[StoredArticle]:
        rows = self._read(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a JOIN documents d ON d.id = a.document_id"
            f" {where} {tail}",
            params,
        )
        return [self._stored(r) for r in rows]

    def articles(
        self,
        *,
        section: str | None = None,
        document_id: str | None = None,
        limit: int | None = None,
        kind: str | None = None,
        offset: int = 0,
    ) -> list[StoredArticle]:
        """Stored articles in import order, optionally of one section, document or kind; ``offset`` skips
        that many first (the JSON API pages with it)."""
        clauses, params = [], []
        for column, value in (("a.section", section), ("a.document_id", document_id), ("a.kind", kind)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = "WHERE " + " AND ".join(clauses) if clauses else ""
        tail = "ORDER BY a.seq"
        if limit is not None or offset:
            tail += f" LIMIT {int(limit) if limit is not None else -1} OFFSET {max(int(offset), 0)}"
        return self._select_articles(where, params, tail)

    def get_article(self, article_id: str) -> StoredArticle:
        found = self._select_articles("WHERE a.id = ?", [article_id])
        if not found:
            raise NotFoundError(f"no article {article_id}", where=self.path)
        return found[0]

    def documents_of(self, article_id: str) -> list[Document]:
        """Every document the article's text arrived from, the first (``StoredArticle.document_id``) first."""
        rows = self._read(
            f"SELECT {_LINKED_DOCUMENT_COLUMNS} FROM article_documents l"
            " JOIN documents d ON d.id = l.document_id WHERE l.article_id = ? ORDER BY l.rowid",
            (article_id,),
        )
        if not rows:
            self.get_article(article_id)  # raises NotFoundError for an unknown id
        return [self._document(r) for r in rows]

    def count_articles(self) -> int:
        count: int = self._read("SELECT count(*) FROM articles")[0][0]
        return count

    def articles_with_status(self, status: str) -> list[StoredArticle]:
        """Stored articles with one editorial status (the inbox reads the ``new`` ones), in import order."""
        return self._select_articles("WHERE a.status = ?", [status], "ORDER BY a.seq")

    def set_status(self, article_ids: Sequence[str], status: str) -> int:
        """Give articles an editorial status (an editor's accept or reject); returns how many rows changed."""
        if status not in ARTICLE_STATUSES:
            raise StoreError(f"unknown article status {status!r}; one of {', '.join(ARTICLE_STATUSES)}")
        with self._write() as db:
            rows = [(status, article_id) for article_id in dict.fromkeys(article_ids)]
            cur = db.executemany("UPDATE articles SET status = ? WHERE id = ?", rows)
            return int(cur.rowcount)

    def set_snoozed(self, article_ids: Sequence[str], until: str | None) -> int:
        """Hide articles from the inbox until ``until`` (ISO 8601), or wake them (None); rows changed."""
        with self._write() as db:
            rows = [(until, article_id) for article_id in dict.fromkeys(article_ids)]
            cur = db.executemany("UPDATE articles SET snoozed_until = ? WHERE id = ?", rows)
            return int(cur.rowcount)

    def snoozes(self) -> dict[str, str]:
        """``{article id: snoozed_until}`` of every article that has a snooze set (past ones included)."""
        rows = self._read("SELECT id, snoozed_until FROM articles WHERE snoozed_until IS NOT NULL")
        return {article_id: until for article_id, until in rows}

    def analysis_by_status(self, status: str, stages: Sequence[str]) -> dict[str, dict[str, Any]]:
        """``{article id: {stage: result}}`` of ``stages`` for every article with ``status``: the inbox reads
        its cards' analysis in one query instead of one per article."""
        if not stages:
            return {}
        rows = self._read(
            "SELECT n.article_id, n.stage, n.result FROM analysis n JOIN articles a ON a.id = n.article_id"
            f" WHERE a.status = ? AND n.stage IN ({','.join('?' * len(stages))})",
            [status, *stages],
        )
        found: dict[str, dict[str, Any]] = {}
        for article_id, stage, result in rows:
            found.setdefault(article_id, {})[stage] = json.loads(result)
        return found

    # -- analysis results -------------------------------------------------------------------------------

    def save_analysis(self, article_id: str, stage: str, result: Any, version: str) -> None:
        """Record (or replace) one stage's result for an article."""
        with self._write() as db:
            db.execute(
                "INSERT INTO analysis (article_id, stage, result, version, created_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (article_id, stage) DO UPDATE SET result = excluded.result,"
                " version = excluded.version, created_at = excluded.created_at",
                (article_id, stage, json.dumps(result, ensure_ascii=False), version, _now()),
            )

    def analysis(self, article_id: str) -> dict[str, Any]:
        """Every stage's result for an article: ``{stage: {"result": ..., "version": ...}}``."""
        rows = self._read("SELECT stage, result, version FROM analysis WHERE article_id = ?", (article_id,))
        return {stage: {"result": json.loads(result), "version": version} for stage, result, version in rows}

    def stage_results(self, stage: str) -> list[tuple[str, Any]]:
        """``(article id, result)`` of one stage for every analysed article, in storage order."""
        rows = self._read(
            "SELECT a.article_id, a.result FROM analysis a JOIN articles r ON r.id = a.article_id"
            " WHERE a.stage = ? ORDER BY r.seq",
            (stage,),
        )
        return [(article_id, json.loads(result)) for article_id, result in rows]

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

    def _by_seq(self, seqs: list[int]) -> dict[int, StoredArticle]:
        if not seqs:
            return {}
        marks = ",".join("?" * len(seqs))
        rows = self._read(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles a JOIN documents d ON d.id = a.document_id"
            f" WHERE a.seq IN ({marks})",
            seqs,
        )
        return {r[0]: self._stored(r) for r in rows}

    def _hit(
        self, stored: StoredArticle, score: float, terms: list[str], title_hit: bool, marker: tuple[str, str]
    ) -> SearchHit:
        art = stored.article
        snippet = None
        for text in [*body_fields(art), *title_fields(art)]:
            snippet = make_snippet(text, terms, chars=self.snippet_chars, marker=marker)
            if snippet is not None:
                break
        return SearchHit(
            article_id=stored.id,
            title=art.title,
            section=art.section,
            snippet=snippet.marked if snippet else "",
            score=score,
            offsets=snippet.offsets if snippet else [],
            snippet_text=snippet.text if snippet else "",
            title_hit=title_hit,
        )

    def search(
        self,
        query: str,
        *,
        limit: int | None = 10,
        section: str | None = None,
        kind: str | None = None,
        marker: tuple[str, str] = ("【", "】"),
    ) -> list[SearchHit]:
        """Articles containing every space-separated term of ``query`` (folded): title hits first, then the
        rest; within each, by bm25 over the bigram index (ties by recency) when at most RANK_WINDOW index
        rows match, else newest first. ``limit=None`` returns every hit in the same order."""
        terms = query_terms(query)
        if not terms:
            return []
        hits: list[SearchHit] = []
        for stored, score in self._candidates("title_fts", terms, section, kind, limit):
            if verify(terms, title_fields(stored.article)):
                hits.append(self._hit(stored, score, terms, True, marker))
                if limit is not None and len(hits) >= limit:
                    return hits
        # Every title hit is in ``hits`` by now, so the body pass skips whatever has one.
        for stored, score in self._candidates("article_fts", terms, section, kind, limit):
            art = stored.article
            if not verify(terms, title_fields(art)) and verify(terms, title_fields(art) + body_fields(art)):
                hits.append(self._hit(stored, score, terms, False, marker))
                if limit is not None and len(hits) >= limit:
                    break
        return hits

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
