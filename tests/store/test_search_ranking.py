"""The documented ranking holds on every path: bm25 as FTS5 computes it, newest first when frequent."""

from __future__ import annotations

import sqlite3

import pytest

import jiance.store.postgres as postgres_module
import jiance.store.sqlite as sqlite_module
from jiance.store import SQLiteStore
from jiance.store.search import query_terms
from jiance.store.sqlite import _fts_phrase

from .test_search import _brute, _corpus

QUERIES = ["芯片", "电池", "池", "5g", "5G基站", "gpu", "经济", "a.b", "力电", "数字经济", "动力电池"]


def _fts5_order(store: SQLiteStore, query: str) -> list[tuple[str, float]]:
    """(article id, score) of the body pass as FTS5 itself ranks it, for comparison."""
    db = sqlite3.connect(store.path)
    rows = db.execute(
        "SELECT a.id, article_fts.rank FROM article_fts JOIN articles a ON a.seq = article_fts.rowid"
        " WHERE article_fts MATCH ? ORDER BY article_fts.rank, a.published_at DESC, a.seq DESC",
        (_fts_phrase(query_terms(query)[0]),),
    ).fetchall()
    db.close()
    return [(aid, -rank) for aid, rank in rows]


def test_scores_computed_here_equal_fts5_bit_for_bit(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store
    arts = _corpus(store)
    titles = {a.id: a.title for a in arts}
    compared = 0
    for q in QUERIES:
        body_hits = [(h.article_id, h.score) for h in store.search(q, limit=None) if not h.title_hit]
        assert len(_fts5_order(store, q)) <= sqlite_module.SCORE_HERE_MAX
        expected = [(aid, s) for aid, s in _fts5_order(store, q) if aid in dict(body_hits)]
        assert body_hits == expected, (q, [titles[a] for a, _ in body_hits[:3]])
        compared += len(body_hits)
    assert compared > 100


def test_fts5_path_and_path_computed_here_agree(
    sqlite_store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = sqlite_store
    _corpus(store)
    here = {q: [(h.article_id, h.score) for h in store.search(q, limit=None)] for q in QUERIES}
    monkeypatch.setattr(sqlite_module, "SCORE_HERE_MAX", 0)
    for q in QUERIES:
        assert [(h.article_id, h.score) for h in store.search(q, limit=None)] == here[q], q


def test_frequent_queries_come_newest_first_and_stay_exact(
    store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    arts = _corpus(store)
    monkeypatch.setattr(sqlite_module, "RANK_WINDOW", 5)
    monkeypatch.setattr(postgres_module, "RANK_WINDOW", 5)
    order = {a.id: i for i, a in enumerate(arts)}
    for q in ["芯片", "电池", "池", "5g", "经济", "电池 芯片"]:
        every = store.search(q, limit=None)
        assert {h.article_id for h in every} == _brute(arts, q), q
        assert [h.article_id for h in store.search(q, limit=7)] == [h.article_id for h in every[:7]], q
        body = [order[h.article_id] for h in every if not h.title_hit]
        assert len(body) > 5, q
        assert body == sorted(body, reverse=True), q  # newest (last imported) first
        flags = [h.title_hit for h in every]
        assert flags == sorted(flags, reverse=True), q  # title hits before body hits
        assert all(h.score == 0.0 for h in every if not h.title_hit), q


def test_top_k_is_a_prefix_of_the_full_ranking(store: SQLiteStore) -> None:
    _corpus(store)
    for q in QUERIES:
        every = [h.article_id for h in store.search(q, limit=None)]
        for k in (1, 3, 10):
            assert [h.article_id for h in store.search(q, limit=k)] == every[:k], (q, k)


def test_long_queries_are_pinned_by_their_rarest_bigrams(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store
    arts = _corpus(store)
    ids = sorted(_brute(arts, "数字经济"))
    marks = ",".join("?" * len(ids))
    seqs = {r[0] for r in store._db.execute(f"SELECT seq FROM articles WHERE id IN ({marks})", ids)}
    pinned = store._rarest_pair("article_fts", "数字经济")
    assert pinned is not None and set(pinned) >= seqs  # a superset: the exact rows are kept later
    assert store._rarest_pair("article_fts", "电池") is None  # one bigram: its own walk is as cheap
    assert store._rarest_pair("title_fts", "数字经济") is None


def test_both_backends_rank_the_same_corpus_identically(sqlite_store: SQLiteStore, pg_url: str) -> None:
    """PostgreSQL scores with FTS5's bm25 from the same bigram segmentation: same hits, order and scores."""
    from jiance.store.postgres import PostgresStore

    _corpus(sqlite_store)
    with PostgresStore(pg_url) as pg:
        _corpus(pg)
        compared = 0
        for q in [*QUERIES, "电池 芯片", "经济 5g"]:
            want = [
                (h.article_id, round(h.score, 9), h.title_hit) for h in sqlite_store.search(q, limit=None)
            ]
            got = [(h.article_id, round(h.score, 9), h.title_hit) for h in pg.search(q, limit=None)]
            assert got == want, q
            assert sorted(pg.search_ids(q)) == sorted(sqlite_store.search_ids(q)), q
            compared += len(want)
        assert compared > 100
