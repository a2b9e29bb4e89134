"""Migration 4: what publishing needs on top of the issue tables of migration 1.

An issue gains its status (draft → published), the 本期要点 lines, the key-figures box and its column
order as JSON, the document it was made from (``issue new --from FILE``) and an update time. Every build
is recorded in ``issue_builds`` (edition, format, hash, pages) so an editor sees what went out, and so
"already published in an earlier issue" can be answered from the store alone.
"""

SQL = """
ALTER TABLE issues ADD COLUMN status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published'));
ALTER TABLE issues ADD COLUMN highlights TEXT NOT NULL DEFAULT '[]';     -- JSON list of lines
ALTER TABLE issues ADD COLUMN key_figures TEXT NOT NULL DEFAULT '[]';    -- JSON list of KeyFigure records
ALTER TABLE issues ADD COLUMN sections TEXT NOT NULL DEFAULT '[]';       -- JSON column order
ALTER TABLE issues ADD COLUMN source_document_id TEXT REFERENCES documents (id);
ALTER TABLE issues ADD COLUMN published_at TEXT;
ALTER TABLE issues ADD COLUMN updated_at TEXT;
CREATE INDEX issue_items_article ON issue_items (article_id);
CREATE INDEX issues_date ON issues (date, id);

CREATE TABLE issue_builds (
    id        INTEGER PRIMARY KEY,
    issue_id  INTEGER NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    edition   TEXT NOT NULL,
    format    TEXT NOT NULL,
    path      TEXT,
    sha256    TEXT NOT NULL,
    size      INTEGER NOT NULL,
    pages     INTEGER,
    built_at  TEXT NOT NULL
);
CREATE INDEX issue_builds_issue ON issue_builds (issue_id, built_at);
"""
