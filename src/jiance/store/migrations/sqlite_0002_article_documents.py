"""Migration 2: every document an article's text arrived from, not only the first one.

``articles.document_id`` keeps the first document (the one the article was stored from); a later file that
carries the same text used to leave no trace. ``article_documents`` records each (article, document) pair
once, with the article's position in that document and when the link was first seen; its rowid order is
the order the links were made, so the first document comes first. The back-fill copies the one link every
existing article has; ``IF NOT EXISTS`` and ``OR IGNORE`` make the script safe to run twice.
"""

SQL = """
CREATE TABLE IF NOT EXISTS article_documents (
    article_id  TEXT NOT NULL REFERENCES articles (id),
    document_id TEXT NOT NULL REFERENCES documents (id),
    position    INTEGER NOT NULL,
    first_seen  TEXT NOT NULL,
    UNIQUE (article_id, document_id)
);
CREATE INDEX IF NOT EXISTS article_documents_document ON article_documents (document_id, position);

INSERT OR IGNORE INTO article_documents (article_id, document_id, position, first_seen)
    SELECT id, document_id, position, created_at FROM articles ORDER BY seq;
"""
