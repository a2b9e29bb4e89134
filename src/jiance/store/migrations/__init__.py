"""Numbered schema migrations of each SQL store (SQLite and PostgreSQL number theirs apart), applied in order and recorded in ``schema_migrations``.

A migration is never edited once released: a change to the schema is a new, higher-numbered module listed
in :data:`SQLITE_MIGRATIONS`. Running the list again is a no-op because applied numbers are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from jiance.store.migrations import (
    postgres_0001_schema,
    sqlite_0001_initial,
    sqlite_0002_article_documents,
    sqlite_0003_collection,
    sqlite_0004_publishing,
    sqlite_0005_accounts,
    sqlite_0006_distribution,
)

__all__ = ["POSTGRES_MIGRATIONS", "SQLITE_MIGRATIONS", "Migration"]


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: its number, a short name, and the SQL script that performs it."""

    version: int
    name: str
    sql: str


SQLITE_MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial", sqlite_0001_initial.SQL),
    Migration(2, "article_documents", sqlite_0002_article_documents.SQL),
    Migration(3, "collection", sqlite_0003_collection.SQL),
    Migration(4, "publishing", sqlite_0004_publishing.SQL),
    Migration(5, "accounts", sqlite_0005_accounts.SQL),
    Migration(6, "distribution", sqlite_0006_distribution.SQL),
)

POSTGRES_MIGRATIONS: tuple[Migration, ...] = (Migration(1, "schema", postgres_0001_schema.SQL),)
