"""Migration 5: what the web app needs: users and roles, sessions, API tokens, the audit log, login
attempts (rate limiting that survives a restart and is shared by workers), saved searches, and snoozing an
inbox article. Secrets are never stored: sessions and tokens by SHA-256, passwords as argon2id hashes.
"""

SQL = """
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    role                TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    password_hash       TEXT NOT NULL,
    editions            TEXT NOT NULL DEFAULT '[]',   -- JSON: editions a viewer (client) may see; [] = all
    disabled            INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,                      -- sha256 of the cookie value
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen  TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,                  -- sha256 of the bearer token
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT,
    created_at TEXT NOT NULL,
    last_used  TEXT,
    revoked    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  TEXT,                                      -- user name, or 'cli'
    action TEXT NOT NULL,                             -- e.g. issue.add, article.reject, user.add
    target TEXT,
    before TEXT,                                      -- JSON
    after  TEXT,                                      -- JSON
    ip     TEXT
);
CREATE INDEX audit_log_target ON audit_log (target, id);

CREATE TABLE login_attempts (
    key TEXT NOT NULL,                                -- 'ip:…' or 'user:…'
    at  REAL NOT NULL                                 -- unix time of a failed attempt
);
CREATE INDEX login_attempts_key ON login_attempts (key, at);

CREATE TABLE saved_searches (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    filters    TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    UNIQUE (user_id, name)
);

ALTER TABLE articles ADD COLUMN snoozed_until TEXT;
"""
