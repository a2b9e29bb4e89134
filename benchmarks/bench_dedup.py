"""Near-duplicate stage: MinHash signatures per second and MB/s, and LSH grouping at 10k, 100k and 1M.

Signatures are computed over the project's own sample articles (``sample_articles_text``), repeated to
``TEXTS`` texts; the peer is datasketch's ``MinHash`` (same 128 permutations, same 5-gram shingles of the
same cleaned text), measured in the same run. The grouping stage (LSH banding, verification from the
signatures, union-find) runs on *synthetic random* signatures at 10k, 100k and 1M rows, with 1 % of rows
planted as noisy copies of others so verification and union-find have work; computing a million real
signatures would only repeat the first measurement. ``JIANCE_BENCH_DEDUP_MAX`` caps the largest size
(tests run it at 5,000). ``python -m benchmarks dedup``.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

from benchmarks.harness import measure, ratio, report, throughput_mb_s
from jiance.samples.corpus import sample_articles_text
from jiance.stages.dedup import NUM_PERM, SHINGLE, clean_text, group_matrix, signature

__all__ = ["main", "synthetic_signatures"]

TEXTS = 2_000
SIZES = (10_000, 100_000, 1_000_000)


def _texts(count: int) -> list[str]:
    """``count`` article texts cycled from the samples (the project's own text)."""
    pool = [f"{title}\n{body}" for title, body in sample_articles_text()]
    return [pool[i % len(pool)] for i in range(count)]


def _ours(texts: list[str]) -> None:
    for text in texts:
        signature(text)


def _peer(texts: list[str]) -> None:
    from datasketch import MinHash

    for text in texts:
        cleaned = clean_text(text)
        sketch = MinHash(num_perm=NUM_PERM, seed=1)
        sketch.update_batch([cleaned[i : i + SHINGLE].encode() for i in range(len(cleaned) - SHINGLE + 1)])


def synthetic_signatures(rows: int, seed: int = 7) -> tuple[Any, Any]:
    """Random (rows, NUM_PERM) uint32 signatures with 1 % planted near-copies, and shingle counts."""
    rng = np.random.default_rng(seed)
    matrix = rng.integers(0, 2**32, size=(rows, NUM_PERM), dtype=np.uint32)
    copies = rng.choice(rows, size=max(1, rows // 100), replace=False)
    sources = rng.integers(0, rows, size=len(copies))
    matrix[copies] = matrix[sources]
    noise = rng.random((len(copies), NUM_PERM)) < 0.2
    matrix[copies] = np.where(
        noise, rng.integers(0, 2**32, size=noise.shape, dtype=np.uint32), matrix[copies]
    )
    return matrix, rng.integers(100, 2_000, size=rows, dtype=np.int64)


def _group(rows: int) -> None:
    matrix, sizes = synthetic_signatures(rows)
    group_matrix([f"{i:08d}" for i in range(rows)], matrix, sizes)


def main() -> None:
    cap = int(os.environ.get("JIANCE_BENCH_DEDUP_MAX", SIZES[-1]))
    texts = _texts(min(TEXTS, max(cap // 5, 50)))
    nbytes = sum(len(text.encode()) for text in texts)
    ours, peer = measure(lambda: _ours(texts)), measure(lambda: _peer(texts))
    rows: list[dict[str, Any]] = []
    for name, result in (("jiance signature()", ours), ("datasketch MinHash", peer)):
        rows.append(
            {
                "work": name,
                "items": len(texts),
                "per_s": len(texts) / result.seconds_best,
                "MB/s": throughput_mb_s(nbytes, result.seconds_best),
                "peak_MB": result.peak_rss_mb,
                "vs peer": ratio(peer.seconds_best, result.seconds_best),
            }
        )
    sizes = [size for size in SIZES if size <= cap] or [cap]
    for size in sizes:
        started = time.perf_counter()
        result = measure(lambda size=size: _group(size), repeat=1)
        rows.append(
            {
                "work": "group_matrix (synthetic)",
                "items": size,
                "per_s": size / result.seconds_best,
                "seconds": result.seconds_best,
                "us_per_item": result.seconds_best / size * 1e6,
                "peak_MB": result.peak_rss_mb,
                "wall_s": time.perf_counter() - started,
            }
        )
    report("dedup: MinHash signatures and LSH grouping", rows)


if __name__ == "__main__":
    main()
