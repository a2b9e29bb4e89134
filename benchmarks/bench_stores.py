"""SQLite and PostgreSQL side by side: import throughput, search latency and store size as the archive grows.

The corpus is :func:`benchmarks.bench_search.synthetic_articles` (project-written phrases, never seed
text), imported through each store's ``save_import`` ten articles per document, exactly as ``jiance
import`` stores a bulletin. Both stores grow together through the sizes asked for (default 10k, 100k and
1M articles): each step imports the next slice into both, then measures. Search latency is the wall time
of ``search(q, limit=10)`` (what the web app and the CLI ask for) over 100 two-character and 100
four-character queries drawn from the corpus; p50 and p95. Store size is the SQLite file (with its WAL
checkpointed) and ``pg_database_size``. The PostgreSQL server is a real one started for the run in a
temporary directory (tests/pgserver.py), or ``JIANCE_BENCH_POSTGRES=postgresql://…`` for an existing one.

``python -m benchmarks stores`` or ``python benchmarks/bench_stores.py --sizes 10000,100000``; the
environment variable ``JIANCE_BENCH_STORE_SIZES`` sets the sizes too. Results: ``.bench/stores.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.bench_search import synthetic_articles
from benchmarks.harness import ratio, report
from jiance.records import Article, Document
from jiance.store.search import fast_fold
from jiance.store.sqlbase import SQLStore
from jiance.store.sqlite import SQLiteStore

__all__ = ["main", "run"]

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
PER_DOCUMENT = 10
QUERIES = 100
OUT = Path(__file__).resolve().parents[1] / ".bench" / "stores.json"


def _documents(articles: Iterator[Article]) -> Iterator[tuple[Document, list[Article]]]:
    while batch := list(itertools.islice(articles, PER_DOCUMENT)):
        raw = "\n\n".join(a.title + "\n" + a.body for a in batch).encode()
        yield Document(hashlib.sha256(raw).hexdigest(), None, "text/plain", len(raw), "imported"), batch


def _import(stores: dict[str, SQLStore], articles: list[Article]) -> dict[str, float]:
    """Seconds each store takes to import the same slice."""
    seconds = {}
    for name, store in stores.items():
        started = time.perf_counter()
        for doc, batch in _documents(iter(articles)):
            store.save_import(doc, None, batch)
        seconds[name] = time.perf_counter() - started
    return seconds


def _queries(samples: list[str], rng: random.Random, size: int) -> list[str]:
    found: list[str] = []
    while len(found) < QUERIES:
        text = rng.choice(samples)
        start = rng.randrange(0, max(1, len(text) - size))
        q = text[start : start + size]
        if len(q) == size and all(c.isalnum() for c in q):
            found.append(q)
    return found


def _latency(store: SQLStore, queries: list[str]) -> tuple[float, float, int]:
    """p50 and p95 in ms of a top-10 search, after one warm-up; and the hits found in all."""
    store.search(queries[0], limit=10)
    times, hits = [], 0
    for q in queries:
        started = time.perf_counter()
        hits += len(store.search(q, limit=10))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))], hits


def _sqlite_mb(store: SQLiteStore) -> float:
    store._read("PRAGMA wal_checkpoint(TRUNCATE)")
    path = Path(store.path)
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20


def _postgres_mb(store: SQLStore) -> float:
    return float(store._read("SELECT pg_database_size(current_database())")[0][0]) / 2**20


def _server() -> tuple[Any, str]:
    url = os.environ.get("JIANCE_BENCH_POSTGRES")
    if url:
        return None, url
    from tests.pgserver import start

    server = start()
    return server, server.new_database()


def run(sizes: list[int]) -> list[dict[str, Any]]:
    """Grow both stores through ``sizes``, measuring after each step; print and return the rows."""
    from jiance.store.postgres import PostgresStore, close_pools

    server, url = _server()
    rng = random.Random(11)
    rows: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="jiance-bench-stores-") as tmp:
            sqlite = SQLiteStore(Path(tmp) / "bench.db")
            pg = PostgresStore(url)
            stores: dict[str, SQLStore] = {"sqlite": sqlite, "postgresql": pg}
            source = synthetic_articles(max(sizes), seed=3)
            samples: list[str] = []
            done = 0
            for size in sorted(sizes):
                step = list(itertools.islice(source, size - done))
                samples += [fast_fold(a.title + a.body) for a in step[:: max(1, len(step) // 300)]]
                seconds = _import(stores, step)
                done = size
                with pg._write() as db:  # fresh planner statistics, as autovacuum would give a live server
                    db.execute("ANALYZE")
                two, four = _queries(samples, rng, 2), _queries(samples, rng, 4)
                row: dict[str, Any] = {"articles": size}
                for name, store in stores.items():
                    row[f"{name}_import_per_s"] = len(step) / seconds[name]
                    p50_2, p95_2, hits_2 = _latency(store, two)
                    p50_4, p95_4, hits_4 = _latency(store, four)
                    row |= {
                        f"{name}_p50_ms_2char": p50_2,
                        f"{name}_p95_ms_2char": p95_2,
                        f"{name}_p50_ms_4char": p50_4,
                        f"{name}_p95_ms_4char": p95_4,
                        f"{name}_hits": hits_2 + hits_4,
                    }
                row["sqlite_mb"] = _sqlite_mb(sqlite)
                row["postgresql_mb"] = _postgres_mb(pg)
                row["sqlite_mb_per_10k"] = row["sqlite_mb"] / size * 10_000
                row["postgresql_mb_per_10k"] = row["postgresql_mb"] / size * 10_000
                rows.append(row)
                _print(row)
            sqlite.close()
            pg.close()
    finally:
        close_pools()
        if server is not None:
            server.stop()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return rows


def _print(row: dict[str, Any]) -> None:
    n = row["articles"]
    report(
        f"stores at {n:,} articles (ratio = PostgreSQL / SQLite rate or SQLite / PostgreSQL latency:"
        " above 1 means PostgreSQL is faster)",
        [
            {"figure": "import, articles/s", "sqlite": row["sqlite_import_per_s"],
             "postgresql": row["postgresql_import_per_s"],
             "ratio": ratio(row["postgresql_import_per_s"], row["sqlite_import_per_s"])},
            *(
                {"figure": f"search top-10 {k} {c}", "sqlite": row[f"sqlite_{k}_ms_{c}"],
                 "postgresql": row[f"postgresql_{k}_ms_{c}"],
                 "ratio": ratio(row[f"sqlite_{k}_ms_{c}"], row[f"postgresql_{k}_ms_{c}"])}
                for c in ("2char", "4char") for k in ("p50", "p95")
            ),
            {"figure": "hits found (200 queries, top 10)", "sqlite": row["sqlite_hits"],
             "postgresql": row["postgresql_hits"], "ratio": ""},
            {"figure": "store MB per 10k articles", "sqlite": row["sqlite_mb_per_10k"],
             "postgresql": row["postgresql_mb_per_10k"], "ratio": ""},
        ],
    )  # fmt: skip


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    default = os.environ.get("JIANCE_BENCH_STORE_SIZES", ",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--sizes", default=default, help="comma-separated article counts")
    args = parser.parse_args([] if argv is None else argv)
    return run([int(s) for s in args.sizes.split(",") if s])


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
