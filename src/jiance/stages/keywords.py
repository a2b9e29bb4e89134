"""Keywords: TF-IDF over character n-gram terms, with boundary heuristics instead of a segmenter.

Without a dictionary segmenter, candidate terms are the 2–4 character n-grams (up to 6) of Chinese runs that do not
start or end on a function character (的、了、和 …), plus Latin/digit tokens such as ``RISC-V`` or ``5G``.
An n-gram is dropped when a longer term containing it occurs as often (it is only a piece of that term),
a term that a one-character shift makes more frequent straddles a word
boundary and is dropped, and a chosen term hides the shorter terms inside it. Document frequencies from the store sharpen the
ranking (:class:`CorpusDF`); without them a length prior stands in for IDF.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from jiance.records import Article
from jiance.text import fold, is_cjk

__all__ = ["CorpusDF", "candidate_terms", "keywords"]

_EDGE_STOP = frozenset("的了和与及或在是为对等将其并也而从以于由向被把这那之个年月日中上下已所可要有")
_STOP_TERMS = frozenset(
    {
        "日前",
        "近日",
        "目前",
        "其中",
        "同时",
        "表示",
        "显示",
        "数据",
        "方面",
        "相关",
        "进行",
        "今年",
        "以来",
        "通过",
        "已经",
        "企业",
        "我国",
        "国内",
    }
)
_LATIN_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9\-+.]*[A-Za-z0-9+]|\d+[A-Za-z]+[A-Za-z0-9]*|[A-Za-z]{2,}")
_TITLE_WEIGHT = 3
_MAX_N = 6


@dataclass(slots=True)
class CorpusDF:
    """Document frequencies of candidate terms over a corpus (e.g. every stored article)."""

    documents: int = 0
    df: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, articles: Iterable[Article]) -> CorpusDF:
        """Count, per term, how many of ``articles`` contain it."""
        corpus = cls()
        for article in articles:
            corpus.documents += 1
            corpus.df.update(set(candidate_terms(f"{article.title}\n{article.body}")))
        return corpus

    def idf(self, term: str) -> float:
        return math.log((1 + self.documents) / (1 + self.df[term])) + 1.0


def _cjk_runs(text: str) -> list[str]:
    runs, current = [], []
    for ch in text:
        if is_cjk(ch):
            current.append(ch)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def candidate_terms(text: str) -> list[str]:
    """Every candidate term occurrence in ``text``: CJK 2–6-grams within boundaries, and Latin tokens."""
    terms = [m.group(0) for m in _LATIN_TOKEN.finditer(text)]
    for run in _cjk_runs(text):
        for n in range(2, _MAX_N + 1):
            for i in range(len(run) - n + 1):
                gram = run[i : i + n]
                if gram[0] in _EDGE_STOP or gram[-1] in _EDGE_STOP or gram in _STOP_TERMS:
                    continue
                terms.append(gram)
    return terms


def _maximal(counts: Counter[str]) -> Counter[str]:
    """Drop terms that occur only as part of a longer term with the same count (pieces, not words)."""
    longer = sorted(counts, key=len, reverse=True)
    kept: Counter[str] = Counter()
    for term in counts:
        if not any(len(o) > len(term) and term in o and counts[o] >= counts[term] for o in longer):
            kept[term] = counts[term]
    return kept


def _straddles(term: str, counts: Counter[str]) -> bool:
    """A term that a one-character shift makes more frequent straddles a word boundary (字经济发)."""
    if len(term) < 3 or not all(is_cjk(ch) for ch in term):
        return False
    head, tail = term[:-1], term[1:]
    return any(
        counts[other] > counts[term]
        for other in counts
        if len(other) == len(term) and other != term and (other.endswith(head) or other.startswith(tail))
    )


def keywords(article: Article, *, corpus_df: CorpusDF | None = None, k: int = 8) -> list[str]:
    """The ``k`` terms that best characterise the article, best first (title terms weigh more).

    Terms must recur (twice in the body, or in the body and the title) so one-off n-grams do not crowd in.
    """
    title = article.headline or article.title
    body = Counter(candidate_terms(article.body))
    in_title = set(candidate_terms(title))
    counts = Counter(
        {t: n + _TITLE_WEIGHT * (t in in_title) for t, n in body.items() if n >= 2 or t in in_title}
    )
    counts = _maximal(counts)
    counts = Counter({t: n for t, n in counts.items() if not _straddles(t, counts)})

    def score(term: str) -> float:
        idf = corpus_df.idf(term) if corpus_df and corpus_df.documents else math.log(1 + len(term))
        return (1 + math.log(counts[term])) * idf

    chosen: list[str] = []
    for term in sorted(counts, key=lambda t: (-score(t), t)):
        if any(fold(term) in fold(c) or fold(c) in fold(term) for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == k:
            break
    return chosen
