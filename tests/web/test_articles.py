"""The article page and the per-issue edit form through the real app: highlighting, provenance, escaping,
a client's narrower view, role and CSRF refusals, and the audit rows of an edit."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from tests.web.conftest import csrf_of

from jiance import accounts
from jiance.publish.issues import add_to_issue, get_issue, new_issue, publish_issue
from jiance.records import Article, Document, Provenance
from jiance.store.accounts import accounts_for
from jiance.web import create_app
from jiance.workspace import open_store

ClientAs = Callable[[str], tuple[TestClient, str]]
HOSTILE_TITLE = "<script>alert(1)</script>标题"


def _sample_article(ws: Path, title_part: str) -> str:
    with open_store(ws) as store:
        return next(s.id for s in store.articles() if title_part in s.article.title)


def _hostile(ws: Path) -> str:
    article = Article(
        "article",
        HOSTILE_TITLE,
        ['<img src=x onerror="alert(2)">正文', "第二段"],
        source_name="来源",
        provenance=Provenance(url="javascript:alert(3)"),
    )
    raw = b"hostile article"
    doc = Document(hashlib.sha256(raw).hexdigest(), "/in/hostile.html", "text/html", len(raw), "imported")
    with open_store(ws) as store:
        store.save_import(doc, raw, [article])
    return article.id


def _in_issue(ws: Path, article_id: str, *, publish: bool = False) -> int:
    with open_store(ws) as store:
        issue = new_issue(store, "第1期", date="2026-12-01")
        add_to_issue(store, issue.id, [article_id])
        if publish:
            publish_issue(store, issue.id)
        return issue.id


def _edit_url(issue_id: int, article_id: str) -> str:
    return f"/issues/{issue_id}/items/{article_id}/edit"


def _overrides(ws: Path, issue_id: int) -> dict[str, object]:
    with open_store(ws) as store:
        return get_issue(store, issue_id).items[0].overrides


def test_a_viewer_reads_an_article_with_figures_and_names_marked(
    client_as: ClientAs, web_workspace: Path
) -> None:
    article_id = _sample_article(web_workspace, "电子信息制造业增加值")
    viewer, _ = client_as("viewer")
    response = viewer.get(f"/articles/{article_id}")
    assert response.status_code == 200
    html = response.text
    assert '<mark class="fig">11.6%</mark>' in html
    assert '<mark class="ent">工信部</mark>' in html
    assert "sample-a.pdf" in html and "页码" in html  # provenance: the document and its page range
    assert "建议栏目" in html and "产业环境" in html
    assert "所在期刊" not in html  # the edit links are for editors


def test_an_editor_sees_the_issues_carrying_the_article(client_as: ClientAs, web_workspace: Path) -> None:
    article_id = _sample_article(web_workspace, "电子信息制造业增加值")
    issue_id = _in_issue(web_workspace, article_id)
    editor, _ = client_as("editor")
    html = editor.get(f"/articles/{article_id}").text
    assert f'href="{_edit_url(issue_id, article_id)}"' in html


def test_hostile_article_text_is_escaped_and_a_script_url_is_no_link(
    client_as: ClientAs, web_workspace: Path
) -> None:
    article_id = _hostile(web_workspace)
    viewer, _ = client_as("viewer")
    html = viewer.get(f"/articles/{article_id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;标题" in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert 'href="javascript:' not in html
    assert "<code>javascript:alert(3)</code>" in html  # shown as text, for the editor to see


def test_an_unknown_article_is_a_404(client_as: ClientAs) -> None:
    viewer, _ = client_as("viewer")
    assert viewer.get("/articles/nope").status_code == 404


def _client_login(ws: Path) -> TestClient:
    """A client account (a viewer limited to one edition), logged in."""
    with open_store(ws) as store:
        accounts.add_user(store, "client", "client-pass-123", "viewer", editions=["carrier"])
    client = TestClient(create_app(ws), base_url="http://testserver")
    form = client.get("/login").text
    token = re.search(r'name="login_csrf" value="([^"]+)"', form)
    assert token
    data = {"username": "client", "password": "client-pass-123", "login_csrf": token.group(1), "next": "/"}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    return client


def test_a_client_reads_published_articles_only(web_workspace: Path) -> None:
    published = _sample_article(web_workspace, "电子信息制造业增加值")
    unpublished = _sample_article(web_workspace, "新能源汽车产销")
    _in_issue(web_workspace, published, publish=True)
    with _client_login(web_workspace) as client:
        assert client.get(f"/articles/{published}").status_code == 200
        assert client.get(f"/articles/{unpublished}").status_code == 404


def test_the_edit_form_shows_the_original_beside_the_edit(client_as: ClientAs, web_workspace: Path) -> None:
    article_id = _hostile(web_workspace)
    issue_id = _in_issue(web_workspace, article_id)
    editor, _ = client_as("editor")
    response = editor.get(_edit_url(issue_id, article_id))
    assert response.status_code == 200
    assert "原文" in response.text and "本期版本" in response.text and "尚未修改" in response.text
    assert "&lt;script&gt;" in response.text and "<script>alert(1)" not in response.text


def test_a_viewer_may_not_edit(client_as: ClientAs, web_workspace: Path) -> None:
    article_id = _sample_article(web_workspace, "新能源汽车产销")
    issue_id = _in_issue(web_workspace, article_id)
    viewer, _ = client_as("viewer")
    assert viewer.get(_edit_url(issue_id, article_id)).status_code == 403
    csrf = csrf_of(viewer.get(f"/articles/{article_id}").text)
    response = viewer.post(_edit_url(issue_id, article_id), data={"title": "改", "csrf_token": csrf})
    assert response.status_code == 403
    assert _overrides(web_workspace, issue_id) == {}


def test_saving_an_edit_overrides_and_audits(client_as: ClientAs, web_workspace: Path) -> None:
    article_id = _sample_article(web_workspace, "新能源汽车产销")
    issue_id = _in_issue(web_workspace, article_id)
    editor, _ = client_as("editor")
    form = editor.get(_edit_url(issue_id, article_id)).text
    csrf = csrf_of(form)
    body = re.search(r'<textarea name="body" class="tall">([^<]*)</textarea>', form)
    assert body
    data = {"csrf_token": csrf, "title": "新能源汽车产销双双创新高", "summary": "", "body": body.group(1)}
    response = editor.post(_edit_url(issue_id, article_id), data=data, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("?done=saved")
    assert _overrides(web_workspace, issue_id) == {"title": "新能源汽车产销双双创新高"}  # body unchanged
    page = editor.get(response.headers["location"]).text
    assert "已保存本期的修改" in page and "已改：标题" in page
    with open_store(web_workspace) as store:
        (row,) = [r for r in accounts_for(store).audit_rows() if r.action == "item.edit"]
    assert row.target == f"issue:{issue_id}/article:{article_id}"
    assert row.before == {} and row.after == {"title": "新能源汽车产销双双创新高"}


def test_reset_drops_every_override(client_as: ClientAs, web_workspace: Path) -> None:
    article_id = _sample_article(web_workspace, "新能源汽车产销")
    issue_id = _in_issue(web_workspace, article_id)
    editor, _ = client_as("editor")
    csrf = csrf_of(editor.get(_edit_url(issue_id, article_id)).text)
    editor.post(_edit_url(issue_id, article_id), data={"csrf_token": csrf, "title": "改过", "body": "一段"})
    assert _overrides(web_workspace, issue_id) == {"title": "改过", "paragraphs": ["一段"]}
    response = editor.post(
        _edit_url(issue_id, article_id), data={"csrf_token": csrf, "action": "reset"}, follow_redirects=False
    )
    assert response.headers["location"].endswith("?done=reset")
    assert _overrides(web_workspace, issue_id) == {}
    with open_store(web_workspace) as store:
        (row,) = [r for r in accounts_for(store).audit_rows() if r.action == "item.reset"]
    assert row.before == {"title": "改过", "paragraphs": ["一段"]} and row.after == {}


def test_an_edit_without_csrf_is_refused(client_as: ClientAs, web_workspace: Path) -> None:
    article_id = _sample_article(web_workspace, "新能源汽车产销")
    issue_id = _in_issue(web_workspace, article_id)
    editor, _ = client_as("editor")
    assert editor.post(_edit_url(issue_id, article_id), data={"title": "改"}).status_code == 403
    assert _overrides(web_workspace, issue_id) == {}


def test_editing_an_article_outside_the_issue_is_a_404(client_as: ClientAs, web_workspace: Path) -> None:
    inside = _sample_article(web_workspace, "新能源汽车产销")
    outside = _sample_article(web_workspace, "电子信息制造业增加值")
    issue_id = _in_issue(web_workspace, inside)
    editor, _ = client_as("editor")
    assert editor.get(_edit_url(issue_id, outside)).status_code == 404
