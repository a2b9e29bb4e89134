"""Re-join hard-wrapped lines into paragraphs.

Bulletins reach us as PDF-to-text dumps and PDF pages, wrapped at a fixed width, with a line break that can
fall inside a word or a number. A paragraph's end is marked in one of a few ways, and a file uses one or
two of them consistently, so we first *measure* which conventions the file uses, then apply them:

- a trailing space after a paragraph's last line (PDF converters leave it);
- a leading 　　 indent (or, on a PDF page, a left edge right of the margin) on its first line;
- a blank line between paragraphs (unless blank lines sit between *every* line, as in some dumps);
- a short last line (narrower than the text column), ending in sentence punctuation or not at all.

A trailing space after a Latin word followed by a Latin word on the next line is the space between two
words, not a paragraph mark: the words are joined with one space. Blocks that a reader already knows to be
whole paragraphs (DOCX, HTML) pass through untouched.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from jiance.records import Line
from jiance.text.normalize import is_latin_or_digit, visual_width

__all__ = ["Block", "Conventions", "detect_conventions", "join_lines", "reflow"]

SENTENCE_END = "。！？!?…；;"
CLOSING = "”’」』）)》】"
_INDENT = ("\u3000", "  ")


@dataclass(slots=True)
class Block:
    """A paragraph candidate: the lines it was joined from, with their layout."""

    text: str
    lines: list[Line] = field(default_factory=list)

    @property
    def first_line(self) -> int:
        return self.lines[0].lineno

    @property
    def last_line(self) -> int:
        return self.lines[-1].lineno

    @property
    def pages(self) -> tuple[int | None, int | None]:
        pages = [ln.page for ln in self.lines if ln.page is not None]
        return (min(pages), max(pages)) if pages else (None, None)

    @property
    def size(self) -> float | None:
        sizes = [ln.size for ln in self.lines if ln.size is not None]
        return max(sizes) if sizes else None

    @property
    def bold(self) -> bool | None:
        flags = [ln.bold for ln in self.lines if ln.bold is not None]
        return all(flags) if flags else None

    @property
    def heading(self) -> int | None:
        levels = [ln.heading for ln in self.lines if ln.heading is not None]
        return min(levels) if levels else None

    @property
    def from_blocks(self) -> bool:
        return any(ln.block for ln in self.lines)

    @property
    def wrapped(self) -> bool:
        return len(self.lines) > 1


@dataclass(slots=True)
class Conventions:
    """How a file marks paragraph ends, measured from its lines."""

    width: float  # typical full-line width (visual cells, or points for PDF lines)
    blank_marks: bool  # a blank line ends a paragraph
    trailing_marks: bool  # a trailing space ends a paragraph
    indent_marks: bool  # a leading indent starts a paragraph
    wrapped: bool  # lines are hard-wrapped at all (else every line is a paragraph)
    left: float | None = None  # PDF: left margin in points
    em: float | None = None  # PDF: body font size in points


def _width(line: Line) -> float:
    if line.x1 is not None:
        return line.x1
    return float(visual_width(line.text))


def _indented(line: Line, conv: Conventions) -> bool:
    if line.x0 is not None and conv.left is not None and conv.em:
        return line.x0 - conv.left >= 1.5 * conv.em
    return line.text.startswith(_INDENT)


def detect_conventions(lines: list[Line]) -> Conventions:
    """Measure the paragraph conventions of a sequence of lines (blank lines included)."""
    nonblank = [ln for ln in lines if ln.text.strip() and not ln.block]
    if not nonblank:
        return Conventions(0.0, True, False, False, False)
    widths = sorted(_width(ln) for ln in nonblank)
    width = widths[int(len(widths) * 0.75)] if len(widths) > 3 else widths[-1]
    tolerance = max(6.0, width * 0.08)
    near_full = sum(1 for w in widths if abs(w - width) <= tolerance) / len(widths)
    long_lines = [ln for ln in nonblank if _width(ln) >= width * 0.9]
    open_ends = sum(1 for ln in long_lines if not _ends_sentence(ln.text)) / max(1, len(long_lines))
    # Hard-wrapped text has a regular right edge and many lines that stop mid-sentence; text with one
    # line per paragraph (web copies, DOCX exports) has neither.
    wrapped = len(nonblank) >= 4 and near_full >= 0.35 and open_ends >= 0.3
    content = [ln for ln in lines if ln.text.strip()]
    blank_before = _blank_before(lines)
    gaps = len(content) - 1
    blanks = sum(1 for ln in content[1:] if ln.lineno in blank_before)
    blank_ratio = blanks / gaps if gaps > 0 else 0.0
    trailing = sum(ln.trailing_space for ln in nonblank) / len(nonblank)
    lefts = [ln.x0 for ln in nonblank if ln.x0 is not None]
    ems = [ln.size for ln in nonblank if ln.size is not None]
    left = min(lefts) if lefts else None
    em = statistics.median(ems) if ems else None
    conv = Conventions(width, 0.12 <= blank_ratio < 0.7, trailing >= 0.03, False, wrapped, left, em)
    conv.indent_marks = sum(_indented(ln, conv) for ln in nonblank) / len(nonblank) >= 0.03
    return conv


def _is_short(line: Line, conv: Conventions) -> bool:
    if line.x1 is not None:
        margin = (conv.em or 10.0) * 2.0
        return line.x1 < conv.width - margin
    return visual_width(line.text) < conv.width - max(4.0, conv.width * 0.06)


def _ends_sentence(text: str) -> bool:
    stripped = text.rstrip()
    while stripped and stripped[-1] in CLOSING:
        stripped = stripped[:-1]
    return bool(stripped) and stripped[-1] in SENTENCE_END


def _word_wrap(line: Line, nxt: Line | None) -> bool:
    """A trailing space between two Latin words split at a line end: a space, not a paragraph mark."""
    if nxt is None or not line.text or not nxt.text:
        return False
    return is_latin_or_digit(line.text[-1]) and is_latin_or_digit(nxt.text.lstrip("\u3000 ")[:1] or " ")


def _ends_paragraph(line: Line, nxt: Line | None, conv: Conventions) -> bool:
    if nxt is None or not conv.wrapped:
        return True
    if conv.blank_marks:
        return False  # only a blank line ends a paragraph (handled by the caller)
    if conv.trailing_marks and line.trailing_space:
        # Latin text is narrower than its cell count says, so a word-wrapped line may look a little short.
        return not (_word_wrap(line, nxt) and _width(line) >= conv.width * 0.6)
    if _is_short(line, conv):
        if conv.trailing_marks:
            return _ends_sentence(line.text)
        return True
    return conv.indent_marks and _ends_sentence(line.text) and not _indented(nxt, conv)


def join_lines(lines: list[Line]) -> str:
    """Join the lines of one paragraph: CJK without spaces, two Latin words split at a line end with one."""
    parts: list[str] = []
    for i, ln in enumerate(lines):
        text = ln.text.strip(" \u3000") if i == 0 else ln.text.lstrip(" \u3000").rstrip()
        text = text.rstrip()
        if parts and text:
            prev = lines[i - 1]
            latin_pair = is_latin_or_digit(parts[-1][-1:] or " ") and is_latin_or_digit(text[0])
            if latin_pair and (prev.trailing_space or prev.x1 is not None):
                parts.append(" ")
        parts.append(text)
    return "".join(parts)


def reflow(lines: list[Line], conv: Conventions | None = None) -> list[Block]:
    """Turn lines (blank lines included, furniture already removed) into paragraph blocks."""
    conv = conv or detect_conventions(lines)
    content = [ln for ln in lines if ln.text.strip()]
    blank_before = _blank_before(lines)
    blocks: list[Block] = []
    current: list[Line] = []

    def flush() -> None:
        if current:
            blocks.append(Block(join_lines(current), list(current)))
            current.clear()

    for i, ln in enumerate(content):
        nxt = content[i + 1] if i + 1 < len(content) else None
        if ln.block:
            flush()
            blocks.append(Block(ln.text.strip(" \u3000"), [ln]))
            continue
        if current and (
            (conv.blank_marks and ln.lineno in blank_before) or (conv.indent_marks and _indented(ln, conv))
        ):
            flush()
        current.append(ln)
        if nxt is None or nxt.block or _ends_paragraph(ln, nxt, conv):
            flush()
    flush()
    return blocks


def _blank_before(lines: list[Line]) -> set[int]:
    """Line numbers of content lines preceded by at least one blank line."""
    marked: set[int] = set()
    previous_blank = False
    for ln in lines:
        if not ln.text.strip():
            previous_blank = True
            continue
        if previous_blank:
            marked.add(ln.lineno)
        previous_blank = False
    return marked
