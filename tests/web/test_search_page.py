"""The search page: highlighted hits, filters, paging, the live HTMX partial and saved searches."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jiance import accounts
from jiance.pipeline import import_paths
from jiance.settings import load_settings
from jiance.store.accounts import AuditRow, accounts_for
from jiance.web import create_app
from jiance.web.pages.search import hit_segments
from jiance.workspace import open_store

from .conftest import csrf_of

ClientAs = Callable[[str], tuple[TestClient, str]]
HTMX = {"HX-Request": "true"}
HOSTILE_TITLE = "<script>alert('t')</script>恶意标题检测稿"


def _as(client_as: ClientAs, role: str) -> tuple[TestClient, str]:
    """A logged-in client and the CSRF token read from this page (not from another page's owner)."""
    client, _ = client_as(role)
    return client, csrf_of(client.get("/search").text)


def _audit(workspace: Path, action: str) -> list[AuditRow]:
    with open_store(workspace) as store:
        return [r for r in accounts_for(store).audit_rows() if r.action == action]


@pytest.fixture
def hostile_workspace(web_workspace: Path) -> Path:
    """The workspace plus one article whose title and body carry markup."""
    path = web_workspace.parent / "hostile.txt"
    body = (
        "检测段落：<img src=x onerror=alert(1)> 恶意标题检测稿正文，<b>加粗</b>不应生效，篇幅足够成为一段。"
    )
    path.write_text(f"{HOSTILE_TITLE}\n\n{body}\n", encoding="utf-8")
    settings = load_settings(web_workspace)
    with open_store(web_workspace, settings) as store:
        assert not import_paths([path], store, settings).failed
    return web_workspace


def test_segments_cut_text_at_the_hits() -> None:
    assert hit_segments("我国5G基站与5G用户", [(2, 4), (7, 9)]) == [
        ("我国", False),
        ("5G", True),
        ("基站与", False),
        ("5G", True),
        ("用户", False),
    ]
    assert hit_segments("abc", []) == [("abc", False)]
    assert hit_segments("abcdef", [(1, 4), (2, 5)]) == [
        ("a", False),
        ("bcd", True),
        ("e", True),
        ("f", False),
    ]


def test_search_highlights_hits_and_links_articles(client_as: ClientAs) -> None:
    client, _ = _as(client_as, "viewer")
    page = client.get("/search", params={"q": "5G"})
    assert page.status_code == 200
    assert '<mark class="hit">5G</mark>' in page.text
    assert "共 7 篇" in page.text
    assert 'href="/articles/2b86c2938eca8c7f78ad"' in page.text
    assert 'class="on"' in page.text and "检索" in page.text


def test_filters_narrow_the_hits(client_as: ClientAs) -> None:
    client, _ = _as(client_as, "editor")
    everything = client.get("/search", params={"q": "5G"}).text
    one_column = client.get("/search", params={"q": "5G", "section": "运营竞争"}).text
    assert "共 7 篇" in everything
    assert "共 7 篇" not in one_column and "广电5G用户超过4000万" in one_column
    assert "全国5G基站总数突破480万个" not in one_column
    experts = client.get("/search", params={"q": "5G", "kind": "expert_opinion"}).text
    assert "共 7 篇" not in experts


def test_paging_splits_results(client_as: ClientAs) -> None:
    client, _ = _as(client_as, "viewer")
    first = client.get("/search", params={"q": "的"}).text
    second = client.get("/search", params={"q": "的", "page": "2"}).text
    assert "下一页" in first and "上一页" not in first
    assert "上一页" in second and "第 2 页" in second
    assert first.count('class="story search-hit"') == 20
    assert client.get("/search", params={"q": "的", "page": "x"}).status_code == 200


def test_htmx_request_gets_the_results_partial(client_as: ClientAs) -> None:
    client, _ = _as(client_as, "viewer")
    partial = client.get("/search", params={"q": "5G"}, headers=HTMX)
    assert partial.status_code == 200
    assert "<html" not in partial.text and '<mark class="hit">5G</mark>' in partial.text
    assert 'id="search-form"' not in partial.text


def test_hostile_article_text_is_escaped(hostile_workspace: Path, client_as: ClientAs) -> None:
    client, _ = _as(client_as, "viewer")
    page = client.get("/search", params={"q": "恶意标题检测稿"}).text
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;恶意标题检测稿" in page
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>加粗" not in page
    assert '<mark class="hit">恶意标题检测稿</mark>' in page


def test_anonymous_is_sent_to_login(app_client: TestClient) -> None:
    response = app_client.get("/search?q=5G", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login?next=/search")


def test_client_account_is_refused(web_workspace: Path) -> None:
    with open_store(web_workspace) as store:
        accounts.add_user(store, "client-a", "client-pass-123", "viewer", ["carrier"])
    with TestClient(create_app(web_workspace), base_url="http://testserver") as client:
        form = client.get("/login").text
        login_csrf = re.search(r'name="login_csrf" value="([^"]+)"', form)
        assert login_csrf
        data = {"username": "client-a", "password": "client-pass-123", "login_csrf": login_csrf.group(1)}
        assert client.post("/login", data=data, follow_redirects=False).status_code == 303
        assert client.get("/search", params={"q": "5G"}).status_code == 403


def test_save_run_and_delete_a_search(web_workspace: Path, client_as: ClientAs) -> None:
    client, csrf = _as(client_as, "editor")
    form = {"csrf_token": csrf, "name": "基站跟踪", "q": "5G 基站", "section": "产业环境", "kind": ""}
    saved = client.post("/search/saved", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert (
        saved.headers["location"]
        == "/search?q=5G+%E5%9F%BA%E7%AB%99&section=%E4%BA%A7%E4%B8%9A%E7%8E%AF%E5%A2%83"
    )
    page = client.get("/search").text
    assert "基站跟踪" in page and 'href="/search?q=5G+%E5%9F%BA%E7%AB%99&amp;section=' in page
    row = _audit(web_workspace, "search.save")[0]
    assert row.actor == "editor" and row.before is None
    assert row.after == {"name": "基站跟踪", "query": "5G 基站", "filters": {"section": "产业环境"}}
    search_id = int(str(row.target).split(":")[1])
    gone = client.post(f"/search/saved/{search_id}/delete", data={"csrf_token": csrf}, headers=HTMX)
    assert gone.status_code == 200 and 'id="saved-searches"' in gone.text and "基站跟踪" not in gone.text
    assert _audit(web_workspace, "search.delete")[0].before["name"] == "基站跟踪"


def test_saving_again_under_a_name_replaces_it(web_workspace: Path, client_as: ClientAs) -> None:
    client, csrf = _as(client_as, "editor")
    for q in ("芯片", "芯片 产能"):
        response = client.post(
            "/search/saved", data={"csrf_token": csrf, "name": "芯片", "q": q}, headers=HTMX
        )
        assert response.status_code == 200
    assert response.text.count('class="saved-item"') == 1 and "芯片 产能" in response.text
    assert _audit(web_workspace, "search.save")[0].before == {"name": "芯片", "query": "芯片", "filters": {}}


def test_saved_searches_are_private(client_as: ClientAs) -> None:
    editor, csrf = _as(client_as, "editor")
    editor.post("/search/saved", data={"csrf_token": csrf, "name": "编辑私有检索", "q": "芯片"}, headers=HTMX)
    viewer, viewer_csrf = _as(client_as, "viewer")
    assert "编辑私有检索" not in viewer.get("/search").text
    assert viewer.post("/search/saved/1/delete", data={"csrf_token": viewer_csrf}).status_code == 404
    assert "编辑私有检索" in editor.get("/search").text


def test_saving_needs_csrf_and_a_valid_search(client_as: ClientAs) -> None:
    client, csrf = _as(client_as, "editor")
    assert client.post("/search/saved", data={"name": "x", "q": "5G"}).status_code == 403
    assert (
        client.post("/search/saved", data={"csrf_token": "wrong", "name": "x", "q": "5G"}).status_code == 403
    )
    bad_kind = client.post("/search/saved", data={"csrf_token": csrf, "name": "x", "q": "5G", "kind": "poem"})
    assert bad_kind.status_code == 400
    assert client.post("/search/saved", data={"csrf_token": csrf, "name": " ", "q": "5G"}).status_code == 400
    assert "还没有保存的检索" in client.get("/search").text
