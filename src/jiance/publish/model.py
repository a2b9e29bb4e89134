"""The records of publishing: an issue as the editor keeps it, and a composition as a renderer prints it.

An :class:`Issue` is what the store holds: metadata, highlights, the key-figures box and the ordered
:class:`IssueItem` references with the editor's overrides (the original article is never changed). A
:class:`Composition` is one edition of one issue resolved into plain text: columns in order, each with its
articles and its 专家观点 pieces, the branding of the edition, the figures box and the charts. Every renderer
(PDF, HTML, DOCX, Markdown) takes a Composition and nothing else, which is what keeps the four outputs in
step and lets the round-trip test compare them with one gold.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from jiance.records import EXPERT_OPINION, ArticleKind

__all__ = [
    "ISSUE_STATUSES",
    "OVERRIDE_FIELDS",
    "Branding",
    "ChartSpec",
    "Composition",
    "Issue",
    "IssueItem",
    "IssueStatus",
    "KeyFigure",
    "Piece",
    "Section",
    "Tracking",
]

IssueStatus = Literal["draft", "published"]
ISSUE_STATUSES: tuple[str, ...] = ("draft", "published")
OVERRIDE_FIELDS: tuple[str, ...] = ("title", "summary", "paragraphs", "subheadings", "headline", "speaker")


@dataclass(slots=True)
class IssueItem:
    """One article placed in an issue: its column, its place in the column and the editor's overrides.

    ``overrides`` holds only the fields the editor changed (keys from ``OVERRIDE_FIELDS``), so the stored
    article stays what the source said and an override can be dropped to go back to it.
    """

    article_id: str
    section: str | None
    position: int
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class KeyFigure:
    """One entry of the key-figures box: a number the issue highlights, with where it came from.

    ``value`` is the number as printed ("115.9"), ``unit`` its unit ("万个"); ``article_id`` and
    ``sentence`` are the provenance an editor (and a client) can check the figure against.
    """

    label: str
    value: str
    unit: str | None = None
    article_id: str | None = None
    sentence: str | None = None
    period: str | None = None
    series: str | None = None  # indicator name to chart across issues ("5G基站数")

    def to_record(self) -> dict[str, Any]:
        """Plain JSON for the store and for ``jiance issue show --format json``."""
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> KeyFigure:
        """Inverse of :meth:`to_record`; unknown keys (from a newer version) are ignored."""
        known = {k: record[k] for k in cls.__dataclass_fields__ if k in record}
        return cls(**known)


@dataclass(slots=True)
class Issue:
    """One issue as the editor builds it. ``items`` are in column order then position order."""

    id: int
    title: str
    date: str | None = None  # ISO yyyy-mm-dd
    number: str | None = None
    status: IssueStatus = "draft"
    highlights: list[str] = field(default_factory=list)  # 本期要点, one line each
    key_figures: list[KeyFigure] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)  # column order (columns with no item are kept too)
    items: list[IssueItem] = field(default_factory=list)
    source_document_id: str | None = None  # set by ``issue new --from FILE``
    created_at: str | None = None
    published_at: str | None = None

    def to_record(self) -> dict[str, Any]:
        """Plain JSON (``jiance issue show --format json`` and the web API)."""
        record = asdict(self)
        record["key_figures"] = [k.to_record() for k in self.key_figures]
        return record


@dataclass(slots=True)
class Tracking:
    """持续跟踪: this article develops a story an earlier issue covered; where and under what title."""

    issue_id: int
    issue_title: str
    issue_number: str | None
    issue_date: str | None
    article_title: str

    def label(self) -> str:
        """The pointer as printed: 持续跟踪（见 2026年第3期《…》）."""
        where = self.issue_number or self.issue_date or f"#{self.issue_id}"
        return f"持续跟踪（见{where}《{self.article_title}》）"


@dataclass(slots=True)
class Piece:
    """An article or 专家观点 piece as printed: overrides applied, paragraphs final, sub-headings marked.

    ``subheadings`` lists the paragraphs that are sub-headings (they stay in ``paragraphs`` in reading
    order, exactly as :class:`jiance.records.Article` keeps them, so a parse of the output compares 1:1).
    """

    article_id: str
    kind: ArticleKind
    title: str
    paragraphs: list[str]
    subheadings: list[str] = field(default_factory=list)
    summary: str | None = None
    speaker: str | None = None
    headline: str | None = None
    source_name: str | None = None
    url: str | None = None
    published_at: str | None = None
    related_title: str | None = None  # 专家观点: the article the piece follows
    tracking: Tracking | None = None
    anchor: str = ""  # id of the title in HTML/PDF (contents links and page numbers point at it)


@dataclass(slots=True)
class Section:
    """One column of the composition, pieces in reading order.

    A run of 专家观点 pieces is printed as one sidebar after the article it follows (``related_title``),
    as the seed prints them; :meth:`blocks` gives renderers that grouping.
    """

    name: str
    pieces: list[Piece] = field(default_factory=list)
    anchor: str = ""

    @property
    def articles(self) -> list[Piece]:
        """The column's articles (not its 专家观点 pieces)."""
        return [p for p in self.pieces if p.kind != EXPERT_OPINION]

    @property
    def opinions(self) -> list[Piece]:
        """The column's 专家观点 pieces."""
        return [p for p in self.pieces if p.kind == EXPERT_OPINION]

    def blocks(self) -> list[Piece | list[Piece]]:
        """Pieces with each run of consecutive 专家观点 pieces gathered into one list (one sidebar)."""
        out: list[Piece | list[Piece]] = []
        for piece in self.pieces:
            if piece.kind != EXPERT_OPINION:
                out.append(piece)
            elif out and isinstance(out[-1], list):
                out[-1].append(piece)
            else:
                out.append([piece])
        return out


@dataclass(slots=True)
class Branding:
    """How an edition looks and signs: the bulletin's name, client, colours, logo, footer and cover text.

    ``logo`` is a path to a PNG/JPEG/SVG file; renderers embed it (data: URL, DOCX picture), never fetch it.
    """

    name: str = "信息产业监测"
    client: str | None = None
    primary: str = "#1f3a68"
    accent: str = "#c0392b"
    logo: str | None = None
    contact: str | None = None
    copyright: str = "询合作需要，特殊定制，未经同意，不得转载。"
    cover_text: str | None = None
    publisher: str | None = None


@dataclass(slots=True)
class ChartSpec:
    """One chart: a bar chart of the figures box, or a line chart of one indicator across issues.

    ``labels`` and ``values`` are parallel; ``unit`` is shown on the axis. Renderers ask
    :mod:`jiance.publish.charts` for SVG (HTML, PDF) or PNG (DOCX) of a spec.
    """

    title: str
    kind: Literal["bar", "line"]
    labels: list[str]
    values: list[float]
    unit: str | None = None
    note: str | None = None  # source line under the chart


@dataclass(slots=True)
class Composition:
    """One edition of one issue, ready to print. Renderers take this and nothing else."""

    issue_id: int
    title: str
    date: str | None
    number: str | None
    edition: str
    branding: Branding
    sections: list[Section]
    highlights: list[str] = field(default_factory=list)
    key_figures: list[KeyFigure] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what composing left out and why (repeats, caps)

    @property
    def pieces(self) -> list[Piece]:
        """Every printed piece in reading order."""
        return [piece for section in self.sections for piece in section.pieces]

    @property
    def empty(self) -> bool:
        """True when the edition's filters left nothing to print."""
        return not any(section.pieces for section in self.sections)

    def date_printed(self) -> str:
        """The date as the seed prints it in its footer: 2021.10.21."""
        return (self.date or "").replace("-", ".")
