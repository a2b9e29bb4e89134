"""The issues pages through the real app: list, builder, reorder and move, highlights, figures, publish,
build, preview, download, and who may see which issue, edition and file."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import csrf_of

from jiance import accounts
from jiance.publish.build import FORMATS
from jiance.publish.issues import (
    add_to_issue,
    edit_item,
    get_issue,
    new_issue,
    publish_issue,
    suggest_highlights,
)
from jiance.records import Article, Document
from jiance.store.accounts import AuditRow, accounts_for
from jiance.store.issues import BuildRow, issues_for
from jiance.web import create_app
from jiance.web.deps import route_role
from jiance.web.pages.issues import FORMAT_CHOICES, PREVIEW_CSP, router
from jiance.web.security import CSP
from jiance.workspace import open_store

ClientAs = Callable[[str], tuple[TestClient, str]]
HOSTILE = "<script>alert('x')</script>恶意标题"
CLIENT_PASSWORD = "client-pass-123"
EDITIONS_TOML = '[editions.carrier]\ntitle = "运营商版"\ncolumns = ["运营竞争", "产业环境"]\n'


def _articles(ws: Path, section: str, count: int) -> list[str]:
    with open_store(ws) as store:
        return [s.id for s in store.articles(section=section)][:count]


def _issue(ws: Path, *, per_column: int = 3, published: bool = False) -> int:
    """An issue holding the first articles of two columns (产业环境, 运营竞争)."""
    ids = _articles(ws, "产业环境", per_column) + _articles(ws, "运营竞争", per_column)
    with open_store(ws) as store:
        issue = new_issue(store, "测试期刊", date="2026-03-01", number="2026年第3期")
        assert len(add_to_issue(store, issue.id, ids, allow_repeats=True).added) == len(ids)
        if published:
            publish_issue(store, issue.id)
        return issue.id


def _column(ws: Path, issue_id: int, section: str) -> list[str]:
    with open_store(ws) as store:
        return [it.article_id for it in get_issue(store, issue_id).items if it.section == section]


def _audits(ws: Path, issue_id: int) -> list[AuditRow]:
    with open_store(ws) as store:
        return accounts_for(store).audit_rows(target=f"issue:{issue_id}")


def _hostile_article(ws: Path) -> str:
    raw = HOSTILE.encode()
    doc = Document(hashlib.sha256(raw).hexdigest(), "hostile.txt", "text/plain", len(raw), "imported")
    article = Article("article", HOSTILE, ["正文<b>加粗</b>。"], section="产业环境")
    with open_store(ws) as store:
        store.save_import(doc, raw, [article])
    return article.id


def _login(client: TestClient, name: str, password: str) -> str:
    form = client.get("/login").text
    token = re.search(r'name="login_csrf" value="([^"]+)"', form)
    assert token
    data = {"username": name, "password": password, "login_csrf": token.group(1), "next": "/issues"}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    return csrf_of(client.get("/issues").text)


@pytest.fixture
def client_viewer(web_workspace: Path) -> tuple[TestClient, str]:
    """A client's viewer account limited to the "carrier" edition, logged in."""
    (web_workspace / "editions.toml").write_text(EDITIONS_TOML, encoding="utf-8")
    with open_store(web_workspace) as store:
        accounts.add_user(store, "client", CLIENT_PASSWORD, "viewer", editions=["carrier"])
    client = TestClient(create_app(web_workspace), base_url="http://testserver")
    return client, _login(client, "client", CLIENT_PASSWORD)


ROUTE_ROLES = {
    ("GET", "/issues"): "viewer",
    ("POST", "/issues"): "editor",
    ("GET", "/issues/{issue_id}"): "editor",
    **{("POST", f"/issues/{{issue_id}}/{verb}"): "editor"
       for verb in ("move", "remove", "highlights", "figures", "publish", "build")},
    ("GET", "/issues/{issue_id}/preview"): "viewer",
    ("GET", "/issues/{issue_id}/builds/{build_id}/download"): "viewer",
}  # fmt: skip


def test_every_route_declares_the_least_role_it_allows() -> None:
    declared = {(m, r.path): route_role(r) for r in router.routes for m in getattr(r, "methods", ())}
    assert {key: role for key, (_, role, _) in declared.items()} == ROUTE_ROLES
    assert all(ok and not api for ok, _, api in declared.values())
    assert list(FORMAT_CHOICES) == list(FORMATS)  # the build form offers every format the library has


# -- list and create -------------------------------------------------------------------------------------


def test_editor_creates_an_issue_and_lands_in_its_builder(client_as: ClientAs, web_workspace: Path) -> None:
    client, csrf = client_as("editor")
    assert 'action="/issues"' in client.get("/issues").text
    data = {"title": "信息产业监测", "date": "2026-04-01", "number": "2026年第4期", "csrf_token": csrf}
    response = client.post("/issues", data=data, follow_redirects=False)
    assert response.status_code == 303
    issue_id = int(response.headers["location"].rsplit("/", 1)[1])
    builder = client.get(f"/issues/{issue_id}")
    assert builder.status_code == 200 and "2026年第4期" in builder.text and "产业环境" in builder.text
    [row] = _audits(web_workspace, issue_id)
    assert row.action == "issue.create" and row.actor == "editor" and row.after["number"] == "2026年第4期"
    listing = client.get("/issues").text
    assert f'href="/issues/{issue_id}"' in listing and "草稿" in listing


def test_a_viewer_gets_no_new_issue_form_and_may_not_create(client_as: ClientAs) -> None:
    client, csrf = client_as("viewer")
    assert 'action="/issues"' not in client.get("/issues").text
    assert client.post("/issues", data={"title": "x", "csrf_token": csrf}).status_code == 403


def test_a_plain_viewer_sees_published_issues_only(client_as: ClientAs, web_workspace: Path) -> None:
    draft, published = (
        _issue(web_workspace, per_column=1),
        _issue(web_workspace, per_column=1, published=True),
    )
    client, _ = client_as("viewer")
    listing = client.get("/issues").text
    assert f'data-issue="{published}"' in listing and f'data-issue="{draft}"' not in listing
    assert client.get(f"/issues/{draft}/preview").status_code == 404
    assert client.get(f"/issues/{published}").status_code == 403  # the builder is for editors


# -- the builder -----------------------------------------------------------------------------------------


def test_builder_marks_items_and_columns_for_drag_and_drop(client_as: ClientAs, web_workspace: Path) -> None:
    issue_id = _issue(web_workspace)
    first = _column(web_workspace, issue_id, "产业环境")[0]
    with open_store(web_workspace) as store:
        edit_item(store, issue_id, first, title="编辑改过的标题")
    client, _ = client_as("editor")
    html = client.get(f"/issues/{issue_id}").text
    assert 'data-column="产业环境"' in html and 'data-column="技术情报"' in html  # empty columns too
    assert f'data-item="{first}" draggable="true"' in html
    assert html.count("data-card") == 6 and 'data-key="u"' in html and 'data-key="d"' in html
    move_form = re.search(r'<form id="move-form"[^>]*>(.*?)</form>', html, re.S)
    assert move_form and f'hx-post="/issues/{issue_id}/move"' in move_form.group(0)
    assert all(f'name="{n}"' in move_form.group(1) for n in ("article_id", "section", "position"))
    assert "编辑改过的标题" in html and "已改：标题" in html


def test_reorder_by_move_returns_the_columns_partial_to_htmx(
    client_as: ClientAs, web_workspace: Path
) -> None:
    issue_id = _issue(web_workspace)
    a, b, c = _column(web_workspace, issue_id, "产业环境")
    client, csrf = client_as("editor")
    response = client.post(
        f"/issues/{issue_id}/move",
        data={"article_id": a, "position": "2", "section": ""},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="columns"') and "<html" not in response.text
    assert response.text.index(f'data-item="{b}"') < response.text.index(f'data-item="{a}"')
    assert _column(web_workspace, issue_id, "产业环境") == [b, c, a]
    row = _audits(web_workspace, issue_id)[0]
    assert row.action == "issue.move" and row.before["position"] == 0 and row.after["position"] == 2


def test_move_to_another_column_by_a_plain_form(client_as: ClientAs, web_workspace: Path) -> None:
    issue_id = _issue(web_workspace)
    a = _column(web_workspace, issue_id, "产业环境")[0]
    client, csrf = client_as("editor")
    data = {"article_id": a, "section": "技术情报", "csrf_token": csrf}
    response = client.post(f"/issues/{issue_id}/move", data=data, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/issues/{issue_id}"
    assert _column(web_workspace, issue_id, "技术情报") == [a]
    assert a not in _column(web_workspace, issue_id, "产业环境")
    row = _audits(web_workspace, issue_id)[0]
    assert (row.before["section"], row.after["section"]) == ("产业环境", "技术情报")


def test_a_drop_posts_column_and_place_together(client_as: ClientAs, web_workspace: Path) -> None:
    issue_id = _issue(web_workspace)
    a = _column(web_workspace, issue_id, "产业环境")[2]
    client, csrf = client_as("editor")
    data = {"article_id": a, "section": "运营竞争", "position": "1"}  # what app.js puts in #move-form
    response = client.post(
        f"/issues/{issue_id}/move", data=data, headers={"HX-Request": "true", "X-CSRF-Token": csrf}
    )
    assert response.status_code == 200 and response.headers["x-jiance-message"]
    assert _column(web_workspace, issue_id, "运营竞争")[1] == a
    assert len(_column(web_workspace, issue_id, "产业环境")) == 2


def test_remove_takes_the_item_out_and_audits_it(client_as: ClientAs, web_workspace: Path) -> None:
    issue_id = _issue(web_workspace)
    a = _column(web_workspace, issue_id, "运营竞争")[0]
    client, csrf = client_as("editor")
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf}
    response = client.post(f"/issues/{issue_id}/remove", data={"article_id": a}, headers=headers)
    assert response.status_code == 200 and f'data-item="{a}"' not in response.text
    assert a not in _column(web_workspace, issue_id, "运营竞争")
    assert _audits(web_workspace, issue_id)[0].action == "issue.remove"


def test_mutations_without_csrf_are_refused_and_change_nothing(
    client_as: ClientAs, web_workspace: Path
) -> None:
    issue_id = _issue(web_workspace)
    before = _column(web_workspace, issue_id, "产业环境")
    client, _ = client_as("editor")
    for path, data in (
        ("move", {"article_id": before[0], "position": "2"}),
        ("remove", {"article_id": before[0]}),
    ):
        assert client.post(f"/issues/{issue_id}/{path}", data=data).status_code == 403
    assert client.post(f"/issues/{issue_id}/publish").status_code == 403
    assert _column(web_workspace, issue_id, "产业环境") == before
    assert _audits(web_workspace, issue_id) == []


def test_viewer_may_not_change_an_issue(client_as: ClientAs, web_workspace: Path) -> None:
    issue_id = _issue(web_workspace, published=True)
    a = _column(web_workspace, issue_id, "产业环境")[0]
    client, csrf = client_as("viewer")
    headers = {"X-CSRF-Token": csrf}
    for path in ("move", "remove", "highlights", "figures", "publish", "build"):
        data = {"article_id": a, "position": "1", "action": "clear"}
        assert client.post(f"/issues/{issue_id}/{path}", data=data, headers=headers).status_code == 403, path


def test_hostile_titles_are_text_in_the_builder(client_as: ClientAs, web_workspace: Path) -> None:
    issue_id = _issue(web_workspace, per_column=1)
    hostile = _hostile_article(web_workspace)
    other = _column(web_workspace, issue_id, "运营竞争")[0]
    with open_store(web_workspace) as store:
        add_to_issue(store, issue_id, [hostile], section="产业环境")
        edit_item(store, issue_id, other, title='"><img src=x onerror=alert(1)>')
    client, csrf = client_as("editor")
    for html in (
        client.get(f"/issues/{issue_id}").text,
        client.post(
            f"/issues/{issue_id}/move",
            data={"article_id": hostile, "position": "0"},
            headers={"HX-Request": "true", "X-CSRF-Token": csrf},
        ).text,
    ):
        assert (
            "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;恶意标题" in html
        )
        assert "<img src=x" not in html and "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


# -- highlights, figures, publish -------------------------------------------------------------------------


def test_highlights_are_saved_one_per_line_and_suggested(client_as: ClientAs, web_workspace: Path) -> None:
    issue_id = _issue(web_workspace)
    client, csrf = client_as("editor")
    data = {"text": "第一条要点\n\n  第二条要点  \n", "action": "save", "csrf_token": csrf}
    assert client.post(f"/issues/{issue_id}/highlights", data=data, follow_redirects=False).status_code == 303
    with open_store(web_workspace) as store:
        assert get_issue(store, issue_id).highlights == ["第一条要点", "第二条要点"]
    client.post(f"/issues/{issue_id}/highlights", data={"action": "suggest", "csrf_token": csrf})
    with open_store(web_workspace) as store:
        issue = get_issue(store, issue_id)
        assert issue.highlights == suggest_highlights(store, issue) and len(issue.highlights) == 2
    row = _audits(web_workspace, issue_id)[0]
    assert row.action == "issue.highlights" and row.before == ["第一条要点", "第二条要点"]
    assert issue.highlights[0] in client.get(f"/issues/{issue_id}").text


def test_key_figures_suggest_remove_and_clear(client_as: ClientAs, web_workspace: Path) -> None:
    issue_id = _issue(web_workspace)
    client, csrf = client_as("editor")

    def figures(action: str, **extra: str) -> list[str]:
        data = {"action": action, "csrf_token": csrf, **extra}
        assert (
            client.post(f"/issues/{issue_id}/figures", data=data, follow_redirects=False).status_code == 303
        )
        with open_store(web_workspace) as store:
            return [k.label for k in get_issue(store, issue_id).key_figures]

    suggested = figures("suggest")
    assert len(suggested) >= 2
    assert suggested[0] in client.get(f"/issues/{issue_id}").text
    assert figures("remove", index="0") == suggested[1:]
    assert figures("clear") == []
    actions = [row.action for row in _audits(web_workspace, issue_id)]
    assert actions == ["issue.figures"] * 3


def test_publish_marks_the_issue_and_htmx_is_sent_back_to_the_builder(
    client_as: ClientAs, web_workspace: Path
) -> None:
    issue_id = _issue(web_workspace, per_column=1)
    client, csrf = client_as("editor")
    response = client.post(
        f"/issues/{issue_id}/publish", headers={"HX-Request": "true", "X-CSRF-Token": csrf}
    )
    assert response.status_code == 204 and response.headers["hx-redirect"] == f"/issues/{issue_id}"
    row = _audits(web_workspace, issue_id)[0]
    assert row.action == "issue.publish" and row.before == {"status": "draft"}
    assert row.after["status"] == "published"
    assert "已发布" in client.get(f"/issues/{issue_id}").text


# -- build, preview, download -----------------------------------------------------------------------------


def test_build_the_pdf_then_download_it(client_as: ClientAs, web_workspace: Path) -> None:
    issue_id = _issue(web_workspace)
    client, csrf = client_as("editor")
    data = {"edition": "default", "formats": ["pdf", "md"], "csrf_token": csrf}
    page = client.post(f"/issues/{issue_id}/build", data=data)
    assert page.status_code == 200 and "已生成 2 个文件" in page.text
    with open_store(web_workspace) as store:
        rows = issues_for(store).builds(issue_id)
    assert [r.format for r in rows] == ["pdf", "md"]
    folder = (web_workspace / "builds" / str(issue_id) / "default").resolve()
    assert all(Path(r.path or "").parent == folder for r in rows)
    assert f"/issues/{issue_id}/builds/1/download" in page.text
    download = client.get(f"/issues/{issue_id}/builds/1/download")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment")
    row = _audits(web_workspace, issue_id)[0]
    assert row.action == "issue.build" and [f["format"] for f in row.after["files"]] == ["pdf", "md"]
    assert client.get(f"/issues/{issue_id}/builds/3/download").status_code == 404


def test_an_edition_that_comes_out_empty_writes_and_records_nothing(
    client_as: ClientAs, web_workspace: Path
) -> None:
    (web_workspace / "editions.toml").write_text(
        '[editions.none]\ncolumns = ["海外借鉴"]\n', encoding="utf-8"
    )
    issue_id = _issue(web_workspace, per_column=1)
    client, csrf = client_as("editor")
    page = client.post(
        f"/issues/{issue_id}/build", data={"edition": "none", "formats": ["md"], "csrf_token": csrf}
    )
    assert page.status_code == 200 and "没有可印的内容" in page.text
    with open_store(web_workspace) as store:
        assert issues_for(store).builds(issue_id) == []
    assert not (web_workspace / "builds" / str(issue_id) / "none").exists()
    assert [row.action for row in _audits(web_workspace, issue_id)] == []


def test_html_preview_relaxes_the_csp_for_that_response_only(
    client_as: ClientAs, web_workspace: Path
) -> None:
    issue_id = _issue(web_workspace)
    client, _ = client_as("editor")
    preview = client.get(f"/issues/{issue_id}/preview", params={"edition": "default", "format": "html"})
    assert preview.status_code == 200 and "<style>" in preview.text and "<script" not in preview.text
    assert preview.headers["content-security-policy"] == PREVIEW_CSP
    assert "'unsafe-inline'" in PREVIEW_CSP and "script-src" not in PREVIEW_CSP
    assert client.get(f"/issues/{issue_id}").headers["content-security-policy"] == CSP


def test_pdf_preview_is_served_inline(client_as: ClientAs, web_workspace: Path) -> None:
    issue_id = _issue(web_workspace, per_column=1)
    client, _ = client_as("editor")
    preview = client.get(f"/issues/{issue_id}/preview", params={"format": "pdf"})
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF")
    assert preview.headers["content-disposition"].startswith("inline")
    with open_store(web_workspace) as store:
        assert issues_for(store).builds(issue_id) == []  # a preview records nothing


def test_a_download_outside_the_build_folder_is_refused(client_as: ClientAs, web_workspace: Path) -> None:
    issue_id = _issue(web_workspace, per_column=1)
    secret = web_workspace / "jiance.toml"
    with open_store(web_workspace) as store:
        row = BuildRow(issue_id, "default", "md", str(secret), "0" * 64, 1, None, "2026-03-01T00:00:00+00:00")
        issues_for(store).record_build(row)
    client, _ = client_as("editor")
    assert client.get(f"/issues/{issue_id}/builds/1/download").status_code == 403


def test_an_edition_name_that_is_not_a_folder_name_is_refused(
    client_as: ClientAs, web_workspace: Path
) -> None:
    (web_workspace / "editions.toml").write_text('[editions."../escape"]\ntitle = "越界"\n', encoding="utf-8")
    issue_id = _issue(web_workspace, per_column=1)
    client, csrf = client_as("editor")
    data = {"edition": "../escape", "formats": ["md"], "csrf_token": csrf}
    assert client.post(f"/issues/{issue_id}/build", data=data).status_code == 400
    assert not (web_workspace / "builds" / "escape").exists()
    data = {"edition": "nosuch", "formats": ["md"], "csrf_token": csrf}
    assert client.post(f"/issues/{issue_id}/build", data=data).status_code == 400


def test_a_client_sees_only_published_issues_and_its_own_editions(
    client_as: ClientAs, client_viewer: tuple[TestClient, str], web_workspace: Path
) -> None:
    draft, issue_id = _issue(web_workspace, per_column=1), _issue(web_workspace, published=True)
    editor, csrf = client_as("editor")
    for edition in ("default", "carrier"):
        data = {"edition": edition, "formats": ["md"], "csrf_token": csrf}
        assert editor.post(f"/issues/{issue_id}/build", data=data).status_code == 200
    client, _ = client_viewer
    listing = client.get("/issues").text
    assert f'data-issue="{issue_id}"' in listing and f'data-issue="{draft}"' not in listing
    assert f"/issues/{issue_id}/builds/2/download" in listing
    assert f"/issues/{issue_id}/builds/1/download" not in listing
    assert "edition=default" not in listing and "edition=carrier" in listing
    assert client.get(f"/issues/{issue_id}/builds/1/download").status_code == 403
    own = client.get(f"/issues/{issue_id}/builds/2/download")
    assert own.status_code == 200 and "运营竞争" in own.text
    assert client.get(f"/issues/{issue_id}/preview", params={"edition": "default"}).status_code == 403
    preview = client.get(f"/issues/{issue_id}/preview")  # no edition named: the client's own
    assert preview.status_code == 200 and "运营竞争" in preview.text and "产业环境" in preview.text
    assert client.get(f"/issues/{draft}/preview", params={"edition": "carrier"}).status_code == 404
    assert client.get(f"/issues/{issue_id}").status_code == 403


def test_the_trends_button_appends_the_week_s_bursts(client_as: ClientAs, web_workspace: Path) -> None:
    from jiance.publish.issues import with_trend_highlights

    issue_id = _issue(web_workspace)
    client, csrf = client_as("editor")
    client.post(
        f"/issues/{issue_id}/highlights", data={"text": "第一条", "action": "save", "csrf_token": csrf}
    )
    with open_store(web_workspace) as store:
        expected = with_trend_highlights(store, get_issue(store, issue_id))
    response = client.post(f"/issues/{issue_id}/highlights", data={"action": "trends", "csrf_token": csrf})
    assert response.status_code == 200 and "加入本周趋势" in client.get(f"/issues/{issue_id}").text
    with open_store(web_workspace) as store:
        assert get_issue(store, issue_id).highlights == expected and expected[0] == "第一条"
