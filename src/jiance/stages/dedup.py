"""Near-duplicate articles: MinHash signatures over character n-grams, LSH banding, union-find groups.

The same story reaches a bulletin reprinted by several outlets: a new title, a 来源：/责任编辑： line, a
paragraph moved, a shortened version, OCR noise. Comparing every pair of articles is quadratic, so each
article gets a fixed-size :class:`Signature` (the minimum of ``NUM_PERM`` hash functions over its
character 5-grams), signatures are cut into ``BANDS`` bands of ``ROWS`` values, and only articles that
agree on a whole band become candidates. Candidates are then verified, exactly on the shingle sets when
the texts are at hand (:func:`duplicate_groups`) or from the signatures alone at scale
(:func:`group_signatures`), by Jaccard *or* containment, so a version keeping two thirds of the text joins
its original. Accepted pairs are merged with union-find; a group is named by its smallest article id, so
group ids are stable across runs and input orders.

Two articles on the same event in different words share names and numbers but few 5-grams of running
text; they stay apart here and are joined by :mod:`jiance.stages.events` instead.

Everything is deterministic: hash seeds come from a fixed constant, never from ``hash()`` or the clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jiance.records import Article
from jiance.text import fold

__all__ = [
    "BANDS",
    "NUM_PERM",
    "ROWS",
    "SHINGLE",
    "DuplicatePair",
    "Signature",
    "article_text",
    "band_keys",
    "bucket_pairs",
    "candidate_pairs",
    "clean_text",
    "duplicate_groups",
    "duplicate_pairs",
    "group_matrix",
    "group_signatures",
    "shingle_hashes",
    "signature",
    "signature_matrix",
    "union_groups",
    "verify_shingles",
]

SHINGLE = 5
"""Characters per shingle: long enough that two articles on one topic share few, short enough to survive noise."""
NUM_PERM = 128
BANDS = 42
ROWS = 3
"""42 bands of 3 rows: a pair with Jaccard 0.4 becomes a candidate with probability 0.93, one at 0.1 with 0.04."""
JACCARD_MIN = 0.45
CONTAINMENT_MIN = 0.62
"""Verification thresholds, tuned on the sample variants (see docs/dedup.md); either one suffices."""
MIN_SHINGLES = 8
"""Below this many shingles a text says too little to call it a duplicate of anything."""
BUCKET_CAP = 64
"""Beyond this many members a band bucket is paired as a chain and a star, not all pairs (quadratic)."""

_SEED = 0x6A69616E6365  # "jiance"
_MASK = (1 << 64) - 1
_BOILERPLATE = re.compile(
    r"^\s*[\[【(（]?\s*(?:来源|来源于|本文来源|文章来源|编辑|责任编辑|责编|原标题|原文标题|作者|记者|"
    r"审核|校对|图片来源|转载自|出处|本文转自|编者按)\s*[:：]"
)
_NOT_TEXT = re.compile(r"[^0-9a-z\u3400-\u9fff\uf900-\ufaff]+")

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]


@dataclass(slots=True, frozen=True)
class Signature:
    """The MinHash of one text: ``NUM_PERM`` minima (uint32) and how many distinct shingles it had.

    The shingle count lets containment be estimated from two signatures: with Jaccard J and sizes a, b
    the intersection is J·(a+b)/(1+J).
    """

    hashes: U32
    size: int

    def jaccard(self, other: Signature) -> float:
        """Estimated Jaccard similarity: the share of hash functions whose minima agree."""
        if self.size == 0 or other.size == 0:
            return 0.0
        return float(np.count_nonzero(self.hashes == other.hashes)) / len(self.hashes)


@dataclass(slots=True, frozen=True)
class DuplicatePair:
    """Two articles judged near-duplicates, with the measures that decided it (for reasons and review)."""

    first: str
    second: str
    jaccard: float
    containment: float


def _splitmix(values: U64) -> U64:
    """SplitMix64's finaliser: turns weak rolling hashes into well-spread 64-bit values (wraps mod 2**64)."""
    with np.errstate(over="ignore"):
        z = values + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _permutation_seeds(count: int) -> tuple[U64, U64]:
    """Fixed per-permutation xor seeds and odd multipliers, derived from one constant (deterministic)."""
    base = _splitmix(np.arange(2 * count, dtype=np.uint64) + np.uint64(_SEED))
    return base[:count], base[count:] | np.uint64(1)


_XOR, _MUL = _permutation_seeds(NUM_PERM)


def clean_text(text: str) -> str:
    """Folded text without reprint boilerplate lines, punctuation or spaces: what a reprint keeps.

    来源：/编辑：/原标题： lines are what outlets add when they copy a story; punctuation and spacing differ
    between formats and OCR runs. Neither says anything about whether two texts are the same article.
    """
    kept = [line for line in text.splitlines() if not _BOILERPLATE.match(line)]
    return _NOT_TEXT.sub("", fold("\n".join(kept)))


def shingle_hashes(text: str, k: int = SHINGLE) -> U64:
    """Distinct 64-bit hashes of the character ``k``-grams of :func:`clean_text` (sorted, vectorised)."""
    cleaned = clean_text(text)
    if not cleaned:
        return np.zeros(0, dtype=np.uint64)
    codes = np.frombuffer(cleaned.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < k:
        return np.unique(_splitmix(np.array([_poly_hash(codes, len(codes))], dtype=np.uint64)))
    windows = np.lib.stride_tricks.sliding_window_view(codes, k)
    return np.unique(_splitmix(_rolling(windows)))


def _rolling(windows: U64) -> U64:
    """Polynomial hash of each row of a (n, k) window view, mod 2**64."""
    acc = np.zeros(windows.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for col in range(windows.shape[1]):
            acc = acc * np.uint64(1_000_003) + windows[:, col]
    return acc


def _poly_hash(codes: U64, k: int) -> int:
    """The same polynomial as :func:`_rolling` for a text shorter than one shingle."""
    acc = 0
    for code in codes[:k].tolist():
        acc = (acc * 1_000_003 + int(code)) & _MASK
    return acc


def _minhash(hashes: U64) -> U32:
    """``NUM_PERM`` minima of permuted shingle hashes, in chunks so long texts stay in bounded memory."""
    result = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    for start in range(0, len(hashes), 4096):
        chunk = hashes[None, start : start + 4096]
        with np.errstate(over="ignore"):
            mixed = ((chunk ^ _XOR[:, None]) * _MUL[:, None]) >> np.uint64(32)
        np.minimum(result, mixed.min(axis=1).astype(np.uint32), out=result)
    return result


def signature(text: str) -> Signature:
    """The MinHash signature of ``text`` (any article text; boilerplate and punctuation do not count)."""
    hashes = shingle_hashes(text)
    return Signature(_minhash(hashes), len(hashes))


def signature_matrix(signatures: Sequence[Signature]) -> U32:
    """Stack signatures into one (n, NUM_PERM) array, the shape the LSH and verification work on."""
    if not signatures:
        return np.zeros((0, NUM_PERM), dtype=np.uint32)
    return np.stack([sig.hashes for sig in signatures])


def candidate_pairs(matrix: U32) -> npt.NDArray[np.int64]:
    """Index pairs (i < j) that agree on at least one whole LSH band, as a (m, 2) array without repeats.

    Each band's rows are folded into one 64-bit key; sorting the keys puts every bucket in a run. Runs
    longer than ``BUCKET_CAP`` (a common boilerplate-only text, or many copies of one article) are linked
    as a chain plus a star on their first member, which still connects them all for union-find.
    """
    found: list[npt.NDArray[np.int64]] = []
    keys = band_keys(matrix)
    for band in range(BANDS):
        found.extend(bucket_pairs(keys[:, band]))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(found)
    return np.unique(np.sort(pairs, axis=1), axis=0)


def band_keys(matrix: U32) -> U64:
    """The (n, BANDS) LSH keys of an (n, NUM_PERM) signature matrix: what a distributed run shuffles.

    A row's keys depend on its signature only, so they can be computed partition by partition.
    """
    keys = np.zeros((matrix.shape[0], BANDS), dtype=np.uint64)
    for band in range(BANDS):
        keys[:, band] = _band_keys(matrix[:, band * ROWS : (band + 1) * ROWS])
    return keys


def _band_keys(rows: U32) -> U64:
    """One well-mixed 64-bit key per signature for one band."""
    acc = np.zeros(rows.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for col in range(rows.shape[1]):
            acc = _splitmix(acc ^ rows[:, col].astype(np.uint64))
    return acc


def bucket_pairs(keys: U64) -> list[npt.NDArray[np.int64]]:
    """Pairs of indices sharing a key (one band): all pairs of small runs, chain + star for big runs.

    Members of a run are taken in index order (stable sort), so a caller holding any subset of the rows
    in their global order gets exactly the pairs the whole matrix would give for those rows' keys.
    """
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return []
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    lengths = np.diff(np.append(starts, len(keys)))
    out: list[npt.NDArray[np.int64]] = []
    # neighbours in sorted order: covers every run (the chain), the common case at scale
    chain = np.flatnonzero(same)
    out.append(np.stack([order[chain], order[chain + 1]], axis=1).astype(np.int64))
    for start, length in zip(starts[lengths > 2].tolist(), lengths[lengths > 2].tolist(), strict=True):
        members = order[start : start + length].astype(np.int64)
        if length > BUCKET_CAP:
            out.append(np.stack([np.full(length - 1, members[0]), members[1:]], axis=1))
            continue
        left, right = np.triu_indices(length, k=1)
        out.append(np.stack([members[left], members[right]], axis=1))
    return out


def _estimated(
    matrix: U32, sizes: npt.NDArray[np.int64], pairs: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Estimated Jaccard and containment of each pair from signatures and shingle counts (vectorised)."""
    jac = np.empty(len(pairs), dtype=np.float64)
    for start in range(0, len(pairs), 65536):
        part = pairs[start : start + 65536]
        jac[start : start + len(part)] = (matrix[part[:, 0]] == matrix[part[:, 1]]).mean(axis=1)
    size_a = sizes[pairs[:, 0]].astype(np.float64)
    size_b = sizes[pairs[:, 1]].astype(np.float64)
    inter = jac * (size_a + size_b) / (1.0 + jac)
    smaller = np.maximum(np.minimum(size_a, size_b), 1.0)
    return jac, np.minimum(inter / smaller, 1.0)


def _accept(jaccard: float, containment: float, smaller: int) -> bool:
    """The duplicate rule: similar overall, or most of the shorter text inside the longer one."""
    if smaller < MIN_SHINGLES:
        return False
    return jaccard >= JACCARD_MIN or containment >= CONTAINMENT_MIN


def group_signatures(keys: Sequence[str], signatures: Sequence[Signature]) -> dict[str, str]:
    """Group ids (smallest key of each group) for ``keys`` from their signatures alone, at any scale.

    Verification uses the estimated Jaccard and containment, so no text needs to be kept in memory:
    this is the path for a store-wide pass over millions of signatures.
    """
    sizes = np.array([sig.size for sig in signatures], dtype=np.int64)
    return group_matrix(keys, signature_matrix(signatures), sizes)


def group_matrix(keys: Sequence[str], matrix: U32, sizes: npt.NDArray[np.int64]) -> dict[str, str]:
    """:func:`group_signatures` over an (n, NUM_PERM) array and shingle counts, as a store keeps them."""
    pairs = candidate_pairs(matrix)
    jac, cont = _estimated(matrix, sizes, pairs)
    smaller = np.minimum(sizes[pairs[:, 0]], sizes[pairs[:, 1]]) if len(pairs) else sizes[:0]
    ok = (smaller >= MIN_SHINGLES) & ((jac >= JACCARD_MIN) | (cont >= CONTAINMENT_MIN))
    return union_groups(keys, pairs[ok].tolist())


def article_text(article: Article) -> str:
    """What is compared: the body (a reprint often changes the title), or the title when there is none."""
    return article.body if article.body.strip() else article.title


def verify_shingles(first: U64, second: U64) -> tuple[float, float] | None:
    """Exact (jaccard, containment) of two candidates' shingle sets, rounded, or None when not duplicates.

    The one verification rule, whether the pair came from one batch or from a shuffle across partitions.
    """
    inter = len(np.intersect1d(first, second, assume_unique=True))
    smaller = min(len(first), len(second))
    union = len(first) + len(second) - inter
    jaccard = inter / union if union else 0.0
    containment = inter / smaller if smaller else 0.0
    if not _accept(jaccard, containment, smaller):
        return None
    return round(jaccard, 4), round(containment, 4)


def duplicate_pairs(articles: Sequence[Article]) -> list[DuplicatePair]:
    """Every verified near-duplicate pair among ``articles``, checked exactly on the shingle sets."""
    shingles = [shingle_hashes(article_text(article)) for article in articles]
    signatures = [Signature(_minhash(hashes), len(hashes)) for hashes in shingles]
    ids = [article.id for article in articles]
    found: list[DuplicatePair] = []
    for i, j in candidate_pairs(signature_matrix(signatures)).tolist():
        measures = verify_shingles(shingles[i], shingles[j]) if ids[i] != ids[j] else None
        if measures is not None:
            found.append(DuplicatePair(ids[i], ids[j], *measures))
    return found


def duplicate_groups(articles: Sequence[Article]) -> dict[str, str]:
    """Map every article id to its duplicate group id: the smallest article id among its near-duplicates.

    An article without duplicates is its own group, so the pipeline can write ``duplicate_group`` for
    every record and a reader can select ``duplicate_group == id`` to keep one copy of each story.
    """
    pairs = [(pair.first, pair.second) for pair in duplicate_pairs(articles)]
    return union_groups([article.id for article in articles], pairs)


def union_groups(keys: Sequence[str], pairs: Iterable[Sequence[int] | Sequence[str]]) -> dict[str, str]:
    """Union-find over ``pairs`` (indices into ``keys`` or keys themselves); each root is the smallest key."""
    parent: dict[str, str] = {key: key for key in keys}

    def find(key: str) -> str:
        root = key
        while parent[root] != root:
            root = parent[root]
        while parent[key] != root:  # path compression
            parent[key], key = root, parent[key]
        return root

    for a, b in pairs:
        left = keys[a] if isinstance(a, int) else a
        right = keys[b] if isinstance(b, int) else b
        root_a, root_b = find(left), find(right)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
    return {key: find(key) for key in keys}
