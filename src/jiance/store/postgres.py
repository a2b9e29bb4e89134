"""The server store: PostgreSQL, behind the same :class:`jiance.store.base.Store` interface as SQLite.

Selected by ``store = "postgresql://user@host:port/db"`` in ``jiance.toml`` (or ``JIANCE_STORE``). What
differs from SQLite, and why:

- **Connections.** One :class:`psycopg_pool.ConnectionPool` per URL and process, shared by every store
  object opened on that URL, so the web app's store-per-request costs a checkout, not a connection. A
  write transaction is bound to the calling thread (re-entrant like SQLite's), so threads sharing a store
  never share a transaction.
- **Concurrent writers.** Several processes (collection, analysis, editors) write at once. Every write is
  one transaction; rows whose children are renumbered (an issue's items) are locked with ``FOR UPDATE``
  first (``SELECT … FOR UPDATE``, see ``SQLStore.for_update``), so two editors never lose each other's change; an import that
  deadlocks with another one on the same article ids is retried whole.
- **Search.** The same bigram segmentation as SQLite (:mod:`jiance.store.search`), stored as tsvector
  lexemes (GIN) for every query length, plus a pg_trgm index on the folded text that pins down terms of
  three characters and more. bm25 is computed here from the text with FTS5's formula and the table
  statistics kept in ``search_stats``, so both backends rank the same corpus the same way.
- **SQL.** The shared modules write ``?`` placeholders; :func:`pg_sql` turns them into psycopg's ``%s``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jiance.errors import StoreError
from jiance.records import Article, Document
from jiance.store.base import ImportOutcome, StoredArticle
from jiance.store.migrations import POSTGRES_MIGRATIONS, Migration
from jiance.store.search import (
    PLACEHOLDER,
    SENTINEL,
    bm25,
    bm25_idf,
    body_fields,
    fast_fold,
    index_text,
    phrase_counts,
    query_grams,
    query_terms,
    title_fields,
    verify,
)
from jiance.store.sqlbase import ARTICLE_COLUMNS, SQLStore, now

__all__ = ["PostgresStore", "close_pool", "close_pools", "is_postgres_url", "pg_sql", "redacted"]

RANK_WINDOW = 1000  # as in SQLite: more matches than this are ordered newest first
_WEIGHTS = {"article_fts": (5.0, 1.0), "title_fts": (1.0,)}
_COMPACT_AFTER = 64  # search_stats delta rows before a reader folds them into one
_RETRIES = 5  # whole-import retries after a deadlock or serialisation failure
_MIGRATION_LOCK = 7_263_401  # pg_advisory_xact_lock key: one migrator at a time per database

_pools: dict[str, Any] = {}
_pools_lock = threading.Lock()
_migrated: set[str] = set()


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"


@lru_cache(maxsize=512)
def pg_sql(sql: str) -> str:
    """``?`` placeholders → ``%s``, and a literal ``%`` → ``%%`` (psycopg's escaping); quoted text kept."""
    out: list[str] = []
    quoted = False
    for ch in sql:
        if ch == "'":
            quoted = not quoted
            out.append(ch)
        elif ch == "%":
            out.append("%%")
        elif ch == "?" and not quoted:
            out.append("%s")
        else:
            out.append(ch)
    return "".join(out)


def _error(exc: Exception, url: str, doing: str) -> StoreError:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return StoreError(f"{doing}: {message}", where=redacted(url))


class _Connection:
    """What a write transaction yields: ``execute``/``executemany`` with the shared ``?`` dialect."""

    def __init__(self, conn: Any) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cur = self.raw.cursor()
        cur.execute(pg_sql(sql), tuple(params))
        return cur

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        cur = self.raw.cursor()
        cur.executemany(pg_sql(sql), [tuple(r) for r in rows])
        return cur


@dataclass(slots=True)
class _Tx:
    """The calling thread's open transaction: its connection, nesting depth and search-stats deltas."""

    conn: _Connection | None = None
    depth: int = 0
    rows: int = 0
    title_tokens: int = 0
    all_tokens: int = 0


def _pool(url: str, size: int) -> Any:
    """The process's pool for ``url`` (opened on first use; connections in autocommit, see ``_write``)."""
    from psycopg_pool import ConnectionPool

    with _pools_lock:
        pool = _pools.get(url)
        if pool is None:
            pool = ConnectionPool(
                url,
                min_size=1,
                max_size=max(size, 1),
                kwargs={"autocommit": True},
                open=False,
                name=f"jiance-{len(_pools)}",
            )
            try:
                pool.open(wait=True, timeout=15.0)
            except Exception as exc:
                pool.close()
                raise _error(exc, url, "cannot connect to the PostgreSQL store") from exc
            _pools[url] = pool
        return pool


def close_pool(url: str) -> None:
    """Close this process's pool for ``url`` (before the database is dropped or used as a template)."""
    with _pools_lock:
        pool = _pools.pop(url, None)
        _migrated.discard(url)
    if pool is not None:
        pool.close()


def close_pools() -> None:
    """Close every pool of this process (tests and a shutting-down server)."""
    with _pools_lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()
        _migrated.clear()


def _tsquery(term: str) -> str:
    """The tsquery text of one folded term: its distinct bigrams ANDed, or a prefix for one character.

    Lexemes are quoted, so the text-search parser never sees (or splits) Chinese; a quote or backslash
    inside one is escaped the way tsquery input expects.
    """
    grams, prefix = query_grams(term)

    def lexeme(gram: str) -> str:
        return "'" + gram.replace("\\", "\\\\").replace("'", "''") + "'"

    if prefix:
        return lexeme(grams[0]) + ":*"
    return " & ".join(lexeme(g) for g in dict.fromkeys(grams))


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _exact(terms: Sequence[str]) -> bool:
    """True when the index match alone is exact (no term holds a character the index conflates)."""
    return not any(
        c in (PLACEHOLDER, SENTINEL) or (c.isascii() and not c.isalnum()) for term in terms for c in term
    )


def _folded(article: Article) -> str:
    """Every searchable field folded, kept apart by the sentinel so no match spans two fields."""
    return SENTINEL.join(fast_fold(text) for text in [*title_fields(article), *body_fields(article)])


def _lexemes(index: str) -> list[str]:
    return list(dict.fromkeys(index.split()))


class PostgresStore(SQLStore):
    """The PostgreSQL implementation of :class:`jiance.store.base.Store`."""

    dialect = "postgresql"
    for_update = " FOR UPDATE"

    def __init__(
        self,
        url: str,
        *,
        max_raw_mb: int = 50,
        snippet_chars: int = 80,
        pool_size: int = 4,
        migrate: bool = True,
    ) -> None:
        self.url = url
        self.path = redacted(url)
        self.max_raw_bytes = max_raw_mb * 1024 * 1024
        self.snippet_chars = snippet_chars
        self._pool = _pool(url, pool_size)
        self._local = threading.local()
        if migrate and url not in _migrated:
            self.migrate()
            _migrated.add(url)

    # -- plumbing ---------------------------------------------------------------------------------------

    def _tx(self) -> _Tx:
        tx: _Tx | None = getattr(self._local, "tx", None)
        if tx is None:
            tx = self._local.tx = _Tx()
        return tx

    @contextmanager
    def _write(self) -> Iterator[_Connection]:
        """One transaction on a pooled connection, bound to this thread; nested writes join it."""
        import psycopg

        tx = self._tx()
        if tx.depth and tx.conn is not None:
            tx.depth += 1
            try:
                yield tx.conn
            finally:
                tx.depth -= 1
            return
        try:
            with self._pool.connection() as raw:
                conn = _Connection(raw)
                tx.conn, tx.depth = conn, 1
                tx.rows = tx.title_tokens = tx.all_tokens = 0
                with raw.transaction():
                    yield conn
                    if tx.rows:
                        conn.execute(
                            "INSERT INTO search_stats (rows, title_tokens, all_tokens) VALUES (?, ?, ?)",
                            (tx.rows, tx.title_tokens, tx.all_tokens),
                        )
        except psycopg.Error as exc:
            raise _error(exc, self.url, "write failed") from exc
        finally:
            tx.conn, tx.depth = None, 0

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        import psycopg

        tx = self._tx()
        try:
            if tx.depth and tx.conn is not None:  # inside a write: read what it wrote so far
                rows: list[Any] = tx.conn.execute(sql, params).fetchall()
                return rows
            with self._pool.connection() as raw:
                return list(raw.execute(pg_sql(sql), tuple(params)).fetchall())
        except psycopg.Error as exc:
            raise _error(exc, self.url, "read failed") from exc

    def migrate(self) -> list[int]:
        """Apply the PostgreSQL migrations not yet recorded; concurrent migrators wait for each other."""
        applied: list[int] = []
        with self._write() as db:
            db.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations"
                " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            done = {row[0] for row in db.execute("SELECT version FROM schema_migrations").fetchall()}
            for migration in POSTGRES_MIGRATIONS:
                if migration.version not in done:
                    self._apply(db, migration)
                    applied.append(migration.version)
        return applied

    @staticmethod
    def _apply(db: _Connection, migration: Migration) -> None:
        db.raw.execute(migration.sql)  # a script without parameters: sent as is, several statements
        db.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            (migration.version, migration.name, now()),
        )

    def schema_versions(self) -> list[int]:
        return [row[0] for row in self._read("SELECT version FROM schema_migrations ORDER BY version")]

    def close(self) -> None:
        """Nothing to release: the pool is the process's, shared by every store on this URL."""

    # -- writes -----------------------------------------------------------------------------------------

    def save_import(self, doc: Document, raw: bytes | None, articles: list[Article]) -> ImportOutcome:
        """As in SQLite; an import that deadlocks with a concurrent one is retried whole."""
        if self._tx().depth:
            return SQLStore.save_import(self, doc, raw, articles)
        for attempt in range(_RETRIES):
            try:
                return SQLStore.save_import(self, doc, raw, articles)
            except StoreError as exc:
                if attempt == _RETRIES - 1 or not _retryable(exc):
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _index_values(self, art: Article) -> tuple[list[str], list[str], str, int, int]:
        title = index_text(title_fields(art)).split()
        body = index_text(body_fields(art)).split()
        return (
            list(dict.fromkeys(title + body)),
            list(dict.fromkeys(title)),
            _folded(art),
            len(title),
            len(body),
        )

    def _insert_article(self, db: Any, document_id: str, position: int, art: Article) -> bool:
        """One article at ``position``, without its document link (``jiance db copy`` copies links)."""
        return self._insert_articles(db, document_id, [art], start=position, link=False) == 1

    def _insert_articles(
        self, db: Any, document_id: str, articles: Sequence[Article], *, start: int = 0, link: bool = True
    ) -> int:
        """All of a document's articles in one INSERT … SELECT FROM unnest(…) and its links in another:
        two round trips instead of two per article. Lexemes travel space-joined (a bigram never holds a
        space) and become tsvectors on the server. The first occurrence of a repeated text wins."""
        import json

        first: dict[str, tuple[int, Article]] = {}
        for pos, art in enumerate(articles, start):
            first.setdefault(art.id, (pos, art))
        columns: list[list[Any]] = [[] for _ in range(27)]
        stamp = now()
        for pos, art in first.values():
            prov = art.provenance
            grams, title_grams, folded, title_len, body_len = self._index_values(art)
            values = (
                art.id, document_id, pos, art.kind, art.section, art.title,
                json.dumps(art.subheadings, ensure_ascii=False), art.body, art.speaker, art.headline,
                art.related_title, prov.path, prov.url, prov.line_start, prov.line_end, prov.page_start,
                prov.page_end, json.dumps(art.issue.to_record(), ensure_ascii=False) if art.issue else None,
                art.published_at, art.source_name, art.author, stamp, " ".join(grams), " ".join(title_grams),
                folded, title_len, body_len,
            )  # fmt: skip
            for column, value in zip(columns, values, strict=True):
                column.append(value)
        types = ["text", "text", "int"] + ["text"] * 10 + ["int"] * 4 + ["text"] * 8 + ["int"] * 2
        unnest = ", ".join(f"?::{t}[]" for t in types)
        rows = db.execute(
            "INSERT INTO articles (id, document_id, position, kind, section, title, subheadings, body,"
            " speaker, headline, related_title, prov_path, url, line_start, line_end, page_start, page_end,"
            " issue, published_at, source_name, author, created_at, grams, title_grams, folded, title_len,"
            " body_len)"
            " SELECT u.id, u.document_id, u.position, u.kind, u.section, u.title, u.subheadings, u.body,"
            " u.speaker, u.headline, u.related_title, u.prov_path, u.url, u.line_start, u.line_end,"
            " u.page_start, u.page_end, u.issue, u.published_at, u.source_name, u.author, u.created_at,"
            " array_to_tsvector(string_to_array(u.grams, ' ')),"
            " array_to_tsvector(string_to_array(u.title_grams, ' ')), u.folded, u.title_len, u.body_len"
            f" FROM unnest({unnest}) AS u (id, document_id, position, kind, section, title, subheadings,"
            " body, speaker, headline, related_title, prov_path, url, line_start, line_end, page_start,"
            " page_end, issue, published_at, source_name, author, created_at, grams, title_grams, folded,"
            " title_len, body_len)"
            " ON CONFLICT (id) DO NOTHING RETURNING title_len, body_len",
            columns,
        ).fetchall()
        tx = self._tx()
        for title_len, body_len in rows:
            tx.rows += 1
            tx.title_tokens += title_len
            tx.all_tokens += title_len + body_len
        if not link:
            return len(rows)
        positions = list(first.values())
        db.execute(
            "INSERT INTO article_documents (article_id, document_id, position, first_seen)"
            " SELECT * FROM unnest(?::text[], ?::text[], ?::int[], ?::text[])"
            " ON CONFLICT (article_id, document_id) DO NOTHING",
            ([a.id for _, a in positions], [document_id] * len(positions), [p for p, _ in positions],
             [stamp] * len(positions)),
        )  # fmt: skip
        return len(rows)

    def reset_index(self) -> None:
        """Empty the search index (before :meth:`write_index` rebuilds it)."""
        with self._write() as db:
            db.execute(
                "UPDATE articles SET grams = ''::tsvector, title_grams = ''::tsvector, folded = '',"
                " title_len = 0, body_len = 0"
            )
            db.execute("DELETE FROM search_stats")

    def write_index(self, entries: Sequence[tuple[str, str, str]]) -> int:
        """Index ``(article id, title index text, body index text)`` entries (from
        :func:`jiance.store.search.index_text`); the folded text is recomputed from the stored row."""
        if not entries:
            return 0
        by_id = {entry[0]: entry for entry in entries}
        written = 0
        with self._write() as db:
            marks = ",".join("?" * len(by_id))
            rows = db.execute(
                f"SELECT {ARTICLE_COLUMNS}, a.title_len, a.body_len FROM articles a"
                f" JOIN documents d ON d.id = a.document_id WHERE a.id IN ({marks})",
                list(by_id),
            ).fetchall()
            tx = self._tx()
            for row in rows:
                stored = self._stored(row)
                old_title, old_body = row[-2], row[-1]
                _, title_text, body_text = by_id[stored.id]
                title, body = title_text.split(), body_text.split()
                db.execute(
                    "UPDATE articles SET grams = array_to_tsvector(?::text[]),"
                    " title_grams = array_to_tsvector(?::text[]), folded = ?, title_len = ?, body_len = ?"
                    " WHERE id = ?",
                    (list(dict.fromkeys(title + body)), list(dict.fromkeys(title)), _folded(stored.article),
                     len(title), len(body), stored.id),
                )  # fmt: skip
                # An article indexed before is re-indexed, not counted again: the statistics take the change.
                tx.rows += 0 if (old_title or old_body) else 1
                tx.title_tokens += len(title) - old_title
                tx.all_tokens += len(title) + len(body) - old_title - old_body
                written += 1
        return written

    # -- search -----------------------------------------------------------------------------------------

    def _stats(self) -> tuple[int, int, int]:
        """(articles indexed, title tokens, all tokens) from ``search_stats``, folding its deltas when many."""
        count, rows, title, body = self._read(
            "SELECT count(*), coalesce(sum(rows), 0), coalesce(sum(title_tokens), 0),"
            " coalesce(sum(all_tokens), 0) FROM search_stats"
        )[0]
        if count > _COMPACT_AFTER:
            with self._write() as db:
                db.execute(
                    "WITH gone AS (DELETE FROM search_stats RETURNING rows, title_tokens, all_tokens)"
                    " INSERT INTO search_stats (rows, title_tokens, all_tokens)"
                    " SELECT coalesce(sum(rows), 0), coalesce(sum(title_tokens), 0), coalesce(sum(all_tokens), 0)"
                    " FROM gone"
                )
        return int(rows), int(title), int(body)

    def _conditions(
        self, table: str, terms: Sequence[str], section: str | None, kind: str | None, *, exact: bool = True
    ) -> tuple[str, list[Any]]:
        """The WHERE clause of a pass. ``exact=False`` leaves out the substring test: the newest-first
        pages of a frequent query would otherwise re-read every match's text before sorting (7,404 rows
        for 智能制造 at 100k articles), while the caller re-checks the few rows it keeps anyway."""
        column = "title_grams" if table == "title_fts" else "grams"
        clauses, params = [], []
        for term in terms:
            clauses.append(f"a.{column} @@ ?::tsquery")
            params.append(_tsquery(term))
            if exact and table == "article_fts" and len(term) >= 3:
                clauses.append("a.folded LIKE ?")  # pg_trgm pins a longer term down to real substrings
                params.append(_like(term))
        for column_name, value in (("a.section", section), ("a.kind", kind)):
            if value is not None:
                clauses.append(f"{column_name} = ?")
                params.append(value)
        return " AND ".join(clauses), params

    def _matching(
        self, table: str, terms: Sequence[str], section: str | None, kind: str | None, cap: int
    ) -> list[int]:
        where, params = self._conditions(table, terms, section, kind)
        rows = self._read(f"SELECT a.seq FROM articles a WHERE {where} LIMIT ?", [*params, cap])
        return [int(r[0]) for r in rows]

    def _count(self, table: str, term: str) -> int:
        where, params = self._conditions(table, [term], None, None)
        return int(self._read(f"SELECT count(*) FROM articles a WHERE {where}", params)[0][0])

    def _candidates(
        self, table: str, terms: list[str], section: str | None, kind: str | None, limit: int | None
    ) -> Iterator[tuple[StoredArticle, float]]:
        """Matches by bm25 (ties by recency) when at most RANK_WINDOW rows match, else newest first."""
        size = None if limit is None else max(2 * limit, 20)
        seqs = self._matching(table, terms, section, kind, RANK_WINDOW + 1)
        if len(seqs) > RANK_WINDOW:
            yield from self._newest(table, terms, section, kind, size)
            return
        ranked = self._scored(table, terms, seqs, alone=len(terms) == 1 and section is None and kind is None)
        step = size or max(1, len(ranked))
        for start in range(0, len(ranked), step):
            page = ranked[start : start + step]
            by_seq = self._by_seq([seq for seq, _ in page])
            for seq, score in page:
                yield by_seq[seq], score

    def _newest(
        self, table: str, terms: list[str], section: str | None, kind: str | None, size: int | None
    ) -> Iterator[tuple[StoredArticle, float]]:
        where, params = self._conditions(table, terms, section, kind, exact=False)
        below: int | None = None
        while True:
            sql, page_params = f"SELECT a.seq FROM articles a WHERE {where}", list(params)
            if below is not None:
                sql += " AND a.seq < ?"
                page_params.append(below)
            sql += " ORDER BY a.seq DESC"
            if size is not None:
                sql += " LIMIT ?"
                page_params.append(size)
            page = [int(r[0]) for r in self._read(sql, page_params)]
            by_seq = self._by_seq(page)
            for seq in page:
                yield by_seq[seq], 0.0
            if size is None or len(page) < size:
                return
            below = page[-1]

    def _scored(
        self, table: str, terms: list[str], seqs: list[int], *, alone: bool
    ) -> list[tuple[int, float]]:
        """(seq, bm25) of the rows of ``seqs`` that really match, best first, with FTS5's bm25: per term
        idf over the whole table, the row's token count, the table's mean, the column weights."""
        if not seqs:
            return []
        import json

        weights = _WEIGHTS[table]
        # The title pass scores titles only: fetching bodies too would move every match's text for nothing.
        fields = (
            "title, headline, NULL, '[]', NULL, NULL"
            if table == "title_fts"
            else "title, headline, body, subheadings, speaker, related_title"
        )
        rows = self._read(
            f"SELECT seq, published_at, {fields} FROM articles WHERE seq IN ({','.join('?' * len(seqs))})",
            seqs,
        )
        total, title_tokens, all_tokens = self._stats()
        total = max(total, 1)
        avgdl = (title_tokens if table == "title_fts" else all_tokens) / total
        per_row: list[tuple[int, str, list[float], int]] = []
        hits = [0] * len(terms)
        for r in rows:
            title = [t for t in (r[2], r[3]) if t]
            columns = [title, [r[4], *json.loads(r[5]), *(t for t in (r[6], r[7]) if t)]][: len(weights)]
            freqs, length = [], 0
            for i, term in enumerate(terms):
                counts, length = phrase_counts(term, columns)
                freqs.append(sum(w * n for w, n in zip(weights, counts, strict=True)))
                hits[i] += bool(any(counts))
            if all(freqs):
                per_row.append((int(r[0]), r[1] or "", freqs, length))
        counts = hits if alone else [self._count(table, term) for term in terms]
        idfs = [bm25_idf(total, n) for n in counts]
        scored = [
            (seq, published, sum(bm25(f, length, avgdl, idf) for f, idf in zip(freqs, idfs, strict=True)))
            for seq, published, freqs, length in per_row
        ]
        scored.sort(key=lambda row: (row[2], row[1], row[0]), reverse=True)
        return [(seq, score) for seq, _, score in scored]

    def search_ids(self, query: str, *, section: str | None = None, kind: str | None = None) -> list[str]:
        """Ids of every article matching ``query`` (unranked): the cheap path for counts and recall."""
        import json

        terms = query_terms(query)
        if not terms:
            return []
        where, params = self._conditions("article_fts", terms, section, kind)
        rows = self._read(
            "SELECT a.id, a.title, a.headline, a.body, a.subheadings, a.speaker, a.related_title"
            f" FROM articles a WHERE {where}",
            params,
        )
        if _exact(terms):
            return [r[0] for r in rows]
        return [
            r[0]
            for r in rows
            if verify(terms, [t for t in (r[1], r[2], r[3], *json.loads(r[4]), r[5], r[6]) if t])
        ]

    # -- health -----------------------------------------------------------------------------------------

    def integrity_check(self) -> list[str]:
        """Problems found (empty when healthy): document links, index rows, search statistics."""
        problems: list[str] = []
        unlinked = self._read(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM article_documents l"
            " WHERE l.article_id = a.id AND l.document_id = a.document_id)"
        )[0][0]
        if unlinked:
            problems.append(f"{unlinked} articles lack the link to their first document")
        unindexed = self._read("SELECT count(*) FROM articles WHERE title_len = 0 AND title <> ''")[0][0]
        if unindexed:
            problems.append(f"search index: {unindexed} articles are not indexed")
        stored = self.count_articles()
        indexed, _, _ = self._stats()
        if indexed != stored:
            problems.append(f"search statistics count {indexed} articles, the store {stored}")
        duplicated = self._read("SELECT count(*) - count(DISTINCT id) FROM articles")[0][0]
        if duplicated:
            problems.append(f"{duplicated} articles are stored twice")
        return problems


def _retryable(exc: StoreError) -> bool:
    """A deadlock or serialisation failure: the transaction is safe to run again."""
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) in ("40P01", "40001")
