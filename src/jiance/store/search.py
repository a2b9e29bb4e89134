"""Search logic every backend shares: query terms, the bigram index text, the exact check, snippets.

Chinese has no spaces, so a word index misses 电池 inside 动力电池 and SQLite 3.40's trigram tokenizer finds
nothing for two-character queries. jiance therefore indexes *overlapping character bigrams* of the folded
text (:func:`index_text`): a query of n ≥ 2 characters becomes the phrase of its n-1 bigrams, which matches
exactly where the folded query is a substring. A one-character query is a prefix query on the bigrams; an
end sentinel makes the last character of a field a bigram start too. ASCII punctuation is mapped to one
placeholder (the SQLite tokenizer would split on it), so the index may return a few extra candidates;
:func:`verify` re-checks every candidate with a real substring test, so precision is exact.
See docs/search.md for the measurements behind this choice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from operator import add

from jiance.records import Article
from jiance.text.normalize import fold_char

__all__ = [
    "BM25_B",
    "BM25_K1",
    "PLACEHOLDER",
    "SENTINEL",
    "Snippet",
    "bm25",
    "bm25_idf",
    "body_fields",
    "fast_fold",
    "fold_with_offsets",
    "index_text",
    "make_snippet",
    "phrase_counts",
    "query_grams",
    "query_terms",
    "title_fields",
    "verify",
]

PLACEHOLDER = "\ue000"  # stands for any ASCII non-alphanumeric character in the index
SENTINEL = "\ue001"  # pairs with the last character of a field so it starts a bigram
BM25_K1 = 1.2  # FTS5's bm25 constants, so that a score computed here equals FTS5's to the last bit
BM25_B = 0.75


class _FoldTable(dict[int, str | None]):
    """A lazily filled ``str.translate`` table equal to :func:`jiance.text.fold`, at C speed.

    With ``for_index`` ASCII punctuation becomes :data:`PLACEHOLDER` (the tokenizer would split on it).
    """

    def __init__(self, *, for_index: bool = False) -> None:
        super().__init__()
        self.for_index = for_index

    def __missing__(self, code: int) -> str | None:
        folded = fold_char(chr(code))
        value: str | None = folded
        if folded.isspace():
            value = None
        elif self.for_index and folded.isascii() and not folded.isalnum():
            value = PLACEHOLDER
        self[code] = value
        return value


_FOLD = _FoldTable()
_INDEX = _FoldTable(for_index=True)


def title_fields(article: Article) -> list[str]:
    """The texts that count as the article's title for search (title hits rank first)."""
    return [article.title] + ([article.headline] if article.headline else [])


def body_fields(article: Article) -> list[str]:
    """The other searchable texts: the body, subheadings and the expert piece's speaker and related title."""
    extra = [t for t in (article.speaker, article.related_title) if t]
    return [article.body, *article.subheadings, *extra]


def fast_fold(text: str) -> str:
    """Same result as :func:`jiance.text.fold` (checked by a test), fast enough to index 200k articles."""
    return text.translate(_FOLD)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` and say, for each folded character, its index in ``text`` (for highlighting)."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = _FOLD[ord(ch)]
        if folded is not None:
            chars.append(folded)
            where.append(i)
    return "".join(chars), where


def _index_chars(folded: str) -> str:
    return folded.translate(_INDEX)


def _grams(chars: str) -> list[str]:
    return list(map(add, chars, chars[1:]))


def index_text(fields: Sequence[str]) -> str:
    """The space-separated bigram tokens of several fields, for one column of a bigram index.

    Fields are kept apart (each ends with its own sentinel) so no bigram spans two fields.
    """
    tokens: list[str] = []
    for text in fields:
        chars = text.translate(_INDEX)
        if chars:
            tokens.extend(_grams(chars + SENTINEL))
    return " ".join(tokens)


def query_terms(query: str) -> list[str]:
    """The folded, space-separated terms of a query (ANDed); empty terms dropped, duplicates kept once."""
    terms: list[str] = []
    for part in query.split():
        term = fast_fold(part)
        if term and term not in terms:
            terms.append(term)
    return terms


def query_grams(term: str) -> tuple[list[str], bool]:
    """The index tokens for one folded term and whether they form a prefix query (one-character term)."""
    chars = _index_chars(term)
    if len(chars) == 1:
        return [chars], True
    return _grams(chars), False


def phrase_counts(term: str, columns: Sequence[Sequence[str]]) -> tuple[list[int], int]:
    """Per column, how often the index phrase of ``term`` occurs (overlaps included); and the row length.

    These are FTS5's phrase instance counts and its row size in tokens (one bigram per character, the last
    pairing with the sentinel), computed from the text instead of the index. A one-character term is a
    prefix query: it has an instance at every bigram it starts, i.e. at every occurrence.
    """
    needle = _index_chars(term)
    counts, length = [], 0
    for fields in columns:
        count = 0
        for text in fields:
            chars = _index_chars(text)
            length += len(chars)
            at = chars.find(needle)
            while at >= 0:
                count += 1
                at = chars.find(needle, at + 1)
        counts.append(count)
    return counts, length


def bm25_idf(rows: int, hits: int) -> float:
    """FTS5's idf of a phrase found in ``hits`` of ``rows`` rows (floored at 1e-6 as FTS5 does)."""
    idf = math.log((rows - hits + 0.5) / (hits + 0.5))
    return idf if idf > 0.0 else 1e-6


def bm25(freq: float, length: int, avgdl: float, idf: float) -> float:
    """One phrase's bm25 term exactly as FTS5 computes it (higher is better; FTS5 returns it negated).

    ``freq`` is the sum of the column weights over the phrase's instances in the row, ``length`` the
    row's token count over all columns, ``avgdl`` the table's mean row length.
    """
    return idf * ((freq * (BM25_K1 + 1.0)) / (freq + BM25_K1 * (1 - BM25_B + BM25_B * length / avgdl)))


def verify(terms: Sequence[str], fields: Sequence[str]) -> bool:
    """The exact test: every term is a substring of some folded field."""
    folded = [fast_fold(f) for f in fields]
    return all(any(term in f for f in folded) for term in terms)


@dataclass(slots=True)
class Snippet:
    """A window of a field around its first match; ``offsets`` index ``text``; ``marked`` has markers."""

    text: str
    offsets: list[tuple[int, int]]
    marked: str


def _matches(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Non-overlapping original-text spans of every occurrence of every term, in order."""
    folded, where = fold_with_offsets(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        start = folded.find(term)
        while start >= 0:
            end = start + len(term)
            spans.append((where[start], where[end - 1] + 1))
            start = folded.find(term, end)
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s < merged[-1][1]:  # overlapping; adjacent matches stay apart
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def make_snippet(
    text: str, terms: Sequence[str], *, chars: int = 80, marker: tuple[str, str] = ("【", "】")
) -> Snippet | None:
    """A ``chars``-long window of ``text`` with its first match a third of the way in, or None if no match."""
    spans = _matches(text, terms)
    if not spans:
        return None
    first_start, first_end = spans[0]
    start = max(0, first_start - max(0, chars - (first_end - first_start)) // 3)
    end = min(len(text), start + max(chars, first_end - first_start))
    start = max(0, min(start, end - chars))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    window = prefix + text[start:end].replace("\n", " ") + suffix
    shift = len(prefix) - start
    offsets = [(max(s, start) + shift, min(e, end) + shift) for s, e in spans if s < end and e > start]
    marked, last = [], 0
    for s, e in offsets:
        marked += [window[last:s], marker[0], window[s:e], marker[1]]
        last = e
    marked.append(window[last:])
    return Snippet(text=window, offsets=offsets, marked="".join(marked))
