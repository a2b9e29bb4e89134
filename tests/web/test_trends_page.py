"""The trends page through the real app: bursts and their 本期要点 lines, threads, the series check with its
chart and warnings (full page and HTMX partial), escaping of hostile names, and who may read it."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jiance import accounts
from jiance.publish.issues import add_to_issue, new_issue
from jiance.records import Article, Document
from jiance.web import create_app
from jiance.workspace import open_store

ClientAs = Callable[[str], tuple[TestClient, str]]
HTMX = {"HX-Request": "true"}
WEEK_END = date(2025, 6, 15)  # a Sunday, long before the samples were stored (they date by that)
HOSTILE = "<script>alert(1)</script>星网"


def _article(title: str, day: date) -> Article:
    body = f"{title}。业内认为，低轨星座将与地面网络互补，各方将推动低轨星座的应用。"
    return Article("article", title, [body], published_at=day.isoformat())


def _save(store: object, articles: list[Article]) -> list[str]:
    raw = "\n".join(a.id for a in articles).encode()
    doc = Document(hashlib.sha256(raw).hexdigest(), None, "text/plain", len(raw), "imported")
    store.save_import(doc, raw, articles)  # type: ignore[attr-defined]
    return [a.id for a in articles]


@pytest.fixture
def trends_ws(web_workspace: Path) -> Path:
    """The sample workspace plus: 低轨星座 once a week for three weeks, then in five articles this week,
    a hostile entity in those five, two issues sharing one event, and a 5G基站 series with a 万 slip."""
    with open_store(web_workspace) as store:
        for week in (3, 2, 1):
            _save(store, [_article(f"低轨星座第{week}周综述", WEEK_END - timedelta(weeks=week))])
        hot = _save(
            store, [_article(f"低轨星座：第{i}家企业入局", WEEK_END - timedelta(days=i)) for i in range(5)]
        )
        for article_id in hot:
            store.save_analysis(article_id, "entities", [{"name": HOSTILE, "type": "organization"}], "t")
        first, second = hot[0], hot[1]
        store.save_analysis(second, "event", {"event_id": first, "reasons": []}, "t")
        store.save_analysis(first, "event", {"event_id": first, "reasons": []}, "t")
        for n, (article_id, day) in enumerate(((first, "2025-06-02"), (second, "2025-06-09")), 1):
            issue = new_issue(store, f"第{n}期", date=day)
            add_to_issue(store, issue.id, [article_id], allow_repeats=True)
        for i, value, raw in ((4, 310.0, "310万"), (3, 3_250_000.0, "325万"), (2, 340.0, "340万")):
            store.save_analysis(hot[i], "figures", [{"raw": raw, "value": value, "unit": "万个", "kind": "count",
                                "subject": "5G基站总数", "sentence": f"5G基站总数达{raw}个。"}], "t")  # fmt: skip
    return web_workspace


def test_the_page_shows_bursts_highlights_and_threads(trends_ws: Path, client_as: ClientAs) -> None:
    client, _ = client_as("viewer")
    page = client.get("/trends", params={"week_end": WEEK_END.isoformat()})
    assert page.status_code == 200
    assert "「低轨星座」本周提及 5 篇，为前三周均值的 5 倍" in page.text
    rows = re.findall(r'<a href="/search\?q=([^"]+)">', page.text)
    assert "%E4%BD%8E%E8%BD%A8%E6%98%9F%E5%BA%A7" in rows  # 低轨星座, in the term table
    assert "第1期" in page.text and "第2期" in page.text and "同一事件" in page.text
    assert 'value="2025-06-15"' in page.text


def test_hostile_entity_names_render_as_text(trends_ws: Path, client_as: ClientAs) -> None:
    client, _ = client_as("viewer")
    page = client.get("/trends", params={"week_end": WEEK_END.isoformat()})
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;星网" in page.text


def test_the_series_check_warns_and_draws(trends_ws: Path, client_as: ClientAs) -> None:
    client, _ = client_as("viewer")
    params = {"week_end": WEEK_END.isoformat(), "subject": "5G基站", "unit": "万个"}
    page = client.get("/trends", params=params)
    assert page.status_code == 200 and "1 处数值与序列矛盾" in page.text and "疑似“万”字误读" in page.text
    chart = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', page.text)
    assert chart and base64.b64decode(chart.group(1)).decode("utf-8").lstrip().startswith("<svg")
    partial = client.get("/trends", params=params, headers=HTMX)
    assert partial.status_code == 200 and partial.text.startswith('<div id="trends-series"')
    assert "<html" not in partial.text and 'class="flagged"' in partial.text


def test_an_unknown_series_and_a_bad_date(trends_ws: Path, client_as: ClientAs) -> None:
    client, _ = client_as("viewer")
    missing = client.get("/trends", params={"subject": "<b>无</b>", "unit": "个"}, headers=HTMX)
    assert "没有“&lt;b&gt;无&lt;/b&gt;”（个）的可用数据" in missing.text
    assert client.get("/trends", params={"week_end": "next week"}).status_code == 400


def test_anonymous_and_client_accounts_are_refused(trends_ws: Path, app_client: TestClient) -> None:
    assert app_client.get("/trends", follow_redirects=False).status_code == 303
    assert app_client.get("/trends", headers=HTMX, follow_redirects=False).status_code == 401
    with open_store(trends_ws) as store:
        accounts.add_user(store, "client", "client-pass-123", "viewer", editions=["内部版"])
    with TestClient(create_app(trends_ws), base_url="http://testserver") as client:
        form = client.get("/login")
        token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
        assert token
        client.post("/login", data={"username": "client", "password": "client-pass-123",
                                    "login_csrf": token.group(1), "next": "/issues"})  # fmt: skip
        assert client.get("/trends").status_code == 403
