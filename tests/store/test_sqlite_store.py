"""The SQLite store: recorded migrations, WAL, foreign keys, idempotent imports, failures kept, dedup."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from jiance.errors import NotFoundError
from jiance.records import Article, IssueMeta, Provenance
from jiance.store import SQLiteStore
from jiance.store.migrations import SQLITE_MIGRATIONS

from .conftest import make_doc

ALL_VERSIONS = [m.version for m in SQLITE_MIGRATIONS]


def _article(title: str, body: str = "正文。", **kw: object) -> Article:
    return Article("article", title, body.split("\n"), **kw)  # type: ignore[arg-type]


def test_migrations_are_recorded_and_rerunnable(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with SQLiteStore(path) as store:
        assert store.schema_versions() == ALL_VERSIONS
        assert store.migrate() == []
    with SQLiteStore(path) as again:
        assert again.migrate() == [] and again.schema_versions() == ALL_VERSIONS


def test_wal_and_foreign_keys(sqlite_store: SQLiteStore) -> None:
    store = sqlite_store
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        store._db.execute(
            "INSERT INTO articles (id, document_id, position, kind, title, body, created_at)"
            " VALUES ('x', 'no-such-document', 0, 'article', 't', 'b', 'now')"
        )


def test_import_is_idempotent(store: SQLiteStore) -> None:
    raw = "标题\n正文".encode()
    arts = [_article("芯片产业", "第一段\n第二段"), _article("电池产业")]
    first = store.save_import(make_doc(raw, status="imported"), raw, arts)
    assert (first.status, first.articles_new, first.articles_existing) == ("imported", 2, 0)
    again = store.save_import(make_doc(raw, status="imported"), raw, arts)
    assert (again.status, again.articles_new) == ("unchanged", 0)
    assert store.count_articles() == 2
    doc = store.get_document(first.document_id)
    assert (doc.status, doc.article_count, doc.path) == ("imported", 2, "a.txt")
    assert store.get_raw(doc.id) == raw
    assert store.integrity_check() == []


def test_failed_document_is_kept_and_retried(store: SQLiteStore) -> None:
    raw = b"\x00\x01broken"
    failed = make_doc(raw, status="failed", reason="corrupt", error="PDF is truncated")
    assert store.save_import(failed, raw, []).status == "failed"
    doc = store.get_document(failed.id)
    assert (doc.status, doc.reason, doc.error) == ("failed", "corrupt", "PDF is truncated")
    assert store.get_raw(failed.id) == raw
    assert [d.id for d in store.documents("failed")] == [failed.id]
    retried = store.save_import(make_doc(raw, status="imported"), raw, [_article("修复后")])
    assert (retried.status, retried.articles_new) == ("imported", 1)
    doc = store.get_document(failed.id)
    assert (doc.status, doc.reason, doc.error) == ("imported", None, None)
    assert store.documents("failed") == []


def test_raw_bytes_over_the_cap_are_not_kept(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "s.db", max_raw_mb=0) as store:
        raw = b"x" * 10
        store.save_import(make_doc(raw, status="failed", reason="too-large", error="big"), raw, [])
        assert store.get_raw(make_doc(raw).id) is None


def test_articles_are_deduplicated_across_documents(store: SQLiteStore) -> None:
    shared = _article("同一篇", "同样的正文")
    one = store.save_import(make_doc(b"one", status="imported"), b"one", [shared, _article("甲")])
    two = store.save_import(make_doc(b"two", "b.txt", status="imported"), b"two", [shared, _article("乙")])
    assert (two.articles_new, two.articles_existing) == (1, 1)
    assert store.count_articles() == 3
    assert store.get_article(shared.id).document_id == one.document_id
    assert [a.article.title for a in store.articles(document_id=two.document_id)] == ["乙"]


def test_stored_article_round_trips(store: SQLiteStore) -> None:
    art = Article(
        "expert_opinion", "专家谈算力", ["第一段", "第二段"], section="技术情报", subheadings=["小标题"],
        provenance=Provenance(path="a.txt", line_start=3, line_end=9, page_start=1, page_end=2),
        issue=IssueMeta(title="信息产业监测", date="2024-05-01", number="12"),
        speaker="张三", headline="算力是关键", related_title="算力中心建设提速",
    )  # fmt: skip
    out = store.save_import(make_doc(b"e", status="imported"), b"e", [art])
    stored = store.get_article(art.id)
    assert stored.article.to_record() == art.to_record()
    assert stored.status == "new" and stored.position == 0
    record = stored.to_record()
    assert record["id"] == art.id and record["document_id"] == out.document_id
    assert record["source"]["path"] == "a.txt" and record["speaker"] == "张三"
    assert [a.id for a in store.articles(section="技术情报")] == [art.id]
    assert store.articles(section="产业环境") == []


def test_not_found(store: SQLiteStore) -> None:
    with pytest.raises(NotFoundError):
        store.get_article("nope")
    with pytest.raises(NotFoundError):
        store.get_document("nope")


def test_analysis_hangs_off_an_article(store: SQLiteStore) -> None:
    art = _article("有数字的文章", "增长12%")
    store.save_import(make_doc(b"f", status="imported"), b"f", [art])
    store.save_analysis(art.id, "figures", [{"raw": "12%"}], "1")
    store.save_analysis(art.id, "figures", [{"raw": "12%"}, {"raw": "3亿元"}], "2")
    assert store.analysis(art.id) == {
        "figures": {"result": [{"raw": "12%"}, {"raw": "3亿元"}], "version": "2"}
    }


def test_write_failure_rolls_back(store: SQLiteStore) -> None:
    bad = Article("nonsense", "坏", ["x"])  # type: ignore[arg-type]
    with pytest.raises(Exception, match=r"(?i)check constraint"):
        store.save_import(make_doc(b"g", status="imported"), b"g", [_article("好"), bad])
    assert store.count_articles() == 0 and store.documents() == []
    assert store.integrity_check() == []
