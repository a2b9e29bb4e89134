"""The plain, typed records that flow through jiance, from raw bytes to a published issue.

Readers turn bytes into :class:`SourceText` (decoded text as :class:`Line` records with whatever layout the
format gives: font size and weight for PDF, heading styles for DOCX/HTML). The splitter turns that into a
:class:`Bulletin`: the issue's own metadata, the furniture it dropped, and :class:`Article` records. The
store keeps :class:`Document` (the file and its fate) and the articles; analysis results (figures, entities,
tags, events) hang off an article id and are defined here so that every stage shares one vocabulary.

``Article.to_record()`` is the JSONL contract other tools rely on; change it only by adding fields.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

from jiance.text.normalize import fold

__all__ = [
    "ARTICLE",
    "EXPERT_OPINION",
    "Article",
    "ArticleKind",
    "Bulletin",
    "ContentsEntry",
    "Document",
    "DocumentStatus",
    "Entity",
    "Figure",
    "FurnitureLine",
    "IssueMeta",
    "Line",
    "Provenance",
    "SourceText",
    "article_id",
]

ArticleKind = Literal["article", "expert_opinion"]
ARTICLE: Literal["article"] = "article"
EXPERT_OPINION: Literal["expert_opinion"] = "expert_opinion"
DocumentStatus = Literal["imported", "unchanged", "failed"]


@dataclass(slots=True)
class Line:
    """One visual line of a text dump or PDF page, or one whole block of a DOCX/HTML document.

    ``lineno`` is the 1-based line number in the decoded text (text dumps) or the running index of the
    block (other formats), so provenance can point back into the source. Layout fields are ``None`` when
    the format does not know them; the splitter uses them when present and falls back to text rules.
    """

    text: str
    lineno: int
    page: int | None = None
    size: float | None = None  # font size in points (PDF)
    bold: bool | None = None  # dominant weight of the line (PDF, DOCX runs)
    heading: int | None = None  # structural level from the source: 1 title, 2 subheading (DOCX/HTML)
    block: bool = False  # the reader already knows this is a whole paragraph: do not re-flow it
    x0: float | None = None  # left edge in points (PDF), for indentation
    x1: float | None = None  # right edge in points (PDF), for short last lines
    trailing_space: bool = False  # text dumps: the line ended in spaces (a paragraph mark in PDF dumps)


@dataclass(slots=True)
class SourceText:
    """What a reader hands to the splitter: decoded lines plus what it learnt about the file."""

    path: str
    media_type: str
    lines: list[Line]
    encoding: str | None = None
    pages: int | None = None
    page_width: float | None = None  # points (PDF)
    meta: dict[str, str] = field(default_factory=dict)  # e.g. PDF/DOCX title, author
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Provenance:
    """Where an article's text came from: the file or URL and the line and page range it spans."""

    path: str | None = None
    url: str | None = None
    line_start: int | None = None
    line_end: int | None = None
    page_start: int | None = None
    page_end: int | None = None

    def to_record(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "url": self.url,
            "line_start": self.line_start,
            "line_end": self.line_end,
            "page_start": self.page_start,
            "page_end": self.page_end,
        }


@dataclass(slots=True)
class IssueMeta:
    """The bulletin's own metadata as the file shows it (running footer, cover): title, date, contact."""

    title: str | None = None
    date: str | None = None  # ISO yyyy-mm-dd when the printed date could be read
    date_printed: str | None = None
    number: str | None = None
    contact: str | None = None
    copyright: str | None = None

    def to_record(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "date": self.date,
            "date_printed": self.date_printed,
            "number": self.number,
            "contact": self.contact,
            "copyright": self.copyright,
        }


def article_id(kind: str, title: str, body: str) -> str:
    """Content hash of an article, so re-importing the same text yields the same id (idempotent stores).

    The text is folded first (width, case and whitespace do not count), so the same article reaching us
    as a PDF, a text dump and a web page is one article, whatever spaces each format kept.
    """
    digest = hashlib.sha256(f"{kind}\x1f{fold(title)}\x1f{fold(body)}".encode()).hexdigest()
    return digest[:20]


@dataclass(slots=True)
class Article:
    """One article or 专家观点 piece of a bulletin, page or feed item, with its provenance."""

    kind: ArticleKind
    title: str
    paragraphs: list[str]
    section: str | None = None
    subheadings: list[str] = field(default_factory=list)
    provenance: Provenance = field(default_factory=Provenance)
    issue: IssueMeta | None = None
    speaker: str | None = None
    headline: str | None = None
    related_title: str | None = None
    published_at: str | None = None
    source_name: str | None = None
    author: str | None = None
    document_id: str | None = None

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def id(self) -> str:
        return article_id(self.kind, self.title, self.body)

    def to_record(self, *, with_id: bool = False) -> dict[str, Any]:
        """The JSONL record of ``jiance parse``; ``jiance articles`` adds ``id`` and the source."""
        record: dict[str, Any] = {}
        if with_id:
            record["id"] = self.id
        record.update(
            {
                "kind": self.kind,
                "section": self.section,
                "title": self.title,
                "subheadings": list(self.subheadings),
                "body": self.body,
            }
        )
        if self.kind == EXPERT_OPINION:
            record.update(
                {"speaker": self.speaker, "headline": self.headline, "related_title": self.related_title}
            )
        record["source"] = self.provenance.to_record()
        record["issue"] = self.issue.to_record() if self.issue else None
        if self.published_at or self.source_name or self.author:
            record["published_at"] = self.published_at
            record["source_name"] = self.source_name
            record["author"] = self.author
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Article:
        """Inverse of :meth:`to_record`, used by the store and by tools that read JSONL back."""
        src = record.get("source") or {}
        issue = record.get("issue")
        body = record.get("body") or ""
        return cls(
            kind=record["kind"],
            title=record["title"],
            paragraphs=body.split("\n") if body else [],
            section=record.get("section"),
            subheadings=list(record.get("subheadings") or []),
            provenance=Provenance(
                path=src.get("path"),
                url=src.get("url"),
                line_start=src.get("line_start"),
                line_end=src.get("line_end"),
                page_start=src.get("page_start"),
                page_end=src.get("page_end"),
            ),
            issue=IssueMeta(**{k: issue.get(k) for k in IssueMeta.__slots__}) if issue else None,
            speaker=record.get("speaker"),
            headline=record.get("headline"),
            related_title=record.get("related_title"),
            published_at=record.get("published_at"),
            source_name=record.get("source_name"),
            author=record.get("author"),
        )


@dataclass(slots=True)
class FurnitureLine:
    """A line the splitter dropped as page furniture, with the reason, so nothing is lost silently."""

    lineno: int
    text: str
    reason: str  # running-footer, page-number, copyright, contents, blank-page ...


@dataclass(slots=True)
class ContentsEntry:
    """One line of a contents page: a title and the page number it promises."""

    title: str
    page: int | None
    lineno: int


@dataclass(slots=True)
class Bulletin:
    """The structure of one file: its metadata, its articles in reading order, and what was dropped."""

    path: str
    media_type: str
    issue: IssueMeta
    articles: list[Article]
    furniture: list[FurnitureLine] = field(default_factory=list)
    contents: list[ContentsEntry] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Document:
    """A file (or fetched payload) as the store knows it: its bytes' hash, origin and fate."""

    id: str  # sha256 of the raw bytes
    path: str | None
    media_type: str
    size: int
    status: DocumentStatus
    reason: str | None = None  # failure reason code (errors.InputError.reason)
    error: str | None = None  # the one-line message
    url: str | None = None
    fetched_at: str | None = None
    encoding: str | None = None
    article_count: int = 0


@dataclass(slots=True)
class Figure:
    """A quantity in an article with its meaning (filled by the analysis stages)."""

    raw: str
    value: float | None
    unit: str | None
    kind: str
    sentence: str
    value_min: float | None = None
    value_max: float | None = None
    subject: str | None = None
    entity: str | None = None
    period: str | None = None
    change: dict[str, str | None] | None = None
    span: tuple[int, int] | None = None


@dataclass(slots=True)
class Entity:
    """A person, organisation or place mentioned in an article, with roles and resolved aliases."""

    name: str
    type: Literal["person", "organization", "place"]
    aliases: list[str] = field(default_factory=list)
    roles: list[dict[str, str | None]] = field(default_factory=list)
    mentions: int = 0
