"""Extractive summaries (default) and an optional LLM backend whose citations are checked.

A bulletin editor wants two or three of the article's own sentences: the lead (news puts the point
first), the sentences most central to the article, and the one carrying the key figure. Taking sentences
verbatim means a summary can never state what the article does not. The LLM backend writes abstractive
text but must cite source sentence numbers, and citations that point nowhere are reported, so an
abstractive summary stays checkable against the article.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from jiance.errors import JianceError
from jiance.records import Article, Figure
from jiance.text import fold

__all__ = ["LLMSummarizer", "Summary", "SummaryError", "article_sentences", "summarize"]

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])(?![”’」』）)])|(?<=[。！？!?][”’」』）)])")
_FIGURE = re.compile(
    r"\d[\d.,，]*\s*(%|％|亿|万|千|百|个|台|辆|户|元|美元|家|倍|次|年|月|座|块|人|公里|GHz|MHz|Gbps|EFLOPS|nm|纳米|W|kW|Wh|百分点)"
)
_CITATION = re.compile(r"\[(\d+)\]")


class SummaryError(JianceError):
    """The LLM backend failed or answered something unusable; ``where`` is the endpoint URL."""


@dataclass(slots=True)
class Summary:
    """Summary text and the indices (into :func:`article_sentences`) of the sentences it rests on."""

    text: str
    sentences: list[int]
    via: str = "extractive"
    invalid_citations: list[int] = field(default_factory=list)  # LLM citations that point nowhere

    def to_record(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "sentences": list(self.sentences),
            "via": self.via,
            "invalid_citations": list(self.invalid_citations),
        }


def article_sentences(article: Article) -> list[str]:
    """The article's body sentences in order, sub-headings left out (a heading is not a statement)."""
    headings = {fold(h) for h in article.subheadings}
    result: list[str] = []
    for paragraph in article.paragraphs:
        if fold(paragraph) in headings:
            continue
        result.extend(s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip())
    return result


def _bigrams(text: str) -> Counter[str]:
    chars = "".join(ch for ch in fold(text) if ch.isalnum())
    return Counter(chars[i : i + 2] for i in range(len(chars) - 1))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(n * b[t] for t, n in a.items() if t in b)
    norm = math.sqrt(sum(n * n for n in a.values())) * math.sqrt(sum(n * n for n in b.values()))
    return dot / norm if norm else 0.0


def _sentence_scores(sentences: list[str], title: str, figure_sentences: set[str]) -> list[float]:
    """Lead bias + centrality (similarity to the whole article and its title) + a key-figure bonus."""
    whole = _bigrams(" ".join(sentences))
    head = _bigrams(title)
    scores = []
    for i, sentence in enumerate(sentences):
        grams = _bigrams(sentence)
        score = 1.0 / (1 + i) + _cosine(grams, whole) + 0.5 * _cosine(grams, head)
        if sentence in figure_sentences or _FIGURE.search(sentence):
            score += 0.3
        if len(sentence) < 12:  # fragments and captions say little on their own
            score -= 1.0
        scores.append(score)
    return scores


def summarize(
    article: Article, *, figures: Sequence[Figure] | None = None, max_sentences: int = 3
) -> Summary:
    """Two or three of the article's own sentences, in article order: lead, most central, key figure.

    The first sentence is always kept (news leads with its point); the rest are the best scored, with at
    most one extra slot spent on a figure sentence when none is chosen yet.
    """
    sentences = article_sentences(article)
    if not sentences:
        return Summary("", [])
    figure_sentences = {f.sentence.strip() for f in figures or []}
    scores = _sentence_scores(sentences, article.headline or article.title, figure_sentences)
    chosen = [0]
    for i in sorted(range(1, len(sentences)), key=lambda i: -scores[i]):
        if len(chosen) >= max_sentences:
            break
        chosen.append(i)
    chosen.sort()
    return Summary("".join(sentences[i] for i in chosen), chosen)


@dataclass(slots=True)
class LLMSummarizer:
    """Abstractive summaries from any OpenAI-compatible ``/v1/chat/completions`` endpoint.

    The prompt numbers the article's sentences and asks for citations like ``[1][3]``; the answer's
    citations are checked against the article so a summary that cites nothing real is visible as such.
    """

    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 60.0

    def _endpoint(self) -> str:
        base = self.base_url.rstrip("/")
        return base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")

    def _prompt(self, article: Article, sentences: list[str], max_sentences: int) -> list[dict[str, str]]:
        numbered = "\n".join(f"[{i + 1}] {s}" for i, s in enumerate(sentences))
        system = (
            f"你是信息产业监测的编辑。用不超过{max_sentences}句中文概括文章，只写文章中有的事实，"
            "每句后用方括号注明所依据的原文句子编号，如[1][3]。"
        )
        return [
            {"role": "system", "content": system},
            {"role": "user", "content": f"标题：{article.title}\n\n{numbered}"},
        ]

    def _post(self, messages: list[dict[str, str]]) -> str:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        url = self._endpoint()
        try:
            response = httpx.post(
                url,
                json={"model": self.model, "messages": messages, "temperature": 0},
                headers=headers,
                timeout=self.timeout,
            )
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            raise SummaryError(f"LLM summary failed: {exc}", where=url) from exc
        if not isinstance(content, str) or not content.strip():
            raise SummaryError("LLM answered with no text", where=url)
        return content.strip()

    def summarize(self, article: Article, *, max_sentences: int = 3) -> Summary:
        """Ask the model, then keep valid citations as ``sentences`` and list the invalid ones."""
        sentences = article_sentences(article)
        text = self._post(self._prompt(article, sentences, max_sentences))
        cited = [int(n) for n in _CITATION.findall(text)]
        valid = sorted({n - 1 for n in cited if 1 <= n <= len(sentences)})
        invalid = sorted({n for n in cited if not 1 <= n <= len(sentences)})
        return Summary(text, valid, via=f"llm:{self.model}", invalid_citations=invalid)
