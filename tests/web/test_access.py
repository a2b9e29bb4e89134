"""Deny by default: every route declares who may call it, and every role gets the expected status.

Walks the app's real route table (pages, HTMX endpoints, the JSON API), calls each route as an anonymous
visitor and as each role, and checks: anonymous → login redirect (pages, GET) or 401; a role below the
route's → 403; the route's role and above → never 401/403. A route that declares nothing fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from tests.web.conftest import ROLES

from jiance.accounts import has_role
from jiance.web import create_app
from jiance.web.deps import route_role, walk_routes


def _routes(app_client: TestClient) -> list[tuple[str, str, str | None, bool]]:
    out = []
    for path, route in walk_routes(app_client.app.routes):  # type: ignore[attr-defined]
        if not isinstance(route, APIRoute):
            continue
        declared, role, api = route_role(route)
        assert declared, f"{sorted(route.methods)} {path} declares no role (need/api_need/public)"
        for method in sorted(route.methods):
            out.append((method, path, role, api))
    return sorted(out)


def _path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", template)


def _call(client: TestClient, method: str, path: str, csrf: str, token: str | None) -> int:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = client.request(method, path, headers=headers, follow_redirects=False)
    return response.status_code


def test_every_route_declares_its_role(app_client: TestClient) -> None:
    routes = _routes(app_client)
    assert ("GET", "/login", None, False) in routes
    assert any(path.startswith("/api/") and api for _, path, _, api in routes)
    assert len(routes) > 20


def test_anonymous_visitors_get_the_login_page_or_401(app_client: TestClient) -> None:
    for method, template, role, api in _routes(app_client):
        status = _call(app_client, method, _path(template), "", None)
        if role is None:
            assert status not in (401, 403), (method, template, status)
        elif api or method != "GET":
            assert status == 401, (method, template, status)
        else:
            assert status == 303, (method, template, status)


@pytest.mark.parametrize("who", ROLES)
def test_each_role_is_allowed_exactly_what_its_routes_say(
    who: str,
    client_as: Callable[[str], tuple[TestClient, str]],
    token_for: Callable[[str], str],
    app_client: TestClient,
) -> None:
    client, csrf = client_as(who)
    token = token_for(who)
    for method, template, role, api in _routes(app_client):
        if template == "/logout":
            continue  # would end the session the rest of the walk uses; tested in test_auth
        status = _call(client, method, _path(template), "" if api else csrf, token if api else None)
        if role is None or has_role(who, role):
            assert status not in (401, 403), (who, method, template, status)
        else:
            assert status == 403, (who, method, template, status)


def test_page_mutations_need_the_csrf_token(
    client_as: Callable[[str], tuple[TestClient, str]], app_client: TestClient
) -> None:
    client, _ = client_as("admin")
    for method, template, role, api in _routes(app_client):
        if role is None or api or method == "GET":
            continue
        status = _call(client, method, _path(template), "", None)
        assert status == 403, (method, template, status)


def test_a_fresh_app_over_the_same_workspace_has_the_same_table(app_client: TestClient) -> None:
    again = TestClient(create_app(app_client.app.state.workspace))  # type: ignore[attr-defined]
    assert _routes(again) == _routes(app_client)
