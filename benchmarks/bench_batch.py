"""Batch processing: in-process vs Dask (1 and 2 workers) for import, dedup and the whole analysis.

The corpus is generated at run time by :func:`benchmarks.bench_analysis.synthetic_articles` (the
project's own sample sentences recombined, numbers varied), with 1 % planted reprints (a 来源： line and
one sentence dropped) so the dedup stage has real groups to find. Sizes come from
``JIANCE_BENCH_BATCH_SIZES`` (default ``10000,100000,1000000``); per size:

* import: single-article text files written to a temporary folder, then ``import_paths`` (in process)
  vs ``batch_import_paths`` on a LocalCluster of 1 and 2 workers; up to ``JIANCE_BENCH_BATCH_IMPORT_MAX``;
* dedup: the duplicate stage alone over the stored corpus, ``duplicate_groups`` (in process, whole corpus
  loaded) vs the distributed path (:mod:`jiance.batch.dedup`), with the peak resident memory of the
  driver and of all workers together (psutil, sampled every 50 ms);
* analysis: ``analyze_store`` vs ``batch_analyze_store`` on a fresh copy of the store, up to
  ``JIANCE_BENCH_BATCH_ANALYSIS_MAX`` articles (the per-article stages are minutes per 100k on 2 cores).

Every row names what was skipped at a size and why. Rows are printed and written to ``.bench/batch.json``.
``python -m benchmarks batch``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psutil

from benchmarks.bench_analysis import synthetic_articles
from benchmarks.harness import ratio, report
from jiance.records import Article

__all__ = ["main"]

SIZES = (10_000, 100_000, 1_000_000)
IMPORT_MAX = 100_000
ANALYSIS_MAX = 10_000
PARTITION = 5_000
OUT = Path(__file__).resolve().parents[1] / ".bench" / "batch.json"


def _env_sizes() -> tuple[int, ...]:
    value = os.environ.get("JIANCE_BENCH_BATCH_SIZES")
    return tuple(int(v) for v in value.split(",")) if value else SIZES


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def corpus(count: int) -> list[Article]:
    """``count`` articles: synthetic ones, every hundredth followed later by a planted reprint."""
    base = synthetic_articles(count - count // 100)
    out = list(base)
    for n, article in enumerate(base[::100][: count - len(base)]):
        paragraphs = ["来源：某某晚报", *article.paragraphs]
        paragraphs[-1] = paragraphs[-1][: max(20, len(paragraphs[-1]) // 2)]
        out.insert(
            min(len(out), (n * 100 + len(out) // 2) % len(out)),
            Article("article", f"转载：{article.title}", paragraphs),
        )
    return out[:count]


@contextmanager
def _peak_rss(pids: list[int]) -> Iterator[dict[str, float]]:
    """The peak of the summed resident memory of ``pids`` while the block runs, in MB."""
    peak = {"mb": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            total = 0
            for pid in pids:
                with suppress(psutil.Error):
                    total += psutil.Process(pid).memory_info().rss
            peak["mb"] = max(peak["mb"], total / 1048576)
            stop.wait(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


def _worker_pids(client: Any) -> list[int]:
    return [int(pid) for pid in client.run(os.getpid).values()]


def _store(path: Path, articles: list[Article]) -> Any:
    """A SQLite store holding ``articles`` in documents of 1,000, written directly (the import is timed apart)."""
    import hashlib

    from jiance.records import Document
    from jiance.store.sqlite import SQLiteStore

    store = SQLiteStore(path)
    store.migrate()
    for start in range(0, len(articles), 1000):
        part = articles[start : start + 1000]
        raw = f"synthetic {start}".encode()
        doc = Document(hashlib.sha256(raw).hexdigest(), f"synthetic-{start}.txt", "text/plain", len(raw), "imported",
                       article_count=len(part))  # fmt: skip
        store.save_import(doc, None, part)
    return store


def _write_files(folder: Path, articles: list[Article]) -> None:
    for n, article in enumerate(articles):
        body = "\n\n".join(article.paragraphs)
        (folder / f"{n:07d}.txt").write_text(f"{article.title}\n\n{body}\n", "utf-8")


def _row(
    size: int, work: str, mode: str, seconds: float, peak: float, per_s: float, peer: float | None
) -> dict[str, Any]:
    return {
        "articles": size,
        "work": work,
        "mode": mode,
        "seconds": round(seconds, 2),
        "articles/s": round(per_s, 1),
        "vs in-process": ratio(per_s, peer) if peer else "1×",
        "peak MB (driver+workers)": round(peak, 1),
    }


def _dedup_distributed(store: Any, client: Any, partition: int) -> dict[str, str]:
    from jiance.batch.dedup import distributed_groups, signature_rows
    from jiance.batch.partitions import iter_partitions, scatter, stream

    workers = len(client.scheduler_info()["workers"])
    buckets = 4 * workers
    ids: list[str] = []
    rows = []

    def submit(p: Any) -> Any:
        return client.submit(signature_rows, scatter(client, p.articles), p.offset, buckets, pure=False)

    for p, future in stream(client, iter_partitions(store, partition), submit, in_flight=2 * workers):
        rows.append(future)
        ids.extend(p.ids)

    def page(k: int) -> Any:
        return scatter(client, [s.article for s in store.articles(limit=partition, offset=k * partition)])

    return distributed_groups(
        client, rows, ids, page, buckets=buckets, partition_size=partition, cache=4 * workers
    )


def _run_size(size: int, tmp: Path, rows: list[dict[str, Any]], notes: list[str]) -> None:
    from jiance.analysis import analyze_store
    from jiance.batch.analyze import batch_analyze_store
    from jiance.batch.cluster import open_client
    from jiance.batch.importer import batch_import_paths
    from jiance.pipeline import import_paths
    from jiance.settings import Settings
    from jiance.stages.dedup import duplicate_groups
    from jiance.store.sqlite import SQLiteStore

    articles = corpus(size)
    me = [os.getpid()]
    base = tmp / f"base-{size}.db"
    _store(base, articles).close()
    if size <= _env_int("JIANCE_BENCH_BATCH_IMPORT_MAX", IMPORT_MAX):
        files = tmp / f"files-{size}"
        files.mkdir()
        _write_files(files, articles)
        store = SQLiteStore(tmp / "imp-local.db")
        store.migrate()
        with _peak_rss(me) as peak:
            start = time.perf_counter()
            import_paths([files], store, Settings())
            local = time.perf_counter() - start
        store.close()
        peer = size / local
        rows.append(_row(size, "import", "in-process", local, peak["mb"], peer, None))
        for workers in (1, 2):
            store = SQLiteStore(tmp / f"imp-{workers}.db")
            store.migrate()
            with open_client(None, workers=workers) as client:
                pids = me + _worker_pids(client)
                with _peak_rss(pids) as peak:
                    start = time.perf_counter()
                    batch_import_paths([files], store, Settings(), client, in_flight=2 * workers + 1)
                    took = time.perf_counter() - start
            store.close()
            rows.append(_row(size, "import", f"dask {workers}w", took, peak["mb"], size / took, peer))
        shutil.rmtree(files)
    else:
        notes.append(f"import at {size:,}: not run (JIANCE_BENCH_BATCH_IMPORT_MAX; {size:,} files on disk)")
    del articles

    store = SQLiteStore(base)
    with _peak_rss(me) as peak:
        start = time.perf_counter()
        expected = duplicate_groups([s.article for s in store.articles()])
        local = time.perf_counter() - start
    peer = size / local
    rows.append(_row(size, "dedup", "in-process", local, peak["mb"], peer, None))
    for workers in (1, 2):
        with open_client(None, workers=workers) as client:
            pids = me + _worker_pids(client)
            with _peak_rss(pids) as peak:
                start = time.perf_counter()
                got = _dedup_distributed(store, client, PARTITION)
                took = time.perf_counter() - start
        same = all(got.get(k, k) == v for k, v in expected.items())
        rows.append(
            _row(size, "dedup", f"dask {workers}w", took, peak["mb"], size / took, peer)
            | {"same groups": same}
        )
    groups = sum(1 for k, v in expected.items() if k != v)
    notes.append(f"dedup at {size:,}: {groups} articles in a duplicate group")
    store.close()
    del expected

    if size <= _env_int("JIANCE_BENCH_BATCH_ANALYSIS_MAX", ANALYSIS_MAX):
        shutil.copyfile(base, tmp / "an-local.db")
        store = SQLiteStore(tmp / "an-local.db")
        with _peak_rss(me) as peak:
            start = time.perf_counter()
            analyze_store(store)
            local = time.perf_counter() - start
        store.close()
        peer = size / local
        rows.append(_row(size, "analysis", "in-process", local, peak["mb"], peer, None))
        for workers in (1, 2):
            shutil.copyfile(base, tmp / f"an-{workers}.db")
            store = SQLiteStore(tmp / f"an-{workers}.db")
            with open_client(None, workers=workers) as client:
                pids = me + _worker_pids(client)
                with _peak_rss(pids) as peak:
                    start = time.perf_counter()
                    batch_analyze_store(store, client, partition_size=PARTITION // 5)
                    took = time.perf_counter() - start
            store.close()
            rows.append(_row(size, "analysis", f"dask {workers}w", took, peak["mb"], size / took, peer))
    else:
        notes.append(f"analysis at {size:,}: not run (JIANCE_BENCH_BATCH_ANALYSIS_MAX)")
    base.unlink()


def main() -> None:
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="jiance-bench-batch-") as tmp:
        for size in _env_sizes():
            done = len(rows)
            _run_size(size, Path(tmp), rows, notes)
            # each size is reported (and saved) when it ends: the big ones take long
            report(f"batch at {size:,}: in-process vs Dask (LocalCluster, 1 thread per worker)", rows[done:])
            for note in notes:
                print(note)
            OUT.parent.mkdir(parents=True, exist_ok=True)
            OUT.write_text(
                json.dumps(
                    {"rows": rows, "notes": notes, "cpus": os.cpu_count()}, ensure_ascii=False, indent=1
                )
            )


if __name__ == "__main__":
    main()
