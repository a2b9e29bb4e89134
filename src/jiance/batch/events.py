"""Same-event clusters across partitions: :func:`jiance.stages.events.events`, distributed.

1. (with the corpus pass) every partition's people, united into the batch's names.
2. Evidence per article on workers (``article_evidence`` + ``share_names`` with the batch's names); each
   partition emits document frequencies of its items and postings of its candidate-making items, both
   routed by a stable hash of the item to ``buckets`` shuffle buckets.
3. Per bucket, on workers: the df shard (kept there as a future) and the candidate pairs from postings
   whose df is between 2 and the in-process cap (``2·√n``).
4. Candidates scored on workers as a block join (pairs grouped by their members' partitions, each
   partition's evidence held on the workers, a bounded number at a time): the pair's shared items are
   looked up in the df shards, the weights computed as in process, and ``link_pair`` decides.
5. Union-find and reasons on the driver (``cluster_events``) over the links in global order.

The df shards are the one thing that grows with the corpus (every distinct item, 4-character terms
included), split over the buckets and so over the workers.
"""

from __future__ import annotations

import itertools
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from jiance.records import Article
from jiance.stages.events import (
    EventInfo,
    Evidence,
    article_evidence,
    candidate_cap,
    cluster_events,
    item_weights,
    link_pair,
    posting_kind,
    share_names,
)

__all__ = ["distributed_events", "evidence_part", "evidence_pieces", "score_block"]

Pairs = npt.NDArray[np.int64]
Piece = tuple[Counter[str], dict[str, list[int]]]
_SEP = "\x1f"


def _bucket(key: str, buckets: int) -> int:
    """A stable bucket for an item (``hash()`` differs between worker processes)."""
    return zlib.crc32(key.encode()) % buckets


def _evidence(articles: Sequence[Article], names: set[str]) -> list[Evidence]:
    evidence = [article_evidence(article) for article in articles]
    share_names(articles, evidence, names)
    return evidence


def evidence_pieces(articles: Sequence[Article], offset: int, names: set[str], buckets: int) -> list[Piece]:
    """One partition's df counts and postings, split into ``buckets`` pieces by item."""
    pieces: list[Piece] = [(Counter(), {}) for _ in range(buckets)]
    for local, ev in enumerate(_evidence(articles, names)):
        for kind, items in ev.items.items():
            posts = posting_kind(kind)
            for item in items:
                key = f"{kind}{_SEP}{item}"
                df, postings = pieces[_bucket(key, buckets)]
                df[key] += 1
                if posts:
                    postings.setdefault(key, []).append(offset + local)
    return pieces


def merge_df(*pieces: Piece) -> Counter[str]:
    """One bucket's document frequencies over the whole corpus (the shard kept on a worker)."""
    df: Counter[str] = Counter()
    for counts, _ in pieces:
        df.update(counts)
    return df


def bucket_pairs(df: Counter[str], total: int, *pieces: Piece) -> Pairs:
    """Candidate pairs from one bucket's postings: items shared by 2 to ``candidate_cap`` articles."""
    cap = candidate_cap(total)
    postings: dict[str, list[int]] = {}
    for _, part in pieces:  # partitions in store order: each list stays ascending
        for key, members in part.items():
            postings.setdefault(key, []).extend(members)
    found = {
        pair
        for key, members in postings.items()
        if 2 <= df[key] <= cap
        for pair in itertools.combinations(members, 2)
    }
    return np.array(sorted(found), dtype=np.int64).reshape(-1, 2)


def evidence_part(articles: Sequence[Article], names: set[str], offset: int) -> tuple[int, list[Evidence]]:
    """One partition's evidence, kept on a worker while its candidate blocks are scored."""
    return offset, _evidence(articles, names)


def shared_keys(
    pairs: Pairs, first: tuple[int, list[Evidence]], second: tuple[int, list[Evidence]], buckets: int
) -> list[list[str]]:
    """The items each candidate pair of one block shares, by bucket: what the scoring needs df for."""
    keys: list[set[str]] = [set() for _ in range(buckets)]
    for i, j in pairs.tolist():
        mine, other = first[1][i - first[0]].items, second[1][j - second[0]].items
        for kind, items in mine.items():
            for item in items & other.get(kind, set()):
                key = f"{kind}{_SEP}{item}"
                keys[_bucket(key, buckets)].add(key)
    return [sorted(k) for k in keys]


def lookup(df: Counter[str], keys: list[list[str]], bucket: int) -> dict[str, int]:
    return {key: df[key] for key in keys[bucket]}


def score_block(
    pairs: Pairs,
    first: tuple[int, list[Evidence]],
    second: tuple[int, list[Evidence]],
    total: int,
    *found: dict[str, int],
) -> list[tuple[int, int, float, list[str]]]:
    """Links among one block of candidate pairs, with the in-process weights of their shared items."""
    df: Counter[tuple[str, str]] = Counter()
    for part in found:
        for key, count in part.items():
            kind, item = key.split(_SEP, 1)
            df[(kind, item)] = count
    weights = item_weights(df, total)
    links = []
    for i, j in pairs.tolist():
        linked = link_pair(first[1][i - first[0]], second[1][j - second[0]], weights)
        if linked is not None:
            links.append((i, j, *linked))
    return links


def distributed_events(
    client: Any,
    piece_futures: Sequence[Any],
    ids: Sequence[str],
    names: Any,
    partition: Callable[[int], Any],
    *,
    buckets: int,
    partition_size: int,
    cache: int = 4,
) -> dict[str, EventInfo]:
    """Steps 3-5 over the futures of step 2 (:func:`evidence_pieces`, one per partition, in store order);
    returns the events of the articles linked to another (the others are their own event).

    Scoring is a block join like the dedup verification: pairs grouped by their members' partitions,
    each partition's evidence computed once per stay in a bounded cache on the workers.
    """
    total = len(ids)
    shards, candidates = [], []
    for b in range(buckets):
        pieces = [client.submit(_piece, f, b, pure=False) for f in piece_futures]
        shard = client.submit(merge_df, *pieces, pure=False)
        shards.append(shard)
        candidates.append(client.submit(bucket_pairs, shard, total, *pieces, pure=False))
    found = [c.result() for c in candidates]
    pairs = np.unique(np.concatenate(found), axis=0) if found else np.zeros((0, 2), dtype=np.int64)
    blocks = pairs // partition_size
    order = np.lexsort((blocks[:, 1], blocks[:, 0]))
    pairs, blocks = pairs[order], blocks[order]
    held: dict[int, Any] = {}

    def evidence(k: int) -> Any:
        if k in held:
            held[k] = held.pop(k)
        else:
            while len(held) >= cache:
                held.pop(next(iter(held)))
            held[k] = client.submit(evidence_part, partition(k), names, k * partition_size, pure=False)
        return held[k]

    scored = []
    if len(pairs):
        cuts = np.flatnonzero(np.any(blocks[1:] != blocks[:-1], axis=1)) + 1
        for start, stop in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(pairs)].tolist(), strict=True):
            block = pairs[start:stop]
            first, second = (evidence(k) for k in blocks[start].tolist())
            keys = client.submit(shared_keys, block, first, second, buckets, pure=False)
            looked = [client.submit(lookup, shards[b], keys, b, pure=False) for b in range(buckets)]
            scored.append(client.submit(score_block, block, first, second, total, *looked, pure=False))
    links = sorted(link for c in scored for link in c.result())
    involved = sorted({k for i, j, _, _ in links for k in (i, j)})
    position = {k: p for p, k in enumerate(involved)}
    return cluster_events(
        [ids[k] for k in involved], [(position[i], position[j], s, why) for i, j, s, why in links]
    )


def _piece(pieces: list[Piece], bucket: int) -> Piece:
    return pieces[bucket]
