"""Fixtures of the web tests: a workspace with the samples imported and analysed, one user per role, and
ASGI clients logged in as each (FastAPI's TestClient: the real app, in-process, no mocks)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jiance import accounts
from jiance.analysis import analyze_store
from jiance.pipeline import import_paths
from jiance.samples.corpus import load_sample, sample_names
from jiance.samples.pdf import render_pdf
from jiance.settings import load_settings
from jiance.web import create_app
from jiance.workspace import init_workspace, open_store

PASSWORDS = {"admin": "admin-pass-123", "editor": "editor-pass-123", "viewer": "viewer-pass-123"}
ROLES = ("viewer", "editor", "admin")


@pytest.fixture(scope="session")
def _web_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace built once: three sample PDFs imported, analysed, a user per role."""
    root = tmp_path_factory.mktemp("web-template")
    ws = init_workspace(root / "ws")
    inbox = root / "inbox"
    inbox.mkdir()
    for name in sample_names():
        (inbox / f"{name}.pdf").write_bytes(render_pdf(load_sample(name)))
    settings = load_settings(ws)
    with open_store(ws, settings) as store:
        assert not import_paths([inbox], store, settings).failed
        analyze_store(store, settings=settings)
        for role, password in PASSWORDS.items():
            accounts.add_user(store, role, password, role)
    return ws


@pytest.fixture
def web_workspace(tmp_path: Path, _web_template: Path) -> Path:
    """A copy of the template workspace for one test (tests may change it)."""
    ws = tmp_path / "ws"
    shutil.copytree(_web_template, ws)
    return ws


@pytest.fixture
def app_client(web_workspace: Path) -> Iterator[TestClient]:
    """An anonymous client of the app."""
    with TestClient(create_app(web_workspace), base_url="http://testserver") as client:
        yield client


def csrf_of(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]*)"', html)
    assert match, "page has no csrf meta"
    return match.group(1)


def login(client: TestClient, role: str) -> str:
    """Log ``client`` in as the user of ``role``; returns the session's CSRF token."""
    form = client.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert token
    response = client.post(
        "/login",
        data={"username": role, "password": PASSWORDS[role], "login_csrf": token.group(1), "next": "/issues"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/issues").text)


@pytest.fixture
def client_as(web_workspace: Path) -> Iterator[Callable[[str], tuple[TestClient, str]]]:
    """``client_as("editor")`` → (a client logged in as the editor, its CSRF token)."""
    clients: list[TestClient] = []

    def make(role: str) -> tuple[TestClient, str]:
        client = TestClient(create_app(web_workspace), base_url="http://testserver")
        client.__enter__()
        clients.append(client)
        return client, login(client, role)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def token_for(web_workspace: Path) -> Callable[[str], str]:
    """``token_for("viewer")`` → a bearer token of that role's user."""

    def make(role: str) -> str:
        with open_store(web_workspace) as store:
            return accounts.create_token(store, role)

    return make
