"""The sources page: health of configured sources, the editors' switch and "collect now", against a
loopback news site (jiance.samples.site) configured in the workspace's jiance.toml."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from fastapi.testclient import TestClient

from jiance.samples.site import SampleSite, serve_site
from jiance.settings import load_settings
from jiance.sources import control
from jiance.sources.config import load_sources
from jiance.store.accounts import AuditRow, accounts_for
from jiance.store.collection import collection_for
from jiance.workspace import open_store

from .conftest import csrf_of

ClientAs = Callable[[str], tuple[TestClient, str]]
HTMX = {"HX-Request": "true"}
FEED, BROKEN, OFF = "样例快讯", "坏源<script>alert(1)</script>", "停用源"


@pytest.fixture
def site_workspace(web_workspace: Path) -> Iterator[Path]:
    """The workspace with three sources: a working feed, a feed that 404s, and one turned off in the file."""
    site = SampleSite(3, per_list=3, feed_entries=3)
    with serve_site(site) as base:
        config = web_workspace / "jiance.toml"
        tables = f"""
[[sources]]
name = "{FEED}"
kind = "feed"
url = "{base}/feed.xml"
allow_private = true

[[sources]]
name = "{BROKEN}"
kind = "feed"
url = "{base}/missing.xml"
allow_private = true

[[sources]]
name = "{OFF}"
kind = "folder"
path = "drop"
enabled = false
"""
        text = config.read_text(encoding="utf-8")
        config.write_text("fetch_host_delay_ms = 0\nfetch_attempts = 1\n" + text + tables, encoding="utf-8")
        yield web_workspace


def _as(client_as: ClientAs, role: str) -> tuple[TestClient, str]:
    client, _ = client_as(role)
    return client, csrf_of(client.get("/search").text)


def _url(name: str, action: str) -> str:
    return f"/sources/{quote(name, safe='')}/{action}"


def _audit(workspace: Path, action: str) -> list[AuditRow]:
    with open_store(workspace) as store:
        return [r for r in accounts_for(store).audit_rows() if r.action == action]


def test_page_lists_configured_sources(site_workspace: Path, client_as: ClientAs) -> None:
    client, _ = _as(client_as, "editor")
    page = client.get("/sources")
    assert page.status_code == 200
    assert page.text.count('<tr class="source-row') == 3
    assert "未运行" in page.text and "已停用" in page.text and "jiance.toml 中已关闭" in page.text
    assert page.text.count("立即采集") == 2  # the source turned off in jiance.toml cannot run
    assert 'href="/sources" class="on"' in page.text


def test_running_a_source_collects_and_records_health(site_workspace: Path, client_as: ClientAs) -> None:
    client, csrf = _as(client_as, "editor")
    row = client.post(_url(FEED, "run"), data={"csrf_token": csrf}, headers=HTMX)
    assert row.status_code == 200 and row.text.startswith('<tr class="source-row')
    assert "正常" in row.text and "从未" not in row.text
    assert unquote(row.headers["X-Jiance-Message"]) == f"{FEED}：正常，新增 3 篇，失败 0 条"
    with open_store(site_workspace) as store:
        assert len(collection_for(store).items(FEED)) == 3
    audit = _audit(site_workspace, "source.run")[0]
    assert audit.target == f"source:{FEED}" and audit.actor == "editor"
    assert audit.after["status"] == "ok" and audit.after["new"] == 3 and audit.after["run_id"]


def test_a_failing_source_shows_its_error_and_is_flagged(site_workspace: Path, client_as: ClientAs) -> None:
    client, csrf = _as(client_as, "editor")
    for _ in range(3):
        row = client.post(_url(BROKEN, "run"), data={"csrf_token": csrf}, headers=HTMX)
        assert row.status_code == 200
    assert "连续失败" in row.text and "404" in row.text and "flagged" in row.text
    assert '<td class="num">3</td>' in row.text
    page = client.get("/sources").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_pausing_stops_runs_until_resumed(site_workspace: Path, client_as: ClientAs) -> None:
    client, csrf = _as(client_as, "editor")
    paused = client.post(_url(FEED, "disable"), data={"csrf_token": csrf}, headers=HTMX)
    assert paused.status_code == 200 and "已暂停" in paused.text and "立即采集" not in paused.text
    with open_store(site_workspace) as store:
        settings = load_settings(site_workspace)
        configs = control.effective_sources(store, load_sources(settings, base=site_workspace))
    assert [c.name for c in configs if c.enabled] == [BROKEN]
    assert client.post(_url(FEED, "run"), data={"csrf_token": csrf}).status_code == 400
    resumed = client.post(_url(FEED, "enable"), data={"csrf_token": csrf}, follow_redirects=False)
    assert resumed.status_code == 303 and resumed.headers["location"] == "/sources"
    assert [(r.before, r.after) for r in _audit(site_workspace, "source.disable")] == [
        ({"enabled": True}, {"enabled": False})
    ]
    assert _audit(site_workspace, "source.enable")[0].after == {"enabled": True}


def test_a_run_keeps_the_editors_switch(site_workspace: Path, client_as: ClientAs) -> None:
    """Recording a run's configuration must not turn a paused source back on."""
    client, csrf = _as(client_as, "editor")
    client.post(_url(FEED, "run"), data={"csrf_token": csrf})
    client.post(_url(FEED, "disable"), data={"csrf_token": csrf})
    with open_store(site_workspace) as store:
        collection = collection_for(store)
        collection.save_source(load_sources(load_settings(site_workspace), base=site_workspace)[0])
        assert collection.switches()[FEED] is False


def test_a_source_off_in_the_file_cannot_be_switched_on(site_workspace: Path, client_as: ClientAs) -> None:
    client, csrf = _as(client_as, "editor")
    refused = client.post(_url(OFF, "enable"), data={"csrf_token": csrf})
    assert refused.status_code == 400 and "jiance.toml" in refused.text
    assert client.post(_url("无此源", "disable"), data={"csrf_token": csrf}).status_code == 404
    assert _audit(site_workspace, "source.enable") == []


def test_viewers_and_missing_csrf_are_refused(site_workspace: Path, client_as: ClientAs) -> None:
    viewer, viewer_csrf = _as(client_as, "viewer")
    assert viewer.get("/sources").status_code == 403
    assert viewer.post(_url(FEED, "run"), data={"csrf_token": viewer_csrf}).status_code == 403
    assert viewer.post(_url(FEED, "disable"), data={"csrf_token": viewer_csrf}).status_code == 403
    editor, _ = _as(client_as, "editor")
    assert editor.post(_url(FEED, "disable")).status_code == 403
    assert editor.post(_url(FEED, "run"), headers={"X-CSRF-Token": "nope"}).status_code == 403
    assert _audit(site_workspace, "source.disable") == [] and _audit(site_workspace, "source.run") == []


def test_no_sources_configured_says_how_to_add_one(client_as: ClientAs) -> None:
    client, _ = _as(client_as, "admin")
    page = client.get("/sources")
    assert page.status_code == 200 and "[[sources]]" in page.text
