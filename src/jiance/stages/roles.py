"""What each block of a bulletin is: a column, the 专家观点 marker, a heading, or body text.

The evidence, by the source's kind: configured and contents-page column names; heading styles (DOCX,
HTML) and font sizes (PDF); for text dumps the shape of the text (short, no sentence punctuation, at most
two lines). See docs/parsing.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from jiance.records import Line
from jiance.stages.furniture import section_name
from jiance.text.normalize import fold, is_cjk, visual_width
from jiance.text.reflow import CLOSING, SENTENCE_END, Block, join_lines

__all__ = [
    "ROLE_WORDS",
    "Unit",
    "assign_roles",
    "drop_cover",
    "heading_like",
    "isolate_markers",
    "layout_levels",
    "listed_title",
    "piece_header",
    "sections_of",
    "split_listed_titles",
    "styled_sections",
    "unlisted_sections",
]

ROLE_WORDS = (
    "院士", "董事长", "总裁", "总经理", "主任", "分析师", "导师", "首席", "院长", "所长", "教授", "研究员", "专家",
    "负责人", "总监", "局长", "司长", "部长", "秘书长", "理事长", "会长", "主席", "经理", "工程师", "顾问",
    "合伙人", "创始人", "执行官", "董事", "CEO", "CTO", "CFO", "COO", "主编", "记者", "律师", "学者", "处长",
    "副总", "总工", "书记", "市长", "省长", "委员", "发言人", "博士",
)  # fmt: skip


@dataclass(slots=True)
class Unit:
    """A paragraph block with the role the splitter gave it."""

    block: Block
    role: str  # section | marker | heading | body
    section: str | None = None
    level: int | None = None  # layout level of a heading: 1 title, 2 sub-heading
    verdict: str | None = None  # title | subheading | piece | body (for headings)

    @property
    def text(self) -> str:
        return self.block.text


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


def sections_of(configured: Iterable[str], contents_sections: Iterable[str]) -> frozenset[str]:
    """The columns of this bulletin: the configured ones and the short Han labels its contents page lists."""
    names = set(configured)
    names.update(name for name in contents_sections if 2 <= len(name) <= 8 and all(is_cjk(c) for c in name))
    return frozenset(names)


def isolate_markers(lines: list[Line], sections: frozenset[str], marker: str) -> list[Line]:
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


def split_listed_titles(blocks: list[Block], titles: frozenset[str]) -> list[Block]:
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


def assign_roles(blocks: list[Block], sections: frozenset[str], marker: str, width: float) -> list[Unit]:
    units = []
    for block in blocks:
        flat = "".join(block.text.split())
        name = section_name(flat, sections)
        if name:
            units.append(Unit(block, "section", section=name))
        elif flat == marker:
            units.append(Unit(block, "marker"))
        elif (block.heading is not None and block.heading >= 0 and len(flat) <= 80) or (
            (block.heading is None or block.heading < 0)
            and heading_like(block.text, width)
            and (
                not (block.from_blocks and block.heading is None and block.bold is not True)
                or piece_header(block.text)
            )
        ):
            units.append(Unit(block, "heading"))
        else:
            units.append(Unit(block, "body"))
    return units


def unlisted_sections(units: list[Unit]) -> None:
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


def styled_sections(units: list[Unit]) -> None:
    """In a styled document, other short headings at the level of the known columns are columns too."""
    levels = {u.block.heading for u in units if u.role == "section" and u.block.heading is not None}
    if len(levels) != 1:
        return
    level = levels.pop()
    for u in units:
        flat = "".join(u.text.split())
        if u.role == "heading" and u.block.heading == level and 2 <= len(flat) <= 10:
            u.role, u.section = "section", flat


def drop_cover(units: list[Unit]) -> list[Unit]:
    """Short lines before the first column are the cover (name, number, date, publisher), not articles."""
    first = next((i for i, u in enumerate(units) if u.role == "section"), None)
    if not first:
        return units
    head = units[:first]
    if len(head) <= 14 and all(len(u.text) <= 40 or u.role != "body" for u in head):
        return units[first:]
    return units


# ---------------------------------------------------------------- layout levels


def _title_rank(counts: Counter[Any], ranked: list[Any]) -> Any:
    """The first rank (style level, or font size) that at least two headings use: the titles' own.

    A single line set above every title (a cover's name, a 目录 heading) does not make the titles
    sub-headings.
    """
    return next((rank for rank in ranked if counts[rank] >= 2), ranked[0])


def layout_levels(units: list[Unit]) -> bool:
    """Give headings a level from layout (heading styles, or font size and weight); True when layout decides."""
    headings = [u for u in units if u.role == "heading"]
    if not headings:
        return False
    styled = [u for u in headings if u.block.heading is not None]
    if styled:
        counts = Counter(u.block.heading for u in styled if u.block.heading is not None)
        levels = sorted(counts)
        top = _title_rank(counts, levels)
        for u in headings:
            level = u.block.heading
            u.level = 1 if level == top else 2
        return len(levels) > 1 or len(styled) == len(headings)
    body_sizes = [u.block.size for u in units if u.role == "body" and u.block.size is not None]
    if not body_sizes:
        return False
    body = Counter(round(s * 2) / 2 for s in body_sizes).most_common(1)[0][0]
    size_counts = Counter(round((u.block.size or body) * 2) / 2 for u in headings)
    big = sorted((s for s in size_counts if s >= body + 1.0), reverse=True)
    if not big:
        return False
    title_size = _title_rank(size_counts, big)
    for u in headings:
        size = round((u.block.size or body) * 2) / 2
        if size >= title_size - 0.25:
            u.level = 1
        elif size > body or u.block.bold:
            u.level = 2
        else:
            u.role, u.level = "body", None
    return True


def listed_title(text: str, titles: frozenset[str]) -> bool:
    """Whether a heading is one of the contents page's titles (which may be cut short there)."""
    folded = fold(text)
    if folded in titles:
        return True
    return len(folded) >= 8 and any(
        t.startswith(folded) or (len(t) >= 8 and folded.startswith(t)) for t in titles
    )
