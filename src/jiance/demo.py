"""``jiance demo``: the main job end to end on the bundled sample bulletins.

It writes the samples in every layout, encoding and format the project renders (text dumps, PDF with a
contents page and running footers, DOCX, HTML, single-article files) plus a few broken files, creates a
workspace, imports everything (the broken files fail with their reasons, the rest goes on), writes each
bulletin's parsed structure as Markdown and JSONL, scores every parse against its gold, collects from
loopback sources, analyses every article, publishes an issue in every format for two editions, and says
where all of it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jiance.analysis import StoreAnalysisReport, analyze_store, stored_records
from jiance.pipeline import ImportReport, import_paths, iter_input_files, parse_path
from jiance.publish.build import BuildReport
from jiance.publish.markdown import bulletin_markdown
from jiance.settings import Settings, load_settings
from jiance.sources.collect import RunReport
from jiance.store.base import Store
from jiance.workspace import init_workspace, open_store

__all__ = ["DemoResult", "run_demo", "write_demo_inputs", "write_problem_files"]


@dataclass(slots=True)
class DemoResult:
    """Where the demo put things and what happened."""

    out: Path
    workspace: Path
    inbox: Path
    parsed: Path
    report: ImportReport
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    searches: dict[str, int] = field(default_factory=dict)
    collected: list[RunReport] = field(default_factory=list)
    analysis: StoreAnalysisReport | None = None
    builds: list[BuildReport] = field(default_factory=list)
    login: tuple[str, str] | None = None  # the demo editor's (name, password) for the web app

    def summary(self) -> str:
        counts = self.report.counts
        lines = [
            "",
            "jiance demo finished.",
            f"  inputs (sample bulletins in every layout):  {self.inbox}",
            f"  workspace (jiance.toml + SQLite store):     {self.workspace}",
            f"  parsed structure (Markdown + JSONL):        {self.parsed}",
            f"  parse scores against gold:                  {self.out / 'eval.md'}",
            f"  import: {counts['imported']} imported, {counts['unchanged']} unchanged, {counts['failed']} failed (the broken files, on purpose)",
        ]
        if self.scores:
            f1 = min(s["title_f1"] for s in self.scores.values())
            sim = min(s["body_similarity"] for s in self.scores.values())
            lines.append(
                f"  worst title F1 {f1:.3f}, worst body similarity {sim:.3f} over {len(self.scores)} scored files"
            )
        for run in self.collected:
            lines.append(
                f"  collected from {run.source} ({run.kind}, loopback): {run.new} new, {run.unchanged} already known,"
                f" {run.failed} failed [{run.status}]"
            )
        if self.collected:
            lines.append(f"  collected articles beside the bulletins:      {self.out / 'collected.md'}")
        if self.analysis is not None:
            lines.append(
                f"  analysis of every article ({self.analysis.analysed} new now):  {self.out / 'analysis.jsonl'}"
            )
        for build in self.builds:
            lines.append(f"  bulletin, edition {build.edition!r}:")
            lines += [f"    {o.format:5} {o.path}" for o in build.outputs]
        for query, count in self.searches.items():
            lines.append(f"  search {query!r}: {count} articles")
        lines.append(f"  try: .venv/bin/jiance search 芯片 --workspace {self.workspace}")
        if self.login:
            lines.append(
                f"  web app login: {self.login[0]} / {self.login[1]}  (also in {self.out / 'demo-login.txt'})"
            )
            lines.append(f"  start it with: .venv/bin/jiance serve --workspace {self.workspace}")
        return "\n".join(lines)


def write_demo_inputs(inbox: Path) -> list[Path]:
    """All sample renderings with a ``.gold.json`` beside each: text layouts, PDF, DOCX, HTML."""
    from jiance.samples.corpus import gold_records, load_sample, sample_names
    from jiance.samples.layouts import write_sample_set
    from jiance.samples.office import render_docx, render_html
    from jiance.samples.pdf import render_pdf

    written = write_sample_set(inbox)
    for name in sample_names():
        sample = load_sample(name)
        gold = {"covers": "all", "records": gold_records(sample)}
        renderings: list[tuple[str, bytes]] = [
            (f"{name}.pdf", render_pdf(sample)),
            (f"{name}.docx", render_docx(sample)),
            (f"{name}.html", render_html(sample).encode("utf-8")),
        ]
        for file_name, data in renderings:
            path = inbox / file_name
            path.write_bytes(data)
            gold_path = inbox / f"{file_name}.gold.json"
            gold_path.write_text(
                json.dumps({"source": file_name, **gold}, ensure_ascii=False, indent=1), encoding="utf-8"
            )
            written += [path, gold_path]
    return written


def write_problem_files(folder: Path) -> list[Path]:
    """Broken inputs that real inboxes receive; each must fail with a clear reason and stop nothing."""
    from jiance.samples.corpus import load_sample, sample_names
    from jiance.samples.pdf import render_image_only_pdf, render_pdf

    folder.mkdir(parents=True, exist_ok=True)
    pdf = render_pdf(load_sample(sample_names()[0]))
    files = {
        "empty.txt": b"",
        "binary.txt": bytes(range(256)) * 8,
        "truncated.pdf": pdf[: len(pdf) // 2],
        "scanned.pdf": render_image_only_pdf(),
        "not-a-docx.docx": b"PK\x03\x04" + b"\x00" * 60,
        "mojibake.txt": "信息产业动态：芯片产能持续紧张。".encode("gbk")[:-1] + b"\xff\xfe\x81",
    }
    paths = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def _score_all(inbox: Path) -> dict[str, dict[str, float]]:
    from jiance.evaluate.gold import load_gold
    from jiance.evaluate.parse import score_file

    scores: dict[str, dict[str, float]] = {}
    for gold_path in sorted(inbox.glob("*.gold.json")):
        source = inbox / gold_path.name.removesuffix(".gold.json")
        score = score_file(source, load_gold(gold_path))
        data: dict[str, Any] = score.to_dict()["metrics"]
        scores[source.name] = {k: float(v) for k, v in data.items() if isinstance(v, int | float)}
    return scores


def _write_eval(path: Path, scores: dict[str, dict[str, float]]) -> None:
    keys = [
        "title_f1",
        "column_accuracy",
        "body_similarity",
        "paragraph_f1",
        "furniture_leaks",
        "expert_recall",
    ]
    lines = ["| file | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name, score in scores.items():
        lines.append(f"| {name} | " + " | ".join(f"{score.get(k, float('nan')):.3f}" for k in keys) + " |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def collect_demo_sources(store: Store, settings: Settings) -> list[RunReport]:
    """Serve a small site of sample articles on loopback (a feed and paginated list pages) and collect it.

    The feed's entries are the first articles of the list pages, so the page source meets them again and
    stores nothing twice.
    """
    from jiance.samples.site import SampleSite, serve_site
    from jiance.sources.collect import collect_all
    from jiance.sources.config import SourceConfig
    from jiance.sources.http import Fetcher, FetchPolicy

    site = SampleSite(12, per_list=5, feed_entries=5)
    with serve_site(site) as base, Fetcher(FetchPolicy(per_host_delay_s=0.02)) as fetcher:
        configs = [
            SourceConfig(name="样例快讯", kind="feed", url=f"{base}/feed.xml", allow_private=True),
            SourceConfig(
                name="样例动态",
                kind="page",
                url=f"{base}/list/0.html",
                links="ul.list a",
                next="a.next",
                max_pages=site.lists,
                allow_private=True,
            ),
        ]
        return collect_all(configs, fetcher, store, settings)


def _write_collected(path: Path, store: Store, bulletin_articles: int) -> None:
    collected = [s for s in store.articles() if s.article.source_name]
    lines = [
        "# Collected articles",
        "",
        f"The store holds {bulletin_articles} articles from the imported bulletins and {len(collected)} "
        "collected from the demo's loopback sources (a feed and list pages):",
        "",
        "| source | title | url |",
        "|---|---|---|",
    ]
    for stored in collected:
        a = stored.article
        lines.append(f"| {a.source_name} | {a.title} | {a.provenance.url or ''} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


DEMO_EDITIONS = """\
# Editions (特殊定制) of the demo workspace: see docs/editions.md.
[editions.default.branding]
name = "信息产业监测"
publisher = "jiance 演示编辑部"
contact = "400-000-0000"

[editions.carrier]
title = "运营商版"
columns = ["运营竞争", "技术情报", "企业情报"]
max_per_column = 3
[editions.carrier.branding]
name = "信息产业监测（运营商版）"
client = "某运营商战略部"
primary = "#0b5394"
accent = "#e69138"
contact = "400-000-0000"
cover_text = "内部参考 · 特殊定制"
"""


def _fresh_articles(store: Store, issue: Any, others: list[Path], count: int) -> list[str]:
    """Articles of other bulletins (``others``), in the issue's columns, telling a story the issue does not
    carry yet: what an editor adds from elsewhere before sending an issue out."""
    import hashlib

    from jiance.store.issues import issues_for

    def event(article_id: str) -> Any:
        return ((store.analysis(article_id).get("event") or {}).get("result") or {}).get("event_id")

    taken = {event(item.article_id) for item in issue.items}
    fresh: list[str] = []
    for path in others:
        for article_id in issues_for(store).document_articles(hashlib.sha256(path.read_bytes()).hexdigest()):
            article = store.get_article(article_id).article
            if (
                article.kind == "article"
                and article.section in issue.sections
                and event(article_id) not in taken
            ):
                fresh.append(article_id)
                break
    return fresh[:count]


def publish_demo_issue(
    store: Store, settings: Settings, workspace: Path, bulletin: Path, others: list[Path], out: Path
) -> list[BuildReport]:
    """An issue made from one sample bulletin plus an article from each of ``others``, with highlights and a
    key-figures box, built in every format for the house edition and a client edition. Re-running reuses
    the issue (found by its source document), so the demo stays idempotent."""
    from jiance.publish import issues as lib
    from jiance.publish.build import FORMATS, build_issue
    from jiance.publish.editions import EDITIONS_FILE, edition_named, load_editions

    editions_path = workspace / EDITIONS_FILE
    if not editions_path.exists():
        editions_path.write_text(DEMO_EDITIONS, encoding="utf-8")
    existing = [i for i in lib.list_issues(store) if i.title == "信息产业监测" and i.number == "第1期"]
    if existing:
        issue = existing[0]
    else:
        issue = lib.issue_from_file(store, bulletin, settings, title="信息产业监测")
        from jiance.store.issues import issues_for

        issues_for(store).update(issue.id, number="第1期")
        lib.add_to_issue(store, issue.id, _fresh_articles(store, issue, others, 2))
        issue = lib.get_issue(store, issue.id)
        lib.set_highlights(store, issue.id, lib.suggest_highlights(store, issue))
        lib.set_key_figures(store, issue.id, lib.suggest_key_figures(store, issue))
    editions = load_editions(editions_path)
    return [
        build_issue(store, issue.id, edition_named(editions, name), FORMATS, out / "bulletin" / name)
        for name in ("default", "carrier")
    ]


DEMO_USER = "demo"


def demo_login(store: Store, out: Path) -> tuple[str, str]:
    """The demo's web login: an admin named ``demo`` with a random password kept in demo-login.txt, so a
    re-run reuses it (and nothing is a password known from the source code)."""
    import secrets

    from jiance import accounts
    from jiance.store.accounts import accounts_for

    saved = out / "demo-login.txt"
    if saved.is_file() and accounts_for(store).user(DEMO_USER) is not None:
        return DEMO_USER, saved.read_text(encoding="utf-8").split()[-1]
    password = secrets.token_urlsafe(12)
    if accounts_for(store).user(DEMO_USER) is None:
        accounts.add_user(store, DEMO_USER, password, "admin")
    else:
        accounts.set_password(store, DEMO_USER, password)
    saved.write_text(f"{DEMO_USER} {password}\n", encoding="utf-8")
    saved.chmod(0o600)
    return DEMO_USER, password


def run_demo(out: Path, *, log: Callable[[str], None] = print) -> DemoResult:
    """Write the inputs, import them into a fresh workspace, write parses and scores; idempotent."""
    out = out.resolve()
    inbox, problems, parsed = out / "inbox", out / "inbox-problems", out / "parsed"
    log(f"writing sample bulletins to {inbox}")
    write_demo_inputs(inbox)
    write_problem_files(problems)
    workspace = init_workspace(out / "workspace")
    settings = load_settings(workspace)
    log(f"importing into {workspace}")
    with open_store(workspace, settings) as store:
        report = import_paths([inbox, problems], store, settings)
        for result in report.failed:
            log(f"  failed (expected): {Path(result.path).name}: {result.message} [{result.reason}]")
        bulletin_articles = store.count_articles()
        log("collecting from the demo's loopback sources (an RSS feed and paginated list pages)")
        collected = collect_demo_sources(store, settings)
        _write_collected(out / "collected.md", store, bulletin_articles)
        log("analysing every stored article (figures, entities, tags, column, summary, duplicates, events)")
        analysis = analyze_store(store)
        analysed = stored_records(store)
        (out / "analysis.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in analysed), encoding="utf-8"
        )
        searches = {q: len(store.search_ids(q)) for q in ("芯片", "动力电池", "5G")}
        log("publishing an issue: PDF, HTML (web + email), DOCX and Markdown, house and client editions")
        others = [inbox / "sample-b.pdf", inbox / "sample-c.pdf"]
        builds = publish_demo_issue(store, settings, workspace, inbox / "sample-a.pdf", others, out)
        login = demo_login(store, out)
    parsed.mkdir(parents=True, exist_ok=True)
    for path in iter_input_files([inbox]):
        bulletin = parse_path(path, settings)
        (parsed / f"{path.name}.md").write_text(bulletin_markdown(bulletin), encoding="utf-8")
        records = "".join(json.dumps(a.to_record(), ensure_ascii=False) + "\n" for a in bulletin.articles)
        (parsed / f"{path.name}.jsonl").write_text(records, encoding="utf-8")
    log("scoring every parse against its gold")
    scores = _score_all(inbox)
    _write_eval(out / "eval.md", scores)
    return DemoResult(
        out, workspace, inbox, parsed, report, scores, searches, collected, analysis, builds, login
    )
