"""End to end in a real headless Chromium (Debian's, driven by Playwright) against a real uvicorn server:
log in, accept two stories from the inbox into an issue, reorder them, build the PDF and download it.
Screenshots of the main pages are written to test-output/screenshots/ for people to look at."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.web.conftest import PASSWORDS
from tests.web.live import CHROMIUM, CHROMIUM_ARGS, live_server

from jiance.publish import issues as lib
from jiance.workspace import open_store

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium: scripts/setup-system.sh")
SHOTS = Path(
    os.environ.get("JIANCE_SCREENSHOTS", Path(__file__).resolve().parents[2] / "test-output" / "screenshots")
)


@pytest.fixture
def browser_page(web_workspace: Path) -> Iterator[tuple[object, str]]:
    from playwright.sync_api import sync_playwright

    with live_server(web_workspace) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1366, "height": 900}, accept_downloads=True, locale="zh-CN"
        )
        page = context.new_page()
        errors: list[str] = []
        page.on(
            "console",
            lambda m: errors.append(m.text) if m.type == "error" and "favicon" not in m.text else None,
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page, base
        assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == [], errors
        browser.close()


def _login(page: object, base: str, role: str) -> None:
    page.goto(f"{base}/login")  # type: ignore[attr-defined]
    page.fill("input[name=username]", role)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORDS[role])  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)  # type: ignore[attr-defined]


def test_editor_accepts_reorders_builds_and_downloads(
    browser_page: tuple[object, str], web_workspace: Path, tmp_path: Path
) -> None:
    page, base = browser_page
    with open_store(web_workspace) as store:
        issue = lib.new_issue(store, "信息产业监测", date="2026-12-01", number="第1期")
    _login(page, base, "editor")
    assert page.url.endswith("/inbox")  # type: ignore[attr-defined]
    _shot(page, "inbox")
    page.goto(f"{base}/inbox?issue={issue.id}")  # type: ignore[attr-defined]
    cards = page.locator(".story[data-card]")  # type: ignore[attr-defined]
    assert cards.count() >= 2
    titles = [cards.nth(i).locator("h3").inner_text().strip() for i in range(2)]
    page.keyboard.press("a")  # type: ignore[attr-defined]  # accept the current (first) card by its key
    page.locator(".story-done").first.wait_for()  # type: ignore[attr-defined]
    page.locator(".story[data-card]").first.locator("button[data-key=a]").click()  # type: ignore[attr-defined]
    page.locator(".story-done").nth(1).wait_for()  # type: ignore[attr-defined]
    with open_store(web_workspace) as store:
        items = lib.get_issue(store, issue.id).items
    assert len(items) == 2, items

    page.goto(f"{base}/issues/{issue.id}")  # type: ignore[attr-defined]
    _shot(page, "issue-builder")
    section = items[1].section
    same_column = [i for i in items if i.section == section]
    # reorder: move the last item of its column up with its ↑ button (key "u")
    target = page.locator(f"[data-item='{same_column[-1].article_id}']")  # type: ignore[attr-defined]
    if len(same_column) == 2:
        target.locator("button[data-key=u]").click()
    else:  # two different columns: move the second into the first's column, on top
        page.locator(f"[data-item='{items[1].article_id}'] select").select_option(items[0].section or "")
        page.locator(f"[data-item='{items[1].article_id}'] form:has(select) button").click()
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    with open_store(web_workspace) as store:
        after = lib.get_issue(store, issue.id).items
    assert [i.article_id for i in after] != [i.article_id for i in items] or {i.section for i in after} != {
        i.section for i in items
    }

    page.check("input[name=formats][value=pdf]")  # type: ignore[attr-defined]
    page.click(".build-form button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.locator("a:has-text('下载')").first.click()  # type: ignore[attr-defined]
    saved = tmp_path / "issue.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert any(t[:8] in " ".join(titles) for t in titles)
    _shot(page, "issue-built")


def test_main_pages_render_for_people_to_look_at(
    browser_page: tuple[object, str], web_workspace: Path
) -> None:
    page, base = browser_page
    _login(page, base, "admin")
    with open_store(web_workspace) as store:
        article = store.articles(limit=1)[0].id
    for name, path in [
        ("search", "/search?q=芯片"),
        ("figures", "/figures?subject=基站"),
        ("article", f"/articles/{article}"),
        ("sources", "/sources"),
        ("admin", "/admin"),
        ("issues", "/issues"),
    ]:
        response = page.goto(base + path)  # type: ignore[attr-defined]
        assert response is not None and response.status == 200, (path, response and response.status)
        assert page.locator("header.top").count() == 1  # type: ignore[attr-defined]
        _shot(page, name)


def test_the_email_bulletin_renders_in_a_browser(
    browser_page: tuple[object, str], web_workspace: Path, tmp_path: Path
) -> None:
    from jiance.publish.build import build_issue
    from jiance.publish.editions import default_edition

    page, _ = browser_page
    with open_store(web_workspace) as store:
        issue = lib.new_issue(store, "信息产业监测", date="2026-12-01")
        lib.add_to_issue(
            store, issue.id, [s.id for s in store.articles(limit=6) if s.article.kind == "article"][:4]
        )
        report = build_issue(store, issue.id, default_edition(), ["html"], tmp_path)
    email = next(o.path for o in report.outputs if o.format == "email")
    page.goto(email.as_uri())  # type: ignore[attr-defined]
    text = page.inner_text("body")  # type: ignore[attr-defined]
    with open_store(web_workspace) as store:
        titles = [store.get_article(i.article_id).article.title for i in lib.get_issue(store, issue.id).items]
    assert titles and all(t in text for t in titles)
    assert page.locator("style, script, link").count() == 0  # type: ignore[attr-defined]
    width = page.evaluate("document.body.scrollWidth")  # type: ignore[attr-defined]
    assert width <= 1366
    _shot(page, "email-bulletin")
    shutil.copy(email, SHOTS / "email-bulletin.html")
