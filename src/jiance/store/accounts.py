"""What the web app keeps in the SQLite store: users, sessions, API tokens, audit rows, login attempts,
saved searches (migration 5). Policy (hashing, roles, limits) lives in :mod:`jiance.accounts`; this module
only reads and writes rows, through the store's one write path so that an audit row joins the
transaction of the change it records.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jiance.errors import NotFoundError, StoreError
from jiance.store.base import Store
from jiance.store.sqlbase import SQLStore

__all__ = ["AuditRow", "SQLiteAccounts", "SavedSearch", "UserRow", "accounts_for"]

_USER_COLUMNS = "id, name, role, password_hash, editions, disabled, created_at"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class UserRow:
    """A user as stored. ``editions`` limits a viewer (a client) to those editions; empty means all."""

    id: int
    name: str
    role: str
    password_hash: str
    editions: list[str] = field(default_factory=list)
    disabled: bool = False
    created_at: str = ""


@dataclass(slots=True)
class AuditRow:
    """One audited change: who did what to which record, with the record before and after."""

    id: int
    at: str
    actor: str | None
    action: str
    target: str | None
    before: Any
    after: Any
    ip: str | None


@dataclass(slots=True)
class SavedSearch:
    id: int
    user_id: int
    name: str
    query: str
    filters: dict[str, Any]


class SQLiteAccounts:
    """Account bookkeeping over an SQL store (:class:`jiance.store.sqlbase.SQLStore`)."""

    def __init__(self, store: SQLStore) -> None:
        self.store = store

    # -- users ------------------------------------------------------------------------------------------

    def _user(self, row: Sequence[Any]) -> UserRow:
        return UserRow(row[0], row[1], row[2], row[3], json.loads(row[4]), bool(row[5]), row[6])

    def add_user(self, name: str, role: str, password_hash: str, editions: Sequence[str] = ()) -> int:
        with self.store._write() as db:
            if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise StoreError(f"user {name!r} already exists", where=name)
            cur = db.execute(
                "INSERT INTO users (name, role, password_hash, editions, created_at, password_changed_at)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (name, role, password_hash, json.dumps(list(editions), ensure_ascii=False), _now(), _now()),
            )
            return int(cur.fetchone()[0])

    def user(self, name: str) -> UserRow | None:
        rows = self.store._read(f"SELECT {_USER_COLUMNS} FROM users WHERE name = ?", (name,))
        return self._user(rows[0]) if rows else None

    def user_by_id(self, user_id: int) -> UserRow | None:
        rows = self.store._read(f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?", (user_id,))
        return self._user(rows[0]) if rows else None

    def users(self) -> list[UserRow]:
        return [self._user(r) for r in self.store._read(f"SELECT {_USER_COLUMNS} FROM users ORDER BY name")]

    def count_users(self) -> int:
        return int(self.store._read("SELECT COUNT(*) FROM users")[0][0])

    def update_user(self, user_id: int, **fields: Any) -> None:
        """Change ``role``, ``password_hash``, ``editions`` (list) or ``disabled`` (bool)."""
        allowed = {"role", "password_hash", "editions", "disabled"}
        if set(fields) - allowed:
            raise StoreError(f"cannot update user fields {sorted(set(fields) - allowed)}")
        values = {k: json.dumps(v, ensure_ascii=False) if k == "editions" else v for k, v in fields.items()}
        if "password_hash" in values:
            values["password_changed_at"] = _now()
        assignments = ", ".join(f"{k} = ?" for k in values)
        with self.store._write() as db:
            cur = db.execute(f"UPDATE users SET {assignments} WHERE id = ?", (*values.values(), user_id))
            if cur.rowcount == 0:
                raise NotFoundError(f"no user {user_id}", where=str(user_id))
            if "password_hash" in fields or fields.get("disabled") or "role" in fields:
                db.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))  # log out everywhere

    # -- sessions ---------------------------------------------------------------------------------------

    def add_session(self, token_hash: str, user_id: int, csrf: str, expires_at: str) -> None:
        now = _now()
        with self.store._write() as db:
            db.execute(
                "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at, last_seen)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (token_hash, user_id, csrf, now, expires_at, now),
            )

    def session(self, token_hash: str) -> tuple[int, str, str] | None:
        """(user id, csrf token, expiry) of a live session."""
        rows = self.store._read(
            "SELECT user_id, csrf, expires_at FROM sessions WHERE token_hash = ?", (token_hash,)
        )
        return (rows[0][0], rows[0][1], rows[0][2]) if rows else None

    def end_session(self, token_hash: str) -> None:
        with self.store._write() as db:
            db.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    def purge_sessions(self, now_iso: str) -> int:
        with self.store._write() as db:
            return int(db.execute("DELETE FROM sessions WHERE expires_at <= ?", (now_iso,)).rowcount)

    # -- tokens -----------------------------------------------------------------------------------------

    def add_token(self, token_hash: str, user_id: int, name: str | None) -> int:
        with self.store._write() as db:
            cur = db.execute(
                "INSERT INTO api_tokens (token_hash, user_id, name, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                (token_hash, user_id, name, _now()),
            )
            return int(cur.fetchone()[0])

    def token_user(self, token_hash: str) -> int | None:
        rows = self.store._read(
            "SELECT user_id FROM api_tokens WHERE token_hash = ? AND revoked = 0", (token_hash,)
        )
        return int(rows[0][0]) if rows else None

    def revoke_tokens(self, user_id: int) -> int:
        with self.store._write() as db:
            return int(db.execute("UPDATE api_tokens SET revoked = 1 WHERE user_id = ?", (user_id,)).rowcount)

    # -- audit ------------------------------------------------------------------------------------------

    def audit(
        self, actor: str | None, action: str, target: str | None, before: Any, after: Any, ip: str | None
    ) -> None:
        with self.store._write() as db:
            db.execute(
                "INSERT INTO audit_log (at, actor, action, target, before, after, ip) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (_now(), actor, action, target, json.dumps(before, ensure_ascii=False, default=str),
                 json.dumps(after, ensure_ascii=False, default=str), ip),
            )  # fmt: skip

    def audit_rows(self, *, target: str | None = None, limit: int = 100) -> list[AuditRow]:
        where, params = ("WHERE target = ?", (target,)) if target else ("", ())
        rows = self.store._read(
            f"SELECT id, at, actor, action, target, before, after, ip FROM audit_log {where}"
            f" ORDER BY id DESC LIMIT {int(limit)}",
            params,
        )
        return [
            AuditRow(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), json.loads(r[6]), r[7]) for r in rows
        ]

    # -- login attempts ---------------------------------------------------------------------------------

    def failed_attempts(self, key: str, since: float) -> list[float]:
        rows = self.store._read(
            "SELECT at FROM login_attempts WHERE key = ? AND at > ? ORDER BY at", (key, since)
        )
        return [float(r[0]) for r in rows]

    def record_failure(self, keys: Sequence[str], *, keep_s: float = 86_400) -> None:
        now = time.time()
        with self.store._write() as db:
            db.executemany("INSERT INTO login_attempts (key, at) VALUES (?, ?)", [(k, now) for k in keys])
            db.execute("DELETE FROM login_attempts WHERE at < ?", (now - keep_s,))

    def clear_failures(self, keys: Sequence[str]) -> None:
        with self.store._write() as db:
            db.executemany("DELETE FROM login_attempts WHERE key = ?", [(k,) for k in keys])

    # -- saved searches ---------------------------------------------------------------------------------

    def save_search(self, user_id: int, name: str, query: str, filters: dict[str, Any]) -> int:
        with self.store._write() as db:
            cur = db.execute(
                "INSERT INTO saved_searches (user_id, name, query, filters, created_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query, filters = excluded.filters"
                " RETURNING id",
                (user_id, name, query, json.dumps(filters, ensure_ascii=False), _now()),
            )
            return int(cur.fetchone()[0])

    def saved_searches(self, user_id: int) -> list[SavedSearch]:
        rows = self.store._read(
            "SELECT id, user_id, name, query, filters FROM saved_searches WHERE user_id = ? ORDER BY name",
            (user_id,),
        )
        return [SavedSearch(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]

    def delete_search(self, user_id: int, search_id: int) -> bool:
        with self.store._write() as db:
            cur = db.execute("DELETE FROM saved_searches WHERE id = ? AND user_id = ?", (search_id, user_id))
            return bool(cur.rowcount > 0)


def accounts_for(store: Store) -> SQLiteAccounts:
    """The account bookkeeping of ``store``; every SQL store (SQLite, PostgreSQL) has it."""
    if not isinstance(store, SQLStore):
        raise StoreError(f"accounts need an SQL store, not {type(store).__name__}")
    return SQLiteAccounts(store)
