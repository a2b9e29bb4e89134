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

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
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
from jiance.stages.furniture import detect_furniture, section_name
from jiance.text.normalize import fold, is_cjk, visual_width
from jiance.text.reflow import CLOSING, SENTENCE_END, Block, detect_conventions, join_lines, reflow

__all__ = ["DEFAULT_SECTIONS", "SplitOptions", "split_bulletin"]

DEFAULT_SECTIONS = ("产业环境", "运营竞争", "技术情报", "企业情报", "海外借鉴")
ROLE_WORDS = (
    "院士", "董事长", "总裁", "总经理", "主任", "分析师", "导师", "首席", "院长", "所长", "教授", "研究员", "专家",
    "负责人", "总监", "局长", "司长", "部长", "秘书长", "理事长", "会长", "主席", "经理", "工程师", "顾问",
    "合伙人", "创始人", "执行官", "董事", "CEO", "CTO", "CFO", "COO", "主编", "记者", "律师", "学者", "处长",
    "副总", "总工", "书记", "市长", "省长", "委员", "发言人", "博士",
)  # fmt: skip
_BACK_REFERENCE = re.compile(
    r"^(?:会上|会议|本届|此次|该|上述|同时|此外|另外|其中|与此同时|对此|不过|但|而|他|她|其|这|据悉|据介绍|记者获悉)"
)
_COLON_TITLE = re.compile(r"^[^：:]{2,14}[：:]")
_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9.+\-]*")


@dataclass(slots=True, frozen=True)
class SplitOptions:
    """What the splitter needs to know about the user's bulletins (from the settings table)."""

    sections: tuple[str, ...] = DEFAULT_SECTIONS
    expert_marker: str = "专家观点"


@dataclass(slots=True)
class _Unit:
    """A paragraph block with the role the splitter gave it."""

    block: Block
    role: str  # section | marker | heading | body
    section: str | None = None
    level: int | None = None  # layout level of a heading: 1 title, 2 sub-heading
    verdict: str | None = None  # title | subheading | piece | body (for headings)

    @property
    def text(self) -> str:
        return self.block.text


@dataclass(slots=True)
class _Story:
    """The article being assembled."""

    title_unit: _Unit
    index: int
    section: str | None
    kind: ArticleKind = ARTICLE
    paragraphs: list[str] = field(default_factory=list)
    subheadings: list[str] = field(default_factory=list)
    units: list[_Unit] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)
    speaker: str | None = None
    headline: str | None = None
    related_title: str | None = None
    tokens: set[str] = field(default_factory=set)


# ---------------------------------------------------------------- roles


_NOT_HEADING_END = "。；;，,、：:…"


def heading_like(text: str, width: float) -> bool:
    """Short, at most two lines, no sentence inside and none at the end: what titles and sub-headings look like.

    A heading may end in ？ or ！ (大型互联网科技平台如何监管？), but not in a quoted sentence (…。” or …？”).
    """
    flat = text.strip()
    if not flat or len(flat) > 64 or (width and visual_width(flat) > width * 2.05):
        return False
    core = flat.rstrip(CLOSING)
    if not core or core[-1] in _NOT_HEADING_END or "。" in core or core.count("，") > 1:
        return False
    if "，" in core and core[-1] in "？?！!":
        return False  # 重要数据怎么识别，谁来认定？ is a one-line paragraph, not a heading
    return not (core != flat and core[-1] in SENTENCE_END)


def piece_header(text: str) -> tuple[str, str] | None:
    """``speaker：headline`` of a 专家观点 piece, when the speaker part carries a role word."""
    flat = text.strip()
    head, sep, tail = flat.partition("：")
    if not sep:
        head, sep, tail = flat.partition(":")
    if not sep or not tail.strip() or len(head) < 3 or len(head) > 60:
        return None
    if not any(word in head for word in ROLE_WORDS):
        return None
    return head.strip(), tail.strip()


def _sections_of(options: SplitOptions, contents_sections: Iterable[str]) -> frozenset[str]:
    names = set(options.sections)
    names.update(name for name in contents_sections if 2 <= len(name) <= 8 and all(is_cjk(c) for c in name))
    return frozenset(names)


def _isolate_markers(lines: list[Line], sections: frozenset[str], marker: str) -> list[Line]:
    """Column names and the expert marker are whole blocks of their own, whatever the wrapping."""
    out = []
    for ln in lines:
        flat = "".join(ln.text.split())
        if flat and (section_name(flat, sections) or flat == marker):
            out.append(replace(ln, block=True))
        else:
            out.append(ln)
    return out


def _listed_span(lines: list[Line], titles: frozenset[str]) -> tuple[int, int] | None:
    """Lines ``[k, m)`` of a block that spell a contents-page title, if any (up to three lines long)."""
    for k in range(len(lines)):
        for m in range(k + 1, min(k + 3, len(lines)) + 1):
            if (k, m) != (0, len(lines)) and fold(join_lines(lines[k:m])) in titles:
                return k, m
    return None


def _split_listed_titles(blocks: list[Block], titles: frozenset[str]) -> list[Block]:
    """Cut a block around lines that spell a contents-page title.

    A title that fills its last line to the margin, or a paragraph whose last line does, is
    indistinguishable from running text in a dump; the contents page tells where the title is.
    """
    if not titles:
        return blocks
    out: list[Block] = []
    pending = list(blocks)
    while pending:
        block = pending.pop(0)
        span = _listed_span(block.lines, titles) if len(block.lines) > 1 else None
        if span is None:
            out.append(block)
            continue
        k, m = span
        pieces = [block.lines[:k], block.lines[k:m], block.lines[m:]]
        parts = [Block(join_lines(p), p) for p in pieces if p]
        out.extend(parts[:-1])
        pending.insert(0, parts[-1])
    return out


def _assign_roles(blocks: list[Block], sections: frozenset[str], marker: str, width: float) -> list[_Unit]:
    units = []
    for block in blocks:
        flat = "".join(block.text.split())
        name = section_name(flat, sections)
        if name:
            units.append(_Unit(block, "section", section=name))
        elif flat == marker:
            units.append(_Unit(block, "marker"))
        elif (block.heading is not None and block.heading >= 0 and len(flat) <= 80) or (
            (block.heading is None or block.heading < 0)
            and heading_like(block.text, width)
            and (
                not (block.from_blocks and block.heading is None and block.bold is not True)
                or piece_header(block.text)
            )
        ):
            units.append(_Unit(block, "heading"))
        else:
            units.append(_Unit(block, "body"))
    return units


def _unlisted_sections(units: list[_Unit]) -> None:
    """Columns the settings do not name: a two-to-six-character Han label standing right above a title.

    Only used when the bulletin shows at least one configured column, so that a short sub-heading in an
    uncolumned text is never taken for a column.
    """
    if not any(u.role == "section" for u in units):
        return
    for i, u in enumerate(units[:-1]):
        flat = "".join(u.text.split())
        following = units[i + 1]
        if (
            u.role == "heading"
            and 2 <= len(flat) <= 6
            and all("\u4e00" <= c <= "\u9fff" for c in flat)
            and following.role == "heading"
            and len(following.text.strip()) >= 8
            and not following.text.rstrip().endswith(("？", "?"))
            and (i == 0 or units[i - 1].role in ("body", "section"))
        ):
            u.role, u.section = "section", flat


def _styled_sections(units: list[_Unit]) -> None:
    """In a styled document, other short headings at the level of the known columns are columns too."""
    levels = {u.block.heading for u in units if u.role == "section" and u.block.heading is not None}
    if len(levels) != 1:
        return
    level = levels.pop()
    for u in units:
        flat = "".join(u.text.split())
        if u.role == "heading" and u.block.heading == level and 2 <= len(flat) <= 10:
            u.role, u.section = "section", flat


def _drop_cover(units: list[_Unit]) -> list[_Unit]:
    """Short lines before the first column are the cover (name, number, date, publisher), not articles."""
    first = next((i for i, u in enumerate(units) if u.role == "section"), None)
    if not first:
        return units
    head = units[:first]
    if len(head) <= 14 and all(len(u.text) <= 40 or u.role != "body" for u in head):
        return units[first:]
    return units


# ---------------------------------------------------------------- layout levels


def _layout_levels(units: list[_Unit]) -> bool:
    """Give headings a level from layout (heading styles, or font size and weight); True when layout decides."""
    headings = [u for u in units if u.role == "heading"]
    if not headings:
        return False
    styled = [u for u in headings if u.block.heading is not None]
    if styled:
        levels = sorted({u.block.heading for u in styled if u.block.heading is not None})
        top = levels[0]
        for u in headings:
            level = u.block.heading
            u.level = 1 if level == top else 2
        return len(levels) > 1 or len(styled) == len(headings)
    body_sizes = [u.block.size for u in units if u.role == "body" and u.block.size is not None]
    if not body_sizes:
        return False
    body = Counter(round(s * 2) / 2 for s in body_sizes).most_common(1)[0][0]
    sizes = sorted({round((u.block.size or body) * 2) / 2 for u in headings}, reverse=True)
    big = [s for s in sizes if s >= body + 1.0]
    if not big:
        return False
    title_size = big[0]
    for u in headings:
        size = round((u.block.size or body) * 2) / 2
        if size >= title_size - 0.25:
            u.level = 1
        elif size > body or u.block.bold:
            u.level = 2
        else:
            u.role, u.level = "body", None
    return True


# ---------------------------------------------------------------- continuity


def tokens_of(text: str) -> set[str]:
    """Salient units for cohesion: CJK character bigrams and Latin words of the folded text."""
    folded = fold(text)
    grams = {folded[i : i + 2] for i in range(len(folded) - 1) if is_cjk(folded[i]) and is_cjk(folded[i + 1])}
    grams.update(w for w in _LATIN_WORD.findall(folded) if len(w) >= 2)
    return grams


class _Cohesion:
    """IDF-weighted overlap between text spans of one bulletin."""

    def __init__(self, units: Sequence[_Unit]) -> None:
        self.tokens = [tokens_of(u.text) for u in units]
        df: Counter[str] = Counter()
        for toks in self.tokens:
            df.update(toks)
        n = max(1, len(units))
        self.idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}

    def vector(self, indices: Iterable[int]) -> dict[str, float]:
        """IDF-weighted bag of tokens of some units."""
        vec: dict[str, float] = {}
        for j in indices:
            for t in self.tokens[j]:
                vec[t] = vec.get(t, 0.0) + self.idf.get(t, 0.0)
        return vec

    @staticmethod
    def cosine(a: dict[str, float], b: dict[str, float]) -> float:
        if len(a) > len(b):
            a, b = b, a
        dot = sum(w * b.get(t, 0.0) for t, w in a.items())
        norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
        return dot / norm if norm else 0.0

    def weight(self, toks: set[str]) -> float:
        return sum(self.idf.get(t, 0.0) for t in toks)

    def share(self, part: set[str], whole: set[str]) -> float:
        total = self.weight(part)
        return self.weight(part & whole) / total if total else 0.0


def _window(units: list[_Unit], indices: Iterable[int], limit: int = 3) -> list[int]:
    """Up to ``limit`` body units taken from ``indices`` in order, stopping at the first non-body unit."""
    taken: list[int] = []
    for j in indices:
        if not 0 <= j < len(units) or units[j].role != "body":
            break
        taken.append(j)
        if len(taken) >= limit:
            break
    return taken


_INTRODUCTION = re.compile(
    "(?:" + "|".join(ROLE_WORDS) + r")[\u4e00-\u9fff]{2,3}(?:表示|说|指出|认为|介绍|强调|透露|在)"
)  # a person given their full title: how a story, not a section, first names its speaker
_VENUE = re.compile(r"在.{2,40}?(?:会议|大会|峰会|论坛|发布会|开幕式|年会|博览会|展会)(?:上|期间)")
_LEAD_DATE = re.compile(r"\d{1,2}月\d{1,2}日|^(?:近日|日前|近期|本周|昨天|今天)")


def _listed(text: str, titles: frozenset[str]) -> bool:
    """Whether a heading is one of the contents page's titles (which may be cut short there)."""
    folded = fold(text)
    if folded in titles:
        return True
    return len(folded) >= 8 and any(
        t.startswith(folded) or (len(t) >= 8 and folded.startswith(t)) for t in titles
    )


def _after(units: list[_Unit], i: int) -> list[int]:
    """The body window after heading ``i``, looking past one heading right under it."""
    j = i + 1
    if j < len(units) and units[j].role == "heading":
        j += 1
    return _window(units, range(j, len(units)))


def heading_features(units: list[_Unit], i: int, story: _Story, cohesion: _Cohesion) -> dict[str, float]:
    """What speaks for the heading at ``i`` continuing ``story`` or starting a new one (see _WEIGHTS)."""
    after = _after(units, i)
    lead = [story.index, *story.indices[:2]]
    before = _window(units, range(i - 1, -1, -1))
    next_vec = cohesion.vector(after)
    opening = units[after[0]].text if after else ""
    heading = units[i].text.strip()
    return {
        "cohesion": cohesion.cosine(cohesion.vector(lead), next_vec)
        + cohesion.cosine(cohesion.vector(before), next_vec),
        "echo": cohesion.share(cohesion.tokens[i], story.tokens),
        "colon": float(bool(_COLON_TITLE.match(heading))),
        "lead_date": float(bool(_LEAD_DATE.search(opening.split("。")[0]))),
        "back_reference": float(bool(_BACK_REFERENCE.match(opening))),
        "digits": float(bool(re.search(r"\d", heading))),
        "long": float(len(heading) >= 18),
        "subheadings": float(min(len(story.subheadings), 3)),
        "introduces": float(bool(_INTRODUCTION.search(opening.split("。")[0]))),
        "venue": float(bool(_VENUE.search(opening.split("。")[0]))),
        "restates": _restatement(opening, story),
        "names_subject": float(_names_subject(heading, opening)),
    }


_LEAD_PREFIX = re.compile(r"^(?:[^，。]{0,12}日[上下]?午?，|近日，|日前，|记者[^，。]{0,10}获悉，|据悉，)")


def _names_subject(heading: str, opening: str) -> bool:
    """A news lead opens with the subject its headline named (爱立信在华业绩… → 爱立信在中国市场…)."""
    head = fold(heading).lstrip('“”"《》【】（）()')
    body = fold(_LEAD_PREFIX.sub("", opening)).lstrip('“”"《》【】（）()由')
    return len(head) >= 2 and len(body) >= 2 and head[:2] == body[:2]


def _restatement(opening: str, story: _Story) -> float:
    """How much of the next text's first sentence repeats a sentence of the story's lead.

    A new article about the same event re-tells the event in its lead (who, where, when); a section of
    the same article does not repeat what its lead already said.
    """
    if not story.paragraphs:
        return 0.0
    first = tokens_of(opening.split("。")[0][:40])
    if len(first) < 8:
        return 0.0
    lead_sentences = [sentence for p in story.paragraphs[:2] for sentence in p.split("。") if sentence]
    share = max((len(first & tokens_of(sentence)) / len(first) for sentence in lead_sentences), default=0.0)
    return max(0.0, share - 0.5) * 10  # sections echo a lead (up to half its words); re-tellings copy it


# Fitted on the seed's first column and other columns (82 decisions) together with the project's sample
# bulletins rendered without a contents page (see docs/parsing.md); positive means "sub-heading".
_WEIGHTS = {
    "cohesion": 10.0,
    "echo": 1.0,
    "colon": -0.8,
    "lead_date": 0.0,
    "back_reference": 0.4,
    "digits": 0.0,
    "long": -0.6,
    "subheadings": 0.1,
    "introduces": 0.0,
    "venue": 0.0,
    "restates": -1.0,
    "names_subject": 0.0,
}
_BIAS = -0.8


def _continues(units: list[_Unit], i: int, story: _Story, cohesion: _Cohesion) -> float:
    """Evidence that the heading at ``i`` continues ``story`` (> 0) rather than starting a new one (< 0).

    Cohesion of the text after the heading with the story's lead (title and first paragraphs) and with the
    paragraphs right before it, the share of the heading's own words the story already used, the shape of
    the heading, and cues in the next paragraph's first sentence.
    """
    if not _after(units, i):
        return 1.0
    features = heading_features(units, i, story, cohesion)
    return _BIAS + sum(_WEIGHTS[name] * value for name, value in features.items())


# ---------------------------------------------------------------- assembly


def _provenance(path: str, units: list[_Unit]) -> Provenance:
    first, last = units[0].block, units[-1].block
    pages = [p for u in units for p in u.block.pages if p is not None]
    return Provenance(
        path=path,
        line_start=first.first_line,
        line_end=last.last_line,
        page_start=min(pages) if pages else None,
        page_end=max(pages) if pages else None,
    )


def _finish(story: _Story, path: str, issue: IssueMeta) -> Article | None:
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

    units: list[_Unit]
    path: str
    issue: IssueMeta
    layout: bool
    cohesion: _Cohesion
    articles: list[Article] = field(default_factory=list)
    finished: list[_Story] = field(default_factory=list)
    story: _Story | None = None
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
        self.story = _Story(unit, i, self.section, kind=kind, tokens=set(self.cohesion.tokens[i]))
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
            verdict = "title" if _listed(unit.text, self.titles) else "subheading"
        else:
            verdict = "subheading" if _continues(self.units, i, self.story, self.cohesion) > 0 else "title"
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
    sections = _sections_of(options, furniture.contents_sections)
    body_lines = _without_furniture(source.lines, furniture.dropped, furniture.page_of_line)
    body_lines = _isolate_markers(body_lines, sections, options.expert_marker)
    conv = detect_conventions(body_lines)
    titles = (
        frozenset(fold(c.title) for c in furniture.contents) if len(furniture.contents) >= 3 else frozenset()
    )
    blocks = _split_listed_titles(reflow(body_lines, conv), titles)
    width = conv.width if body_lines and body_lines[0].x1 is None else 0.0
    units = _assign_roles(blocks, sections, options.expert_marker, width)
    _styled_sections(units)
    _unlisted_sections(units)
    units = _drop_cover(units)
    if source.meta.get("title") and not furniture.issue.title:
        furniture.issue.title = source.meta["title"]
    layout = _layout_levels(units)
    # No columns, no contents, no running furniture: a single article (a saved page, a TXT article).
    single = not titles and not furniture.dropped and not any(u.role == "section" for u in units)
    walker = _Walker(
        units, source.path, furniture.issue, layout, _Cohesion(units), titles=titles, single=single
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
