"""``jiance batch analyze``: :func:`jiance.analysis.analyze_store` over partitions on a Dask cluster.

Three streams over the store, each at most ``in_flight`` partitions at a time:

1. corpus statistics (:mod:`.corpus`), dedup signature rows (:mod:`.dedup`) and which articles are fresh
   (the driver reads ``store.analysis`` as in process);
2. event evidence pieces (:mod:`.events`), which need the batch's names from pass 1;
3. the per-article stages of the fresh articles on workers (``analyze_article``, the in-process code),
   then the driver saves every result with ``save_results``, the in-process write path.

Results equal the in-process run's: same stage functions, same corpus statistics, same candidate pairs
and verification, union-find in the same order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from jiance.analysis import (
    ANALYSIS_VERSION,
    AnalysisContext,
    AnalyzedArticle,
    StoreAnalysisReport,
    _summarizer,
    analyze_article,
    column_model,
    save_results,
)
from jiance.batch.corpus import CorpusPart, corpus_part, finish_profiles, merge_parts
from jiance.batch.dedup import distributed_groups, signature_rows
from jiance.batch.events import distributed_events, evidence_pieces
from jiance.batch.partitions import Partition, iter_partitions, scatter, stream
from jiance.records import Article
from jiance.settings import Settings
from jiance.store.base import Store

__all__ = ["batch_analyze_store"]


def _tree(client: Any, futures: list[Any], merge: Callable[[Any, Any], Any]) -> Any:
    """Pairwise merges on the workers, left before right, until one future is left."""
    while len(futures) > 1:
        merged = [
            client.submit(merge, a, b, pure=False) for a, b in zip(futures[::2], futures[1::2], strict=False)
        ]
        futures = merged + ([futures[-1]] if len(futures) % 2 else [])
    return futures[0]


def _context(aliases_path: Path | None, taxonomy: Any, part: CorpusPart, summarizer: Any) -> AnalysisContext:
    from jiance.stages.entities import load_aliases

    return AnalysisContext(
        load_aliases(aliases_path), taxonomy, column_model(part.column_examples), summarizer
    )


def _analyze_part(
    articles: list[Article], context: AnalysisContext, part: CorpusPart, learnt: Any
) -> list[AnalyzedArticle]:
    return [analyze_article(article, context, learnt, part.corpus) for article in articles]


def _names(part: CorpusPart) -> set[str]:
    return part.names


def batch_analyze_store(
    store: Store,
    client: Any,
    *,
    partition_size: int = 1000,
    aliases_path: Path | None = None,
    taxonomy_path: Path | None = None,
    settings: Settings | None = None,
    on_progress: Callable[[str, int], None] | None = None,
) -> StoreAnalysisReport:
    """Analyse the store on the cluster behind ``client``; the same report and saved results as
    :func:`jiance.analysis.analyze_store`."""
    from jiance.stages.tags import load_taxonomy

    progress = on_progress or (lambda phase, n: None)
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    in_flight = 2 * workers
    buckets = 4 * workers
    taxonomy = load_taxonomy(taxonomy_path)
    taxonomy_future = scatter(client, taxonomy)
    ids: list[str] = []
    fresh: set[str] = set()
    parts, rows = [], []

    def first(p: Partition) -> Any:
        data = scatter(client, p.articles)
        rows.append(client.submit(signature_rows, data, p.offset, buckets, pure=False))
        return client.submit(corpus_part, data, taxonomy_future, pure=False)

    for p, future in stream(client, iter_partitions(store, partition_size), first, in_flight=in_flight):
        parts.append(future)
        ids.extend(p.ids)
        fresh.update(
            s.id
            for s in p.stored
            if store.analysis(s.id).get("figures", {}).get("version") != ANALYSIS_VERSION
        )
        progress("corpus", len(p.stored))
    if not fresh:
        return StoreAnalysisReport(0, len(ids), 0)
    corpus = _tree(client, parts, merge_parts)
    parts.clear()
    learnt = client.submit(_finish, taxonomy_future, corpus, pure=False)
    names = client.submit(_names, corpus, pure=False)
    # The alias index is loaded on the worker, not shipped: unpickling rebuilds its sets with another
    # iteration order, and the entity stage orders tied entities by that order.
    context = client.submit(
        _context, aliases_path, taxonomy_future, corpus, _summarizer(settings), pure=False
    )

    def page(k: int) -> Any:
        return scatter(
            client, [s.article for s in store.articles(limit=partition_size, offset=k * partition_size)]
        )

    groups = distributed_groups(
        client, rows, ids, page, buckets=buckets, partition_size=partition_size, cache=4 * workers
    )
    rows.clear()
    progress("duplicates", len(ids))

    pieces = []
    for p, future in stream(
        client,
        iter_partitions(store, partition_size),
        lambda p: client.submit(
            evidence_pieces, scatter(client, p.articles), p.offset, names, buckets, pure=False
        ),
        in_flight=in_flight,
    ):
        pieces.append(future)
        progress("evidence", len(p.stored))
    found = distributed_events(
        client, pieces, ids, names, page, buckets=buckets, partition_size=partition_size, cache=2 * workers
    )
    pieces.clear()
    progress("events", len(ids))

    def third(p: Partition) -> Any:
        todo = [s.article for s in p.stored if s.id in fresh]
        return client.submit(_analyze_part, scatter(client, todo), context, corpus, learnt, pure=False)

    updated = 0
    for p, future in stream(client, iter_partitions(store, partition_size), third, in_flight=in_flight):
        done = iter(future.result())
        for s in p.stored:
            result = next(done) if s.id in fresh else AnalyzedArticle(s.article)
            result.duplicate_group = groups.get(s.id, s.id)
            result.event = found.get(s.id) or _own_event(s.id)
            updated += save_results(store, result, fresh=s.id in fresh)
        progress("stages", len(p.stored))
    return StoreAnalysisReport(len(fresh), len(ids) - len(fresh), updated)


def _finish(taxonomy: Any, corpus: CorpusPart) -> Any:
    return finish_profiles(taxonomy, corpus.profiles)


def _own_event(article_id: str) -> Any:
    from jiance.stages.events import EventInfo

    return EventInfo(article_id, [])
