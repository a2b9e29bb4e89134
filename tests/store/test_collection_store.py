"""The collection tables of migration 3 through SQLiteCollection: sources, items, runs, failures."""

from __future__ import annotations

import pytest

from jiance.errors import StoreError
from jiance.sources.config import SourceConfig
from jiance.sources.http import Validators
from jiance.store.collection import ItemFailure, SourceRun, SQLiteCollection, collection_for
from jiance.store.sqlite import SQLiteStore


@pytest.fixture
def collection(store: SQLiteStore) -> SQLiteCollection:
    """On both backends (the ``store`` fixture of tests/store/conftest.py)."""
    return SQLiteCollection(store)


def test_migration_3_is_recorded(collection: SQLiteCollection) -> None:
    versions = collection.store.schema_versions()  # type: ignore[attr-defined]
    assert 3 in versions if collection.store.dialect == "sqlite" else versions == [1]
    assert collection.store.migrate() == []


def test_sources_keep_their_validators(collection: SQLiteCollection) -> None:
    source = SourceConfig(name="news", kind="feed", url="https://example.cn/rss")
    collection.save_source(source)
    assert collection.validators("news") is None
    collection.save_validators("news", Validators(etag='"a"', last_modified=None))
    collection.save_source(source)  # re-saving the config keeps them
    assert collection.validators("news") == Validators(etag='"a"')


def test_items_are_unique_by_canonical_url_and_rejection_sticks(collection: SQLiteCollection) -> None:
    collection.record_item("https://a.cn/1.html", "news", "h1")
    collection.record_item("https://a.cn/1.html", "other", "h2")
    [item] = collection.items()
    assert (item.source, item.content_hash, item.status) == ("news", "h1", "new")
    assert not collection.is_rejected("h1")
    collection.reject_item("https://a.cn/1.html")
    assert collection.is_rejected("h1") and not collection.is_rejected("h2")
    assert collection.item("https://a.cn/2.html") is None


def test_runs_newest_first_with_failures(collection: SQLiteCollection) -> None:
    first = collection.record_run(SourceRun("news", "t1", "t1", "ok", items_new=2), [])
    second = collection.record_run(
        SourceRun("news", "t2", "t2", "degraded", items_failed=1),
        [ItemFailure("https://a.cn/x", "timeout", "slow")],
    )
    assert [r.id for r in collection.runs("news")] == [second, first]
    assert collection.runs("news", limit=1)[0].status == "degraded"
    assert collection.failures(second) == [ItemFailure("https://a.cn/x", "timeout", "slow")]
    assert collection.runs("other") == []


def test_collection_needs_the_sqlite_store() -> None:
    with pytest.raises(StoreError):
        collection_for(object())  # type: ignore[arg-type]
