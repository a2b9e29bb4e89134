"""Split a bulletin into columns, articles, sub-headings and 专家观点 pieces.

The input is a reader's :class:`~jiance.records.SourceText`; the output a :class:`~jiance.records.Bulletin`.
This module orders the steps and assembles the stories; each step owns its evidence:

1. :mod:`jiance.stages.furniture`: running headers and footers, page numbers, cover and contents pages are
   dropped (each kept with its reason) and the issue's metadata is read from them.
2. :mod:`jiance.text.reflow`: hard-wrapped lines become paragraphs by the file's own conventions.
3. :mod:`jiance.stages.roles`: each block is a column, the 专家观点 marker, a heading or body.
4. Title or sub-heading, decided in this order: layout (heading styles, font sizes); position (first
   heading of a column or after a 专家观点 block: title; right under a title: sub-heading; right under a
   sub-heading: a one-line paragraph); the contents page; then story continuity
   (:mod:`jiance.stages.continuity`). A file with no columns, contents or furniture is a single article.
5. After the marker, a "speaker：headline" heading whose speaker carries a role word starts an expert
   piece; any other heading ends the block.

docs/parsing.md explains every rule and the measured accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jiance.records import (
    ARTICLE,
    EXPERT_OPINION,
    Article,
    ArticleKind,
    Bulletin,
    IssueMeta,
    Line,
    Provenance,
    SourceText,
)
from jiance.stages.continuity import Cohesion, Story, continues
from jiance.stages.furniture import bulletin_name, detect_furniture, read_issue_meta
from jiance.stages.roles import (
    Unit,
    assign_roles,
    drop_cover,
    heading_like,
    isolate_markers,
    layout_levels,
    listed_title,
    piece_header,
    sections_of,
    split_listed_titles,
    styled_sections,
    unlisted_sections,
)
from jiance.text.normalize import fold
from jiance.text.reflow import CLOSING, SENTENCE_END, detect_conventions, reflow

__all__ = ["DEFAULT_SECTIONS", "SplitOptions", "heading_like", "piece_header", "split_bulletin"]

DEFAULT_SECTIONS = ("产业环境", "运营竞争", "技术情报", "企业情报", "海外借鉴")


@dataclass(slots=True, frozen=True)
class SplitOptions:
    """What the splitter needs to know about the user's bulletins (from the settings table)."""

    sections: tuple[str, ...] = DEFAULT_SECTIONS
    expert_marker: str = "专家观点"
    bulletin_titles: tuple[str, ...] = ()


# ---------------------------------------------------------------- assembly


def _provenance(path: str, units: list[Unit]) -> Provenance:
    first, last = units[0].block, units[-1].block
    pages = [p for u in units for p in u.block.pages if p is not None]
    return Provenance(
        path=path,
        line_start=first.first_line,
        line_end=last.last_line,
        page_start=min(pages) if pages else None,
        page_end=max(pages) if pages else None,
    )


def _finish(story: Story, path: str, issue: IssueMeta) -> Article | None:
    if not story.paragraphs and story.kind == ARTICLE:
        return None
    title = story.title_unit.text.strip()
    return Article(
        kind=story.kind,
        title=title,
        paragraphs=list(story.paragraphs),
        section=story.section,
        subheadings=list(story.subheadings),
        provenance=_provenance(path, [story.title_unit, *story.units]),
        issue=issue,
        speaker=story.speaker,
        headline=story.headline,
        related_title=story.related_title,
    )


@dataclass(slots=True)
class _Walker:
    """Walks the units once, deciding each heading and assembling stories."""

    units: list[Unit]
    path: str
    issue: IssueMeta
    layout: bool
    cohesion: Cohesion
    articles: list[Article] = field(default_factory=list)
    story: Story | None = None
    section: str | None = None
    in_experts: bool = False
    last_article_title: str | None = None
    last_was_heading: str | None = None  # verdict of the previous unit when it was a heading
    titles: frozenset[str] = frozenset()  # folded titles listed on the contents page
    single: bool = False  # a file with one article: every heading after the title is a sub-heading

    def close(self) -> None:
        if self.story is None:
            return
        article = _finish(self.story, self.path, self.issue)
        if article is not None:
            self.articles.append(article)
            if self.story.kind == ARTICLE:
                self.last_article_title = article.title
        self.story = None

    def start(self, i: int, kind: ArticleKind = ARTICLE) -> None:
        self.close()
        unit = self.units[i]
        self.story = Story(unit, i, self.section, kind=kind, tokens=set(self.cohesion.tokens[i]))
        if kind == ARTICLE:
            self.in_experts = False

    def add_body(self, i: int) -> None:
        unit = self.units[i]
        if self.story is None:
            # Text with no heading before it: a single-article file or a column's untitled lead.
            self.start(i)
            assert self.story is not None
            return
        self.story.paragraphs.append(unit.text.strip())
        self.story.units.append(unit)
        self.story.indices.append(i)
        self.story.tokens |= self.cohesion.tokens[i]

    def add_subheading(self, i: int) -> None:
        assert self.story is not None
        text = self.units[i].text.strip()
        self.story.subheadings.append(text)
        self.add_body(i)

    def start_piece(self, i: int, piece: tuple[str, str]) -> str:
        self.start(i, EXPERT_OPINION)
        assert self.story is not None
        self.story.speaker, self.story.headline = piece
        self.story.related_title = self.last_article_title
        self.in_experts = True
        return "piece"

    def by_position(self, unit: Unit) -> str | None:
        """The verdict that the heading's place alone gives, if any."""
        if self.story is None or self.in_experts or self.story.kind == EXPERT_OPINION:
            return "title"
        if self.last_was_heading == "title":
            return "subheading"  # the sub-heading that opens the article
        if self.last_was_heading == "subheading":
            return "body"  # a second heading under a sub-heading is a one-line paragraph (a question)
        if self.layout and unit.level is None and unit.block.from_blocks:
            return "body"  # a styled document said this is no heading ("speaker：headline" outside 专家观点)
        if self.single:
            return "subheading"
        return None

    def by_evidence(self, i: int, unit: Unit) -> str:
        """Layout levels, then the contents page, then story continuity."""
        assert self.story is not None
        if self.layout and unit.level is not None:
            return "title" if unit.level == 1 else "subheading"
        if self.titles:
            return "title" if listed_title(unit.text, self.titles) else "subheading"
        return "subheading" if continues(self.units, i, self.story, self.cohesion) > 0 else "title"

    def heading(self, i: int) -> str:
        unit = self.units[i]
        piece = piece_header(unit.text) if self.in_experts else None
        if piece:
            return self.start_piece(i, piece)
        verdict = self.by_position(unit) or self.by_evidence(i, unit)
        if verdict == "title":
            self.start(i)
        elif verdict == "subheading":
            self.add_subheading(i)
        else:
            self.add_body(i)
        return verdict

    def walk(self) -> list[Article]:
        for i, unit in enumerate(self.units):
            verdict: str | None = None
            if unit.role == "section":
                self.close()
                self.section, self.in_experts = unit.section, False
            elif unit.role == "marker":
                self.close()
                self.in_experts = True
            elif unit.role == "heading":
                verdict = self.heading(i)
            else:
                self.add_body(i)
            unit.verdict = verdict
            self.last_was_heading = verdict if verdict in ("title", "subheading", "piece") else None
        self.close()
        return self.articles


def _without_furniture(lines: list[Line], dropped: dict[int, str], pages: dict[int, int]) -> list[Line]:
    """The content lines, with each page break (furniture and the blank lines around it) closed up.

    A break leaves one blank line only when the text before it ends a sentence, so that a paragraph
    running over a page stays one paragraph even in files whose blank lines mark paragraph ends. Lines
    whose reader did not know their page get it from the page-number furniture (in place).
    """
    out: list[Line] = []
    gap: list[Line] = []
    saw_furniture = False
    for ln in lines:
        if ln.lineno in dropped:
            saw_furniture = True
            continue
        if ln.page is None:
            ln.page = pages.get(ln.lineno)
        if not ln.text.strip():
            gap.append(ln)
            continue
        if saw_furniture:
            previous = next((x for x in reversed(out) if x.text.strip()), None)
            ends = previous is not None and _sentence_closed(previous.text)
            gap = gap[:1] if ends else []
        out.extend(gap)
        out.append(ln)
        gap, saw_furniture = [], False
    return out


def _sentence_closed(text: str) -> bool:
    core = text.rstrip().rstrip(CLOSING)
    return bool(core) and core[-1] in SENTENCE_END


def split_bulletin(source: SourceText, options: SplitOptions | None = None) -> Bulletin:
    """Split one file's text into its articles and expert pieces, in reading order."""
    options = options or SplitOptions()
    base_sections = frozenset(options.sections)
    furniture = detect_furniture(
        source.lines,
        base_sections,
        protected=frozenset({options.expert_marker}),
        names=frozenset(options.bulletin_titles),
    )
    sections = sections_of(options.sections, furniture.contents_sections)
    body_lines = _without_furniture(source.lines, furniture.dropped, furniture.page_of_line)
    body_lines = isolate_markers(body_lines, sections, options.expert_marker)
    conv = detect_conventions(body_lines)
    titles = (
        frozenset(fold(c.title) for c in furniture.contents) if len(furniture.contents) >= 3 else frozenset()
    )
    blocks = split_listed_titles(reflow(body_lines, conv), titles)
    width = conv.width if body_lines and body_lines[0].x1 is None else 0.0
    units = assign_roles(blocks, sections, options.expert_marker, width)
    styled_sections(units)
    unlisted_sections(units)
    units = drop_cover(units)
    if source.meta.get("title"):
        read_issue_meta([source.meta["title"]], furniture.issue)
        if not furniture.issue.title:
            furniture.issue.title = bulletin_name([source.meta["title"]]) or source.meta["title"]
    layout = layout_levels(units)
    # No columns, no contents, no running furniture: a single article (a saved page, a TXT article).
    single = not titles and not furniture.dropped and not any(u.role == "section" for u in units)
    walker = _Walker(
        units, source.path, furniture.issue, layout, Cohesion(units), titles=titles, single=single
    )
    articles = walker.walk()
    found_sections = list(dict.fromkeys(u.section for u in units if u.role == "section" and u.section))
    return Bulletin(
        path=source.path,
        media_type=source.media_type,
        issue=furniture.issue,
        articles=articles,
        furniture=furniture.lines(source.lines),
        contents=furniture.contents,
        sections=found_sections,
        encoding=source.encoding,
        warnings=list(source.warnings),
    )
