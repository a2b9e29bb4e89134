"""The quality gate: the real parser on every labelled corpus must meet the floors in evals/baseline.toml.

Corpora: the seed bulletin's first column (gold in shared/eval, read at run time), every generated sample in
every text layout family, single-article text and web pages, and the samples rendered to PDF and DOCX.
A failure prints the violated floors and the scorer's report for that file, which is where a fix starts.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jiance.evaluate import ParseScore, check_floors, load_baseline, load_gold, render_score, score_file
from jiance.evaluate.gold import gold_from_dict

pytest.importorskip("jiance.pipeline", reason="the parser (jiance.pipeline) is not there yet")

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / ".." / "shared"
SEED = SHARED / "seeds" / "000_8913e8f3e5978f8d.txt"
SEED_GOLD = SHARED / "eval" / "seed_column1_gold.json"
BASELINE = load_baseline(REPO / "evals" / "baseline.toml")


def assert_floors(results: dict[str, ParseScore]) -> None:
    assert results, "no corpus was scored"
    violations = check_floors(results, BASELINE)
    failing = sorted({v.split(": ", 1)[0] for v in violations})
    reports = "\n\n".join(f"== {name}\n{render_score(results[name])}" for name in failing[:3])
    assert not violations, "\n".join(violations) + "\n\n" + reports


def samples() -> list[tuple[str, dict[str, Any]]]:
    """Every bundled sample, or a skip when the sample corpus is not there yet."""
    try:
        corpus = importlib.import_module("jiance.samples.corpus")
        names: list[str] = corpus.sample_names()
    except (ImportError, OSError) as exc:
        pytest.skip(f"sample bulletins not available: {exc}")
    if not names:
        pytest.skip("no sample bulletins bundled yet")
    return [(name, corpus.load_sample(name)) for name in names]


@pytest.fixture(scope="module")
def sample_set(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The generated text files (each with ``<file>.gold.json`` beside it)."""
    samples()
    layouts = pytest.importorskip("jiance.samples.layouts", reason="sample layouts not written yet")
    written: list[Path] = layouts.write_sample_set(tmp_path_factory.mktemp("samples"))
    return [p for p in written if not p.name.endswith(".gold.json")]


def score_with_gold_beside(path: Path) -> ParseScore:
    return score_file(path, load_gold(path.with_name(path.name + ".gold.json")))


def test_seed_first_column_meets_floors() -> None:
    if not (SEED.is_file() and SEED_GOLD.is_file()):
        pytest.skip(f"seed or its gold not present under {SHARED} (they are never copied into the repo)")
    assert_floors({"seed-column1": score_file(SEED, load_gold(SEED_GOLD))})


def test_text_layout_families_meet_floors(sample_set: list[Path]) -> None:
    results = {}
    for path in sample_set:
        sample, _, family = path.stem.partition("__")
        if path.suffix == ".txt" and not family.startswith("article-"):
            results[f"layout-{family}:{sample}"] = score_with_gold_beside(path)
    assert_floors(results)


def test_single_article_text_and_html_meet_floors(sample_set: list[Path]) -> None:
    results = {}
    for path in sample_set:
        sample, _, family = path.stem.partition("__")
        if family.startswith("article-"):
            kind = "html" if path.suffix == ".html" else "text"
            results[f"{kind}-{family}:{sample}"] = score_with_gold_beside(path)
    assert_floors(results)


def rendered_corpus(
    tmp_path: Path, render: Callable[[dict[str, Any]], bytes], suffix: str
) -> dict[str, ParseScore]:
    corpus = importlib.import_module("jiance.samples.corpus")
    results = {}
    for name, sample in samples():
        path = tmp_path / f"{name}{suffix}"
        path.write_bytes(render(sample))
        gold = gold_from_dict({"covers": "all", "records": corpus.gold_records(sample)}, where=name)
        results[f"{suffix.lstrip('.')}-{name}"] = score_file(path, gold)
    return results


def test_pdf_samples_meet_floors(tmp_path: Path) -> None:
    pdf = pytest.importorskip("jiance.samples.pdf", reason="PDF sample renderer not written yet")
    assert_floors(rendered_corpus(tmp_path, pdf.render_pdf, ".pdf"))


def test_docx_samples_meet_floors(tmp_path: Path) -> None:
    office = pytest.importorskip("jiance.samples.office", reason="DOCX sample renderer not written yet")
    assert_floors(rendered_corpus(tmp_path, office.render_docx, ".docx"))
