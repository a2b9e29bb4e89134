"""What every route gets: a store of its own for the request, who is asking, and the role check.

Deny by default: every route depends on :func:`need` (pages, cookie session + CSRF) or :func:`api_need`
(JSON API, bearer token) with the least role it allows, or on :func:`public` to say out loud that anyone may
call it. ``tests/web/test_access.py`` walks every route with every role and fails on a route that has none
of the three. Mutations run inside ``ctx.store.transaction()`` with ``ctx.audit(...)`` so the change and its
audit row commit together.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse

from jiance import accounts
from jiance.accounts import Session, User
from jiance.settings import Settings
from jiance.store.base import Store
from jiance.workspace import open_store

__all__ = [
    "SESSION_COOKIE",
    "Ctx",
    "LoginRequired",
    "api_need",
    "need",
    "public",
    "route_role",
    "walk_routes",
]

SESSION_COOKIE = "jiance_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class LoginRequired(Exception):
    """A page asked for by someone not logged in: the app answers with a redirect to /login."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


@dataclass(slots=True)
class Ctx:
    """One request's view of the app: its own store, the user (None for public routes), their session."""

    request: Request
    store: Store
    settings: Settings
    workspace: Path
    user: User | None = None
    session: Session | None = None

    @property
    def ip(self) -> str | None:
        return self.request.client.host if self.request.client else None

    @property
    def csrf(self) -> str:
        return self.session.csrf if self.session else ""

    def audit(self, action: str, target: str | None, *, before: Any = None, after: Any = None) -> None:
        """An audit row for a change made in this request (call inside ``store.transaction()``)."""
        accounts.audit(
            self.store,
            self.user.name if self.user else None,
            action,
            target,
            before=before,
            after=after,
            ip=self.ip,
        )

    def require(self, role: str) -> User:
        """Inside a route: a further check (e.g. an editor-only button on a viewer page)."""
        if self.user is None or not self.user.can(role):
            raise HTTPException(403, "your role does not allow this")
        return self.user


def _open(request: Request) -> Store:
    """The request's store: SQLite or PostgreSQL, as the workspace says; migrated once by create_app."""
    state = request.app.state
    return open_store(state.workspace, state.settings, migrate=False, check_same_thread=False)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def _csrf_ok(request: Request, session: Session) -> bool:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()  # Starlette caches it: the route reads the same form again
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    return bool(sent) and secrets.compare_digest(sent or "", session.csrf)


def need(role: str) -> Callable[..., AsyncIterator[Ctx]]:
    """Dependency of a page route: a logged-in user with at least ``role``; CSRF checked on mutations."""

    async def dependency(request: Request) -> AsyncIterator[Ctx]:
        state = request.app.state
        store = _open(request)
        try:
            session = accounts.session_user(store, request.cookies.get(SESSION_COOKIE))
            if session is None:
                if request.method == "GET" and not _is_htmx(request):
                    raise LoginRequired(
                        str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
                    )
                raise HTTPException(401, "log in first")
            if not session.user.can(role):
                raise HTTPException(403, "your role does not allow this")
            if request.method in _UNSAFE and not await _csrf_ok(request, session):
                raise HTTPException(403, "missing or wrong CSRF token; reload the page")
            yield Ctx(request, store, state.settings, state.workspace, session.user, session)
        finally:
            store.close()

    dependency.jiance_role = role  # type: ignore[attr-defined]
    return dependency


def api_need(role: str) -> Callable[..., AsyncIterator[Ctx]]:
    """Dependency of a JSON API route: ``Authorization: Bearer <token>`` of a user with at least ``role``."""

    async def dependency(request: Request) -> AsyncIterator[Ctx]:
        state = request.app.state
        store = _open(request)
        try:
            header = request.headers.get("authorization", "")
            token = header[7:].strip() if header[:7].lower() == "bearer " else None
            user = accounts.token_user(store, token)
            if user is None:
                raise HTTPException(
                    401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
                )
            if not user.can(role):
                raise HTTPException(403, "your role does not allow this")
            yield Ctx(request, store, state.settings, state.workspace, user, None)
        finally:
            store.close()

    dependency.jiance_role = role  # type: ignore[attr-defined]
    dependency.jiance_api = True  # type: ignore[attr-defined]
    return dependency


async def public(request: Request) -> AsyncIterator[Ctx]:
    """Dependency of a route anyone may call (the login page); the session is read when there is one."""
    state = request.app.state
    store = _open(request)
    try:
        session = accounts.session_user(store, request.cookies.get(SESSION_COOKIE))
        if request.method in _UNSAFE and session is not None and not await _csrf_ok(request, session):
            raise HTTPException(403, "missing or wrong CSRF token; reload the page")
        yield Ctx(request, store, state.settings, state.workspace, session.user if session else None, session)
    finally:
        store.close()


public.jiance_role = None  # type: ignore[attr-defined]


def route_role(route: Any) -> tuple[bool, str | None, bool]:
    """(declared, least role or None for public, is API) of a route, read from its dependencies."""
    dependant = getattr(route, "dependant", None)
    for dep in dependant.dependencies if dependant else []:
        call = dep.call
        if hasattr(call, "jiance_role"):
            return True, call.jiance_role, bool(getattr(call, "jiance_api", False))
    return False, None, False


def walk_routes(routes: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Every API route of an app as (full path, route), through included routers (FastAPI ≥ 0.160 keeps
    an included router as one entry of ``app.routes`` instead of copying its routes)."""
    found: list[tuple[str, Any]] = []
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            found += walk_routes(included.routes, prefix + route.include_context.prefix)
        elif hasattr(route, "dependant"):
            found.append((prefix + route.path, route))
    return found


def login_redirect(next_url: str) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(next_url, safe='/')}", status_code=303)
