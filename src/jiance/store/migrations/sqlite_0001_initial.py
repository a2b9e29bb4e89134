"""Migration 1: documents, articles, the publishing issue, analysis results and the bigram search index."""

SQL = """
CREATE TABLE documents (
    id            TEXT PRIMARY KEY,              -- sha256 of the raw bytes
    path          TEXT,
    url           TEXT,
    media_type    TEXT NOT NULL,
    size          INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('imported', 'failed')),
    reason        TEXT,
    error         TEXT,
    encoding      TEXT,
    fetched_at    TEXT,
    raw           BLOB,                          -- original bytes, failed files too (capped by max_file_mb)
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    article_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX documents_status ON documents (status);

CREATE TABLE articles (
    seq           INTEGER PRIMARY KEY,           -- stable rowid shared with article_fts
    id            TEXT NOT NULL UNIQUE,          -- Article.id content hash
    document_id   TEXT NOT NULL REFERENCES documents (id),
    position      INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('article', 'expert_opinion')),
    section       TEXT,
    title         TEXT NOT NULL,
    subheadings   TEXT NOT NULL DEFAULT '[]',    -- JSON list
    body          TEXT NOT NULL,
    speaker       TEXT,
    headline      TEXT,
    related_title TEXT,
    prov_path     TEXT,
    url           TEXT,
    line_start    INTEGER,
    line_end      INTEGER,
    page_start    INTEGER,
    page_end      INTEGER,
    issue         TEXT,                          -- JSON IssueMeta
    published_at  TEXT,
    source_name   TEXT,
    author        TEXT,
    status        TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'accepted', 'rejected')),
    created_at    TEXT NOT NULL
);
CREATE INDEX articles_document ON articles (document_id, position);
CREATE INDEX articles_section ON articles (section);

CREATE TABLE issues (
    id         INTEGER PRIMARY KEY,
    number     TEXT,
    title      TEXT,
    date       TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE issue_items (
    issue_id   INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    article_id TEXT NOT NULL REFERENCES articles (id),
    section    TEXT,
    position   INTEGER NOT NULL,
    overrides  TEXT NOT NULL DEFAULT '{}',       -- JSON: edited title, body ... for this issue only
    PRIMARY KEY (issue_id, article_id)
);

CREATE TABLE analysis (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    stage      TEXT NOT NULL,
    result     TEXT NOT NULL,                    -- JSON
    version    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (article_id, stage)
);

-- Overlapping character bigrams of the folded text (see jiance.store.search); contentless because the
-- text lives in articles. The ascii tokenizer keeps every non-ASCII character, so a bigram is one token.
CREATE VIRTUAL TABLE article_fts USING fts5 (title, body, tokenize = 'ascii', content = '');
INSERT INTO article_fts (article_fts, rank) VALUES ('rank', 'bm25(5.0, 1.0)');
-- Titles again on their own: the title-first pass then walks short doclists, not every body's.
CREATE VIRTUAL TABLE title_fts USING fts5 (title, tokenize = 'ascii', content = '');
"""
