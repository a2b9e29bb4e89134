"""`build_issue`: one issue, several editions, every format, recorded in the store; and the CLI around it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from tests.conftest import run_cli

from jiance.publish import issues as lib
from jiance.publish.build import build_issue, parse_formats
from jiance.publish.editions import default_edition, parse_editions
from jiance.publish.model import KeyFigure
from jiance.settings import Settings
from jiance.store.issues import issues_for
from jiance.store.sqlite import SQLiteStore

Fixture = tuple[SQLiteStore, dict[str, Path]]

EDITIONS = {
    "editions": {
        "carrier": {
            "title": "运营商版",
            "columns": ["运营竞争", "技术情报"],
            "max_per_column": 2,
            "branding": {
                "name": "信息产业监测（运营商版）",
                "client": "某运营商战略部",
                "primary": "#0b5394",
            },
        },
        "nothing": {"keywords": ["不会出现的关键词"], "empty_message": "本期没有符合订阅条件的内容"},
    }
}


def _issue(store: SQLiteStore, paths: dict[str, Path]) -> int:
    issue = lib.issue_from_file(store, paths["sample-a"], Settings())
    lib.set_highlights(store, issue.id, lib.suggest_highlights(store, issue))
    lib.set_key_figures(
        store,
        issue.id,
        [
            KeyFigure("5G基站总数", "481.2", "万个", series="5G基站数"),
            KeyFigure("千兆宽带用户", "2.1", "亿户"),
            KeyFigure("5G手机产量", "9.3", "亿台"),
            KeyFigure("手机产量", "11.4", "亿台"),
            KeyFigure("电子信息制造业增加值同比增长", "11.6", "%"),
            KeyFigure("营业收入同比增长", "9.4", "%"),
        ],
    )
    return issue.id


def test_formats_are_parsed_strictly() -> None:
    assert parse_formats("pdf, md") == ["pdf", "md"] and parse_formats("all") == ["pdf", "html", "docx", "md"]
    with pytest.raises(Exception, match="unknown format"):
        parse_formats("pdf,odt")


def test_every_format_of_two_editions_is_written_and_recorded(sample_store: Fixture, tmp_path: Path) -> None:
    store, paths = sample_store
    issue_id = _issue(store, paths)
    editions = parse_editions(EDITIONS, where="editions.toml", base=tmp_path)
    house = build_issue(store, issue_id, default_edition(), ["pdf", "html", "docx", "md"], tmp_path / "house")
    carrier = build_issue(store, issue_id, editions["carrier"], ["pdf", "md"], tmp_path / "carrier")
    assert house.problems == [] and carrier.problems == []
    assert [o.format for o in house.outputs] == ["pdf", "html", "email", "docx", "md"]
    assert all(o.path.is_file() and o.path.stat().st_size == o.size for o in house.outputs)
    assert zipfile.is_zipfile(house.outputs[3].path)
    pdf_pages = {r.pages for r in (house.outputs[0], carrier.outputs[0])}
    assert all(p and p >= 4 for p in pdf_pages)
    markdown = carrier.outputs[1].path.read_text(encoding="utf-8")
    assert "## 运营竞争" in markdown and "## 技术情报" in markdown and "## 产业环境" not in markdown
    assert "某运营商战略部" in markdown and markdown.count("\n### ") <= 4
    html = house.outputs[1].path.read_text(encoding="utf-8")
    assert html.count('class="chart-img" src="data:image/svg+xml;base64,') == 2  # 亿台 and the growth rates
    builds = issues_for(store).builds(issue_id)
    assert [(b.edition, b.format) for b in builds][-2:] == [("carrier", "pdf"), ("carrier", "md")]


def test_an_empty_edition_writes_nothing_and_says_why(sample_store: Fixture, tmp_path: Path) -> None:
    store, paths = sample_store
    issue_id = _issue(store, paths)
    editions = parse_editions(EDITIONS, where="editions.toml", base=tmp_path)
    report = build_issue(store, issue_id, editions["nothing"], ["pdf"], tmp_path / "none")
    assert report.empty and report.outputs == [] and not (tmp_path / "none").exists()
    assert any("本期没有符合订阅条件的内容" in n for n in report.notes)


def test_a_series_across_issues_gets_its_own_chart(sample_store: Fixture, tmp_path: Path) -> None:
    store, paths = sample_store
    earlier = lib.new_issue(store, "信息产业监测", date="2026-10-01", number="第1期")
    lib.set_key_figures(store, earlier.id, [KeyFigure("5G基站总数", "455.0", "万个", series="5G基站数")])
    issue_id = _issue(store, paths)
    issues_for(store).update(issue_id, date="2026-11-19")
    from jiance.publish.build import compose_for_edition

    comp = compose_for_edition(store, issue_id, default_edition())
    lines = [c for c in comp.charts if c.kind == "line"]
    assert len(lines) == 1 and lines[0].values == [455.0, 481.2] and lines[0].labels[0] == "第1期"


def test_cli_issue_commands_and_build(workspace: Path, sample_pdfs: dict[str, bytes], tmp_path: Path) -> None:
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(sample_pdfs["sample-a"])
    ws = ["--workspace", str(workspace)]
    new = run_cli("issue", "new", "--from", str(pdf), "--date", "2026-12-01", *ws)
    assert new.exit_code == 0, new.output
    issue_id = new.stdout.strip()
    assert issue_id.isdigit()
    shown = json.loads(run_cli("issue", "show", issue_id, "--format", "json", *ws).stdout)
    assert shown["date"] == "2026-12-01" and len(shown["items"]) > 10
    first, second = shown["items"][0]["article_id"], shown["items"][1]["article_id"]
    assert run_cli("issue", "move", issue_id, second, "--position", "0", *ws).exit_code == 0
    assert run_cli("issue", "remove", issue_id, first, *ws).exit_code == 0
    items = json.loads(run_cli("issue", "show", issue_id, "--format", "json", *ws).stdout)["items"]
    assert items[0]["article_id"] == second and first not in [i["article_id"] for i in items]
    assert run_cli("issue", "add", issue_id, first, "--position", "1", *ws).exit_code == 0
    blank = run_cli("issue", "new", "--title", "第2期", "--date", "2026-12-08", *ws)
    repeat = run_cli("issue", "add", blank.stdout.strip(), first, *ws)
    assert repeat.exit_code == 1 and "not repeated" in repeat.stderr
    (workspace / "editions.toml").write_text(
        '[editions.vip]\ncolumns = ["技术情报"]\n[editions.vip.branding]\nclient = "某研究院"\n',
        encoding="utf-8",
    )
    built = run_cli(
        "build", issue_id, "--edition", "vip", "--format", "pdf,md", "--out", str(tmp_path / "out"), *ws
    )
    assert built.exit_code == 0, built.output
    assert "pdf:" in built.stdout and "md:" in built.stdout and (tmp_path / "out").is_dir()
    unknown = run_cli("build", issue_id, "--edition", "nope", "--out", str(tmp_path / "x"), *ws)
    assert unknown.exit_code == 2 and "nope" in unknown.stderr


def test_a_character_no_font_can_draw_is_a_build_problem(sample_store: Fixture, tmp_path: Path) -> None:
    store, paths = sample_store
    issue_id = _issue(store, paths)
    first = lib.get_issue(store, issue_id).items[0].article_id
    lib.edit_item(store, issue_id, first, title="含有无法显示的字符\U000f0001的标题")
    report = build_issue(store, issue_id, default_edition(), ["md"], tmp_path / "out")
    assert report.problems and "no glyph for \U000f0001" in report.problems[0]
