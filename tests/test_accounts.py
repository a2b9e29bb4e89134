"""Accounts: argon2id passwords, sessions and tokens stored as digests, login limits, roles, audit rows
that commit (or roll back) with the change they record."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiance import accounts
from jiance.errors import AuthError, ConfigError, RateLimitedError, StoreError
from jiance.publish import issues as lib
from jiance.store.accounts import accounts_for
from jiance.store.sqlite import SQLiteStore


@pytest.fixture
def store(backend_store: SQLiteStore) -> SQLiteStore:
    """Both backends (tests/conftest.py)."""
    return backend_store


def test_roles_are_ordered() -> None:
    assert accounts.has_role("admin", "editor") and accounts.has_role("editor", "viewer")
    assert not accounts.has_role("viewer", "editor") and not accounts.has_role("editor", "admin")


def test_users_are_checked_and_unique(store: SQLiteStore) -> None:
    accounts.add_user(store, "wang", "long-enough-pw", "editor")
    with pytest.raises(StoreError, match="already exists"):
        accounts.add_user(store, "wang", "long-enough-pw", "viewer")
    with pytest.raises(ConfigError, match="at least"):
        accounts.add_user(store, "li", "short", "editor")
    with pytest.raises(ConfigError, match="unknown role"):
        accounts.add_user(store, "li", "long-enough-pw", "root")
    with pytest.raises(ConfigError):
        accounts.add_user(store, "has space", "long-enough-pw", "editor")


def test_authenticate_and_rate_limit(store: SQLiteStore) -> None:
    accounts.add_user(store, "zhao", "correct-horse-1", "viewer")
    assert accounts.authenticate(store, "zhao", "correct-horse-1", ip="10.0.0.1").role == "viewer"
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(AuthError):
            accounts.authenticate(store, "zhao", "wrong-password", ip="10.0.0.2")
    with pytest.raises(RateLimitedError) as blocked:
        accounts.authenticate(store, "zhao", "correct-horse-1", ip="10.0.0.3")
    assert 0 < blocked.value.retry_after <= accounts.FAILURE_WINDOW_S + 1
    # another user from a clean address is not affected
    accounts.add_user(store, "qian", "correct-horse-2", "viewer")
    assert accounts.authenticate(store, "qian", "correct-horse-2", ip="10.0.0.9").name == "qian"


def test_disabled_users_cannot_log_in_or_use_tokens(store: SQLiteStore) -> None:
    accounts.add_user(store, "sun", "correct-horse-3", "editor")
    token = accounts.create_token(store, "sun")
    session = accounts.new_session(store, accounts.authenticate(store, "sun", "correct-horse-3"))
    accounts.update_user(store, "sun", disabled=True)
    with pytest.raises(AuthError):
        accounts.authenticate(store, "sun", "correct-horse-3")
    assert accounts.token_user(store, token) is None and accounts.session_user(store, session.token) is None


def test_secrets_are_stored_as_digests(store: SQLiteStore) -> None:
    user = accounts.add_user(store, "zhou", "correct-horse-4", "admin")
    token = accounts.create_token(store, "zhou", label="ci")
    session = accounts.new_session(store, user)
    tables = ("users", "sessions", "api_tokens", "audit_log")
    dump = "\n".join(repr(row) for table in tables for row in store._read(f"SELECT * FROM {table}"))
    assert "zhou" in dump  # the dump holds the rows
    assert token not in dump and session.token not in dump and "correct-horse-4" not in dump
    assert accounts.token_user(store, token) == user
    assert accounts.session_user(store, session.token) is not None
    assert accounts.token_user(store, "jct_forged") is None and accounts.token_user(store, None) is None


def test_a_change_and_its_audit_row_commit_together(store: SQLiteStore, tmp_path: Path) -> None:
    issue = lib.new_issue(store, "周报")
    with store.transaction():
        lib.set_highlights(store, issue.id, ["第一条"])
        accounts.audit(store, "wu", "issue.highlights", f"issue:{issue.id}", after=["第一条"])
    with pytest.raises(RuntimeError), store.transaction():
        lib.set_highlights(store, issue.id, ["不会留下"])
        accounts.audit(store, "wu", "issue.highlights", f"issue:{issue.id}", after=["不会留下"])
        raise RuntimeError("the request failed after the change")
    assert lib.get_issue(store, issue.id).highlights == ["第一条"]
    rows = accounts_for(store).audit_rows(target=f"issue:{issue.id}")
    assert [(r.actor, r.after) for r in rows] == [("wu", ["第一条"])]
