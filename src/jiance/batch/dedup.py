"""Near-duplicates across partitions: the in-process algorithm of :mod:`jiance.stages.dedup`, distributed.

1. Signatures and LSH band keys per partition, on workers; each (band, key, global index) row is routed
   to one of ``buckets`` shuffle buckets by its key, so every LSH bucket lands whole in one place.
2. Per shuffle bucket, on workers: rows in global (store) order, pairs per band with the same
   ``bucket_pairs`` the in-process run uses, so chain-and-star runs pair the same members.
3. Candidate pairs verified exactly on the shingle sets, on workers, as a block join: pairs grouped by
   the partitions of their two members, each block checked against both partitions' shingle sets,
   which stay on the workers (a bounded number of partitions at a time).
4. Union-find over the verified pairs on the driver; the group id is the smallest article id, as in process.

What stays in cluster memory until step 2 is the band-key rows: ``BANDS`` × 3 × 8 = 1 KB per article,
spread over the workers. Nothing else grows with the corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from jiance.records import Article
from jiance.stages.dedup import (
    BANDS,
    article_text,
    band_keys,
    bucket_pairs,
    shingle_hashes,
    signature,
    signature_matrix,
    union_groups,
    verify_shingles,
)

__all__ = [
    "bucket_candidates",
    "distributed_groups",
    "groups_from_pairs",
    "shingle_part",
    "signature_rows",
    "verify_block",
]

Rows = npt.NDArray[np.uint64]  # (m, 3): band, key, global index
Pairs = npt.NDArray[np.int64]  # (m, 2): global indices, first < second


def signature_rows(articles: Sequence[Article], offset: int, buckets: int) -> list[Rows]:
    """One partition's LSH rows, split into ``buckets`` pieces by key (the shuffle's map side)."""
    matrix = signature_matrix([signature(article_text(a)) for a in articles])
    keys = band_keys(matrix)  # (n, BANDS)
    n = len(articles)
    rows = np.empty((n * BANDS, 3), dtype=np.uint64)
    rows[:, 0] = np.tile(np.arange(BANDS, dtype=np.uint64), n)
    rows[:, 1] = keys.reshape(-1)
    rows[:, 2] = np.repeat(np.arange(offset, offset + n, dtype=np.uint64), BANDS)
    target = rows[:, 1] % np.uint64(buckets)
    return [rows[target == np.uint64(b)] for b in range(buckets)]


def bucket_candidates(*pieces: Rows) -> Pairs:
    """The candidate pairs of one shuffle bucket (the reduce side): per band, runs of equal keys."""
    rows = np.concatenate(pieces) if pieces else np.zeros((0, 3), dtype=np.uint64)
    found: list[Pairs] = []
    for band in np.unique(rows[:, 0]).tolist():
        part = rows[rows[:, 0] == np.uint64(band)]
        part = part[np.argsort(part[:, 2], kind="stable")]  # store order, as the whole matrix has it
        index = part[:, 2].astype(np.int64)
        for local in bucket_pairs(part[:, 1]):
            found.append(index[local])
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.sort(np.concatenate(found), axis=1), axis=0)


def shingle_part(articles: Sequence[Article]) -> list[npt.NDArray[np.uint64]]:
    """One partition's shingle sets, kept on a worker while its candidate blocks are verified."""
    return [shingle_hashes(article_text(a)) for a in articles]


def verify_block(
    pairs: Pairs, ids: Sequence[str], first: tuple[int, list[Any]], second: tuple[int, list[Any]]
) -> Pairs:
    """The pairs of one (partition, partition) block that are near-duplicates, verified exactly;
    ``first``/``second`` are (offset, shingle sets) of the two partitions (the same one for a block
    inside one partition), ``ids`` the pairs' article ids (first, second) in pair order."""
    offset_a, shingles_a = first
    offset_b, shingles_b = second
    kept = [
        (i, j)
        for (i, j), (id_a, id_b) in zip(pairs.tolist(), zip(ids[::2], ids[1::2], strict=True), strict=True)
        if id_a != id_b and verify_shingles(shingles_a[i - offset_a], shingles_b[j - offset_b]) is not None
    ]
    return np.array(kept, dtype=np.int64).reshape(-1, 2)


def groups_from_pairs(ids: Sequence[str], pairs: Pairs) -> dict[str, str]:
    """Group ids of the articles in verified pairs (the driver's union-find); others are their own group."""
    involved = sorted(set(pairs.reshape(-1).tolist()))
    return union_groups([ids[k] for k in involved], [(ids[i], ids[j]) for i, j in pairs.tolist()])


def distributed_groups(
    client: Any,
    row_futures: Sequence[Any],
    ids: Sequence[str],
    partition: Callable[[int], Sequence[Article]],
    *,
    buckets: int,
    partition_size: int,
    cache: int = 8,
) -> dict[str, str]:
    """Steps 2-4 over the futures of step 1 (:func:`signature_rows`, one per partition, in store order);
    returns the group ids of the articles that have duplicates.

    Verification is a block join: candidate pairs are grouped by the partitions of their two members,
    and each block is verified on a worker against both partitions' shingle sets. Shingle sets live on
    the workers, at most ``cache`` partitions at a time (least recently used dropped); ``partition(k)``
    re-reads page ``k`` from the store when it is needed again.
    """
    pieces = [[client.submit(_piece, f, b, pure=False) for f in row_futures] for b in range(buckets)]
    candidates = [client.submit(bucket_candidates, *bucket, pure=False) for bucket in pieces]
    found = [c.result() for c in candidates]
    del pieces
    pairs = np.unique(np.concatenate(found), axis=0) if found else np.zeros((0, 2), dtype=np.int64)
    blocks = pairs // partition_size
    order = np.lexsort((blocks[:, 1], blocks[:, 0]))
    pairs, blocks = pairs[order], blocks[order]
    held: dict[int, Any] = {}

    def shingles(k: int) -> Any:
        if k in held:
            held[k] = held.pop(k)  # most recently used last
        else:
            while len(held) >= cache:
                held.pop(next(iter(held)))
            part = client.submit(shingle_part, partition(k), pure=False)
            held[k] = client.submit(_with_offset, k * partition_size, part, pure=False)
        return held[k]

    verified = []
    if len(pairs):
        cuts = np.flatnonzero(np.any(blocks[1:] != blocks[:-1], axis=1)) + 1
        for start, stop in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(pairs)].tolist(), strict=True):
            block = pairs[start:stop]
            a, b = blocks[start].tolist()
            names = [ids[k] for pair in block.tolist() for k in pair]
            verified.append(client.submit(verify_block, block, names, shingles(a), shingles(b), pure=False))
    accepted = [v.result() for v in verified]
    kept = np.concatenate(accepted) if accepted else np.zeros((0, 2), dtype=np.int64)
    return groups_from_pairs(ids, kept)


def _with_offset(offset: int, shingles: list[Any]) -> tuple[int, list[Any]]:
    return offset, shingles


def _piece(rows: list[Rows], bucket: int) -> Rows:
    return rows[bucket]
