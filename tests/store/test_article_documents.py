"""Every document an article arrived from is linked (migration 2), and older stores are back-filled."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from jiance.errors import NotFoundError
from jiance.records import Article
from jiance.store import SQLiteStore
from jiance.store.migrations import SQLITE_MIGRATIONS

from .conftest import make_doc


def _article(title: str, body: str = "正文。") -> Article:
    return Article("article", title, [body])


def _version_one_store(path: Path) -> tuple[str, str]:
    """A store as migration 1 alone left it, with one document and two articles; returns their ids."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
    db.executescript(SQLITE_MIGRATIONS[0].sql)
    db.execute("INSERT INTO schema_migrations VALUES (1, 'initial', '2024-01-01')")
    doc, art = make_doc(b"old", "old.txt"), _article("旧文章")
    db.execute(
        "INSERT INTO documents (id, path, media_type, size, status, first_seen, last_seen)"
        " VALUES (?, 'old.txt', 'text/plain', 3, 'imported', '2024-01-01', '2024-01-01')",
        (doc.id,),
    )
    for pos, aid in enumerate((art.id, "second")):
        db.execute(
            "INSERT INTO articles (id, document_id, position, kind, title, body, created_at)"
            " VALUES (?, ?, ?, 'article', '旧文章', '正文。', '2024-01-01T00:00:00+00:00')",
            (aid, doc.id, pos),
        )
    db.close()
    return doc.id, art.id


def test_migration_two_backfills_a_version_one_store(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    doc_id, art_id = _version_one_store(path)
    with SQLiteStore(path) as store:
        assert store.schema_versions() == [m.version for m in SQLITE_MIGRATIONS]
        assert [d.id for d in store.documents_of(art_id)] == [doc_id]
        assert [d.id for d in store.documents_of("second")] == [doc_id]
        # The script itself is re-runnable: a second run adds nothing and fails on nothing.
        store._db.executescript(SQLITE_MIGRATIONS[1].sql)
        assert store._db.execute("SELECT count(*) FROM article_documents").fetchone()[0] == 2
        assert store.migrate() == [] and store._db.execute("PRAGMA foreign_key_check").fetchall() == []
        row = store._db.execute(
            "SELECT position, first_seen FROM article_documents WHERE article_id = 'second'"
        ).fetchone()
        assert row == (1, "2024-01-01T00:00:00+00:00")


def test_every_document_of_an_article_is_linked(store: SQLiteStore) -> None:
    shared = _article("同一篇", "同样的正文")
    one = store.save_import(make_doc(b"one"), b"one", [shared, _article("甲")])
    two = store.save_import(make_doc(b"two", "b.txt"), b"two", [_article("乙"), shared])
    assert [d.id for d in store.documents_of(shared.id)] == [one.document_id, two.document_id]
    assert store.get_article(shared.id).document_id == one.document_id  # the first stays the first
    positions = store._read(
        "SELECT position FROM article_documents WHERE article_id = ? ORDER BY rowid", (shared.id,)
    )
    assert [tuple(p) for p in positions] == [(0,), (1,)]
    assert store.save_import(make_doc(b"two", "b.txt"), b"two", [shared]).status == "unchanged"
    assert len(store.documents_of(shared.id)) == 2
    assert [d.path for d in store.documents_of(shared.id)] == ["a.txt", "b.txt"]


def test_repeated_text_in_one_document_is_one_link(store: SQLiteStore) -> None:
    art = _article("重复")
    out = store.save_import(make_doc(b"rep"), b"rep", [art, _article("中间"), art])
    assert (out.articles_new, out.articles_existing) == (2, 1)
    assert [d.id for d in store.documents_of(art.id)] == [out.document_id]


def test_documents_of_an_unknown_article(store: SQLiteStore) -> None:
    with pytest.raises(NotFoundError):
        store.documents_of("nope")


def test_integrity_check_notices_a_missing_link(store: SQLiteStore) -> None:
    art = _article("有链接")
    store.save_import(make_doc(b"link"), b"link", [art])
    assert store.integrity_check() == []
    with store._write() as db:
        db.execute("DELETE FROM article_documents WHERE article_id = ?", (art.id,))
    assert store.integrity_check() == ["1 articles lack the link to their first document"]
