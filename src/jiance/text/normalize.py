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


def _fullwidth_ascii(ch: str) -> str:
    code = ord(ch)
    # Full-width letters and digits become ASCII; full-width punctuation is kept as printed.
    if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
        return chr(code - 0xFEE0)
    return ch


def normalize_line(line: str) -> str:
    """Normalise one line for display: invisible marks gone, odd spaces to ASCII, full-width alnum to ASCII.

    The ideographic space (U+3000) is kept because a leading 　　 marks a paragraph indent; the re-flow step
    consumes it.
    """
    line = strip_controls(line.translate(_INVISIBLE).translate(_SPACES))
    if any(0xFF10 <= ord(c) <= 0xFF5A for c in line):
        line = "".join(_fullwidth_ascii(c) for c in line)
    return line


def normalize_text(text: str) -> str:
    """Normalise a whole decoded text: unify newlines, then :func:`normalize_line` on every line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(normalize_line(line) for line in text.split("\n"))


def fold_char(ch: str) -> str:
    """One character folded for matching: NFKC (full width to half width), lower case; length kept at 1."""
    folded = unicodedata.normalize("NFKC", ch).lower()
    return folded if len(folded) == 1 else ch.lower()[:1] or ch


def fold(text: str, *, keep_spaces: bool = False) -> str:
    """Fold text for search and comparison: NFKC, lower case, whitespace removed (unless ``keep_spaces``)."""
    folded = "".join(fold_char(c) for c in text)
    if keep_spaces:
        return _MULTI_SPACE_RE.sub(" ", folded)
    return "".join(folded.split())


def visual_width(text: str) -> int:
    """Display width in half-width cells: CJK and full-width forms count 2, everything else 1."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
