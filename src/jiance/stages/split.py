"""Split a bulletin into columns, articles, sub-headings and 专家观点 pieces.

The input is a reader's :class:`~jiance.records.SourceText`; the output a :class:`~jiance.records.Bulletin`.
The steps, each with its own evidence:

1. **Furniture** (:mod:`jiance.stages.furniture`): repeated running lines, page numbers, cover and contents
   pages are dropped (and kept with a reason); the issue's metadata is read from them.
2. **Paragraphs** (:mod:`jiance.text.reflow`): hard-wrapped lines are re-joined by the file's own conventions.
   Column names and the 专家观点 marker always stand alone.
3. **Roles.** A block is a *column* (its text is a configured column name, or one the contents page lists),
   the *expert marker*, a *heading candidate* (short, no sentence punctuation, at most two lines), or body.
4. **Title or sub-heading.** The hard case: in a text dump a sub-heading looks exactly like a title. The
   decision uses, in order:

   - *layout*, when the reader gives it: heading levels (DOCX/HTML) or font size and weight (PDF), the larger
     level being the title;
   - *position*: the first heading of a column, and the first heading after a 专家观点 block, is a title;
   - *story continuity* (lexical cohesion, in the manner of TextTiling): the salient vocabulary (character
     bigrams and Latin words, weighted by rarity in this bulletin) of the text after the heading is compared
     with the story so far and with the stories before it. Text that continues the current story (the same
     people, organisations and terms) makes the heading a sub-heading; text that shares no more with the
     current story than with the previous ones starts a new article;
   - *cues*: a first paragraph that refers back (会上, 此次, 上述, a person named earlier by surname) argues for a
     sub-heading; a heading shaped "机构：…" argues for a title.

   A one-line question right after a sub-heading (此次新款芯片究竟有多强？) is body, not a heading.
5. **Expert pieces.** After the marker, a heading shaped "speaker：headline" whose speaker part carries a
   role (院士, 董事长, 分析师 …) starts a piece; the piece's paragraphs follow; any other heading ends the block.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
from jiance.stages.furniture import detect_furniture
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
    finished: list[Story] = field(default_factory=list)
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
                self.finished.append(self.story)
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

    def heading(self, i: int) -> str:
        unit = self.units[i]
        piece = piece_header(unit.text) if self.in_experts else None
        if piece:
            self.start(i, EXPERT_OPINION)
            assert self.story is not None
            self.story.speaker, self.story.headline = piece
            self.story.related_title = self.last_article_title
            self.in_experts = True
            return "piece"
        if self.story is None or self.in_experts or self.story.kind == EXPERT_OPINION:
            self.start(i)
            return "title"
        if self.last_was_heading == "title":
            # A heading right under a title is the sub-heading that opens the article.
            self.add_subheading(i)
            return "subheading"
        if self.last_was_heading == "subheading":
            # Two headings in a row after body text: the second is a one-line paragraph (a question).
            self.add_body(i)
            return "body"
        if self.layout and unit.level is None and unit.block.from_blocks:
            # A styled document said this is no heading (a "speaker：headline" line outside 专家观点).
            self.add_body(i)
            return "body"
        if self.single:
            verdict = "subheading"
        elif self.layout and unit.level is not None:
            verdict = "title" if unit.level == 1 else "subheading"
        elif self.titles:
            verdict = "title" if listed_title(unit.text, self.titles) else "subheading"
        else:
            verdict = "subheading" if continues(self.units, i, self.story, self.cohesion) > 0 else "title"
        if verdict == "title":
            self.start(i)
        else:
            self.add_subheading(i)
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
    running over a page stays one paragraph even in files whose blank lines mark paragraph ends.
    """
    out: list[Line] = []
    gap: list[Line] = []
    saw_furniture = False
    for ln in lines:
        if ln.lineno in dropped:
            saw_furniture = True
            continue
        if ln.page is None and ln.lineno in pages:
            ln = replace(ln, page=pages[ln.lineno])
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
    furniture = detect_furniture(source.lines, base_sections, protected=frozenset({options.expert_marker}))
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
    if source.meta.get("title") and not furniture.issue.title:
        furniture.issue.title = source.meta["title"]
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
