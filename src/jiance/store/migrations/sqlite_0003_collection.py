"""Migration 3: what collecting from sources needs: sources, their runs, collected items and failures.

``items`` makes collecting idempotent: one row per canonical URL, holding the content hash (the article
id) it led to, so a re-fetched page, a re-sent feed entry or the same text under a new URL adds nothing,
and an item an editor rejected never comes back. ``source_runs`` is the history that source health is
computed from; ``item_failures`` keeps every item that could not be collected with its reason, so a
failure is a record and not only a log line. ``IF NOT EXISTS`` makes the script safe to run twice.
"""

SQL = """
CREATE TABLE IF NOT EXISTS sources (
    name          TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('feed', 'page', 'folder')),
    config        TEXT NOT NULL,                 -- JSON SourceConfig
    enabled       INTEGER NOT NULL DEFAULT 1,
    etag          TEXT,                          -- validators of the last fetch of the feed or list page
    last_modified TEXT,
    updated_at    TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS source_runs (
    id              INTEGER PRIMARY KEY,
    source          TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('ok', 'degraded', 'failed')),
    items_new       INTEGER NOT NULL DEFAULT 0,
    items_unchanged INTEGER NOT NULL DEFAULT 0,
    items_failed    INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    latency_s       REAL
);
CREATE INDEX IF NOT EXISTS source_runs_source ON source_runs (source, id);

CREATE TABLE IF NOT EXISTS items (
    id            INTEGER PRIMARY KEY,
    canonical_url TEXT NOT NULL UNIQUE,
    content_hash  TEXT,                          -- the article id the item's text hashes to
    article_id    TEXT REFERENCES articles (id),
    source        TEXT NOT NULL,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'rejected')),
    etag          TEXT,
    last_modified TEXT
);
CREATE INDEX IF NOT EXISTS items_content_hash ON items (content_hash);

CREATE TABLE IF NOT EXISTS item_failures (
    id      INTEGER PRIMARY KEY,
    run_id  INTEGER NOT NULL REFERENCES source_runs (id) ON DELETE CASCADE,
    source  TEXT NOT NULL,
    url     TEXT NOT NULL,
    reason  TEXT NOT NULL,
    message TEXT,
    at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS item_failures_run ON item_failures (run_id);
"""
