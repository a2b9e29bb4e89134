"""The publishing benchmark runs end to end at a small scale (the real figures come from `make bench`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks import bench_publish, harness

from jiance.records import EXPERT_OPINION

ROWS = (
    "chart_svg ×2",
    "chart_png ×2 (for DOCX)",
    "render_html (web)",
    "render_email_html",
    "render_docx",
    "render_pdf (whole)",
    "layout: HTML(...).render()",
    "write: Document.write_pdf()",
    "render_pdf, 2nd render in a process",
    "trial: kept FontConfiguration, 2nd render",
    "trial: write_pdf(uncompressed_pdf=True)",
    "trial: write_pdf(hinting=True)",
    "trial: one font family per CSS stack",
    "plain WeasyPrint (peer)",
)


@pytest.mark.slow
def test_publish_benchmark_prints_and_records_every_row(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(harness, "RESULTS", tmp_path / "results.jsonl")  # keep .bench/ for real runs
    monkeypatch.setenv("JIANCE_BENCH_PUBLISH_ARTICLES", "5")
    monkeypatch.setenv("JIANCE_BENCH_PUBLISH_REPEAT", "1")
    bench_publish.main()
    out = capsys.readouterr().out
    assert "publishing an issue of 5 articles" in out and "2 charts" in out
    for work in ROWS:
        assert work in out, work
    assert "render_pdf / plain WeasyPrint on the same print HTML:" in out and "CPU seconds" in out
    records = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text("utf-8").splitlines()]
    rows = {record["row"]["work"].strip(): record["row"] for record in records}
    assert set(rows) == set(ROWS)
    pdf, peer = rows["render_pdf (whole)"], rows["plain WeasyPrint (peer)"]
    assert pdf["pages"] == peer["pages"] >= 7  # cover, front matter, contents, five column starts
    assert pdf["seconds"] > 0 and pdf["peak_MB"] > 0 and pdf["vs plain"].endswith("×")
    assert rows["trial: write_pdf(uncompressed_pdf=True)"]["out_KB"] > 2 * pdf["out_KB"]


def test_bench_issue_is_deterministic_and_shaped_like_an_issue() -> None:
    comp = bench_publish.bench_issue(40)
    articles = [p for s in comp.sections for p in s.articles]
    assert [s.name for s in comp.sections] == list(bench_publish.COLUMNS)
    assert len(articles) == 40 and len({p.title for p in articles}) == 40
    assert all(sum(map(len, p.paragraphs)) >= 850 for p in articles)
    assert any(p.subheadings for p in articles)
    assert sum(p.kind == EXPERT_OPINION for p in comp.pieces) >= 4
    assert len(comp.highlights) == 5 and len(comp.key_figures) == 6 and len(comp.charts) == 2
    again = bench_publish.bench_issue(40)
    assert [p.paragraphs for p in again.pieces] == [p.paragraphs for p in comp.pieces]


def test_bench_issue_repeats_samples_under_new_titles() -> None:
    comp = bench_publish.bench_issue(100)
    titles = [p.title for s in comp.sections for p in s.articles]
    assert len(titles) == 100 and len(set(titles)) == 100
    assert len({p.article_id for p in comp.pieces}) == len(comp.pieces)


def test_the_kept_fonts_trial_writes_what_render_pdf_writes() -> None:
    """The trial compares like with like: a kept font configuration changes no byte, also when reused."""
    from weasyprint.text.fonts import FontConfiguration

    from jiance.publish.pdf import render_pdf

    comp = bench_publish.bench_issue(5)
    config = FontConfiguration()
    first, pages = bench_publish.render_pdf_kept_fonts(comp, [], config)
    second, _ = bench_publish.render_pdf_kept_fonts(comp, [], config)
    result = render_pdf(comp)
    assert first == second == result.data and pages == result.pages
