"""The inbox page through the real app: cards, filters, the issue chooser, accept / reject / snooze (HTMX
and plain form posts), role and CSRF refusals, audit rows and the escaping of hostile article text."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import csrf_of

from jiance.publish.issues import add_to_issue, get_issue, new_issue, publish_issue
from jiance.records import Article, Document
from jiance.store.accounts import accounts_for
from jiance.workspace import open_store

ClientAs = Callable[[str], tuple[TestClient, str]]
HTMX = {"HX-Request": "true"}
HOSTILE = "<script>alert(1)</script>恶意标题"


def _hostile(ws: Path) -> str:
    """An article whose title and body try to inject markup, stored as collecting would store it."""
    article = Article("article", HOSTILE, ['<img src=x onerror="alert(2)">正文'], source_name="<b>坏来源</b>")
    raw = b"hostile"
    doc = Document(hashlib.sha256(raw).hexdigest(), "/in/hostile.html", "text/html", len(raw), "imported")
    with open_store(ws) as store:
        store.save_import(doc, raw, [article])
    return article.id


def _issue(ws: Path, title: str = "第1期", date: str = "2026-12-01") -> int:
    with open_store(ws) as store:
        return new_issue(store, title, date=date).id


def _first_story(ws: Path) -> tuple[str, str]:
    """(id, title) of the newest article in the inbox: the first card."""
    with open_store(ws) as store:
        stored = store.articles_with_status("new")[-1]
        return stored.id, stored.article.title


def _editor(client_as: ClientAs) -> tuple[TestClient, str]:
    client, _ = client_as("editor")
    return client, csrf_of(client.get("/inbox").text)


def _audit(ws: Path, action: str) -> list[object]:
    with open_store(ws) as store:
        return [row for row in accounts_for(store).audit_rows(limit=50) if row.action == action]


def _status(ws: Path, article_id: str) -> str:
    with open_store(ws) as store:
        return store.get_article(article_id).status


def test_the_inbox_lists_story_cards_with_their_facts(client_as: ClientAs, web_workspace: Path) -> None:
    _issue(web_workspace)
    client, _ = _editor(client_as)
    response = client.get("/inbox")
    assert response.status_code == 200
    html = response.text
    assert html.count("data-card") >= 40  # every sample article is a story of its own
    assert "1 家来源" in html and "建议：" in html and 'class="figure-chip"' in html
    assert 'data-key="a"' in html and 'data-key="r"' in html and 'data-key="s"' in html
    assert '<option value="智联通信参考"' in html  # the source filter offers the samples' bulletins
    assert "第1期" in html


def test_viewers_may_not_open_the_inbox(client_as: ClientAs, app_client: TestClient) -> None:
    viewer, _ = client_as("viewer")
    assert viewer.get("/inbox").status_code == 403
    anonymous = app_client.get("/inbox", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_hostile_article_text_is_escaped(client_as: ClientAs, web_workspace: Path) -> None:
    _hostile(web_workspace)
    client, _ = _editor(client_as)
    html = client.get("/inbox").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;恶意标题" in html
    assert "<script>alert(1)" not in html and "<b>坏来源</b>" not in html


def test_filters_narrow_the_cards_and_htmx_gets_the_list_only(client_as: ClientAs) -> None:
    client, _ = _editor(client_as)
    full = client.get("/inbox", params={"source": "智联通信参考"})
    partial = client.get("/inbox", params={"source": "智联通信参考"}, headers=HTMX)
    assert partial.status_code == 200
    assert "<html" not in partial.text and "data-card" in partial.text
    assert partial.text.count("data-card") == full.text.count("data-card") < 40
    assert "长三角数字经济动态</strong>" not in partial.text
    assert "数字产业观察</strong>" not in partial.text


def test_a_bad_filter_date_is_a_400(client_as: ClientAs) -> None:
    client, _ = _editor(client_as)
    assert client.get("/inbox", params={"date_from": "yesterday"}).status_code == 400


def test_the_issue_chooser_defaults_to_the_newest_draft(client_as: ClientAs, web_workspace: Path) -> None:
    older = _issue(web_workspace, "第1期", "2026-11-01")
    newer = _issue(web_workspace, "第2期", "2026-12-01")
    client, _ = _editor(client_as)
    assert f'name="issue_id" value="{newer}"' in client.get("/inbox").text
    assert f'name="issue_id" value="{older}"' in client.get("/inbox", params={"issue": older}).text


def test_without_a_draft_there_is_no_accept_button(client_as: ClientAs) -> None:
    client, _ = _editor(client_as)
    html = client.get("/inbox").text
    assert "还没有草稿期刊" in html and 'data-key="a"' not in html


def test_accept_by_htmx_replaces_the_card_and_audits(client_as: ClientAs, web_workspace: Path) -> None:
    issue_id = _issue(web_workspace)
    story_id, title = _first_story(web_workspace)
    client, csrf = _editor(client_as)
    response = client.post(
        f"/inbox/{story_id}/accept", data={"issue_id": issue_id}, headers={**HTMX, "X-CSRF-Token": csrf}
    )
    assert response.status_code == 200
    assert "<html" not in response.text and "data-card" not in response.text
    assert f"已采用：《{title}》" in response.text and response.headers["x-jiance-message"]
    with open_store(web_workspace) as store:
        assert [item.article_id for item in get_issue(store, issue_id).items] == [story_id]
    assert _status(web_workspace, story_id) == "accepted"
    (row,) = _audit(web_workspace, "article.accept")
    assert row.target == f"article:{story_id}" and row.actor == "editor"  # type: ignore[attr-defined]
    assert row.after["added"] == [story_id]  # type: ignore[attr-defined]
    assert story_id not in client.get("/inbox").text


def test_a_plain_form_post_goes_back_to_the_inbox_as_it_was(client_as: ClientAs, web_workspace: Path) -> None:
    issue_id = _issue(web_workspace)
    story_id, _ = _first_story(web_workspace)
    client, csrf = _editor(client_as)
    back = f"source=%E6%96%B0&issue={issue_id}&next=//evil.example"
    response = client.post(
        f"/inbox/{story_id}/accept",
        data={"issue_id": issue_id, "csrf_token": csrf, "section": "海外借鉴", "back": back},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/inbox?source=%E6%96%B0&issue={issue_id}"
    with open_store(web_workspace) as store:
        assert get_issue(store, issue_id).items[0].section == "海外借鉴"


def test_a_repeat_keeps_its_card_with_a_notice(client_as: ClientAs, web_workspace: Path) -> None:
    story_id, _ = _first_story(web_workspace)
    with open_store(web_workspace) as store:
        earlier = new_issue(store, "第1期", date="2026-01-01", number="第1期")
        add_to_issue(store, earlier.id, [story_id])
        publish_issue(store, earlier.id)
        later = new_issue(store, "第2期", date="2026-02-01").id
    client, csrf = _editor(client_as)
    response = client.post(
        f"/inbox/{story_id}/accept", data={"issue_id": later}, headers={**HTMX, "X-CSRF-Token": csrf}
    )
    assert response.status_code == 200
    assert "data-card" in response.text and "未采用" in response.text and "已刊于 第1期" in response.text
    assert _status(web_workspace, story_id) == "new"


def test_reject_by_htmx(client_as: ClientAs, web_workspace: Path) -> None:
    story_id, title = _first_story(web_workspace)
    client, csrf = _editor(client_as)
    response = client.post(f"/inbox/{story_id}/reject", headers={**HTMX, "X-CSRF-Token": csrf})
    assert response.status_code == 200 and f"已排除：《{title}》（1 篇）" in response.text
    assert _status(web_workspace, story_id) == "rejected"
    (row,) = _audit(web_workspace, "article.reject")
    assert row.after == {"status": "rejected", "articles": [story_id]}  # type: ignore[attr-defined]


def test_snooze_hides_the_story_until_asked_for(client_as: ClientAs, web_workspace: Path) -> None:
    story_id, _ = _first_story(web_workspace)
    client, csrf = _editor(client_as)
    response = client.post(
        f"/inbox/{story_id}/snooze", data={"days": "3"}, headers={**HTMX, "X-CSRF-Token": csrf}
    )
    assert response.status_code == 200 and "已暂缓 3 天" in response.text
    assert f"story-{story_id}" not in client.get("/inbox").text
    assert "暂缓中 1 篇" in client.get("/inbox").text
    shown = client.get("/inbox", params={"snoozed": "1"}).text
    assert f"story-{story_id}" in shown and "暂缓至" in shown
    assert len(_audit(web_workspace, "article.snooze")) == 1


@pytest.mark.parametrize("verb", ["accept", "reject", "snooze"])
def test_a_viewer_may_not_give_a_verdict(client_as: ClientAs, web_workspace: Path, verb: str) -> None:
    issue_id = _issue(web_workspace)
    story_id, _ = _first_story(web_workspace)
    viewer, _ = client_as("viewer")
    csrf = csrf_of(viewer.get("/search").text)
    response = viewer.post(f"/inbox/{story_id}/{verb}", data={"issue_id": issue_id, "csrf_token": csrf})
    assert response.status_code == 403
    assert _status(web_workspace, story_id) == "new"


@pytest.mark.parametrize("verb", ["accept", "reject", "snooze"])
def test_a_verdict_without_csrf_is_refused(client_as: ClientAs, web_workspace: Path, verb: str) -> None:
    issue_id = _issue(web_workspace)
    story_id, _ = _first_story(web_workspace)
    client, _ = _editor(client_as)
    response = client.post(f"/inbox/{story_id}/{verb}", data={"issue_id": issue_id}, headers=HTMX)
    assert response.status_code == 403
    assert _status(web_workspace, story_id) == "new"
    assert _audit(web_workspace, f"article.{verb}") == []


def test_an_unknown_story_is_a_404(client_as: ClientAs) -> None:
    client, csrf = _editor(client_as)
    assert client.post("/inbox/nope/reject", headers={"X-CSRF-Token": csrf}).status_code == 404
