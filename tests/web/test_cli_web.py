"""`jiance user add`, `user list`, `user passwd` and `token create`: passwords from stdin, never argv."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from jiance import accounts
from jiance.cli import app
from jiance.web import create_app
from jiance.workspace import open_store


def _run(*args: str, stdin: str = "") -> object:
    return CliRunner().invoke(app, list(args), input=stdin, env={"JIANCE_WORKSPACE": None, "COLUMNS": "100"})


def test_user_add_reads_the_password_from_stdin_and_the_token_works(workspace: Path) -> None:
    ws = ["--workspace", str(workspace)]
    added = _run("user", "add", "liu", "--role", "editor", *ws, stdin="a-long-password-1\n")
    assert added.exit_code == 0, added.output  # type: ignore[attr-defined]
    with open_store(workspace) as store:
        assert accounts.authenticate(store, "liu", "a-long-password-1").role == "editor"
    listed = _run("user", "list", *ws)
    assert "liu\teditor" in listed.stdout  # type: ignore[attr-defined]
    token = _run("token", "create", "liu", "--label", "ci", *ws).stdout.strip()  # type: ignore[attr-defined]
    assert token.startswith("jct_")
    with TestClient(create_app(workspace)) as client:
        assert client.get("/api/articles", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert client.get("/api/articles", headers={"Authorization": "Bearer jct_wrong"}).status_code == 401


def test_bad_users_are_refused_with_a_message(workspace: Path) -> None:
    ws = ["--workspace", str(workspace)]
    short = _run("user", "add", "li", *ws, stdin="short\n")
    assert short.exit_code == 2 and "at least" in short.stderr  # type: ignore[attr-defined]
    role = _run("user", "add", "li", "--role", "root", *ws, stdin="a-long-password-2\n")
    assert role.exit_code == 2 and "unknown role" in role.stderr  # type: ignore[attr-defined]
    missing = _run("token", "create", "nobody", *ws)
    assert missing.exit_code == 1  # type: ignore[attr-defined]


def test_passwd_changes_the_password(workspace: Path) -> None:
    ws = ["--workspace", str(workspace)]
    _run("user", "add", "ma", "--role", "viewer", *ws, stdin="a-long-password-3\n")
    assert _run("user", "passwd", "ma", *ws, stdin="another-password-4\n").exit_code == 0  # type: ignore[attr-defined]
    with open_store(workspace) as store:
        assert accounts.authenticate(store, "ma", "another-password-4").name == "ma"
