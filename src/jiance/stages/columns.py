"""Suggested column (栏目) for an article, learnt from bulletins already imported and editors' decisions.

Every imported bulletin is labelled data for free: its sections are the columns its editors chose. There
are only tens of them per bulletin, so the model leans on features that carry what a column *means*
rather than on vocabulary alone: which kinds of organisation an article names (ministries point to
产业环境, provincial departments and operators to 运营竞争, companies to 企业情报, foreign firms and
governments to 海外借鉴), where it happens (national, a province or city, abroad), what kind of figures it
states (money and market shares are company news) and its topic tags. Character bigrams of the title and
body are added, each group scaled to unit length so a long article does not outvote the rest.

The classifier is an L2-regularised multinomial logistic regression fitted with numpy: with few examples
it generalises better than naive Bayes, its softmax is a usable probability (naive Bayes posteriors are
near 0 or 1 whatever the evidence), and each feature's weight times its value says how much it pushed
towards the suggestion, which gives the readable reason. Editors' decisions are added with
:meth:`ColumnModel.update`, which refits from the current weights (milliseconds at this scale).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from jiance.records import Article
from jiance.stages.entities import AliasIndex, entities_of, load_aliases
from jiance.stages.figures import figures_of
from jiance.stages.tags import Taxonomy, load_taxonomy, tags_of
from jiance.text import fold

__all__ = ["ColumnModel", "ColumnSuggestion", "column_features", "leave_one_out_accuracy"]

Features = dict[str, float]
Matrix = npt.NDArray[np.float64]

TITLE_WEIGHT = 1.0  # length of the title-bigram group
BODY_WEIGHT = 1.0  # length of the body-bigram group
MEANING_WEIGHT = 1.0  # scale of organisation, place, figure and tag features
L2 = 0.01  # regularisation; tuned on the seed and samples, weaker and stronger both did worse
ITERATIONS = 300
MIN_DF = 2  # a bigram seen in one training article only is noise
MAX_FEATURES = 4000  # caps the dense matrix for stores with many imported bulletins

# Places of the entity gazetteer that are abroad; the rest are Chinese regions and cities.
_FOREIGN = """
美国 日本 韩国 德国 法国 英国 印度 俄罗斯 欧洲 亚洲 非洲 东盟 中东 泰国 巴西 乌兹别克斯坦 匈牙利 新加坡
越南 印度尼西亚 马来西亚 澳大利亚 加拿大 墨西哥 北海道 硅谷 瑞士 荷兰 以色列 沙特 阿联酋 意大利 西班牙
欧盟 全球 海外 国外 境外
"""
FOREIGN_PLACES = frozenset(_FOREIGN.split())
NATIONAL_WORDS = ("中国", "我国", "全国", "国内", "国家")
LOCAL_WORDS = ("省", "市", "自治区", "全省", "我省", "全市")
_LATIN_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9 .&-]+$")

READABLE = {
    "org": "机构",
    "title_org": "标题机构",
    "place": "地点",
    "title_place": "标题地点",
    "fig": "数字",
    "tag": "标签",
    "kind": "类型",
}
ORG_KINDS = {
    "government": "政府部门",
    "local_government": "地方政府",
    "company": "企业",
    "foreign": "境外机构",
    "research": "研究机构",
    "university": "高校",
    "association": "协会",
    "media": "媒体",
    "international": "国际组织",
    "other": "其他机构",
}
PLACE_KINDS = {"national": "全国", "local": "省市", "foreign": "境外"}


@dataclass(slots=True)
class ColumnSuggestion:
    """The column the model suggests, its probability and the features that decided it."""

    column: str | None
    confidence: float
    reason: list[str] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        return {"column": self.column, "confidence": round(self.confidence, 3), "reason": list(self.reason)}


@cache
def _default_aliases() -> AliasIndex:
    return load_aliases()


@cache
def _default_taxonomy() -> Taxonomy:
    return load_taxonomy()


def _bigrams(text: str) -> set[str]:
    chars = "".join(ch for ch in fold(text) if ch.isalnum())
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def _unit_group(prefix: str, grams: set[str], length: float) -> Features:
    """Presence features scaled so the group's vector has ``length``, whatever the text's length."""
    if not grams:
        return {}
    value = length / math.sqrt(len(grams))
    return {f"{prefix}:{g}": value for g in grams}


def _org_kind(name: str, org_type: str | None) -> str:
    """The organisation kinds that tell columns apart: a provincial 工信厅 is not a ministry, and a
    company named in Latin script or after a foreign country is foreign news."""
    kind = org_type or "other"
    if _LATIN_NAME.match(name) or any(name.startswith(p) for p in FOREIGN_PLACES):
        return "foreign" if kind in ("company", "other", "government") else kind
    if kind == "government" and not name.startswith(("中国", "国家", "国务院", "中共", "全国", "中央")):
        return "local_government" if any(w in name[:6] for w in LOCAL_WORDS) else kind
    return kind


def _place_kind(name: str) -> str:
    if name in FOREIGN_PLACES:
        return "foreign"
    return "national" if name == "中国" else "local"


def _meaning_features(article: Article, taxonomy: Taxonomy, aliases: AliasIndex) -> Counter[str]:
    """Counts of organisation kinds, place kinds (also in the title), figure kinds and tags."""
    title = article.headline or article.title
    counts: Counter[str] = Counter()
    for entity in entities_of(article, aliases):
        if entity.type == "organization":
            kind = _org_kind(entity.name, entity.org_type)
            counts[f"org:{kind}"] += 1
            if any(form in title for form in [entity.name, *entity.forms]):
                counts[f"title_org:{kind}"] += 1
        elif entity.type == "place":
            kind = _place_kind(entity.name)
            counts[f"place:{kind}"] += entity.mentions
            if entity.name in title:
                counts[f"title_place:{kind}"] += 1
    counts["place:national"] += sum(article.body.count(w) for w in NATIONAL_WORDS[1:])
    for word in FOREIGN_PLACES - {"欧盟", "全球", "海外", "国外", "境外"}:
        if word in title:
            counts["title_place:foreign"] += 1
    for figure in figures_of(article):
        counts[f"fig:{figure.kind}"] += 1
    for match in tags_of(article, taxonomy):
        counts[f"tag:{match.display}"] += 1
    return counts


def column_features(
    article: Article, taxonomy: Taxonomy | None = None, aliases: AliasIndex | None = None
) -> Features:
    """What the model sees: title and body bigrams (each group of unit length), the article kind, and
    log-scaled counts of organisation kinds, place kinds, figure kinds and tags.

    ``taxonomy`` and ``aliases`` default to the shipped ones.
    """
    taxonomy = taxonomy if taxonomy is not None else _default_taxonomy()
    aliases = aliases if aliases is not None else _default_aliases()
    features = _unit_group("t", _bigrams(article.headline or article.title), TITLE_WEIGHT)
    features.update(_unit_group("b", _bigrams(article.body), BODY_WEIGHT))
    features[f"kind:{article.kind}"] = MEANING_WEIGHT
    for name, n in _meaning_features(article, taxonomy, aliases).items():
        if n > 0:
            features[name] = MEANING_WEIGHT * math.log1p(n)
    return features


def readable(feature: str) -> str:
    """An editor-facing label for a feature key: ``标题:政策``, ``机构:政府部门``, ``数字:money``."""
    prefix, _, value = feature.partition(":")
    if prefix == "t":
        return f"标题“{value}”"
    if prefix == "b":
        return f"正文“{value}”"
    if prefix in ("org", "title_org"):
        return f"{READABLE[prefix]}:{ORG_KINDS.get(value, value)}"
    if prefix in ("place", "title_place"):
        return f"{READABLE[prefix]}:{PLACE_KINDS.get(value, value)}"
    return f"{READABLE.get(prefix, prefix)}:{value}"


@dataclass(slots=True)
class _Example:
    features: Features
    column: str
    weight: float


def _vocabulary(examples: list[_Example]) -> list[str]:
    """Features kept for fitting: meaning features always, bigrams seen in ``MIN_DF`` articles, capped."""
    df: Counter[str] = Counter()
    for example in examples:
        df.update(example.features.keys())  # a count of articles, not a sum of values
    meaning = sorted(f for f in df if not f.startswith(("t:", "b:")))
    grams = sorted(
        (f for f, n in df.items() if f.startswith(("t:", "b:")) and n >= MIN_DF), key=lambda f: (-df[f], f)
    )
    return meaning + sorted(grams[: max(MAX_FEATURES - len(meaning), 0)])


def _softmax(scores: Matrix) -> Matrix:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: Matrix = exp / exp.sum(axis=1, keepdims=True)
    return result


def _fit_weights(x: Matrix, y: Matrix, w: Matrix, start: Matrix) -> Matrix:
    """Minimise the weighted cross-entropy plus ``L2`` on the feature weights (not the bias column, the
    last one) by Nesterov-accelerated gradient descent; the step comes from the loss's curvature bound."""
    sample = w / w.sum()
    penalty = np.full(x.shape[1], L2)
    penalty[-1] = 0.0
    step = 1.0 / (0.5 * float((x * x).sum(axis=1).max()) + L2)
    weights, previous = start.copy(), start.copy()
    for i in range(ITERATIONS):
        ahead = weights + (i / (i + 3)) * (weights - previous)
        error = (_softmax(x @ ahead.T) - y) * sample[:, None]
        gradient = error.T @ x + ahead * penalty
        previous, weights = weights, ahead - step * gradient
    return weights


@dataclass(slots=True)
class ColumnModel:
    """Logistic regression over :func:`column_features`; the examples are kept so decisions can be added."""

    taxonomy: Taxonomy | None = None
    aliases: AliasIndex | None = None
    examples: list[_Example] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    vocabulary: dict[str, int] = field(default_factory=dict)
    weights: Matrix = field(default_factory=lambda: np.zeros((0, 1)))

    @classmethod
    def fit(
        cls,
        labelled: Iterable[tuple[Article, str]],
        *,
        taxonomy: Taxonomy | None = None,
        aliases: AliasIndex | None = None,
    ) -> ColumnModel:
        """A model trained on ``(article, column)`` pairs, e.g. the sections of imported bulletins."""
        model = cls(taxonomy=taxonomy, aliases=aliases)
        for article, column in labelled:
            model.examples.append(_Example(model.features(article), column, 1.0))
        model.refit()
        return model

    @classmethod
    def fit_features(cls, labelled: Iterable[tuple[Features, str]]) -> ColumnModel:
        """A model trained on precomputed :func:`column_features` (leave-one-out reuses them)."""
        model = cls()
        model.examples = [_Example(features, column, 1.0) for features, column in labelled]
        model.refit()
        return model

    def features(self, article: Article) -> Features:
        return column_features(article, self.taxonomy, self.aliases)

    def update(self, article: Article, column: str, *, weight: float = 1.0) -> None:
        """Learn one decision; an editor's correction can weigh more than an imported section label."""
        self.examples.append(_Example(self.features(article), column, weight))
        self.refit()

    def refit(self) -> None:
        """Fit the weights on all examples, starting from the current ones where columns and features
        are unchanged, so an editor's decision costs a few milliseconds."""
        if not self.examples:
            return
        columns = sorted({e.column for e in self.examples})
        vocabulary = {f: i for i, f in enumerate(_vocabulary(self.examples))}
        x = np.stack([self._row(e.features, vocabulary) for e in self.examples])
        y = np.zeros((len(self.examples), len(columns)))
        for i, example in enumerate(self.examples):
            y[i, columns.index(example.column)] = 1.0
        start = self._carried_weights(columns, vocabulary)
        w = np.array([e.weight for e in self.examples])
        self.weights = _fit_weights(x, y, w, start)
        self.columns, self.vocabulary = columns, vocabulary

    def _carried_weights(self, columns: list[str], vocabulary: dict[str, int]) -> Matrix:
        start = np.zeros((len(columns), len(vocabulary) + 1))
        for c, column in enumerate(columns):
            if column not in self.columns:
                continue
            old = self.weights[self.columns.index(column)]
            for feature, j in vocabulary.items():
                if feature in self.vocabulary:
                    start[c, j] = old[self.vocabulary[feature]]
            start[c, -1] = old[-1]
        return start

    @staticmethod
    def _row(features: Features, vocabulary: dict[str, int]) -> Matrix:
        row = np.zeros(len(vocabulary) + 1)
        for feature, value in features.items():
            j = vocabulary.get(feature)
            if j is not None:
                row[j] = value
        row[-1] = 1.0  # bias: the column's prior
        return row

    def suggest(self, article: Article, *, top: int = 5) -> ColumnSuggestion:
        """The most probable column, its softmax probability and the features that decided it."""
        return self.suggest_features(self.features(article), top=top)

    def suggest_features(self, features: Features, *, top: int = 5) -> ColumnSuggestion:
        if not self.columns:
            return ColumnSuggestion(None, 0.0, ["no labelled articles yet"])
        row = self._row(features, self.vocabulary)
        probabilities = _softmax((self.weights @ row)[None, :])[0]
        ranked = np.argsort(-probabilities)
        best = int(ranked[0])
        return ColumnSuggestion(
            self.columns[best], float(probabilities[best]), self._reason(row, best, probabilities, top)
        )

    def _reason(self, row: Matrix, best: int, probabilities: Matrix, top: int) -> list[str]:
        """Features that pushed most towards ``best`` against the other columns, weighted by probability:
        weight difference times the article's value, so only what the article has can be a reason."""
        others = probabilities.copy()
        others[best] = 0.0
        if others.sum() > 0:
            others = others / others.sum()
        rival = others @ self.weights
        push = (self.weights[best] - rival)[:-1] * row[:-1]
        names = list(self.vocabulary)
        order = [int(j) for j in np.argsort(-push)[:top] if push[j] > 0]
        return [readable(names[j]) for j in order]


def leave_one_out_accuracy(
    labelled: list[tuple[Article, str]],
    *,
    taxonomy: Taxonomy | None = None,
    aliases: AliasIndex | None = None,
) -> float:
    """Share of articles whose column is predicted by a model trained on all the others."""
    if not labelled:
        return 0.0
    rows = [(column_features(a, taxonomy, aliases), column) for a, column in labelled]
    hits = 0
    for i, (features, column) in enumerate(rows):
        model = ColumnModel.fit_features(rows[:i] + rows[i + 1 :])
        hits += model.suggest_features(features).column == column
    return hits / len(rows)
