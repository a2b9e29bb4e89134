"""Hostile web input: XSS payloads in every stored field, rendered in every page and output format, plus
CSRF refusals and the login rate limit.

One workspace is seeded for the module with ``len(PAYLOADS)`` classic payloads in every field a user, a
client's editions.toml, a source or a feed can set (article, 专家观点, tag, issue, key-figure, override,
source, user, saved-search, edition-branding and audit fields, and the query parameters pages reflect).
Each stored value carries a marker ``Q<n>Q`` (``n`` = field × 100 + payload) and, when executed, calls
``__xss(n)``. One real uvicorn server and one headless Chromium (CSP bypassed, so escaping is the only
defence being tested) walk every GET page of the route table as every role; an init script in every frame
records calls, dialogs and console lines, and a DOM check counts injected elements and attributes
(inline scripts, ``on*``/``hx-on`` attributes, ``javascript:`` links, ``srcdoc`` frames, style
attributes) that a payload could have produced even without running. The built HTML, the email HTML and
the Markdown (rendered by markdown-it with raw HTML allowed) are opened in the same browser; the DOCX is
checked for fields and links, the PDF (its streams inflated) for JavaScript and actions.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from tests.reliability.figures import record
from tests.web.conftest import PASSWORDS, ROLES, csrf_of, login
from tests.web.live import CHROMIUM, CHROMIUM_ARGS, live_server
from tests.web.test_access import _path, _routes

from jiance import accounts
from jiance.accounts import FAILURE_WINDOW_S
from jiance.analysis import analyze_store
from jiance.publish import issues as lib
from jiance.publish.build import build_issue, compose_for_edition, rendered_charts
from jiance.publish.editions import edition_named, load_editions
from jiance.publish.model import KeyFigure
from jiance.publish.pdf import render_pdf
from jiance.records import Article, Document, Provenance
from jiance.saved_searches import save_search
from jiance.settings import load_settings
from jiance.store.accounts import accounts_for
from jiance.web import create_app
from jiance.web.deps import route_role, walk_routes
from jiance.workspace import init_workspace, open_store, store_path

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium: scripts/setup-system.sh")
COMMAND = "pytest -p no:randomly tests/reliability/test_web_hostile.py"

PAYLOADS: tuple[str, ...] = (
    "<script>__xss({n})</script>{m}",
    "<img src=x onerror=__xss({n})>{m}",
    '"><svg onload=__xss({n})>{m}',
    "javascript:__xss({n})//{m}",
    "data:text/html,<script>__xss({n})</script>{m}",
    "</textarea><script>__xss({n})</script>{m}",
    "</title></style><script>__xss({n})</script>{m}",
    "{{{{7*7}}}}{m}",
    "${{7*7}}#{{7*7}}<%= 7*7 %>{m}",
    '<div style="width:expression(__xss({n}))">{m}</div>',
    "<style>body{{background:url(javascript:__xss({n}))}}</style>{m}",
    "<scr\u200bipt>__xss({n})</scr\u200bipt>\u202e{m}",
    "\uff1cscript\uff1e__xss({n})\uff1c/script\uff1e{m}",
    "' onmouseover='__xss({n})' autofocus onfocus='__xss({n})' x='{m}",
    '" autofocus onfocus="__xss({n})" x="{m}',
    '<iframe srcdoc="<script>parent.__xss({n})</script>"></iframe>{m}',
    '<a href="javascript:__xss({n})">{m}</a>',
    "<svg><script>__xss({n})</script></svg>{m}",
    "<math><mtext><table><mglyph><style><img src=x onerror=__xss({n})>{m}",
    "<details open ontoggle=__xss({n})>{m}",
    '<div hx-get="/" hx-trigger="load" hx-on::after-request="__xss({n})">{m}</div>',
    '<object data="javascript:__xss({n})"></object>{m}',
    '<meta http-equiv="refresh" content="0;url=javascript:__xss({n})">{m}',
    "]]><script>__xss({n})</script><![CDATA[{m}",
    "&lt;script&gt;__xss({n})&lt;/script&gt;{m}",
)
"""Classic payloads; ``{n}`` becomes the call's number and ``{m}`` the visible marker of the field."""

FIELDS: tuple[str, ...] = (
    "article.title", "article.body", "article.subheading", "article.section", "article.source_name",
    "article.author", "article.url", "expert.title", "expert.speaker", "expert.headline", "tag.display",
    "issue.title", "issue.number", "issue.highlight", "figure.label", "figure.unit", "figure.period",
    "figure.sentence", "override.title", "override.summary", "override.body", "override.subheading",
    "source.name", "source.section", "source.tag", "user.name", "search.name", "search.query",
    "edition.title", "branding.name", "branding.client", "branding.contact", "branding.copyright",
    "branding.cover_text", "branding.publisher", "audit.actor", "audit.target", "audit.before",
    "query.q", "query.next", "query.subject",
)  # fmt: skip
"""Every stored (or reflected) field the payloads go into; the number of a field is its index + 1."""

NOT_ON_PAGES = ("article.author", "expert.headline", "source.section", "source.tag", "query.next")
"""Fields no page shows (the login form keeps ``next`` only when it is a local path, and drops these)."""
_MARKER = re.compile(r"Q(\d{3,4})Q")
_INIT = """
(() => {
  const fired = (what) => { try { (window.top.__fired = window.top.__fired || []).push(String(what)); }
                            catch (e) {} console.log('XSS-FIRED ' + what); };
  window.__fired = window.__fired || [];
  window.__xss = fired;
  for (const name of ['alert', 'confirm', 'prompt', 'print']) window[name] = (...a) => fired(name + ':' + a);
})();
"""
_DOM_CHECK = """
(styled) => {
  const bad = [];
  const walk = (doc) => {
    for (const el of doc.querySelectorAll('*')) {
      for (const attr of el.attributes) {
        const name = attr.name.toLowerCase(), value = attr.value.trim().toLowerCase();
        if (name.startsWith('on') || name.startsWith('hx-on') || name === 'srcdoc')
          bad.push(el.tagName + ' ' + name);
        if (name === 'style' && (!styled || /expression|javascript|url[(]|@import|behavior/.test(value)))
          bad.push(el.tagName + ' style=' + value.slice(0, 30));
        if (['href', 'src', 'action', 'data', 'formaction', 'xlink:href'].includes(name)
            && (value.startsWith('javascript:') || value.startsWith('data:text/html')))
          bad.push(el.tagName + ' ' + name + '=' + value.slice(0, 30));
      }
      const tag = el.tagName.toLowerCase();
      if (tag === 'script' && !(el.getAttribute('src') || '').startsWith('/static/')) bad.push('script');
      if (['iframe', 'object', 'embed', 'base', 'frame'].includes(tag)) bad.push(tag);
      if (tag === 'meta' && el.getAttribute('http-equiv') && el.getAttribute('http-equiv').toLowerCase()
          === 'refresh') bad.push('meta refresh');
    }
  };
  walk(document);
  return bad;
}
"""


def value(name: str, i: int) -> str:
    """The payload ``i`` as stored in field ``name``."""
    n = (FIELDS.index(name) + 1) * 100 + i
    return PAYLOADS[i].format(n=n, m=f"Q{n}Q")


def joined(name: str) -> str:
    return " ".join(value(name, i) for i in range(len(PAYLOADS)))


def _toml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


@dataclass(slots=True)
class Hostile:
    """The seeded workspace and the ids the page walk needs."""

    ws: Path
    issue_id: int
    override_issue_id: int
    article_ids: list[str]
    expert_ids: list[str]
    source_name: str
    out: Path
    outputs: dict[str, Path] = field(default_factory=dict)


def _url(i: int) -> str:
    """The article URL: the payload itself, or (every other one) after a web address, where quotes and
    brackets would break out of an href attribute."""
    return value("article.url", i) if i % 2 == 0 else f"https://example.org/a?x={value('article.url', i)}"


def _articles() -> tuple[list[Article], list[Article]]:
    plain, expert = [], []
    for i in range(len(PAYLOADS)):
        title = f"{value('article.title', i)} XSSTAG{i:02d}"
        plain.append(
            Article(
                "article",
                title,
                [value("article.subheading", i), f"{value('article.body', i)} 5G基站数达到115.9万个。"],
                section=value("article.section", i),
                subheadings=[value("article.subheading", i)],
                provenance=Provenance(url=_url(i)),
                published_at="2026-11-30",
                source_name=value("article.source_name", i),
                author=value("article.author", i),
            )
        )
        expert.append(
            Article(
                "expert_opinion",
                value("expert.title", i),
                [f"{value('expert.title', i)} 观点正文。"],
                section=value("article.section", i),
                speaker=value("expert.speaker", i),
                headline=value("expert.headline", i),
                related_title=title,
                source_name=value("article.source_name", i),
            )
        )
    return plain, expert


def _write_configs(ws: Path, root: Path) -> str:
    drop = root / "drop"
    drop.mkdir()
    sources = [
        f'\n[[sources]]\nname = {_toml(value("source.name", i))}\nkind = "folder"\npath = {_toml(str(drop))}\n'
        f"section = {_toml(value('source.section', i))}\ntags = [{_toml(value('source.tag', i))}]\n"
        for i in range(len(PAYLOADS))
    ]
    with (ws / "jiance.toml").open("a", encoding="utf-8") as config:
        config.write("".join(sources))
    editions = []
    brand_keys = ("name", "client", "contact", "copyright", "cover_text", "publisher")
    for key, pick in [
        ("all", joined),
        *((f"e{i}", lambda f, i=i: value(f, i)) for i in range(len(PAYLOADS))),
    ]:
        branding = "\n".join(f"{k} = {_toml(pick(f'branding.{k}'))}" for k in brand_keys)
        editions.append(
            f"[editions.{key}]\ntitle = {_toml(pick('edition.title'))}\n[editions.{key}.branding]\n{branding}\n"
        )
    (ws / "editions.toml").write_text("\n".join(editions), encoding="utf-8")
    tags = [
        f'[[tag]]\nid = "x{i}"\ndisplay = {_toml(value("tag.display", i))}\ngroups = [["XSSTAG{i:02d}"]]\n'
        for i in range(len(PAYLOADS))
    ]
    (root / "taxonomy.toml").write_text("\n".join(tags), encoding="utf-8")
    return value("source.name", 0)


def _seed_accounts(store: Any) -> None:
    for role, password in PASSWORDS.items():
        accounts.add_user(store, role, password, role)
    one_hash = accounts._HASHER.hash("hostile-pass-123")  # argon2 costs ~0.5 s a user: hash once
    for i in range(len(PAYLOADS)):
        name = (f"Q{(FIELDS.index('user.name') + 1) * 100 + i}Q" + value("user.name", i)).replace(" ", "/")[
            :64
        ]
        assert name.strip() and not any(c.isspace() for c in name)  # what accounts.add_user accepts
        accounts_for(store).add_user(name, "viewer", one_hash, [])
    users = {u.name: u for u in accounts.list_users(store)}
    for role in ROLES:
        for i in range(len(PAYLOADS)):
            save_search(store, users[role], value("search.name", i)[:64], value("search.query", i))
    for i in range(len(PAYLOADS)):
        before = {"title": value("audit.before", i)}
        accounts.audit(store, value("audit.actor", i), "item.edit", value("audit.target", i), before=before)


def _seed_issues(store: Any, ids: list[str], expert_ids: list[str]) -> tuple[int, int]:
    main = lib.new_issue(store, value("issue.title", 0), date="2026-12-01", number=value("issue.number", 0))
    lib.add_to_issue(store, main.id, [*ids, *expert_ids], allow_repeats=True)
    lib.set_highlights(store, main.id, [value("issue.highlight", i) for i in range(len(PAYLOADS))])
    figures = [
        KeyFigure(
            label=value("figure.label", i),
            value="115.9",
            unit=value("figure.unit", i) if i % 2 else "万个",  # one shared unit: a chart of the labels
            article_id=ids[i],
            sentence=value("figure.sentence", i),
            period=value("figure.period", i),
        )
        for i in range(len(PAYLOADS))
    ]
    lib.set_key_figures(store, main.id, figures)
    edited = lib.new_issue(store, "覆盖字段", date="2026-12-02")
    lib.add_to_issue(store, edited.id, ids, allow_repeats=True)
    for i, article_id in enumerate(ids):
        lib.edit_item(
            store,
            edited.id,
            article_id,
            title=value("override.title", i),
            summary=value("override.summary", i),
            paragraphs=[value("override.subheading", i), value("override.body", i)],
            subheadings=[value("override.subheading", i)],
        )
    for i in range(1, len(PAYLOADS)):
        lib.new_issue(store, value("issue.title", i), number=value("issue.number", i))
    return main.id, edited.id


def _pdf_issue(store: Any, ids: list[str]) -> int:
    """A short issue for the PDF (WeasyPrint takes ~0.4 s an article): the link payloads, highlights and
    figures; every other field reaches the PDF through the same composition as the HTML."""
    links = [i for i, p in enumerate(PAYLOADS) if re.search(r"javascript:|data:", p)]
    issue = lib.new_issue(store, value("issue.title", 0), date="2026-12-03", number=value("issue.number", 0))
    lib.add_to_issue(store, issue.id, [ids[i] for i in links], allow_repeats=True)
    lib.set_highlights(store, issue.id, [value("issue.highlight", i) for i in links])
    return issue.id


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    root = tmp_path_factory.mktemp("hostile")
    ws = init_workspace(root / "ws")
    source_name = _write_configs(ws, root)
    settings = load_settings(ws)
    plain, expert = _articles()
    with open_store(ws, settings) as store:
        for article in [*plain, *expert]:
            raw = article.title.encode()
            doc = Document(hashlib.sha256(raw).hexdigest(), None, "text/html", len(raw), "imported")
            doc.url = article.provenance.url
            store.save_import(doc, raw, [article])
        analyze_store(store, settings=settings, taxonomy_path=root / "taxonomy.toml")
        _seed_accounts(store)
        ids, expert_ids = [a.id for a in plain], [a.id for a in expert]
        main, edited = _seed_issues(store, ids, expert_ids)
        short = _pdf_issue(store, ids)
        out = root / "out"
        editions = load_editions(ws / "editions.toml")
        state = Hostile(ws, main, edited, ids, expert_ids, source_name, out)
        for issue_id, formats in [(main, ["html", "md", "docx"]), (edited, ["html", "md"])]:
            report = build_issue(
                store, issue_id, edition_named(editions, "all"), formats, out / str(issue_id)
            )
            assert not report.empty
            for output in report.outputs:
                state.outputs[f"{issue_id}.{output.format}"] = output.path
        # The build's renderer without its text check (pdfminer re-reads every page: seconds, no security)
        comp = compose_for_edition(store, short, edition_named(editions, "all"))
        state.outputs["pdf"] = out / "short.pdf"
        state.outputs["pdf"].write_bytes(render_pdf(comp, charts=rendered_charts(comp)).data)
    return state


# ------------------------------------------------------------------------------------------ the browser


@dataclass(slots=True)
class Tally:
    """What the walk saw: pages loaded, markers rendered, calls fired, injected DOM, CSP reports."""

    pages: int = 0
    rendered: int = 0
    fields_seen: set[int] = field(default_factory=set)
    fired: list[str] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    template_evaluated: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Browser:
    base: str
    contexts: dict[str, Any]
    tally: Tally
    events: list[str]


def _watch(page: Any, events: list[str]) -> None:
    page.on("dialog", lambda d: (events.append(f"dialog {d.message}"), d.dismiss()))
    page.on("console", lambda m: events.append(m.text) if "XSS-FIRED" in m.text else None)


def _login_context(browser: Any, base: str, role: str, events: list[str]) -> Any:
    context = browser.new_context(bypass_csp=True, locale="zh-CN")
    context.add_init_script(_INIT)
    page = context.new_page()
    _watch(page, events)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", role)
    page.fill("input[name=password]", PASSWORDS[role])
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return context


@pytest.fixture(scope="module")
def browser(hostile: Hostile) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    events: list[str] = []
    with live_server(hostile.ws) as base, sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        contexts = {role: _login_context(chromium, base, role, events) for role in ROLES}
        anonymous = chromium.new_context(bypass_csp=True)
        anonymous.add_init_script(_INIT)
        contexts["anonymous"] = anonymous
        yield Browser(base, contexts, Tally(), events)
        chromium.close()


def inspect(page: Any, url: str, tally: Tally, events: list[str], *, styled: bool = False) -> None:
    """Load ``url`` and count what it shows. ``styled``: the page has inline style attributes of its own
    (the email), so only the ones holding a script or a fetch count; the app's pages have none at all."""
    if url:
        page.goto(url, wait_until="load")
        if page.locator("[hx-trigger*=load], [hx-trigger*=revealed]").count():
            page.wait_for_load_state("networkidle")
    page.mouse.move(5, 5)
    page.mouse.move(400, 300)
    page.keyboard.press("Tab")
    html = page.content()
    markers = {int(m) for m in _MARKER.findall(html)}
    tally.pages += 1
    tally.rendered += len(markers)
    tally.fields_seen |= {n // 100 for n in markers}
    tally.fired += [str(f) for f in page.evaluate("() => window.__fired || []")]
    tally.injected += [f"{url or page.url}: {b}" for b in page.evaluate(_DOM_CHECK, styled)]
    tally.template_evaluated += [f"{url}: 49Q{n}Q" for n in markers if f"49Q{n}Q" in html]
    tally.fired += events
    events.clear()


def _page_urls(hostile: Hostile, app: Any, role: str) -> list[str]:
    """Every GET page of the route table with real ids, for ``role`` (the JSON API is not a page)."""
    urls = []
    first_build = 1
    for path, route in walk_routes(app.routes):
        if not isinstance(route, APIRoute) or "GET" not in route.methods or path.startswith("/api"):
            continue
        if "download" in path or path in ("/", "/healthz"):
            continue  # an attachment: never rendered by the app's origin; the files are checked below
        declared, least, _ = route_role(route)
        assert declared
        if role == "admin" and least != "admin" and path != "/issues":
            continue  # the admin sees the editor's pages (the templates branch on editor or not); its own below
        url = (
            path.replace("{issue_id}", str(hostile.issue_id))
            .replace("{article_id}", hostile.article_ids[0])
            .replace("{build_id}", str(first_build))
            .replace("{name:path}", quote(hostile.source_name, safe=""))
        )
        urls.append(url)
    if role == "admin":
        return sorted(set(urls))
    extra = [
        f"/inbox?issue={hostile.issue_id}",
        f"/issues/{hostile.override_issue_id}",
        f"/issues/{hostile.issue_id}/preview?edition=all",
        f"/issues/{hostile.override_issue_id}/preview?edition=all",
        "/figures?subject=基站",
        "/trends?days=3650",
    ]
    if role == "editor":  # one page per article and per edited item: their fields, each payload alone
        extra += [f"/articles/{a}" for a in hostile.article_ids[1:] + hostile.expert_ids[:5]]
        extra += [f"/issues/{hostile.override_issue_id}/items/{a}/edit" for a in hostile.article_ids]
    if role == "viewer":  # reflected parameters: every payload at once
        extra += [
            f"/search?q={quote(joined('query.q'))}",
            f"/figures?subject={quote(joined('query.subject'))}",
        ]
    return sorted(set(urls)) + extra


def test_no_payload_runs_in_any_page_for_any_role(hostile: Hostile, browser: Browser) -> None:
    app = create_app(hostile.ws)
    tally = browser.tally
    for role in ROLES:
        page = browser.contexts[role].new_page()
        _watch(page, browser.events)
        for url in _page_urls(hostile, app, role):
            inspect(page, browser.base + url, tally, browser.events)
        page.close()
    anonymous = browser.contexts["anonymous"].new_page()
    _watch(anonymous, browser.events)
    for next_url in [joined("query.next"), value("query.next", 3), "/" + value("query.next", 0)]:
        inspect(anonymous, f"{browser.base}/login?next={quote(next_url)}", tally, browser.events)
    anonymous.close()
    shown = set(range(1, len(FIELDS) + 1)) - {FIELDS.index(f) + 1 for f in NOT_ON_PAGES}
    record(
        "web",
        "xss in pages",
        {
            "payloads": len(PAYLOADS),
            "fields": len(FIELDS),
            "pages loaded (route × role × id)": tally.pages,
            "payload × field × page renderings": tally.rendered,
            "fields rendered": len(tally.fields_seen),
            "executed": len(tally.fired),
            "injected elements or attributes": len(tally.injected),
            "template expressions evaluated": len(tally.template_evaluated),
        },
        command=COMMAND + " -k any_page",
    )
    assert tally.fired == [], tally.fired[:10]
    assert tally.injected == [], tally.injected[:10]
    assert tally.template_evaluated == [], tally.template_evaluated[:10]
    missing = {FIELDS[n - 1] for n in shown - tally.fields_seen}
    assert not missing, f"fields never rendered on any page: {sorted(missing)}"


def _open_file(browser: Browser, path: Path, tally: Tally) -> None:
    page = browser.contexts["anonymous"].new_page()
    _watch(page, browser.events)
    inspect(page, path.as_uri(), tally, browser.events, styled=path.name.endswith(".email.html"))
    page.close()


def _lax_markdown() -> Any:
    """markdown-it with raw HTML on and link validation off: the most trusting renderer a chat tool or
    archive might use, so only the project's own escaping stands between a payload and the page."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    md.validateLink = lambda url: True
    return md


def _markdown_html(text: str) -> str:
    return "<!doctype html><meta charset=utf-8><body>" + _lax_markdown().render(text)


def _markdown_links(text: str) -> list[str]:
    """Every link and image target the Markdown gives a renderer."""
    found = []
    tokens = _lax_markdown().parse(text)
    for token in [t for block in tokens for t in [block, *(block.children or [])]]:
        for key in ("href", "src"):
            if token.attrGet(key) is not None:
                found.append(str(token.attrGet(key)))
    return found


def _unsafe_scheme(url: str) -> bool:
    return not re.match(r"^(https?://|mailto:|#)", url.strip(), re.IGNORECASE)


def test_built_html_email_and_markdown_run_nothing_in_chromium(
    hostile: Hostile, browser: Browser, tmp_path: Path
) -> None:
    tally = Tally()
    opened = 0
    for key, path in sorted(hostile.outputs.items()):
        if key.endswith((".html", ".email")):
            _open_file(browser, path, tally)
            opened += 1
        elif key.endswith(".md"):
            text = path.read_text("utf-8")
            rendered = tmp_path / f"{path.stem}.md.html"
            rendered.write_text(_markdown_html(text), "utf-8")
            _open_file(browser, rendered, tally)
            opened += 1
            bad_links = [u for u in _markdown_links(text) if _unsafe_scheme(u)]
            assert bad_links == [], bad_links[:5]
            assert "<script" not in text.lower().replace("\\<script", "")
    record(
        "web",
        "xss in built files",
        {
            "files opened in chromium (html, email, markdown)": opened,
            "payload × field renderings": tally.rendered,
            "executed": len(tally.fired),
            "injected elements or attributes": len(tally.injected),
        },
        command=COMMAND + " -k built",
    )
    assert opened == 6
    assert tally.fired == [] and tally.injected == [], (tally.fired[:5], tally.injected[:5])
    assert tally.rendered > len(PAYLOADS) * 10


def _chart_svgs(html: str) -> list[str]:
    import base64

    return [
        base64.b64decode(m).decode("utf-8")
        for m in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)
    ]


def test_chart_svgs_hold_no_script_or_handler(hostile: Hostile) -> None:
    from xml.etree import ElementTree

    svgs = _chart_svgs(hostile.outputs[f"{hostile.issue_id}.html"].read_text("utf-8"))
    assert svgs, "the figures box should give a chart"
    for svg in svgs:
        root = ElementTree.fromstring(svg)  # well-formed: a label cannot have closed an element
        for element in root.iter():
            assert not element.tag.endswith("script") and not element.tag.endswith("foreignObject")
            assert not [a for a in element.attrib if a.lower().startswith("on")]


_OWN_FIELDS = ("TOC", "SEQ")  # the contents and the caption numbers: instructions of the renderer's own


def test_docx_has_no_fields_or_links_but_the_contents_and_web_links(hostile: Hostile) -> None:
    path = hostile.outputs[f"{hostile.issue_id}.docx"]
    with zipfile.ZipFile(path) as docx:
        names = docx.namelist()
        body = docx.read("word/document.xml").decode("utf-8")
        rels = docx.read("word/_rels/document.xml.rels").decode("utf-8")
    instructions = re.findall(r"<w:instrText[^>]*>([^<]*)</w:instrText>", body)
    simple_fields = re.findall(r"<w:fldSimple[^>]*w:instr=\"([^\"]*)\"", body)
    targets = re.findall(r'Target="([^"]*)"[^>]*TargetMode="External"', rels)
    record(
        "web",
        "docx fields and links",
        {
            "field instructions": len(instructions) + len(simple_fields),
            "fields the renderer does not write": len(
                [i for i in instructions + simple_fields if i.split()[0] not in _OWN_FIELDS]
            ),
            "external links": len(targets),
            "links that are not http(s)/mailto": len([t for t in targets if _unsafe_scheme(t)]),
        },
        command=COMMAND + " -k docx",
    )
    assert all(i.split()[0] in _OWN_FIELDS for i in instructions + simple_fields), instructions
    assert not [t for t in targets if _unsafe_scheme(t)], targets
    assert not [n for n in names if re.search(r"vbaProject|activeX|oleObject|embeddings/", n)], names
    assert "altChunk" not in body and "Q101Q" in body.replace("\u200b", "")


def _pdf_texts(data: bytes) -> list[bytes]:
    """The PDF's bytes and every Flate stream inflated (object streams hide dictionaries)."""
    texts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        start = match.end()
        end = data.find(b"endstream", start)
        try:
            texts.append(zlib.decompressobj().decompress(data[start:end]))
        except zlib.error:
            continue
    return texts


def test_pdf_has_no_javascript_or_actions(hostile: Hostile) -> None:
    data = hostile.outputs["pdf"].read_bytes()
    texts = _pdf_texts(data)
    keys = [rb"/JS\b", rb"/JavaScript", rb"/OpenAction", rb"/AA\b", rb"/Launch", rb"/SubmitForm", rb"/ImportData",
            rb"/RichMedia", rb"/EmbeddedFile", rb"/GoToR"]  # fmt: skip
    found = {key.decode(): sum(len(re.findall(key, t)) for t in texts) for key in keys}
    uris = [u.decode("latin-1") for t in texts for u in re.findall(rb"/URI\s*\(([^)]*)\)", t)]
    record(
        "web",
        "pdf actions",
        {
            "streams inflated": len(texts) - 1,
            "javascript or action keys": sum(found.values()),
            "uri links": len(uris),
            "uri links that are not http(s)": len([u for u in uris if _unsafe_scheme(u)]),
        },
        command=COMMAND + " -k pdf",
    )
    assert data.startswith(b"%PDF") and len(texts) > 1
    assert sum(found.values()) == 0, found
    assert not [u for u in uris if _unsafe_scheme(u)], uris


def test_chat_markdown_links_only_web_addresses(hostile: Hostile) -> None:
    from jiance.distribute.render import im_parts

    editions = load_editions(hostile.ws / "editions.toml")
    with open_store(hostile.ws) as store:
        comp = compose_for_edition(store, hostile.issue_id, edition_named(editions, "all"))
    text = "\n".join(im_parts(comp, 256000, fmt="markdown"))
    assert [u for u in _markdown_links(text) if _unsafe_scheme(u)] == []


# ------------------------------------------------------------------------------------ CSRF, rate limit


def _audit_count(ws: Path) -> int:
    with open_store(ws) as store:
        return len(accounts_for(store).audit_rows(limit=1_000_000))


def test_every_page_mutation_refuses_a_missing_wrong_or_foreign_csrf_token(
    hostile: Hostile, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(hostile.ws, ws)
    with TestClient(create_app(ws)) as admin, TestClient(create_app(ws)) as other:
        token = login(admin, "admin")
        foreign = login(other, "editor")
        assert foreign != token
        before = _audit_count(ws)
        mutations = [(m, t) for m, t, role, api in _routes(admin) if role and not api and m != "GET"]
        refused = 0
        for method, template in mutations:
            path = _path(template)
            for headers, data in [
                ({}, None),
                ({"X-CSRF-Token": "wrong"}, None),
                ({"X-CSRF-Token": foreign}, None),
                ({"X-CSRF-Token": token.upper() if token != token.upper() else token.lower()}, None),
                ({}, {"csrf_token": "wrong"}),
                ({}, {"csrf_token": foreign}),
            ]:
                response = admin.request(method, path, headers=headers, data=data, follow_redirects=False)
                assert response.status_code == 403, (method, template, headers, data, response.status_code)
                refused += 1
        still = admin.get("/issues")
        assert still.status_code == 200 and csrf_of(still.text) == token  # the session survived the walk
        api = admin.post("/api/issues", json={"title": "cookie only"})
        assert api.status_code == 401  # the JSON API takes no cookie: no CSRF through it
        form = admin.post("/login", data={"username": "admin", "password": PASSWORDS["admin"]})
        assert form.status_code == 403  # the login form has a token of its own
    changed = _audit_count(ws) - before
    record(
        "web",
        "csrf",
        {
            "page mutations": len(mutations),
            "refused requests": refused,
            "changes made by refused requests": changed,
        },
        command=COMMAND + " -k csrf",
    )
    assert len(mutations) > 10 and changed == 0


def _login_form(client: TestClient) -> str:
    match = re.search(r'name="login_csrf" value="([^"]+)"', client.get("/login").text)
    assert match
    return match.group(1)


def _try(client: TestClient, name: str, password: str) -> Any:
    data = {"username": name, "password": password, "login_csrf": _login_form(client), "next": "/issues"}
    return client.post("/login", data=data, follow_redirects=False)


def _age_failures(ws: Path, seconds: float) -> None:
    """The window passing: every recorded failure moved ``seconds`` into the past, in the real store."""
    with sqlite3.connect(store_path(ws, load_settings(ws))) as db:
        db.execute("UPDATE login_attempts SET at = at - ?", (seconds,))


def test_login_rate_limit_refuses_even_the_right_password_until_the_window_passes(
    hostile: Hostile, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(hostile.ws, ws)
    with TestClient(create_app(ws)) as client:
        statuses = []
        while len(statuses) < 20:
            statuses.append(_try(client, "editor", "wrong-password-1").status_code)
            if statuses[-1] == 429:
                break
        threshold = statuses.index(429) if 429 in statuses else None
        refused = _try(client, "editor", PASSWORDS["editor"])
        retry_after = int(refused.headers.get("retry-after", "0"))
        _age_failures(ws, FAILURE_WINDOW_S / 2)
        still_refused = _try(client, "editor", PASSWORDS["editor"]).status_code
        _age_failures(ws, FAILURE_WINDOW_S / 2 + 1)
        after_window = _try(client, "editor", PASSWORDS["editor"])
    with TestClient(create_app(ws)) as client:  # one address trying many names is limited by address
        for n in range(accounts.MAX_FAILURES):
            assert _try(client, f"nobody{n}", "wrong-password-1").status_code == 401
        by_address = _try(client, "viewer", PASSWORDS["viewer"]).status_code
    record(
        "web",
        "login rate limit",
        {
            "failures before 429": threshold,
            "right password while limited": refused.status_code,
            "retry-after s": retry_after,
            "halfway through the window": still_refused,
            "after the window": after_window.status_code,
            "other names from one address, then a right password": by_address,
        },
        command=COMMAND + " -k rate",
    )
    assert threshold == accounts.MAX_FAILURES and set(statuses[:threshold]) == {401}
    assert refused.status_code == 429 and 0 < retry_after <= FAILURE_WINDOW_S + 1
    assert still_refused == 429
    assert after_window.status_code == 303
    assert by_address == 429
