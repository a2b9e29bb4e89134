"""Batch analysis on a two-worker LocalCluster gives exactly the in-process results.

Both sides run with the workers' ``PYTHONHASHSEED`` (distributed fixes one for all its workers; the
in-process reference runs in a subprocess with the same one): the entity stage orders tied entities by set iteration, so even two in-process runs in
different interpreters can list tied places in another order; with one seed the results must
be equal byte for byte.

The corpus is the project's own sample inbox (every layout of every sample) plus planted reprints of
sample articles (new title, a 来源： line, the last paragraph dropped) stored in a later document, so an
original and its reprint sit in different partitions at a partition size of 12.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jiance.analysis import stored_records
from jiance.batch.analyze import batch_analyze_store
from jiance.batch.cluster import open_client
from jiance.pipeline import import_paths
from jiance.records import Article, Document
from jiance.settings import Settings
from jiance.store.sqlite import SQLiteStore

PARTITION = 12


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with open_client(None, workers=2) as c:
        yield c


def _worker_seed() -> str | None:
    return os.environ.get("PYTHONHASHSEED")


def _analyze_in_process(path: Path, seed: str) -> tuple[int, int, int]:
    """``analyze_store`` on the store at ``path``, in a fresh interpreter with the workers' hash seed."""
    code = (
        "import sys, json; from jiance.analysis import analyze_store; from jiance.store.sqlite import SQLiteStore;"
        "s = SQLiteStore(sys.argv[1]); r = analyze_store(s); s.close();"
        "print(json.dumps([r.analysed, r.current, r.groups_updated]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], env=env, capture_output=True, text=True, check=True
    )
    analysed, current, updated = json.loads(done.stdout.strip().splitlines()[-1])
    return analysed, current, updated


def _reprint(article: Article, n: int) -> Article:
    paragraphs = (
        ["来源：某某晚报", *article.paragraphs[:-1]]
        if len(article.paragraphs) > 2
        else [
            "来源：某某晚报",
            *article.paragraphs,
            "（完）",
        ]
    )
    return Article(article.kind, f"转载{n}：{article.title}", paragraphs, section=article.section)


def _build(path: Path, inbox: Path) -> SQLiteStore:
    store = SQLiteStore(path)
    store.migrate()
    import_paths([inbox], store, Settings())
    originals = [s.article for s in store.articles(limit=400) if len(s.article.body) > 200][::5][:8]
    reprints = [_reprint(a, n) for n, a in enumerate(originals)]
    raw = "\n".join(a.title for a in reprints).encode()
    doc = Document(
        id=hashlib.sha256(raw).hexdigest(),
        path="planted-reprints.txt",
        media_type="text/plain",
        size=len(raw),
        status="imported",
        article_count=len(reprints),
    )
    store.save_import(doc, raw, reprints)
    return store


def _comparable(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in records}


def test_batch_analyze_equals_in_process(client: Any, inbox: Path, tmp_path: Path) -> None:
    local = _build(tmp_path / "local.db", inbox)
    local.close()
    shutil.copyfile(tmp_path / "local.db", tmp_path / "batch.db")  # the same input, imported once
    local = SQLiteStore(tmp_path / "local.db")
    batch = SQLiteStore(tmp_path / "batch.db")
    total = local.count_articles()
    assert total > 3 * PARTITION  # several partitions
    local.close()
    seeds = set(client.run(_worker_seed).values())
    assert len(seeds) == 1 and None not in seeds  # distributed gives its workers one fixed seed
    expected_report = _analyze_in_process(tmp_path / "local.db", str(seeds.pop()))
    local = SQLiteStore(tmp_path / "local.db")
    report = batch_analyze_store(batch, client, partition_size=PARTITION)
    assert (report.analysed, report.current, report.groups_updated) == expected_report
    expected, got = _comparable(stored_records(local)), _comparable(stored_records(batch))
    assert got.keys() == expected.keys()
    for stage in ("duplicate_group", "event", "figures", "entities", "tags", "column", "summary", "keywords"):
        diff = [i for i in expected if expected[i][stage] != got[i][stage]]
        assert not diff, f"{stage} differs for {len(diff)} articles"
    # the planted reprints were found across partitions, by the batch run as by the in-process one
    ids = [s.id for s in batch.articles()]
    position = {i: n for n, i in enumerate(ids)}
    planted = [s.id for s in batch.articles() if s.article.title.startswith("转载")]
    crossing = [
        i
        for i in planted
        if got[i]["duplicate_group"] != i
        and position[got[i]["duplicate_group"]] // PARTITION != position[i] // PARTITION
    ]
    assert len(crossing) >= 4
    groups = {r["duplicate_group"] for r in got.values()}
    events = {r["event"]["event_id"] for r in got.values()}
    assert len(groups) < total and len(events) < total
    # a second run finds everything current, as the in-process one would
    again = batch_analyze_store(batch, client, partition_size=PARTITION)
    assert (again.analysed, again.current, again.groups_updated) == (0, total, 0)
    local.close()
    batch.close()
