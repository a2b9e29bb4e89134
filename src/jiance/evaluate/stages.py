"""Scores of the tag and column stages against labelled data, for ``jiance eval tags|columns``.

Tags: our own hand-labelled samples (evals/tags_samples_gold.json: sample, index into its gold records,
split tune|test, tag ids). Columns: a bulletin already split into columns is its own labelled set, so the
model is scored by leave-one-out over its articles.
"""

from __future__ import annotations

import json
from pathlib import Path

from jiance.errors import GoldError
from jiance.records import Article
from jiance.stages.columns import leave_one_out_accuracy
from jiance.stages.tags import TagScore, load_taxonomy, score_tags, tags_of

__all__ = ["column_loo_accuracy", "score_tag_gold"]


def score_tag_gold(
    gold_path: Path, *, split: str | None = None, taxonomy_path: Path | None = None
) -> TagScore:
    """Micro precision/recall of the taxonomy's tags on the labelled samples (one split, or all)."""
    from jiance.samples.corpus import gold_records, load_sample

    try:
        items = json.loads(gold_path.read_text(encoding="utf-8"))["articles"]
    except (OSError, ValueError, KeyError) as error:
        raise GoldError(f"not a tags gold file: {error}", where=str(gold_path)) from error
    taxonomy = load_taxonomy(taxonomy_path)
    pairs = []
    for item in items:
        if split is not None and item.get("split") != split:
            continue
        record = gold_records(load_sample(item["sample"]))[item["index"]]
        article = Article(
            record["kind"], record["title"], list(record["paragraphs"]), headline=record.get("headline")
        )
        pairs.append(([m.tag for m in tags_of(article, taxonomy)], item["tags"]))
    return score_tags(pairs)


def column_loo_accuracy(bulletin: Path) -> tuple[float, int]:
    """Leave-one-out accuracy of the column model on a bulletin's own articles, and how many there were."""
    from jiance.pipeline import parse_path

    labelled = [(a, a.section) for a in parse_path(bulletin).articles if a.section and a.kind == "article"]
    return leave_one_out_accuracy(labelled), len(labelled)
