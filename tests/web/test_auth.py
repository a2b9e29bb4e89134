"""Logging in and out: argon2id passwords, session cookie flags, CSRF, rate limiting, first-run hint."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from tests.web.conftest import PASSWORDS, login

from jiance import accounts
from jiance.store.accounts import accounts_for
from jiance.web import create_app
from jiance.workspace import init_workspace, open_store


def _login_token(client: TestClient) -> str:
    match = re.search(r'name="login_csrf" value="([^"]+)"', client.get("/login").text)
    assert match
    return match.group(1)


def test_login_sets_a_hardened_session_cookie(app_client: TestClient) -> None:
    token = _login_token(app_client)
    response = app_client.post(
        "/login",
        data={"username": "editor", "password": PASSWORDS["editor"], "login_csrf": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert (
        "jiance_session=" in cookie
        and "HttpOnly" in cookie
        and "SameSite=lax" in cookie.replace("Lax", "lax")
    )
    assert "Secure" not in cookie  # plain http on loopback; auto turns it on behind HTTPS
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


def test_cookie_is_secure_behind_https(web_workspace: Path) -> None:
    with TestClient(create_app(web_workspace), base_url="https://testserver") as client:
        token = _login_token(client)
        response = client.post(
            "/login",
            data={"username": "viewer", "password": PASSWORDS["viewer"], "login_csrf": token},
            follow_redirects=False,
        )
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_password_and_unknown_user_look_the_same(app_client: TestClient) -> None:
    bad = app_client.post(
        "/login",
        data={"username": "editor", "password": "nope-nope-nope", "login_csrf": _login_token(app_client)},
    )
    unknown = app_client.post(
        "/login",
        data={"username": "ghost", "password": "nope-nope-nope", "login_csrf": _login_token(app_client)},
    )
    assert bad.status_code == unknown.status_code == 401
    assert "wrong user name or password" in bad.text and "wrong user name or password" in unknown.text


def test_login_without_its_form_token_is_refused(app_client: TestClient) -> None:
    response = app_client.post(
        "/login", data={"username": "editor", "password": PASSWORDS["editor"], "login_csrf": "forged"}
    )
    assert response.status_code == 403


def test_logins_are_rate_limited_per_user(app_client: TestClient) -> None:
    for _ in range(accounts.MAX_FAILURES):
        app_client.post(
            "/login",
            data={"username": "admin", "password": "wrong-wrong-1", "login_csrf": _login_token(app_client)},
        )
    blocked = app_client.post(
        "/login",
        data={"username": "admin", "password": PASSWORDS["admin"], "login_csrf": _login_token(app_client)},
    )
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0


def test_open_redirects_are_refused(app_client: TestClient) -> None:
    token = _login_token(app_client)
    response = app_client.post(
        "/login",
        data={
            "username": "editor",
            "password": PASSWORDS["editor"],
            "login_csrf": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_logout_needs_csrf_and_ends_the_session(client_as: Callable[[str], tuple[TestClient, str]]) -> None:
    client, csrf = client_as("editor")
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_a_password_change_ends_every_session(
    client_as: Callable[[str], tuple[TestClient, str]], web_workspace: Path
) -> None:
    client, _ = client_as("viewer")
    with open_store(web_workspace) as store:
        accounts.set_password(store, "viewer", "a-brand-new-password")
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_first_start_tells_how_to_create_a_user(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "empty")
    with TestClient(create_app(ws)) as client:
        assert "jiance user add NAME --role admin" in client.get("/login").text


def test_passwords_are_argon2id_and_sessions_stored_as_digests(
    app_client: TestClient, web_workspace: Path
) -> None:
    login(app_client, "editor")
    cookie = app_client.cookies.get("jiance_session")
    with open_store(web_workspace) as store:
        row = accounts_for(store).user("editor")
        assert row is not None and row.password_hash.startswith("$argon2id$")
        stored = [r[0] for r in store._read("SELECT token_hash FROM sessions")]  # type: ignore[attr-defined]
    assert cookie and cookie not in stored and len(stored[0]) == 64
