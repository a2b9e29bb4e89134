"""Search finds every article holding the folded query as a substring, ranks title hits first, highlights."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from jiance.records import Article
from jiance.store import SQLiteStore
from jiance.store.search import fast_fold, make_snippet, query_terms
from jiance.text import fold

from .conftest import make_doc

PIECES = [
    "芯片",
    "动力电池",
    "5G基站",
    "ＧＰＵ",
    "数字经济",
    "电池",
    "算力",
    "，",
    "。",
    "a.b",
    "a,b",
    "储能",
    "Wi-Fi 7",
]


def _corpus(store: SQLiteStore, n: int = 120) -> list[Article]:
    rng = random.Random(3)
    arts = [
        Article(
            "article",
            "".join(rng.choices(PIECES, k=2)) + str(i),
            ["".join(rng.choices(PIECES, k=rng.randint(3, 12))) for _ in range(2)],
            section=rng.choice(["产业环境", "技术情报"]),
        )
        for i in range(n)
    ]
    for start in range(0, n, 10):
        raw = str(start).encode()
        store.save_import(make_doc(raw), raw, arts[start : start + 10])
    return arts


def _brute(arts: list[Article], query: str) -> set[str]:
    terms = query_terms(query)
    return {a.id for a in arts if all(t in fold(a.title) or t in fold(a.body) for t in terms)}


@given(st.text(alphabet=st.sampled_from("芯片电池ＡＢab 5G\u3000\n，.-Ωé"), max_size=30))
def test_fast_fold_equals_fold(text: str) -> None:
    assert fast_fold(text) == fold(text)


def test_recall_and_precision_are_exact(store: SQLiteStore) -> None:
    arts = _corpus(store)
    queries = ["芯片", "电池", "池", "5g", "5G基站", "gpu", "ＧＰＵ", "g", "经济", "a.b", "a,b", "wi-fi7",
               "电池 芯片", "池，", "力电", "数字经济 gpu", "没有这个词"]  # fmt: skip
    for q in queries:
        expected = _brute(arts, q)
        assert set(store.search_ids(q)) == expected, q
        assert {h.article_id for h in store.search(q, limit=None)} == expected, q
    assert len(_brute(arts, "电池")) > len(_brute(arts, "动力电池")) > 0  # 电池 finds 动力电池 too


def test_filters(store: SQLiteStore) -> None:
    arts = _corpus(store)
    hits = store.search("芯片", limit=None, section="技术情报")
    assert hits and all(h.section == "技术情报" for h in hits)
    expected = {a.id for a in arts if a.section == "技术情报"} & _brute(arts, "芯片")
    assert {h.article_id for h in hits} == expected
    assert store.search("芯片", kind="expert_opinion") == []


def test_title_hits_rank_first(store: SQLiteStore) -> None:
    body_heavy = Article("article", "行业综述", ["储能储能储能储能储能，储能市场。"])
    titled = Article("article", "储能电站投运", ["一座电站。"])
    store.save_import(make_doc(b"1"), b"1", [body_heavy, titled])
    hits = store.search("储能")
    assert [h.article_id for h in hits] == [titled.id, body_heavy.id]
    assert hits[0].title_hit and not hits[1].title_hit


def test_more_frequent_ranks_higher_and_limit(store: SQLiteStore) -> None:
    arts = [Article("article", f"第{i}篇", ["算力" * (i + 1) + "。其他内容" * 5]) for i in range(5)]
    store.save_import(make_doc(b"2"), b"2", arts)
    hits = store.search("算力", limit=3)
    assert [h.article_id for h in hits] == [arts[4].id, arts[3].id, arts[2].id]


def test_snippet_highlights_with_offsets(store: SQLiteStore) -> None:
    body = "开头" * 60 + "国产GPU芯片出货量增长" + "结尾" * 60
    art = Article("article", "出货", [body])
    store.save_import(make_doc(b"3"), b"3", [art])
    (hit,) = store.search("gpu 芯片")
    assert "【GPU】【芯片】" in hit.snippet
    assert [hit.snippet_text[s:e] for s, e in hit.offsets] == ["GPU", "芯片"]
    assert hit.snippet_text.startswith("…") and hit.snippet_text.endswith("…")
    assert len(hit.snippet_text) <= 80 + 2
    (marked,) = store.search("芯片", marker=("<mark>", "</mark>"))
    assert "<mark>芯片</mark>" in marked.snippet


def test_make_snippet_maps_folded_matches_back() -> None:
    snippet = make_snippet("华为发布 ＧＰＵ 新品", ["gpu"], chars=80)
    assert snippet is not None and snippet.marked == "华为发布 【ＧＰＵ】 新品"
    assert make_snippet("没有", ["gpu"]) is None


def test_index_follows_the_writes(store: SQLiteStore) -> None:
    _corpus(store, 30)
    assert store.integrity_check() == []
    assert store.search("") == [] and store.search_ids("   ") == []


def test_reset_and_rewrite_of_the_index_gives_the_same_search(store: SQLiteStore) -> None:
    """What `jiance reindex` and `jiance batch reindex` do: empty the index, write every article's entry
    again (workers compute them with index_text), and search answers exactly as before."""
    from jiance.store.search import body_fields, index_text, title_fields

    arts = _corpus(store)
    queries = ["芯片", "电池", "5g", "数字经济"]
    before = {q: [(h.article_id, h.score) for h in store.search(q, limit=None)] for q in queries}
    assert all(before.values())
    store.reset_index()
    assert all(store.search(q) == [] for q in queries)
    entries = [(a.id, index_text(title_fields(a)), index_text(body_fields(a))) for a in arts]
    assert sum(store.write_index(entries[i : i + 50]) for i in range(0, len(entries), 50)) == len(
        {a.id for a in arts}
    )
    after = {q: [(h.article_id, h.score) for h in store.search(q, limit=None)] for q in queries}
    assert after == before
    assert store.integrity_check() == []
