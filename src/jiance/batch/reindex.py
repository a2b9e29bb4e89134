"""``jiance reindex`` and ``jiance batch reindex``: rebuild the search index from the stored articles.

Workers compute each article's index entries (the bigram texts of its title and body fields, the same
:func:`jiance.store.search.index_text` the store writes on import); the driver empties the index once and
writes the entries page by page, so neither side holds more than ``in_flight`` pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from jiance.batch.partitions import iter_partitions, scatter, stream
from jiance.records import Article
from jiance.store.base import Store

__all__ = ["batch_reindex", "index_entries", "reindex"]


def index_entries(ids: Sequence[str], articles: Sequence[Article]) -> list[tuple[str, str, str]]:
    """``(article_id, title_index_text, body_index_text)`` of each article: what ``write_index`` takes."""
    from jiance.store.search import body_fields, index_text, title_fields

    return [
        (i, index_text(title_fields(a)), index_text(body_fields(a)))
        for i, a in zip(ids, articles, strict=True)
    ]


def reindex(
    store: Store, *, partition_size: int = 1000, on_progress: Callable[[int], None] | None = None
) -> int:
    """Rebuild the index in process; returns how many articles were indexed."""
    store_any: Any = store
    store_any.reset_index()
    written = 0
    for p in iter_partitions(store, partition_size):
        written += store_any.write_index(index_entries(p.ids, p.articles))
        if on_progress is not None:
            on_progress(len(p.stored))
    return written


def batch_reindex(
    store: Store,
    client: Any,
    *,
    partition_size: int = 1000,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Rebuild the index with the entries computed on the cluster; returns how many articles were indexed."""
    store_any: Any = store
    store_any.reset_index()
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    written = 0

    def submit(p: Any) -> Any:
        return client.submit(index_entries, p.ids, scatter(client, p.articles), pure=False)

    for p, future in stream(client, iter_partitions(store, partition_size), submit, in_flight=2 * workers):
        written += store_any.write_index(future.result())
        if on_progress is not None:
            on_progress(len(p.stored))
    return written
