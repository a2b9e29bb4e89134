"""The ``jiance`` command through Typer's runner: init, parse, import, articles, documents, search, eval."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import TEXT_SAMPLE, Invoke, jsonl, searchable
from jiance.publish.markdown import escape_markdown
from jiance.workspace import open_store

SOURCE_KEYS = {"path", "line_start", "line_end", "page_start", "page_end"}
RECORD_KEYS = {"kind", "section", "title", "subheadings", "body", "source", "issue"}
EXPERT_KEYS = {"speaker", "headline", "related_title"}


# -- init -------------------------------------------------------------------------------------------------


def test_init_writes_commented_settings_and_store(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("init", str(tmp_path / "ws"))
    assert result.exit_code == 0, result.output
    toml = (tmp_path / "ws" / "jiance.toml").read_text(encoding="utf-8")
    assert "# max_file_mb = 50" in toml and "# store = " in toml
    assert all(line.startswith("#") for line in toml.splitlines() if line.strip())
    assert (tmp_path / "ws" / "jiance.db").is_file()
    assert str(tmp_path / "ws") in result.stdout


def test_init_twice_keeps_an_edited_config(invoke: Invoke, tmp_path: Path) -> None:
    assert invoke("init", str(tmp_path)).exit_code == 0
    edited = 'max_file_mb = 7\nsections = ["甲栏", "乙栏"]\n'
    (tmp_path / "jiance.toml").write_text(edited, encoding="utf-8")
    assert invoke("init", str(tmp_path)).exit_code == 0
    assert (tmp_path / "jiance.toml").read_text(encoding="utf-8") == edited


# -- parse ------------------------------------------------------------------------------------------------


def _parse(invoke: Invoke, path: Path, fmt: str, cwd: Path) -> str:
    result = invoke("parse", str(path), "--format", fmt, "--workspace", str(cwd))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_parse_jsonl_contract(
    invoke: Invoke, text_sample: Path, sample_gold: list[dict[str, Any]], tmp_path: Path
) -> None:
    records = jsonl(_parse(invoke, text_sample, "jsonl", tmp_path))
    assert len(records) == len(sample_gold)
    for record in records:
        assert record.keys() >= RECORD_KEYS
        assert record["source"].keys() >= SOURCE_KEYS
        assert record["source"]["path"] == str(text_sample)
        assert record["source"]["line_start"] <= record["source"]["line_end"]
        assert {"title", "date"} <= record["issue"].keys()
        assert record["issue"]["date"] == "2026-11-19"
        paragraphs = record["body"].split("\n")
        assert all(p.strip() for p in paragraphs)
        assert all(sub in paragraphs for sub in record["subheadings"])  # sub-headings are paragraphs too
    experts = [r for r in records if r["kind"] == "expert_opinion"]
    assert experts and all(r.keys() >= EXPERT_KEYS and r["speaker"] and r["headline"] for r in experts)
    assert all(r["related_title"] in {a["title"] for a in records} for r in experts)
    assert any(r["subheadings"] for r in records)


def test_parse_jsonl_matches_gold(
    invoke: Invoke, text_sample: Path, sample_gold: list[dict[str, Any]], tmp_path: Path
) -> None:
    records = jsonl(_parse(invoke, text_sample, "jsonl", tmp_path))
    got = [(r["kind"], r["section"], r["title"], r["subheadings"]) for r in records]
    assert got == [(g["kind"], g["section"], g["title"], g["subheadings"]) for g in sample_gold]
    assert [r["body"] for r in records] == ["\n".join(g["paragraphs"]) for g in sample_gold]


def test_parse_json_and_md(
    invoke: Invoke, text_sample: Path, sample_gold: list[dict[str, Any]], tmp_path: Path
) -> None:
    doc = json.loads(_parse(invoke, text_sample, "json", tmp_path))
    assert len(doc["articles"]) == len(sample_gold)
    assert doc["issue"]["date"] == "2026-11-19"
    assert doc["sections"] and doc["path"] == str(text_sample)
    md = _parse(invoke, text_sample, "md", tmp_path)
    assert md.lstrip().startswith("#")
    headings = {line.removeprefix("### ") for line in md.splitlines() if line.startswith("### ")}
    assert headings == {escape_markdown(g["title"]) for g in sample_gold if g["kind"] == "article"}
    assert md.count("> **") == sum(g["kind"] == "expert_opinion" for g in sample_gold)


@pytest.mark.parametrize("fmt", ["jsonl", "json", "md"])
def test_parse_never_creates_a_store(invoke: Invoke, text_sample: Path, tmp_path: Path, fmt: str) -> None:
    _parse(invoke, text_sample, fmt, tmp_path)
    assert not list(tmp_path.rglob("*.db*"))


def test_parse_missing_file_is_one_error_line(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("parse", str(tmp_path / "nope.txt"), "-w", str(tmp_path))
    assert result.exit_code == 1
    assert "nope.txt" in result.stderr and result.stdout == ""


# -- import and articles ----------------------------------------------------------------------------------


def _counts(store_ws: Path) -> tuple[int, list[tuple[str, str]]]:
    with open_store(store_ws) as store:
        return store.count_articles(), sorted((d.id, d.status) for d in store.documents())


def test_import_folder_then_list_articles(invoke: Invoke, inbox: Path, workspace: Path) -> None:
    result = invoke("import", str(inbox), "--workspace", str(workspace))
    assert result.exit_code == 0, result.output
    assert "imported" in result.stdout and "new articles" in result.stdout  # the summary table
    listed = invoke("articles", "--format", "jsonl", "-w", str(workspace))
    assert listed.exit_code == 0, listed.output
    records = jsonl(listed.stdout)
    count, docs = _counts(workspace)
    assert len(records) == count > 0
    assert {status for _, status in docs} == {"imported"}
    with open_store(workspace) as store:
        stored = store.documents()
    assert {Path(d.path or "").suffix for d in stored} == {".txt", ".pdf", ".docx", ".html"}
    assert all(d.article_count > 0 for d in stored)
    doc_ids = {doc_id for doc_id, _ in docs}
    for record in records:
        assert RECORD_KEYS | {"id", "document_id"} <= record.keys()
        assert record["document_id"] in doc_ids and len(record["id"]) == 20


def test_import_twice_changes_nothing(invoke: Invoke, inbox: Path, workspace: Path) -> None:
    assert invoke("import", str(inbox), "-w", str(workspace)).exit_code == 0
    before = _counts(workspace)
    again = invoke("import", str(inbox), "-w", str(workspace))
    assert again.exit_code == 0, again.output
    assert _counts(workspace) == before
    lines = [line for line in again.stdout.splitlines() if str(inbox) in line]
    assert lines and all(line.startswith("unchanged") and "0 new" in line for line in lines)


def test_workspace_from_environment(invoke: Invoke, text_sample: Path, workspace: Path) -> None:
    result = invoke("import", str(text_sample), env={"JIANCE_WORKSPACE": str(workspace)})
    assert result.exit_code == 0, result.output
    listed = invoke("articles", "--format", "jsonl", env={"JIANCE_WORKSPACE": str(workspace)})
    assert len(jsonl(listed.stdout)) == _counts(workspace)[0] > 0


def test_commands_outside_a_workspace_fail_clearly(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("articles", "-w", str(tmp_path))
    assert result.exit_code == 2
    assert "jiance init" in result.stderr
    assert not list(tmp_path.rglob("*.db"))


def test_articles_table_and_section_filter(invoke: Invoke, imported_workspace: Path) -> None:
    table = invoke("articles", "-w", str(imported_workspace), "--limit", "3")
    assert table.exit_code == 0 and "title" in table.stdout
    only = jsonl(
        invoke("articles", "-f", "jsonl", "--section", "技术情报", "-w", str(imported_workspace)).stdout
    )
    assert only and {r["section"] for r in only} == {"技术情报"}


def test_documents_lists_every_file(invoke: Invoke, imported_workspace: Path) -> None:
    result = invoke("documents", "--status", "imported", "-w", str(imported_workspace))
    assert result.exit_code == 0
    assert "imported" in result.stdout


# -- search -----------------------------------------------------------------------------------------------


def _search(invoke: Invoke, ws: Path, *query: str) -> list[dict[str, Any]]:
    result = invoke("search", *query, "--format", "jsonl", "--limit", "100", "-w", str(ws))
    assert result.exit_code == 0, result.output
    return jsonl(result.stdout)


def test_search_hits_contain_the_query(invoke: Invoke, imported_workspace: Path) -> None:
    hits = _search(invoke, imported_workspace, "芯片")
    assert hits
    with open_store(imported_workspace) as store:
        for hit in hits:
            assert "芯片" in searchable(store.get_article(hit["id"]).article)
            assert "芯片" in hit["snippet"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_search_two_characters_and_and_terms(invoke: Invoke, imported_workspace: Path) -> None:
    assert _search(invoke, imported_workspace, "5G")
    both = _search(invoke, imported_workspace, "芯片 产能")
    assert both and len(both) <= len(_search(invoke, imported_workspace, "芯片"))


def test_search_without_hits_says_so(invoke: Invoke, imported_workspace: Path) -> None:
    result = invoke("search", "量子纠缠猫咪", "-w", str(imported_workspace))
    assert result.exit_code == 0
    assert "no article contains" in result.stdout
    assert _search(invoke, imported_workspace, "量子纠缠猫咪") == []


# -- eval -------------------------------------------------------------------------------------------------


def test_eval_parse_text_and_json(invoke: Invoke, text_sample: Path, inbox: Path) -> None:
    gold = inbox / f"{TEXT_SAMPLE}.gold.json"
    text = invoke("eval", "parse", str(gold), str(text_sample))
    assert text.exit_code == 0, text.output
    assert "title" in text.stdout.lower()
    as_json = invoke("eval", "parse", str(gold), str(text_sample), "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    metrics = json.loads(as_json.stdout)["metrics"]
    assert metrics["title_f1"] == pytest.approx(1.0)
    assert 0.95 <= metrics["body_similarity"] <= 1.0


def test_eval_parse_bad_gold_is_an_error(invoke: Invoke, text_sample: Path, tmp_path: Path) -> None:
    gold = tmp_path / "bad.gold.json"
    gold.write_text('{"nothing": 1}', encoding="utf-8")
    result = invoke("eval", "parse", str(gold), str(text_sample))
    assert result.exit_code != 0
    assert "bad.gold.json" in result.stderr
