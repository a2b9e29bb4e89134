"""Streaming the store to the workers in partitions, with a bounded number in flight.

The driver never holds the corpus: it reads one page of ``partition_size`` articles at a time
(``store.articles(limit=, offset=)``, in import order, the order the in-process run sees), ships it to a
worker, and reads the next page only while fewer than ``in_flight`` partitions are unfinished. What the
driver keeps per article is its id (for the union-find and the final writes), nothing else.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from jiance.records import Article
from jiance.store.base import Store, StoredArticle

__all__ = ["Partition", "iter_partitions", "scatter", "stream"]

T = TypeVar("T")


@dataclass(slots=True)
class Partition:
    """One page of stored articles and where it starts in the store's order (its global offset)."""

    index: int
    offset: int
    stored: list[StoredArticle]

    @property
    def articles(self) -> list[Article]:
        return [s.article for s in self.stored]

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.stored]


def iter_partitions(store: Store, size: int) -> Iterator[Partition]:
    """The store's articles, page by page, in import order."""
    if size < 1:
        raise ValueError("partition size must be at least 1")
    index = offset = 0
    while True:
        page = store.articles(limit=size, offset=offset)
        if not page:
            return
        yield Partition(index, offset, page)
        index += 1
        offset += len(page)
        if len(page) < size:
            return


def scatter(client: Any, payload: object) -> Any:
    """Send one object to the cluster as a single future (a list would otherwise be split per item)."""
    return client.scatter([payload], hash=False)[0]


def stream(
    client: Any, items: Iterable[T], submit: Callable[[T], Any], *, in_flight: int
) -> Iterator[tuple[T, Any]]:
    """Submit work for each item, keeping at most ``in_flight`` unfinished; yield ``(item, future)``
    in input order once each future is done (its result is then ready without waiting).

    This is the memory bound of the driver and of each worker's queue: a page is read from the store only
    when a slot frees up, so at most ``in_flight`` partitions exist anywhere at a time.
    """
    from distributed import wait

    pending: deque[tuple[T, Any]] = deque()
    for item in items:
        pending.append((item, submit(item)))
        while len(pending) >= in_flight:
            done = pending.popleft()
            wait([done[1]])  # type: ignore[no-untyped-call]
            yield done
    while pending:
        done = pending.popleft()
        wait([done[1]])  # type: ignore[no-untyped-call]
        yield done
