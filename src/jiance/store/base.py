"""The store interface every backend implements, and the records it hands back.

SQLite (:mod:`jiance.store.sqlite`) is the default; a PostgreSQL store will implement the same
:class:`Store` protocol, so nothing outside ``jiance.store`` ever sees SQL. Ids are content hashes
(``Document.id`` = sha256 of the bytes, ``Article.id`` = hash of kind, title and body), which is what makes
re-imports idempotent in every backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Protocol, Self

from jiance.records import Article, Document

__all__ = [
    "ARTICLE_STATUSES",
    "ArticleStatus",
    "ImportOutcome",
    "ImportStatus",
    "SearchHit",
    "Store",
    "StoredArticle",
]

ImportStatus = Literal["imported", "unchanged", "failed"]
ArticleStatus = Literal["new", "accepted", "rejected"]
ARTICLE_STATUSES: tuple[str, ...] = ("new", "accepted", "rejected")


@dataclass(slots=True)
class ImportOutcome:
    """What :meth:`Store.save_import` did with one document and its articles."""

    status: ImportStatus
    document_id: str
    articles_new: int = 0
    articles_existing: int = 0  # same text already stored (from this or another file)


@dataclass(slots=True)
class StoredArticle:
    """An article as the store holds it: the record plus its id, document and editorial status.

    ``document_id`` is the first document the text arrived from; ``Store.documents_of`` lists them all.
    """

    id: str
    document_id: str
    article: Article
    position: int = 0
    status: ArticleStatus = "new"
    created_at: str | None = None
    document_path: str | None = None

    def date(self) -> str | None:
        """The day the article speaks for (ISO): its issue's date, else its publication date, else the day
        it was stored. Series, trends and the inbox all date articles this one way."""
        article = self.article
        if article.issue and article.issue.date:
            return article.issue.date
        if article.published_at:
            return article.published_at[:10]
        return (self.created_at or "")[:10] or None

    def to_record(self) -> dict[str, Any]:
        """``Article.to_record(with_id=True)`` plus ``document_id``; ``source.path`` names the stored file."""
        record = self.article.to_record(with_id=True)
        record["document_id"] = self.document_id
        if self.document_path is not None:
            record["source"]["path"] = self.document_path
        return record


@dataclass(slots=True)
class SearchHit:
    """One search result: ``snippet`` has every match wrapped in the markers; ``offsets`` index
    ``snippet_text`` (the same text without markers), so a web page can highlight it its own way."""

    article_id: str
    title: str
    section: str | None
    snippet: str
    score: float  # bm25, higher is better; 0.0 when a frequent query is ordered newest first
    offsets: list[tuple[int, int]] = field(default_factory=list)
    snippet_text: str = ""
    title_hit: bool = False


class Store(Protocol):
    """What jiance needs from a store. One write path; every write is one transaction."""

    def migrate(self) -> list[int]: ...

    def save_import(self, doc: Document, raw: bytes | None, articles: list[Article]) -> ImportOutcome: ...

    def get_document(self, document_id: str) -> Document: ...

    def get_raw(self, document_id: str) -> bytes | None: ...

    def documents(self, status: str | None = None) -> list[Document]: ...

    def articles(
        self,
        *,
        section: str | None = None,
        document_id: str | None = None,
        limit: int | None = None,
        kind: str | None = None,
        offset: int = 0,
    ) -> list[StoredArticle]: ...

    def get_article(self, article_id: str) -> StoredArticle: ...

    def documents_of(self, article_id: str) -> list[Document]: ...

    def count_articles(self) -> int: ...

    def articles_with_status(self, status: str) -> list[StoredArticle]: ...

    def set_status(self, article_ids: Sequence[str], status: str) -> int: ...

    def set_snoozed(self, article_ids: Sequence[str], until: str | None) -> int: ...

    def snoozes(self) -> dict[str, str]: ...

    def analysis_by_status(self, status: str, stages: Sequence[str]) -> dict[str, dict[str, Any]]: ...

    def search(
        self,
        query: str,
        *,
        limit: int | None = 10,
        section: str | None = None,
        kind: str | None = None,
        marker: tuple[str, str] = ("【", "】"),
    ) -> list[SearchHit]: ...

    def search_ids(self, query: str, *, section: str | None = None, kind: str | None = None) -> list[str]: ...

    def save_analysis(self, article_id: str, stage: str, result: Any, version: str) -> None: ...

    def analysis(self, article_id: str) -> dict[str, Any]: ...

    def stage_results(self, stage: str) -> list[tuple[str, Any]]: ...

    def integrity_check(self) -> list[str]: ...

    def transaction(self) -> AbstractContextManager[Any]:
        """One transaction around several calls; writes inside it join it (a change and its audit row)."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
