"""Corpus-wide statistics the per-article stages need, as distributed reductions over partitions.

In process, ``analyze_articles`` computes three things over the whole batch before any article:
keyword document frequencies (:class:`~jiance.stages.keywords.CorpusDF`), the taxonomy's learnt
statistical profiles (:func:`~jiance.stages.tags.learn_profiles`) and the column model fitted on the
labelled articles. Here each partition yields mergeable partial counts on a worker, the partials are
merged pairwise on the workers (a tree, left to right so every insertion order matches a sequential
pass), and the final values stay on the cluster as futures that the per-article tasks take as input.
The event stage's batch-wide person names are gathered in the same pass.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from jiance.records import Article
from jiance.stages.keywords import CorpusDF

__all__ = ["CorpusPart", "ProfileCounts", "corpus_part", "finish_profiles", "merge_parts"]


@dataclass(slots=True)
class ProfileCounts:
    """The counts :func:`jiance.stages.tags.learn_profiles` makes in its one pass, mergeable."""

    background: Counter[str] = field(default_factory=Counter)
    inside: dict[str, Counter[str]] = field(default_factory=dict)
    members: Counter[str] = field(default_factory=Counter)
    total: int = 0

    def add(self, article: Article, taxonomy: Any) -> None:
        from jiance.stages.tags import _bigrams, _rule_tags, _texts

        terms = set(_bigrams(" ".join(_texts(article))))
        self.background.update(terms)
        self.total += 1
        for tag_id in {m.tag for m in _rule_tags(article, taxonomy)}:
            self.inside.setdefault(tag_id, Counter()).update(terms)
            self.members[tag_id] += 1

    def merge(self, other: ProfileCounts) -> None:
        self.background.update(other.background)
        for tag_id, counts in other.inside.items():
            self.inside.setdefault(tag_id, Counter()).update(counts)
        self.members.update(other.members)
        self.total += other.total


def finish_profiles(taxonomy: Any, counts: ProfileCounts, *, top: int = 60) -> Any:
    """The taxonomy with learnt profiles, as ``learn_profiles(taxonomy, all articles)`` returns it."""
    from jiance.stages.tags import Taxonomy

    tags = []
    for tag in taxonomy.tags:
        inside = counts.inside.get(tag.id, Counter())
        members = counts.members[tag.id]
        weights = {
            t: math.log((n + 0.5) / (members + 1) / ((counts.background[t] + 0.5) / (counts.total + 1)))
            for t, n in inside.items()
            if n >= 2
        }
        best = sorted((t for t in weights if weights[t] > 0), key=lambda t: -weights[t])[:top]
        tags.append(replace(tag, profile={t: weights[t] for t in best}))
    return Taxonomy(tags, source=taxonomy.source)


@dataclass(slots=True)
class CorpusPart:
    """One partition's (or a merge of several) share of every corpus-wide statistic."""

    corpus: CorpusDF
    profiles: ProfileCounts
    column_examples: list[tuple[Any, str]]  # (column_features, section) of labelled articles, in order
    names: set[str]  # people the event stage's pattern found


def corpus_part(articles: list[Article], taxonomy: Any) -> CorpusPart:
    """A worker's pass over one partition: every count the per-article stages need from the corpus."""
    from jiance.stages.columns import column_features
    from jiance.stages.events import person_names

    profiles = ProfileCounts()
    examples: list[tuple[Any, str]] = []
    names: set[str] = set()
    for article in articles:
        profiles.add(article, taxonomy)
        if article.section and article.kind == "article":
            examples.append((column_features(article), article.section))
        names |= person_names(article)
    return CorpusPart(CorpusDF.of(articles), profiles, examples, names)


def merge_parts(left: CorpusPart, right: CorpusPart) -> CorpusPart:
    """``left`` then ``right``: counts added, examples concatenated in store order, names united."""
    left.corpus.documents += right.corpus.documents
    left.corpus.df.update(right.corpus.df)
    left.profiles.merge(right.profiles)
    left.column_examples.extend(right.column_examples)
    left.names |= right.names
    return left
