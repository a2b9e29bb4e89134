"""``jiance demo`` end to end: inputs in every format, a workspace with a store, parses, scores, a summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import Result

from conftest import run_cli
from jiance.demo import DemoResult, run_demo, write_problem_files
from jiance.pipeline import iter_input_files
from jiance.workspace import open_store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, list[str]]:
    log: list[str] = []
    return run_demo(tmp_path_factory.mktemp("demo") / "out", log=log.append), log


def _inputs(result: DemoResult) -> list[Path]:
    return list(iter_input_files([result.inbox]))


def test_inbox_holds_every_format_with_gold(demo: tuple[DemoResult, list[str]]) -> None:
    result, _ = demo
    inputs = _inputs(result)
    assert {p.suffix for p in inputs} == {".txt", ".pdf", ".docx", ".html"}
    assert sum(p.name.endswith("__seed-like.txt") for p in inputs) >= 3  # one text layout per sample
    assert all((p.parent / f"{p.name}.gold.json").is_file() for p in inputs)


def test_workspace_store_holds_the_articles(demo: tuple[DemoResult, list[str]]) -> None:
    result, _ = demo
    assert (result.workspace / "jiance.toml").is_file()
    with open_store(result.workspace) as store:
        assert store.count_articles() > 0
        imported = {Path(d.path) for d in store.documents("imported") if d.path}
        fetched = [d for d in store.documents("imported") if d.url and not d.path]
    assert imported == set(_inputs(result))
    assert result.searches["芯片"] > 0
    assert fetched, "the demo's loopback sources left no fetched documents"


def test_demo_collects_from_its_loopback_sources(demo: tuple[DemoResult, list[str]]) -> None:
    result, _ = demo
    runs = {run.source: run for run in result.collected}
    assert [run.status for run in runs.values()] == ["ok", "ok"]
    assert sum(run.new for run in runs.values()) == 12  # 5 feed entries + 7 more pages; no text twice
    assert runs["样例动态"].unchanged == 5  # the feed's entries met again on the list pages
    assert (result.out / "collected.md").read_text(encoding="utf-8").count("http://127.0.0.1:") == 12


def test_demo_analyses_every_stored_article(demo: tuple[DemoResult, list[str]]) -> None:
    result, _ = demo
    lines = (result.out / "analysis.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert result.analysis is not None and len(records) == result.analysis.analysed + result.analysis.current
    assert all(
        {"figures", "entities", "tags", "summary", "duplicate_group", "event"} <= set(r) for r in records
    )


def test_parsed_markdown_and_jsonl_per_input(demo: tuple[DemoResult, list[str]]) -> None:
    result, _ = demo
    for path in _inputs(result):
        md = (result.parsed / f"{path.name}.md").read_text(encoding="utf-8")
        lines = (result.parsed / f"{path.name}.jsonl").read_text(encoding="utf-8").splitlines()
        assert md.startswith("# ") and lines
        assert all(json.loads(line)["title"] for line in lines)


def test_eval_scores_every_input(demo: tuple[DemoResult, list[str]]) -> None:
    result, _ = demo
    table = (result.out / "eval.md").read_text(encoding="utf-8")
    assert "title_f1" in table.splitlines()[0]
    assert set(result.scores) == {p.name for p in _inputs(result)}
    assert all(f"| {name} |" in table for name in result.scores)
    assert min(s["title_f1"] for s in result.scores.values()) > 0.5


def test_only_the_problem_files_fail(demo: tuple[DemoResult, list[str]], tmp_path: Path) -> None:
    result, log = demo
    problems = {p.name for p in write_problem_files(tmp_path)}
    failed = {Path(r.path) for r in result.report.failed}
    assert {p.name for p in failed} == problems
    assert {p.parent.name for p in failed} == {"inbox-problems"}
    assert all(r.reason for r in result.report.failed)
    assert sum("failed (expected)" in line for line in log) == len(problems)


def test_summary_names_the_paths(demo: tuple[DemoResult, list[str]]) -> None:
    result, _ = demo
    summary = result.summary()
    for path in (result.inbox, result.workspace, result.parsed, result.out / "eval.md"):
        assert str(path) in summary
    counts = result.report.counts
    assert f"{counts['imported']} imported" in summary and f"{counts['failed']} failed" in summary


@pytest.fixture(scope="module")
def rerun(demo: tuple[DemoResult, list[str]]) -> tuple[Result, int, int]:
    """``jiance demo`` again over the same folder: (CLI result, articles before, articles after)."""
    result, _ = demo
    with open_store(result.workspace) as store:
        before = store.count_articles()
    again = run_cli("demo", "--out", str(result.out))
    with open_store(result.workspace) as store:
        return again, before, store.count_articles()


@pytest.mark.slow
def test_cli_demo_rerun_adds_no_articles(
    demo: tuple[DemoResult, list[str]], rerun: tuple[Result, int, int]
) -> None:
    again, before, after = rerun
    assert again.exit_code == 0, again.output
    assert "jiance demo finished." in again.stdout and str(demo[0].workspace) in again.stdout
    assert after == before
    assert f"{len(demo[0].report.failed)} failed" in again.stdout


@pytest.mark.slow
def test_cli_demo_rerun_changes_no_document(
    demo: tuple[DemoResult, list[str]], rerun: tuple[Result, int, int]
) -> None:
    assert f"import: 0 imported, {len(_inputs(demo[0]))} unchanged" in rerun[0].stdout


def test_demo_publishes_every_format_of_two_editions(demo: tuple[DemoResult, list[str]]) -> None:
    result, _ = demo
    assert [b.edition for b in result.builds] == ["default", "carrier"]
    for build in result.builds:
        assert build.problems == [] and not build.empty
        assert [o.format for o in build.outputs] == ["pdf", "html", "email", "docx", "md"]
        assert all(o.path.is_file() and o.size > 1000 for o in build.outputs)
        assert all(str(o.path) in result.summary() for o in build.outputs)
    house, carrier = (b.outputs[-1].path.read_text(encoding="utf-8") for b in result.builds)
    assert "## 本期要点" in house and "## 关键数据" in house and "## 产业环境" in house
    assert "某运营商战略部" in carrier and "## 产业环境" not in carrier


@pytest.mark.slow
def test_cli_demo_rerun_reuses_the_issue(
    demo: tuple[DemoResult, list[str]], rerun: tuple[Result, int, int]
) -> None:
    from jiance.publish.issues import list_issues

    with open_store(demo[0].workspace) as store:
        assert len(list_issues(store)) == 1


def test_demo_prints_a_working_web_login(demo: tuple[DemoResult, list[str]]) -> None:
    from jiance import accounts

    result, _ = demo
    assert result.login is not None
    name, password = result.login
    assert f"web app login: {name} / {password}" in result.summary()
    with open_store(result.workspace) as store:
        assert accounts.authenticate(store, name, password).role == "admin"
