"""What every SQL store shares: the document, article, status and analysis queries, in SQL both SQLite and
PostgreSQL run.

A backend supplies the connection discipline (:meth:`SQLStore._write`: one transaction, re-entrant;
:meth:`SQLStore._read`), its migrations, and its search index (:meth:`SQLStore._insert_article` writes an
article and its index rows in the caller's transaction; ``search``, ``search_ids``, ``reset_index``,
``write_index``). The SQL here sticks to the common dialect: ``?`` placeholders (the PostgreSQL connection
rewrites them), ``ON CONFLICT`` upserts, ``RETURNING`` instead of ``lastrowid``, ``IS NOT DISTINCT FROM``
for nullable equality. The bookkeeping modules (collection, issues, accounts, alerts, outbox) use the same
two methods, so they work on either backend unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from jiance.errors import NotFoundError, StoreError
from jiance.records import Article, Document, IssueMeta, Provenance
from jiance.store.base import ARTICLE_STATUSES, ImportOutcome, SearchHit, StoredArticle
from jiance.store.search import body_fields, make_snippet, query_terms, title_fields, verify

__all__ = ["ARTICLE_COLUMNS", "DOCUMENT_COLUMNS", "SQLStore", "now"]

ARTICLE_COLUMNS = (
    "a.seq, a.id, a.document_id, a.position, a.kind, a.section, a.title, a.subheadings, a.body, a.speaker,"
    " a.headline, a.related_title, a.prov_path, a.url, a.line_start, a.line_end, a.page_start, a.page_end,"
    " a.issue, a.published_at, a.source_name, a.author, a.status, a.created_at, d.path"
)
DOCUMENT_COLUMNS = (
    "id, path, media_type, size, status, reason, error, url, fetched_at, encoding, article_count"
)
_LINKED_DOCUMENT_COLUMNS = ", ".join(f"d.{column}" for column in DOCUMENT_COLUMNS.split(", "))
_NO_LIMIT = 2**62  # "no limit" that both dialects accept (SQLite has no LIMIT ALL, PostgreSQL no LIMIT -1)


def now() -> str:
    """The current UTC time as the store writes it (ISO 8601, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


_now = now


class SQLStore:
    """The backend-neutral half of :class:`jiance.store.base.Store`; subclasses supply the rest."""

    path: str
    max_raw_bytes: int
    snippet_chars: int
    dialect: str = "sql"
    for_update: str = ""  # appended to a SELECT that must lock its row (SQLite's writers are serial anyway)

    # -- what a backend supplies ------------------------------------------------------------------------

    def _write(self) -> AbstractContextManager[Any]:
        """One write transaction (re-entrant), yielding a connection with ``execute``/``executemany``."""
        raise NotImplementedError

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    def _insert_article(self, db: Any, document_id: str, position: int, art: Article) -> bool:
        raise NotImplementedError

    def schema_versions(self) -> list[int]:
        """The migration numbers recorded as applied, in order."""
        raise NotImplementedError

    def reset_index(self) -> None:
        """Empty the search index, before :meth:`write_index` rebuilds it (``jiance reindex``)."""
        raise NotImplementedError

    def write_index(self, entries: Sequence[tuple[str, str, str]]) -> int:
        """Index ``(article id, title index text, body index text)`` entries, the texts made by
        :func:`jiance.store.search.index_text` (workers may compute them); returns how many were written."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def _candidates(
        self, table: str, terms: list[str], section: str | None, kind: str | None, limit: int | None
    ) -> Iterator[tuple[StoredArticle, float]]:
        """Index matches of ``terms`` in ranking order with their score, a page at a time. ``table`` names
        the pass: ``title_fts`` (titles only) or ``article_fts`` (every field)."""
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[Any]:
        """One transaction around several library calls (a web request's mutation and its audit row)."""
        return self._write()

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
            new = self._insert_articles(db, doc.id, articles)
            return ImportOutcome("imported", doc.id, new, len(articles) - new)

    def _insert_articles(self, db: Any, document_id: str, articles: Sequence[Article]) -> int:
        """Insert a document's articles and their links; returns how many were new. A backend with costly
        round trips (PostgreSQL) does it in one statement instead."""
        new = 0
        for pos, art in enumerate(articles):
            new += self._insert_article(db, document_id, pos, art)
            self._link(db, art.id, document_id, pos)
        return new

    def _link(self, db: Any, article_id: str, document_id: str, position: int) -> None:
        """Record that ``document_id`` carries the article's text (once per pair; the first position wins)."""
        db.execute(
            "INSERT INTO article_documents (article_id, document_id, position, first_seen) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (article_id, document_id) DO NOTHING",
            (article_id, document_id, position, _now()),
        )

    def _upsert_document(self, db: Any, doc: Document, raw: bytes | None, count: int) -> None:
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
            " fetched_at = excluded.fetched_at, raw = coalesce(excluded.raw, documents.raw),"
            " last_seen = excluded.last_seen, article_count = excluded.article_count",
            (doc.id, doc.path, doc.url, doc.media_type, doc.size, status, reason, error, doc.encoding,
             doc.fetched_at, raw, now, now, count),
        )  # fmt: skip

    def _document(self, row: Sequence[Any]) -> Document:
        return Document(*row)

    def get_document(self, document_id: str) -> Document:
        rows = self._read(f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = ?", (document_id,))
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
        rows = self._read(f"SELECT {DOCUMENT_COLUMNS} FROM documents {where} ORDER BY first_seen, id", params)
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
            f"SELECT {ARTICLE_COLUMNS} FROM articles a JOIN documents d ON d.id = a.document_id"
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
            tail += f" LIMIT {int(limit) if limit is not None else _NO_LIMIT} OFFSET {max(int(offset), 0)}"
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

    # -- search (the passes; each backend finds the candidates) --------------------------------------

    def _by_seq(self, seqs: list[int]) -> dict[int, StoredArticle]:
        if not seqs:
            return {}
        marks = ",".join("?" * len(seqs))
        rows = self._read(
            f"SELECT {ARTICLE_COLUMNS} FROM articles a JOIN documents d ON d.id = a.document_id"
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
