"""Log in and out. The login form carries a CSRF token of its own (a random value in a short-lived cookie
and in the form, compared on POST), since there is no session yet to bind one to."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException
from fastapi.responses import RedirectResponse, Response

from jiance import accounts
from jiance.errors import AuthError, RateLimitedError
from jiance.store.accounts import accounts_for
from jiance.web.app import templates
from jiance.web.deps import SESSION_COOKIE, Ctx, need, public
from jiance.web.security import cookie_secure

router = APIRouter()
LOGIN_CSRF_COOKIE = "jiance_login_csrf"


def _safe_next(value: str | None) -> str:
    """Only a path on this site (no //host, no scheme): an open redirect would help phishing."""
    if value and value.startswith("/") and not value.startswith("//") and "\\\\" not in value:
        return value
    return "/"


def _login_page(ctx: Ctx, next_url: str, error: str | None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    first_run = accounts_for(ctx.store).count_users() == 0
    response = templates.TemplateResponse(
        ctx.request,
        "login.html.j2",
        {
            "user": None,
            "csrf": "",
            "nav": "",
            "login_csrf": token,
            "next": next_url,
            "error": error,
            "first_run": first_run,
        },
        status_code=status,
    )
    secure = cookie_secure(
        ctx.settings.web_secure_cookies, ctx.request.url.scheme, ctx.request.headers.get("x-forwarded-proto")
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, max_age=900, httponly=True, samesite="strict", secure=secure, path="/login"
    )
    return response


@router.get("/login", include_in_schema=False)
async def login_form(ctx: Annotated[Ctx, Depends(public)], next: str | None = None) -> Response:
    if ctx.user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(ctx, _safe_next(next), None)


@router.post("/login", include_in_schema=False)
async def login(
    ctx: Annotated[Ctx, Depends(public)],
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    login_csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    cookie = ctx.request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie, login_csrf):
        raise HTTPException(403, "the login form expired; reload the page")
    try:
        user = accounts.authenticate(ctx.store, username.strip(), password, ip=ctx.ip)
    except RateLimitedError as exc:
        response = _login_page(ctx, _safe_next(next), str(exc), status=429)
        response.headers["retry-after"] = str(exc.retry_after)
        return response
    except AuthError as exc:
        return _login_page(ctx, _safe_next(next), str(exc), status=401)
    session = accounts.new_session(ctx.store, user)
    with ctx.store.transaction():
        ctx.user = user
        ctx.audit("user.login", f"user:{user.name}")
    response = RedirectResponse(_safe_next(next), status_code=303)
    secure = cookie_secure(
        ctx.settings.web_secure_cookies, ctx.request.url.scheme, ctx.request.headers.get("x-forwarded-proto")
    )
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=accounts.SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", include_in_schema=False)
async def logout(ctx: Annotated[Ctx, Depends(need("viewer"))]) -> Response:
    if ctx.session is not None:
        accounts.end_session(ctx.store, ctx.session.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", include_in_schema=False)
async def home(ctx: Annotated[Ctx, Depends(need("viewer"))]) -> Response:
    """Editors start at the inbox; a viewer (a client) at the issues they may read."""
    target = "/inbox" if ctx.user is not None and ctx.user.can("editor") else "/issues"
    return RedirectResponse(target, status_code=303)
