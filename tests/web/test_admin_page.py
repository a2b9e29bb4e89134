"""The admin page: users, roles, editions, passwords and the audit log, admins only."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jiance import accounts
from jiance.errors import AuthError
from jiance.store.accounts import AuditRow, accounts_for
from jiance.web import create_app
from jiance.workspace import open_store

from .conftest import PASSWORDS, csrf_of

ClientAs = Callable[[str], tuple[TestClient, str]]


def _as(client_as: ClientAs, role: str) -> tuple[TestClient, str]:
    client, _ = client_as(role)
    return client, csrf_of(client.get("/search").text)


def _audit(workspace: Path, action: str) -> list[AuditRow]:
    with open_store(workspace) as store:
        return [r for r in accounts_for(store).audit_rows() if r.action == action]


def _login(workspace: Path, name: str, password: str) -> int:
    """The status of a fresh login (303 on success, 401 when refused)."""
    with TestClient(create_app(workspace), base_url="http://testserver") as client:
        token = re.search(r'name="login_csrf" value="([^"]+)"', client.get("/login").text)
        assert token
        data = {"username": name, "password": password, "login_csrf": token.group(1)}
        return client.post("/login", data=data, follow_redirects=False).status_code


def test_page_lists_users_and_audit_rows(client_as: ClientAs) -> None:
    client, _ = _as(client_as, "admin")
    page = client.get("/admin")
    assert page.status_code == 200
    for name in ("admin", "editor", "viewer"):
        assert f"<strong>{name}</strong>" in page.text
    assert "<code>user.login</code>" in page.text  # the logins of this test are audited
    assert "argon2" not in page.text  # no password hash on the page


def test_only_admins_reach_the_page(client_as: ClientAs) -> None:
    for role in ("viewer", "editor"):
        client, csrf = _as(client_as, role)
        assert client.get("/admin").status_code == 403
        created = client.post("/admin/users", data={"csrf_token": csrf, "name": "x1", "password": "p" * 12})
        assert created.status_code == 403


def test_creating_a_user_audits_without_the_password(web_workspace: Path, client_as: ClientAs) -> None:
    client, csrf = _as(client_as, "admin")
    form = {"csrf_token": csrf, "name": "client-b", "password": "client-b-pass-1", "role": "viewer",
            "editions": "carrier，government carrier"}  # fmt: skip
    response = client.post("/admin/users", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin"
    row = _audit(web_workspace, "user.add")[0]
    assert row.actor == "admin" and row.target == "user:client-b"
    assert row.after == {"role": "viewer", "editions": ["carrier", "government"]}
    assert "client-b-pass-1" not in repr(row)
    assert _login(web_workspace, "client-b", "client-b-pass-1") == 303


def test_a_refused_user_shows_the_reason(web_workspace: Path, client_as: ClientAs) -> None:
    client, csrf = _as(client_as, "admin")
    short = client.post("/admin/users", data={"csrf_token": csrf, "name": "newbie", "password": "short"})
    assert short.status_code == 400 and "at least 10 characters" in short.text and "操作未执行" in short.text
    taken = client.post("/admin/users", data={"csrf_token": csrf, "name": "editor", "password": "p" * 12})
    assert taken.status_code == 400 and "already exists" in taken.text
    assert _audit(web_workspace, "user.add") == []


def test_updating_role_editions_and_disabled(web_workspace: Path, client_as: ClientAs) -> None:
    client, csrf = _as(client_as, "admin")
    form = {"csrf_token": csrf, "role": "viewer", "editions": "carrier", "disabled": "true"}
    assert client.post("/admin/users/editor", data=form, follow_redirects=False).status_code == 303
    row = _audit(web_workspace, "user.update")[0]
    assert row.before["role"] == "editor" and row.before["disabled"] is False
    assert (row.after["role"], row.after["editions"], row.after["disabled"]) == ("viewer", ["carrier"], True)
    assert _login(web_workspace, "editor", PASSWORDS["editor"]) != 303  # disabled users cannot log in
    again = {"csrf_token": csrf, "role": "viewer", "editions": "carrier"}
    client.post("/admin/users/editor", data=again)
    assert _login(web_workspace, "editor", PASSWORDS["editor"]) == 303


def test_saving_an_unchanged_user_writes_nothing(web_workspace: Path, client_as: ClientAs) -> None:
    client, csrf = _as(client_as, "admin")
    viewer, _ = _as(client_as, "viewer")
    client.post("/admin/users/viewer", data={"csrf_token": csrf, "role": "viewer", "editions": ""})
    assert _audit(web_workspace, "user.update") == []
    assert viewer.get("/search", follow_redirects=False).status_code == 200  # the session survived


def test_an_admin_cannot_demote_or_disable_themselves(web_workspace: Path, client_as: ClientAs) -> None:
    client, csrf = _as(client_as, "admin")
    demote = client.post("/admin/users/admin", data={"csrf_token": csrf, "role": "editor"})
    assert demote.status_code == 400 and "your own admin role" in demote.text
    disable = client.post(
        "/admin/users/admin", data={"csrf_token": csrf, "role": "admin", "disabled": "true"}
    )
    assert disable.status_code == 400
    assert client.get("/admin").status_code == 200 and _audit(web_workspace, "user.update") == []
    with open_store(web_workspace) as store, pytest.raises(AuthError):
        accounts.update_user(store, "admin", disabled=True, actor="admin")


def test_setting_a_password(web_workspace: Path, client_as: ClientAs) -> None:
    client, csrf = _as(client_as, "admin")
    url = "/admin/users/viewer/password"
    assert client.post(url, data={"csrf_token": csrf, "password": "new-viewer-pass-9"}).status_code == 200
    row = _audit(web_workspace, "user.password")[0]
    assert (row.target, row.before, row.after) == ("user:viewer", None, None)
    assert _login(web_workspace, "viewer", "new-viewer-pass-9") == 303
    assert (
        client.post(
            "/admin/users/nobody/password", data={"csrf_token": csrf, "password": "x" * 12}
        ).status_code
        == 404
    )


def test_mutations_need_csrf(web_workspace: Path, client_as: ClientAs) -> None:
    client, _ = _as(client_as, "admin")
    assert client.post("/admin/users", data={"name": "x2", "password": "p" * 12}).status_code == 403
    assert client.post("/admin/users/editor", data={"role": "viewer"}).status_code == 403
    assert client.post("/admin/users/editor/password", data={"password": "p" * 12}).status_code == 403
    assert _audit(web_workspace, "user.add") == [] and _audit(web_workspace, "user.update") == []


def test_hostile_names_are_escaped(client_as: ClientAs) -> None:
    client, csrf = _as(client_as, "admin")
    name = "<script>alert(1)</script>"
    client.post(
        "/admin/users", data={"csrf_token": csrf, "name": name, "password": "p" * 12, "editions": "<b>x</b>"}
    )
    page = client.get("/admin").text
    assert "<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>" in page
    assert "<script>alert(1)" not in page and "<b>x</b>" not in page
    assert 'action="/admin/users/%3Cscript%3Ealert%281%29%3C/script%3E"' in page


def test_audit_can_be_filtered_by_target(client_as: ClientAs) -> None:
    client, csrf = _as(client_as, "admin")
    client.post("/admin/users/viewer/password", data={"csrf_token": csrf, "password": "another-pass-77"})
    page = client.get("/admin", params={"target": "user:viewer"}).text
    assert "<code>user.password</code>" in page and "<code>user.login</code>" not in page
