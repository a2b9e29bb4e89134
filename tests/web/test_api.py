"""The JSON API through the real app: bearer tokens, roles, client limits, the records and the audit rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jiance import accounts
from jiance.publish import issues as lib
from jiance.store.accounts import accounts_for
from jiance.text import fold
from jiance.web import create_app
from jiance.workspace import open_store

Api = Callable[[str], TestClient]


@pytest.fixture
def api(web_workspace: Path, token_for: Callable[[str], str]) -> Iterator[Api]:
    """``api("editor")`` → a client sending that role's bearer token on every request."""
    clients: list[TestClient] = []

    def make(role: str) -> TestClient:
        token = token_for(role)
        client = TestClient(create_app(web_workspace), headers={"authorization": f"Bearer {token}"})
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def _client_token(workspace: Path, editions: list[str]) -> str:
    """A bearer token of a client viewer (a viewer limited to ``editions``)."""
    with open_store(workspace) as store:
        accounts.add_user(store, "client", "client-pass-123", "viewer", editions)
        return accounts.create_token(store, "client")


def _issue_with_articles(workspace: Path, *, published: bool, offset: int = 0) -> tuple[int, list[str]]:
    """An issue holding three stored articles (from ``offset``: two issues must not share articles)."""
    with open_store(workspace) as store:
        ids = [s.id for s in store.articles(limit=3, offset=offset)]
        issue = lib.new_issue(store, "已发布" if published else "草稿", date="2026-11-20")
        lib.add_to_issue(store, issue.id, ids)
        if published:
            lib.publish_issue(store, issue.id)
        return issue.id, ids


def _audit(workspace: Path, target: str) -> list[Any]:
    with open_store(workspace) as store:
        return accounts_for(store).audit_rows(target=target)


# ------------------------------------------------------------------------------------------ tokens


def test_no_token_is_401_with_bearer_challenge(app_client: TestClient) -> None:
    response = app_client.get("/api/articles")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"detail": "a valid bearer token is required"}


@pytest.mark.parametrize("header", ["Bearer jct_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz"])
def test_bad_token_is_401(app_client: TestClient, header: str) -> None:
    response = app_client.get("/api/issues", headers={"authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_session_cookie_is_no_api_credential(client_as: Callable[[str], tuple[TestClient, str]]) -> None:
    client, csrf = client_as("editor")
    assert client.get("/api/issues", headers={"x-csrf-token": csrf}).status_code == 401


def test_token_of_a_disabled_user_stops_working(web_workspace: Path, api: Api) -> None:
    client = api("viewer")
    assert client.get("/api/issues").status_code == 200
    with open_store(web_workspace) as store:
        accounts.update_user(store, "viewer", disabled=True)
    assert client.get("/api/issues").status_code == 401


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/issues", {"title": "x"}),
        ("/api/issues/1/items", {"article_ids": ["a"]}),
        ("/api/issues/1/build", {"edition": "default", "formats": ["md"]}),
    ],
)
def test_viewer_may_not_write(api: Api, web_workspace: Path, path: str, body: dict[str, Any]) -> None:
    response = api("viewer").post(path, json=body)
    assert response.status_code == 403
    with open_store(web_workspace) as store:
        assert lib.list_issues(store) == []


# ---------------------------------------------------------------------------------------- articles


def test_articles_page_through_the_store(api: Api, web_workspace: Path) -> None:
    client = api("viewer")
    first = client.get("/api/articles", params={"limit": 2}).json()
    second = client.get("/api/articles", params={"limit": 2, "offset": first["next_offset"]}).json()
    with open_store(web_workspace) as store:
        expected = [s.id for s in store.articles(limit=4)]
    assert [a["id"] for a in first["articles"] + second["articles"]] == expected
    assert first["next_offset"] == 2 and second["offset"] == 2
    assert "analysis" not in first["articles"][0] or first["articles"][0]["analysis"] is None


def test_articles_last_page_has_no_next_offset(api: Api, web_workspace: Path) -> None:
    with open_store(web_workspace) as store:
        total = store.count_articles()
    page = api("viewer").get("/api/articles", params={"limit": 500}).json()
    assert len(page["articles"]) == total and page["next_offset"] is None


def test_articles_filter_by_section_and_kind(api: Api) -> None:
    client = api("viewer")
    section = client.get("/api/articles", params={"section": "技术情报", "limit": 500}).json()["articles"]
    experts = client.get("/api/articles", params={"kind": "expert_opinion", "limit": 500}).json()["articles"]
    assert section and {a["section"] for a in section} == {"技术情报"}
    assert experts and {a["kind"] for a in experts} == {"expert_opinion"}
    assert all(a["speaker"] for a in experts)
    assert client.get("/api/articles", params={"kind": "poem"}).status_code == 422


def test_articles_with_analysis(api: Api) -> None:
    article = api("viewer").get("/api/articles", params={"limit": 1, "analysis": 1}).json()["articles"][0]
    assert {"figures", "tags", "column"} <= set(article["analysis"])
    assert "result" in article["analysis"]["figures"]


def test_one_article_with_provenance_and_analysis(api: Api, web_workspace: Path) -> None:
    with open_store(web_workspace) as store:
        stored = store.articles(limit=1)[0]
    record = api("viewer").get(f"/api/articles/{stored.id}").json()
    assert record["title"] == stored.article.title
    assert record["body"] == stored.article.body
    assert record["source"]["path"] and record["source"]["page_start"] is not None
    assert record["status"] == "new" and "figures" in record["analysis"]


def test_unknown_article_is_404(api: Api) -> None:
    response = api("viewer").get("/api/articles/0000000000")
    assert response.status_code == 404
    assert "no article 0000000000" in response.json()["detail"]


# ----------------------------------------------------------------------------------- search, figures


def test_search_hits_carry_snippet_offsets_and_score(api: Api) -> None:
    result = api("viewer").get("/api/search", params={"q": "5G", "limit": 5}).json()
    assert result["query"] == "5G" and result["hits"]
    for hit in result["hits"]:
        assert hit["offsets"], hit
        for start, end in hit["offsets"]:
            assert fold(hit["snippet_text"][start:end]) == fold("5G")
        assert "【" in hit["snippet"] and isinstance(hit["score"], float)
    assert result["hits"][0]["title_hit"] is True


def test_search_needs_a_query(api: Api) -> None:
    assert api("viewer").get("/api/search").status_code == 422
    assert api("viewer").get("/api/search", params={"q": ""}).status_code == 422


def test_figures_by_subject_and_unit(api: Api) -> None:
    client = api("viewer")
    figures = client.get("/api/figures", params={"subject": "5G基站", "limit": 50}).json()
    assert figures and all("5G基站" in f["subject"] for f in figures)
    first = figures[0]
    assert first["raw"] in first["sentence"]
    by_unit = client.get("/api/figures", params={"unit": first["unit"], "limit": 1000}).json()
    assert by_unit and {f["unit"] for f in by_unit} == {first["unit"]}


def test_figure_series_is_oldest_first(api: Api) -> None:
    client = api("viewer")
    figure = client.get("/api/figures", params={"subject": "5G基站", "limit": 1}).json()[0]
    points = client.get("/api/figures/series", params={"subject": "5G基站", "unit": figure["unit"]}).json()
    assert points and [p["date"] for p in points] == sorted(p["date"] for p in points)
    assert client.get("/api/figures/series", params={"subject": "5G基站"}).status_code == 422


# -------------------------------------------------------------------------------------------- issues


def test_create_issue_add_items_build_and_list(api: Api, web_workspace: Path) -> None:
    client = api("editor")
    created = client.post("/api/issues", json={"title": "2026年第1期", "date": "2026-11-20"})
    assert created.status_code == 201
    issue = created.json()
    assert issue["status"] == "draft" and issue["sections"][0] == "产业环境"

    ids = [a["id"] for a in client.get("/api/articles", params={"limit": 3}).json()["articles"]]
    added = client.post(f"/api/issues/{issue['id']}/items", json={"article_ids": [*ids, ids[0]]}).json()
    assert added["added"] == ids and added["repeats"] == []
    again = client.post(f"/api/issues/{issue['id']}/items", json={"article_ids": ids[:1]}).json()
    assert again == {"added": [], "present": ids[:1], "repeats": []}

    shown = client.get(f"/api/issues/{issue['id']}").json()
    assert sorted(item["article_id"] for item in shown["items"]) == sorted(ids)
    listed = client.get("/api/issues").json()
    assert [(i["id"], i["item_count"]) for i in listed] == [(issue["id"], 3)]

    report = client.post(f"/api/issues/{issue['id']}/build", json={"formats": ["md"]}).json()
    assert report["empty"] is False and [o["format"] for o in report["outputs"]] == ["md"]
    path = report["outputs"][0]["path"]
    assert path.startswith(f"builds/{issue['id']}/default/") and path.endswith(".md")
    assert (web_workspace / path).read_text(encoding="utf-8").strip()

    builds = client.get(f"/api/issues/{issue['id']}/builds").json()
    assert [(b["format"], b["path"], b["edition"]) for b in builds] == [("md", path, "default")]


def test_mutations_are_audited(api: Api, web_workspace: Path) -> None:
    client = api("editor")
    issue = client.post("/api/issues", json={"title": "审计"}).json()
    article_id = client.get("/api/articles", params={"limit": 1}).json()["articles"][0]["id"]
    client.post(f"/api/issues/{issue['id']}/items", json={"article_ids": [article_id]})
    client.post(f"/api/issues/{issue['id']}/build", json={"formats": ["md"]})
    rows = {row.action: row for row in _audit(web_workspace, f"issue:{issue['id']}")}
    assert set(rows) == {"issue.create", "issue.add_items", "issue.build"}
    assert all(row.actor == "editor" for row in rows.values())
    assert rows["issue.create"].after["title"] == "审计"
    assert rows["issue.add_items"].before == [] and rows["issue.add_items"].after["added"] == [article_id]
    assert rows["issue.build"].after["outputs"][0]["format"] == "md"


def test_bad_bodies_are_refused(api: Api, web_workspace: Path) -> None:
    client = api("editor")
    assert client.post("/api/issues", json={"title": ""}).status_code == 422
    assert client.post("/api/issues", json={"title": "x", "colour": "red"}).status_code == 422
    assert client.post("/api/issues", json={"title": "x", "date": "20.11.2026"}).status_code == 422
    issue_id, _ = _issue_with_articles(web_workspace, published=False)
    bad_format = client.post(f"/api/issues/{issue_id}/build", json={"formats": ["exe"]})
    assert bad_format.status_code == 400 and "unknown format" in bad_format.json()["detail"]
    bad_edition = client.post(f"/api/issues/{issue_id}/build", json={"edition": "nope", "formats": ["md"]})
    assert bad_edition.status_code == 400 and "unknown edition" in bad_edition.json()["detail"]
    assert client.post("/api/issues/999/items", json={"article_ids": ["x"]}).status_code == 404
    assert not (web_workspace / "builds").exists()


def test_an_empty_edition_writes_nothing(api: Api, web_workspace: Path) -> None:
    client = api("editor")
    issue = client.post("/api/issues", json={"title": "空"}).json()
    report = client.post(f"/api/issues/{issue['id']}/build", json={"formats": ["md", "html"]}).json()
    assert report["empty"] is True and report["outputs"] == [] and report["notes"]
    assert client.get(f"/api/issues/{issue['id']}/builds").json() == []


def test_client_viewer_sees_published_issues_and_own_builds(web_workspace: Path, api: Api) -> None:
    draft_id, _ = _issue_with_articles(web_workspace, published=False)
    published_id, _ = _issue_with_articles(web_workspace, published=True, offset=3)
    editor = api("editor")
    editor.post(f"/api/issues/{published_id}/build", json={"formats": ["md"]})
    client = TestClient(
        create_app(web_workspace),
        headers={"authorization": f"Bearer {_client_token(web_workspace, ['carrier'])}"},
    )
    assert [i["id"] for i in client.get("/api/issues").json()] == [published_id]
    assert client.get(f"/api/issues/{draft_id}").status_code == 404
    assert client.get(f"/api/issues/{draft_id}/builds").status_code == 404
    assert client.get(f"/api/issues/{published_id}").json()["status"] == "published"
    assert client.get(f"/api/issues/{published_id}/builds").json() == []  # only a "default" build exists
    assert len(api("viewer").get(f"/api/issues/{published_id}/builds").json()) == 1
    assert {i["id"] for i in api("viewer").get("/api/issues").json()} == {draft_id, published_id}


def test_openapi_lists_the_routes(app_client: TestClient) -> None:
    schema = app_client.get("/api/openapi.json").json()
    paths = schema["paths"]
    expected = {
        "/api/articles": {"get"},
        "/api/articles/{article_id}": {"get"},
        "/api/search": {"get"},
        "/api/figures": {"get"},
        "/api/figures/series": {"get"},
        "/api/issues": {"get", "post"},
        "/api/issues/{issue_id}": {"get"},
        "/api/issues/{issue_id}/items": {"post"},
        "/api/issues/{issue_id}/build": {"post"},
        "/api/issues/{issue_id}/builds": {"get"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            assert paths[path][method]["summary"] and paths[path][method]["tags"]
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "IssueOut" in schema["components"]["schemas"]
