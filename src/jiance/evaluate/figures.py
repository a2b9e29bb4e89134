"""Scoring the figures stage against hand-checked gold, and the floors it must keep.

Gold files (``shared/eval/seed_figures_gold.json`` for the seed, ``evals/figures_samples_gold.json`` for
our own samples) list figures as dicts with ``article`` (its title) and ``raw`` plus the normalised fields.
A prediction matches a gold figure when both name the same article and the same raw text (whitespace
removed); repeated raws pair up in reading order. Detection is scored by precision/recall/F1 over those
pairs; every other field is an accuracy over the matched pairs, so a wrong unit never hides behind recall.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jiance.errors import GoldError
from jiance.records import Article
from jiance.stages.figures import figures_of

__all__ = [
    "FIELDS",
    "FigureScore",
    "check_figure_floors",
    "load_figure_floors",
    "load_figures_gold",
    "predict_figures",
    "sample_articles",
    "score_figures",
    "score_sample_gold",
    "score_seed",
    "seed_articles",
]

FIELDS = ("value", "unit", "kind", "subject", "entity", "period", "change")
"""Fields compared on matched pairs; value covers value, value_min and value_max together."""


@dataclass(slots=True)
class FigureScore:
    """Detection and field accuracy of one run; ``missed``/``spurious`` name the raws for debugging."""

    gold: int
    predicted: int
    matched: int
    correct: dict[str, int] = field(default_factory=dict)
    missed: list[tuple[str, str]] = field(default_factory=list)
    spurious: list[tuple[str, str]] = field(default_factory=list)
    wrong: list[tuple[str, str, str]] = field(default_factory=list)  # (article, raw, field)

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def accuracy(self, name: str) -> float:
        """Share of matched pairs whose ``name`` field agrees (1.0 when nothing matched)."""
        return self.correct.get(name, 0) / self.matched if self.matched else 1.0

    def metrics(self) -> dict[str, float]:
        """Flat metric table, the keys floors refer to (precision, recall, f1, value_exact, unit_exact …)."""
        table = {"precision": self.precision, "recall": self.recall, "f1": self.f1}
        table["value_exact"] = self.accuracy("value")
        table["unit_exact"] = self.accuracy("unit")
        for name in ("kind", "subject", "entity", "period", "change"):
            table[f"{name}_accuracy"] = self.accuracy(name)
        return table


def _raw_key(raw: str) -> str:
    return re.sub(r"\s+", "", raw)


def _same(name: str, predicted: Mapping[str, Any], gold: Mapping[str, Any]) -> bool:
    if name == "value":
        return all(_same_number(predicted.get(k), gold.get(k)) for k in ("value", "value_min", "value_max"))
    if name == "subject":
        return _raw_key(str(predicted.get(name) or "")) == _raw_key(str(gold.get(name) or ""))
    return bool(predicted.get(name) == gold.get(name))


def _same_number(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))


def _by_key(items: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], list[Mapping[str, Any]]]:
    grouped: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for item in items:
        grouped[(str(item["article"]), _raw_key(str(item["raw"])))].append(item)
    return grouped


def score_figures(predicted: Iterable[Mapping[str, Any]], gold: Iterable[Mapping[str, Any]]) -> FigureScore:
    """Compare predicted figure dicts with gold ones; both carry ``article`` (title) and ``raw``."""
    pred_groups, gold_groups = _by_key(predicted), _by_key(gold)
    score = FigureScore(
        gold=sum(map(len, gold_groups.values())),
        predicted=sum(map(len, pred_groups.values())),
        matched=0,
        correct=dict.fromkeys(FIELDS, 0),
    )
    for key in sorted(set(pred_groups) | set(gold_groups)):
        preds, golds = pred_groups.get(key, []), gold_groups.get(key, [])
        for p, g in zip(preds, golds, strict=False):
            score.matched += 1
            for name in FIELDS:
                if _same(name, p, g):
                    score.correct[name] += 1
                else:
                    score.wrong.append((key[0], key[1], name))
        score.missed.extend([key] * max(0, len(golds) - len(preds)))
        score.spurious.extend([key] * max(0, len(preds) - len(golds)))
    return score


def predict_figures(articles: Iterable[Article]) -> list[dict[str, Any]]:
    """Run the stage over articles and tag each figure record with its article's title, as gold does."""
    return [{"article": a.title, **f.to_record()} for a in articles for f in figures_of(a)]


def load_figures_gold(path: Path) -> dict[str, Any]:
    """Read a figures gold file; a missing or malformed one is a :class:`GoldError` naming the path."""
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GoldError(f"cannot read figures gold: {exc}", where=str(path)) from exc
    if not isinstance(data.get("figures"), list) or not isinstance(data.get("articles"), list):
        raise GoldError("figures gold needs 'articles' and 'figures' lists", where=str(path))
    return data


def seed_articles(seed: Path, titles: Iterable[str]) -> list[Article]:
    """The parsed seed articles with these titles (the pipeline's parse, as production sees it)."""
    from jiance.pipeline import parse_path

    wanted = set(titles)
    return [a for a in parse_path(seed).articles if a.title in wanted]


def sample_articles(titles: Iterable[str]) -> list[Article]:
    """Articles of the bundled samples with these titles, built from the samples' own gold records."""
    from jiance.samples.corpus import gold_records, load_sample, sample_names

    wanted = set(titles)
    found: list[Article] = []
    for name in sample_names():
        for record in gold_records(load_sample(name)):
            if record["title"] in wanted:
                found.append(
                    Article(
                        kind=record["kind"],
                        title=record["title"],
                        paragraphs=list(record["paragraphs"]),
                        section=record["section"],
                        subheadings=list(record["subheadings"]),
                    )
                )
    return found


def _restrict(gold: dict[str, Any], titles: Iterable[str] | None) -> tuple[list[str], list[dict[str, Any]]]:
    chosen = [a["title"] for a in gold["articles"]]
    if titles is not None:
        keep = set(titles)
        chosen = [t for t in chosen if t in keep]
    return chosen, [f for f in gold["figures"] if f["article"] in chosen]


def score_seed(seed: Path, gold_path: Path, titles: Iterable[str] | None = None) -> FigureScore:
    """Score the stage on the seed's gold articles (all three, or only ``titles``)."""
    chosen, figures = _restrict(load_figures_gold(gold_path), titles)
    return score_figures(predict_figures(seed_articles(seed, chosen)), figures)


def score_sample_gold(gold_path: Path) -> FigureScore:
    """Score the stage on our own labelled sample articles (the held-out set)."""
    chosen, figures = _restrict(load_figures_gold(gold_path), None)
    return score_figures(predict_figures(sample_articles(chosen)), figures)


def load_figure_floors(path: Path) -> dict[str, dict[str, float]]:
    """``{corpus: {metric: floor}}`` from ``evals/figures_floors.toml`` (each table's ``min``)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise GoldError(f"cannot read figure floors: {exc}", where=str(path)) from exc
    return {name: dict(table.get("min", {})) for name, table in data.items() if isinstance(table, dict)}


def check_figure_floors(score: FigureScore, floors: Mapping[str, float]) -> list[str]:
    """Messages for every metric below its floor (empty when the score passes)."""
    metrics = score.metrics()
    problems = []
    for name, floor in floors.items():
        if name not in metrics:
            problems.append(f"unknown metric {name!r}")
        elif metrics[name] + 1e-12 < floor:
            problems.append(f"{name} {metrics[name]:.3f} < floor {floor:.3f}")
    return problems
