"""The analysis stages in the one order they run, over a batch of articles.

Per article: key figures, entities, topic tags, a suggested column, an extractive summary and keywords.
Over the batch: near-duplicate groups (MinHash + LSH) and same-event clusters. Every stage is a plain function in :mod:`jiance.stages`; this module only orders
them and shapes the JSONL record of ``jiance analyze``. Results are saved per article and stage in the
store's ``analysis`` table, tagged with :data:`ANALYSIS_VERSION` so that a change of stage re-runs them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jiance.records import Article
from jiance.settings import Settings
from jiance.store.base import Store

__all__ = [
    "ANALYSIS_VERSION",
    "AnalysisContext",
    "AnalyzedArticle",
    "StoreAnalysisReport",
    "analyze_article",
    "analyze_articles",
    "analyze_store",
    "column_model",
    "default_context",
    "save_results",
    "stored_records",
]

ANALYSIS_VERSION = "1"


@dataclass(slots=True)
class AnalysisContext:
    """What the stages need besides the articles: alias dictionary, taxonomy, a fitted column model."""

    aliases: Any
    taxonomy: Any
    column_model: Any
    summarizer: Any = None  # an LLMSummarizer when the workspace configures one; else extractive only


@dataclass(slots=True)
class AnalyzedArticle:
    """An article and everything the stages found in it."""

    article: Article
    figures: list[Any] = field(default_factory=list)
    entities: list[Any] = field(default_factory=list)
    tags: list[Any] = field(default_factory=list)
    column: Any = None
    summary: Any = None
    keywords: list[str] = field(default_factory=list)
    duplicate_group: str | None = None
    event: Any = None

    def results(self) -> dict[str, Any]:
        """The stage results as plain JSON values, by stage name (what the store saves)."""
        return {
            "figures": [_plain(f) for f in self.figures],
            "entities": [_plain(e) for e in self.entities],
            "tags": [_plain(t) for t in self.tags],
            "column": _plain(self.column),
            "summary": _plain(self.summary),
            "keywords": list(self.keywords),
            "duplicate_group": self.duplicate_group,
            "event": _plain(self.event),
        }

    def to_record(self) -> dict[str, Any]:
        """``jiance analyze --format jsonl``: the article's record plus every stage's result."""
        record = self.article.to_record(with_id=True)
        record.update(self.results())
        return record


def _plain(value: Any) -> Any:
    """A stage result as JSON: its ``to_record()`` when it has one, else the value itself."""
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    to_record = getattr(value, "to_record", None)
    if callable(to_record):
        return to_record()
    raise TypeError(f"stage result {type(value).__name__} has no to_record()")


def _labelled_samples() -> list[tuple[Article, str]]:
    """The project's own sample bulletins, with their columns: the column model's default training set."""
    from jiance.samples.corpus import gold_records, load_sample, sample_names

    labelled = []
    for name in sample_names():
        for record in gold_records(load_sample(name)):
            if record["kind"] == "article" and record.get("section"):
                article = Article(
                    "article", record["title"], list(record["paragraphs"]), section=record["section"]
                )
                labelled.append((article, record["section"]))
    return labelled


def default_context(
    *,
    labelled: Iterable[tuple[Article, str]] | None = None,
    aliases_path: Path | None = None,
    taxonomy_path: Path | None = None,
    settings: Settings | None = None,
) -> AnalysisContext:
    """Aliases and taxonomy (shipped, plus the workspace's own files), and a column model fitted on
    ``labelled`` articles (a store's imported bulletins) or else on the project's samples."""
    from jiance.stages.columns import ColumnModel
    from jiance.stages.entities import load_aliases
    from jiance.stages.tags import load_taxonomy

    examples = list(labelled) if labelled is not None else []
    if len({column for _, column in examples}) < 2:
        examples = _labelled_samples()
    model = ColumnModel.fit(examples)
    return AnalysisContext(
        aliases=load_aliases(aliases_path),
        taxonomy=load_taxonomy(taxonomy_path),
        column_model=model,
        summarizer=_summarizer(settings),
    )


def column_model(features: Sequence[tuple[Any, str]]) -> Any:
    """The column model :func:`default_context` fits, from precomputed ``(column_features, column)`` of the
    labelled articles (a distributed run computes them on workers); the samples when under two columns."""
    from jiance.stages.columns import ColumnModel

    if len({column for _, column in features}) < 2:
        return ColumnModel.fit(_labelled_samples())
    return ColumnModel.fit_features(features)


def _summarizer(settings: Settings | None) -> Any:
    """The configured LLM summariser (``llm_base_url`` and ``llm_model``), or None: never required."""
    if settings is None or not settings.llm_base_url or not settings.llm_model:
        return None
    from jiance.stages.summary import LLMSummarizer

    key = os.environ.get(settings.llm_api_key_env) if settings.llm_api_key_env else None
    return LLMSummarizer(settings.llm_base_url, settings.llm_model, api_key=key)


def _summary(article: Article, figures: list[Any], context: AnalysisContext) -> Any:
    """The LLM's summary when one is configured and cites only real sentences, else the extractive one."""
    from jiance.stages.summary import SummaryError, summarize

    extractive = summarize(article, figures=figures)
    if context.summarizer is None:
        return extractive
    try:
        written = context.summarizer.summarize(article)
    except SummaryError:
        return extractive  # the endpoint failed: the article still gets its extractive summary
    return extractive if getattr(written, "invalid_citations", None) else written


def analyze_article(
    article: Article, context: AnalysisContext, taxonomy: Any, corpus: Any
) -> AnalyzedArticle:
    """The per-article stages of one article, given the batch's learnt ``taxonomy`` and ``corpus`` df.

    A pure function of its inputs, so a distributed run can call it on workers, partition by partition.
    """
    from jiance.stages.entities import entities_of
    from jiance.stages.figures import figures_of
    from jiance.stages.keywords import keywords
    from jiance.stages.tags import tags_of

    figures = figures_of(article)
    return AnalyzedArticle(
        article,
        figures=figures,
        entities=entities_of(article, context.aliases),
        tags=tags_of(article, taxonomy),
        column=context.column_model.suggest(article),
        summary=_summary(article, [f.to_figure() for f in figures], context),
        keywords=keywords(article, corpus_df=corpus),
    )


def analyze_articles(
    articles: Sequence[Article], context: AnalysisContext, *, only: set[str] | None = None
) -> list[AnalyzedArticle]:
    """Run every stage over ``articles`` (one batch: duplicates and events are found across it).

    ``only`` limits the per-article stages to those ids (the store's new articles); the batch stages
    always see every article, so a new reprint joins the group of an old original.
    """
    from jiance.stages.dedup import duplicate_groups
    from jiance.stages.events import events
    from jiance.stages.keywords import CorpusDF
    from jiance.stages.tags import learn_profiles

    corpus = CorpusDF.of(articles)
    taxonomy = learn_profiles(context.taxonomy, articles)  # the statistical fallback, from this batch
    out: list[AnalyzedArticle] = []
    for article in articles:
        if only is not None and article.id not in only:
            out.append(AnalyzedArticle(article))
            continue
        out.append(analyze_article(article, context, taxonomy, corpus))
    groups = duplicate_groups(articles)
    # The event stage's own evidence (names, meetings, figures, dates, rare terms) was tuned alone; fed
    # the entity stage's organisations it chains topical neighbours (华为, 5nm) into one event.
    found = events(articles)
    for analyzed in out:
        analyzed.duplicate_group = groups.get(analyzed.article.id)
        analyzed.event = found.get(analyzed.article.id)
    return out


@dataclass(slots=True)
class StoreAnalysisReport:
    """What ``jiance analyze`` (no path) did: articles analysed now, and those already current."""

    analysed: int
    current: int
    groups_updated: int


def analyze_store(
    store: Store,
    *,
    aliases_path: Path | None = None,
    taxonomy_path: Path | None = None,
    settings: Settings | None = None,
) -> StoreAnalysisReport:
    """Analyse the stored articles that have no current results and save them; the batch stages
    (duplicates, events) run over every stored article, so a new reprint joins its group."""
    stored = store.articles()
    labelled = [
        (s.article, s.article.section) for s in stored if s.article.section and s.article.kind == "article"
    ]
    context = default_context(
        labelled=labelled, aliases_path=aliases_path, taxonomy_path=taxonomy_path, settings=settings
    )
    fresh = [s for s in stored if store.analysis(s.id).get("figures", {}).get("version") != ANALYSIS_VERSION]
    fresh_ids = {s.id for s in fresh}
    analysed = analyze_articles([s.article for s in stored], context, only=fresh_ids) if fresh else []
    updated = 0
    for result in analysed:
        updated += save_results(store, result, fresh=result.article.id in fresh_ids)
    return StoreAnalysisReport(len(fresh), len(stored) - len(fresh), updated)


def save_results(store: Store, result: AnalyzedArticle, *, fresh: bool) -> int:
    """Save one article's results the way ``jiance analyze`` does; return how many of an old article's
    duplicate group or event changed (counted in the report's ``groups_updated``).

    A fresh article gets every stage saved; an old one only its batch stages, and only when they changed.
    """
    article_id = result.article.id
    saved = store.analysis(article_id)
    updated = 0
    for stage, value in result.results().items():
        batch_stage = stage in ("duplicate_group", "event")
        if not fresh and not batch_stage:
            continue  # an old article's own results are current
        if fresh or saved.get(stage, {}).get("result") != value:
            store.save_analysis(article_id, stage, value, ANALYSIS_VERSION)
            updated += batch_stage and not fresh
    return updated


def stored_records(store: Store) -> list[dict[str, Any]]:
    """Every stored article's record with its saved stage results (what ``jiance analyze`` saved)."""
    records = []
    for stored in store.articles():
        record = stored.to_record()
        record.update({stage: saved["result"] for stage, saved in store.analysis(stored.id).items()})
        records.append(record)
    return records
