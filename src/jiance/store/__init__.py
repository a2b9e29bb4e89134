"""Where documents, articles and their analysis live: one :class:`Store` protocol, SQLite by default."""

from jiance.store.base import ImportOutcome, SearchHit, Store, StoredArticle
from jiance.store.sqlite import SQLiteStore

__all__ = ["ImportOutcome", "SQLiteStore", "SearchHit", "Store", "StoredArticle"]
