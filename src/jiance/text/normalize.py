"""Character-level normalisation shared by every stage: widths, spaces, and the folding used for search.

Display text keeps what the author printed (full-width Chinese punctuation stays full-width); only the
characters that PDF and web pipelines mangle are mapped: NBSP and ideographic spaces, zero-width marks,
control characters, full-width ASCII letters and digits. :func:`fold` goes further for matching and search
(lower case, every full-width form to half width, whitespace removed) and keeps a 1:1 length mapping when
asked to, so a match in folded text can be highlighted in the original.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "CJK_RE",
    "fold",
    "fold_char",
    "is_cjk",
    "is_latin_or_digit",
    "normalize_line",
    "normalize_text",
    "strip_controls",
    "visual_width",
    "visual_width_exact",
]

# Zero-width and bidi marks that PDF extractors and web pages leave in text; they carry no meaning here.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2002\u2003\u2009\u202f\u205f\t\x0b\x0c"), " ")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_MULTI_SPACE_RE = re.compile(r" {2,}")


def is_cjk(ch: str) -> bool:
    """True for a Han character (including extension planes), the script that needs no spaces."""
    return bool(CJK_RE.match(ch))


def is_latin_or_digit(ch: str) -> bool:
    """True for ASCII letters and digits (after width folding): the characters that need a space."""
    return ch.isascii() and ch.isalnum()


def strip_controls(text: str) -> str:
    """Drop C0 control characters except newlines and carriage returns."""
    return _CONTROL_RE.sub("", text)


# Full-width letters and digits become ASCII; full-width punctuation is kept as printed.
_FULLWIDTH_ALNUM = {
    code: chr(code - 0xFEE0)
    for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))
}
_LINE_TABLE = {**_INVISIBLE, **_SPACES, **_FULLWIDTH_ALNUM}


def normalize_line(line: str) -> str:
    """Normalise one line for display: invisible marks gone, odd spaces to ASCII, full-width alnum to ASCII.

    The ideographic space (U+3000) is kept because a leading 　　 marks a paragraph indent; the re-flow step
    consumes it.
    """
    return strip_controls(line.translate(_LINE_TABLE))


def normalize_text(text: str) -> str:
    """Normalise a whole decoded text: unify newlines, then :func:`normalize_line` on every line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(normalize_line(line) for line in text.split("\n"))


def fold_char(ch: str) -> str:
    """One character folded for matching: NFKC (full width to half width), lower case; length kept at 1."""
    folded = unicodedata.normalize("NFKC", ch).lower()
    return folded if len(folded) == 1 else ch.lower()[:1] or ch


class _FoldTable(dict[int, str | None]):
    """A ``str.translate`` table equal to :func:`fold_char`, filled lazily: folding at C speed."""

    def __init__(self, *, keep_spaces: bool) -> None:
        super().__init__()
        self.keep_spaces = keep_spaces

    def __missing__(self, code: int) -> str | None:
        folded = fold_char(chr(code))
        value: str | None = folded
        if folded.isspace():
            value = " " if self.keep_spaces else None
        self[code] = value
        return value


_FOLD = _FoldTable(keep_spaces=False)
_FOLD_KEEP_SPACES = _FoldTable(keep_spaces=True)


def fold(text: str, *, keep_spaces: bool = False) -> str:
    """Fold text for search and comparison: NFKC, lower case, whitespace removed (unless ``keep_spaces``)."""
    if keep_spaces:
        return _MULTI_SPACE_RE.sub(" ", text.translate(_FOLD_KEEP_SPACES))
    return text.translate(_FOLD)


# East Asian Wide and Fullwidth ranges (Unicode's EastAsianWidth W/F), for widths at regex speed.
_WIDE_RE = re.compile(
    "[\u1100-\u115f\u231a\u231b\u2329\u232a\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60"
    "\uffe0-\uffe6\U0001f300-\U0001f64f\U0001f900-\U0001f9ff\U00020000-\U0003fffd]"
)


def visual_width(text: str) -> int:
    """Display width in half-width cells: CJK and full-width forms count 2, everything else 1."""
    return len(text) + len(_WIDE_RE.findall(text))


def visual_width_exact(text: str) -> int:
    """:func:`visual_width` from the Unicode database itself (slow; the reference for tests)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
