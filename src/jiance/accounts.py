"""Users, roles, passwords, sessions, API tokens and the audit log: the policy the web app, the JSON API,
the MCP server and the CLI share.

Roles are ordered: viewer < editor < admin. A viewer reads (a client's viewer account may be limited to its
editions), an editor curates and publishes, an admin also manages users. Passwords are hashed with argon2id
(argon2-cffi's defaults: t=3, m=64 MiB, p=4); sessions and API tokens are random 256-bit values stored only
as SHA-256 digests, so a copy of the store leaks no credential. Failed logins are counted per address and
per user name in the store: five failures in five minutes refuse further tries until the window passes.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from jiance.errors import AuthError, ConfigError, NotFoundError, RateLimitedError
from jiance.store.accounts import UserRow, accounts_for
from jiance.store.base import Store

__all__ = [
    "ROLES",
    "Role",
    "Session",
    "User",
    "add_user",
    "audit",
    "authenticate",
    "create_token",
    "end_session",
    "has_role",
    "list_users",
    "new_session",
    "session_user",
    "set_password",
    "token_user",
    "update_user",
]

Role = Literal["viewer", "editor", "admin"]
ROLES: tuple[str, ...] = ("viewer", "editor", "admin")
MIN_PASSWORD = 10
MAX_FAILURES = 5
FAILURE_WINDOW_S = 300
SESSION_HOURS = 12
TOKEN_PREFIX = "jct_"

_HASHER = PasswordHasher()
# A hash to verify against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


@dataclass(slots=True)
class User:
    """Who is acting: name, role and the editions a viewer may see (empty: every edition)."""

    id: int
    name: str
    role: str
    editions: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, row: UserRow) -> User:
        return cls(row.id, row.name, row.role, list(row.editions))

    def can(self, role: str) -> bool:
        return has_role(self.role, role)


@dataclass(slots=True)
class Session:
    """A live login: the cookie value (given to the browser once), its CSRF token and expiry."""

    token: str
    csrf: str
    expires_at: str
    user: User


def has_role(have: str, need: str) -> bool:
    """True when role ``have`` includes the rights of ``need`` (admin ⊃ editor ⊃ viewer)."""
    return ROLES.index(have) >= ROLES.index(need)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}; choose from {', '.join(ROLES)}", where=role)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"a password needs at least {MIN_PASSWORD} characters")


def add_user(
    store: Store, name: str, password: str, role: str = "editor", editions: Sequence[str] = ()
) -> User:
    """A new user; the password is hashed with argon2id and never stored."""
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() for c in name):
        raise ConfigError("a user name is 1–64 characters without spaces", where=name)
    _check_role(role)
    _check_password(password)
    user_id = accounts_for(store).add_user(name, role, _HASHER.hash(password), editions)
    return User(user_id, name, role, list(editions))


def list_users(store: Store) -> list[User]:
    return [User.of(row) for row in accounts_for(store).users() if not row.disabled]


def set_password(store: Store, name: str, password: str) -> None:
    """Change a password; every session of the user ends."""
    _check_password(password)
    row = accounts_for(store).user(name)
    if row is None:
        raise NotFoundError(f"no user {name!r}", where=name)
    accounts_for(store).update_user(row.id, password_hash=_HASHER.hash(password))


def _check_self_change(actor: str | None, name: str, role: str | None, disabled: bool | None) -> None:
    """An admin may not demote or disable themselves: the app must keep an admin who can undo a mistake."""
    if actor is None or actor != name:
        return
    if (role is not None and role != "admin") or disabled:
        raise AuthError("you cannot remove your own admin role or disable yourself", where=name)


def update_user(store: Store, name: str, *, role: str | None = None, editions: Sequence[str] | None = None,
                disabled: bool | None = None, actor: str | None = None) -> User:  # fmt: skip
    """Change a user's role, editions or disabled flag (a change of role or disabling ends the sessions).

    ``actor`` is the admin making the change; they may not take away their own admin role or disable
    themselves.
    """
    accounts = accounts_for(store)
    row = accounts.user(name)
    if row is None:
        raise NotFoundError(f"no user {name!r}", where=name)
    if row.role == "admin":
        _check_self_change(actor, name, role, disabled)
    fields: dict[str, Any] = {}
    if role is not None:
        _check_role(role)
        fields["role"] = role
    if editions is not None:
        fields["editions"] = list(editions)
    if disabled is not None:
        fields["disabled"] = int(disabled)
    if fields:
        accounts.update_user(row.id, **fields)
    updated = accounts.user(name)
    assert updated is not None
    return User.of(updated)


def _limited(store: Store, keys: Sequence[str]) -> int:
    """Seconds until the next login may be tried, 0 when it may be tried now."""
    now = time.time()
    accounts = accounts_for(store)
    for key in keys:
        failures = accounts.failed_attempts(key, now - FAILURE_WINDOW_S)
        if len(failures) >= MAX_FAILURES:
            return max(1, int(failures[-MAX_FAILURES] + FAILURE_WINDOW_S - now) + 1)
    return 0


def authenticate(store: Store, name: str, password: str, *, ip: str | None = None) -> User:
    """The user whose name and password these are, or AuthError; RateLimitedError after too many failures.

    The message is the same for an unknown name and a wrong password, and both cost one argon2 check.
    """
    keys = [f"user:{name}"] + ([f"ip:{ip}"] if ip else [])
    wait = _limited(store, keys)
    if wait:
        raise RateLimitedError(f"too many failed logins; try again in {wait} s", retry_after=wait)
    accounts = accounts_for(store)
    row = accounts.user(name)
    try:
        _HASHER.verify(row.password_hash if row and not row.disabled else _DUMMY_HASH, password)
        ok = row is not None and not row.disabled
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        accounts.record_failure(keys)
        raise AuthError("wrong user name or password")
    accounts.clear_failures([f"user:{name}"])
    if _HASHER.check_needs_rehash(row.password_hash):
        accounts.update_user(row.id, password_hash=_HASHER.hash(password))
    return User.of(row)


def new_session(store: Store, user: User, *, hours: int = SESSION_HOURS) -> Session:
    """A login session: a random cookie value and CSRF token; only the cookie's digest is stored."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = (datetime.now(UTC) + timedelta(hours=hours)).isoformat(timespec="seconds")
    accounts_for(store).add_session(_digest(token), user.id, csrf, expires)
    return Session(token, csrf, expires, user)


def session_user(store: Store, token: str | None) -> Session | None:
    """The live session behind a cookie value (None when absent, unknown, expired or the user disabled)."""
    if not token:
        return None
    accounts = accounts_for(store)
    found = accounts.session(_digest(token))
    if found is None:
        return None
    user_id, csrf, expires = found
    if expires <= datetime.now(UTC).isoformat(timespec="seconds"):
        accounts.end_session(_digest(token))
        return None
    row = accounts.user_by_id(user_id)
    if row is None or row.disabled:
        return None
    return Session(token, csrf, expires, User.of(row))


def end_session(store: Store, token: str) -> None:
    accounts_for(store).end_session(_digest(token))


def create_token(store: Store, name: str, *, label: str | None = None) -> str:
    """A bearer token carrying the user's role; printed once, stored as its digest."""
    row = accounts_for(store).user(name)
    if row is None or row.disabled:
        raise NotFoundError(f"no user {name!r}", where=name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    accounts_for(store).add_token(_digest(token), row.id, label)
    return token


def token_user(store: Store, token: str | None) -> User | None:
    """The user behind a bearer token, or None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    accounts = accounts_for(store)
    user_id = accounts.token_user(_digest(token))
    row = accounts.user_by_id(user_id) if user_id is not None else None
    return User.of(row) if row is not None and not row.disabled else None


def audit(
    store: Store,
    actor: str | None,
    action: str,
    target: str | None,
    *,
    before: Any = None,
    after: Any = None,
    ip: str | None = None,
) -> None:
    """One audit row; inside ``store.transaction()`` it commits with the change it records."""
    accounts_for(store).audit(actor, action, target, before, after, ip)
