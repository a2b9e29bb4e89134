"""Suggested column (栏目) for an article, learnt from bulletins already imported and editors' decisions.

Every imported bulletin is labelled data for free: its sections are the columns its editors chose. A
multinomial naive Bayes over character bigrams (title counted more), the article kind and its topic tags
is small, pure Python, trains in milliseconds, can be updated one decision at a time, and its per-feature
log-likelihood ratios give a readable reason for each suggestion.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from jiance.records import Article
from jiance.stages.tags import Taxonomy, tags_of
from jiance.text import fold

__all__ = ["ColumnModel", "ColumnSuggestion", "column_features", "leave_one_out_accuracy"]

TITLE_REPEAT = 3  # title bigrams count this many times: a title names the topic more than a paragraph
TAG_WEIGHT = 3
ALPHA = 0.5  # additive smoothing


@dataclass(slots=True)
class ColumnSuggestion:
    """The column the model suggests, its posterior probability and the features that decided it."""

    column: str | None
    confidence: float
    reason: list[str] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        return {"column": self.column, "confidence": round(self.confidence, 3), "reason": list(self.reason)}


def _bigrams(text: str) -> list[str]:
    chars = "".join(ch for ch in fold(text) if ch.isalnum())
    return [chars[i : i + 2] for i in range(len(chars) - 1)]


def column_features(article: Article, taxonomy: Taxonomy | None = None) -> Counter[str]:
    """The bag of features the model sees: title and body bigrams, ``kind:`` and optional ``tag:`` features."""
    title = article.headline or article.title
    features: Counter[str] = Counter()
    for gram in set(_bigrams(title)):
        features[gram] += TITLE_REPEAT
    # presence, not counts: a long article must not outvote the column prior by sheer length
    features.update(set(_bigrams(article.body)))
    features[f"kind:{article.kind}"] += TAG_WEIGHT
    if taxonomy is not None:
        for match in tags_of(article, taxonomy):
            features[f"tag:{match.display}"] += TAG_WEIGHT
    return features


@dataclass(slots=True)
class ColumnModel:
    """Multinomial naive Bayes over :func:`column_features`; counts are kept so decisions can be added."""

    taxonomy: Taxonomy | None = None
    docs: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))  # weighted articles
    counts: defaultdict[str, defaultdict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float))
    )
    totals: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    vocabulary: set[str] = field(default_factory=set)

    @classmethod
    def fit(cls, labelled: Iterable[tuple[Article, str]], *, taxonomy: Taxonomy | None = None) -> ColumnModel:
        """A model trained on ``(article, column)`` pairs, e.g. the sections of imported bulletins."""
        model = cls(taxonomy=taxonomy)
        for article, column in labelled:
            model.update(article, column)
        return model

    def update(self, article: Article, column: str, *, weight: float = 1.0) -> None:
        """Learn one decision; an editor's correction can weigh more than an imported section label."""
        features = column_features(article, self.taxonomy)
        self.docs[column] += weight
        for feature, n in features.items():
            self.counts[column][feature] += n * weight
            self.totals[column] += n * weight
        self.vocabulary.update(features)

    def _log_likelihood(self, column: str, feature: str) -> float:
        size = len(self.vocabulary) + 1
        return math.log(
            (self.counts[column].get(feature, 0.0) + ALPHA) / (self.totals[column] + ALPHA * size)
        )

    def _scores(self, features: Counter[str]) -> dict[str, float]:
        total_docs = sum(self.docs.values())
        known = {f: n for f, n in features.items() if f in self.vocabulary}
        return {
            column: math.log(self.docs[column] / total_docs)
            + sum(n * self._log_likelihood(column, f) for f, n in known.items())
            for column in self.docs
        }

    def _reason(self, features: Counter[str], best: str, runner_up: str | None, top: int) -> list[str]:
        """Features that pushed most towards ``best`` against the runner-up (or the average column)."""
        others = [runner_up] if runner_up else [c for c in self.docs if c != best]
        push = {}
        for feature, n in features.items():
            if feature not in self.vocabulary:
                continue
            other = sum(self._log_likelihood(c, feature) for c in others) / max(len(others), 1)
            push[feature] = n * (self._log_likelihood(best, feature) - other)
        return [f for f in sorted(push, key=lambda f: -push[f])[:top] if push[f] > 0]

    def suggest(self, article: Article, *, top: int = 5) -> ColumnSuggestion:
        """The most probable column with its posterior and the top deciding features (empty model: None)."""
        if not self.docs:
            return ColumnSuggestion(None, 0.0, ["no labelled articles yet"])
        features = column_features(article, self.taxonomy)
        scores = self._scores(features)
        ranked = sorted(scores, key=lambda c: -scores[c])
        peak = scores[ranked[0]]
        norm = sum(math.exp(s - peak) for s in scores.values())
        runner_up = ranked[1] if len(ranked) > 1 else None
        return ColumnSuggestion(ranked[0], 1.0 / norm, self._reason(features, ranked[0], runner_up, top))


def leave_one_out_accuracy(labelled: list[tuple[Article, str]], *, taxonomy: Taxonomy | None = None) -> float:
    """Share of articles whose column is predicted by a model trained on all the others."""
    if not labelled:
        return 0.0
    hits = 0
    for i, (article, column) in enumerate(labelled):
        model = ColumnModel.fit(labelled[:i] + labelled[i + 1 :], taxonomy=taxonomy)
        hits += model.suggest(article).column == column
    return hits / len(labelled)
