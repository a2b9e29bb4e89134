"""Gold files and the floors file: bad shapes fail loudly, floors catch regressions and typos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jiance.errors import GoldError
from jiance.evaluate import check_floors, load_baseline, load_gold, score_parse

REPO = Path(__file__).resolve().parents[2]
SHARED_GOLD = REPO / ".." / "shared" / "eval" / "seed_column1_gold.json"


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "x.gold.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_load_gold_reads_records_and_scope(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "covers": "first column",
            "records": [{"kind": "article", "section": "甲", "title": "标题", "paragraphs": ["正文"]}],
        },
    )
    gold = load_gold(path)
    assert not gold.covers_all
    assert gold.sections == ["甲"]
    assert gold.records[0].paragraphs == ["正文"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "JSON object"),
        ({"records": {}}, "records"),
        ({"records": [{"title": "t"}]}, "paragraphs"),
        ({"records": [{"title": 3, "paragraphs": []}]}, "title"),
        ({"records": [{"kind": "poem", "title": "t", "paragraphs": []}]}, "kind"),
        ({"records": [{"title": "t", "paragraphs": [1]}]}, "paragraphs"),
    ],
)
def test_bad_gold_shapes_raise_gold_error(tmp_path: Path, data: object, message: str) -> None:
    with pytest.raises(GoldError, match=message) as caught:
        load_gold(write(tmp_path, data))
    assert caught.value.where is not None and "x.gold.json" in caught.value.where


def test_unreadable_gold_raises_gold_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(GoldError, match="not a JSON"):
        load_gold(tmp_path / "bad.json")
    with pytest.raises(GoldError, match="cannot read"):
        load_gold(tmp_path / "missing.json")


def test_shared_seed_gold_loads() -> None:
    if not SHARED_GOLD.is_file():
        pytest.skip(f"seed gold not present at {SHARED_GOLD}")
    gold = load_gold(SHARED_GOLD)
    assert gold.records and not gold.covers_all
    assert len(gold.sections) == 1


def test_repo_baseline_has_the_required_floors() -> None:
    baseline = load_baseline(REPO / "evals" / "baseline.toml")
    for corpus in ("seed-column1", "layout-plain", "pdf-x", "docx-x", "html-x"):
        floors = baseline.floors_for(corpus)
        assert floors.min["title_f1"] >= 0.95
        assert floors.min["column_accuracy"] >= 0.98
        assert floors.min["body_similarity"] >= 0.97
        assert floors.min["paragraph_f1"] >= 0.90
        assert floors.max["furniture_leaks"] == 0


def test_check_floors_reports_each_violation(tmp_path: Path) -> None:
    (tmp_path / "b.toml").write_text(
        "[defaults]\nmin = { title_f1 = 0.9 }\nmax = { furniture_leaks = 0 }\n"
        '[corpus."pdf-*"]\nmin = { body_similarity = 0.99 }\n',
        encoding="utf-8",
    )
    baseline = load_baseline(tmp_path / "b.toml")
    gold = [{"kind": "article", "section": "甲", "title": "标题", "paragraphs": ["正文一段"]}]
    perfect = score_parse([{"kind": "article", "section": "甲", "title": "标题", "body": "正文一段"}], gold)
    broken = score_parse([{"kind": "article", "section": "甲", "title": "标题", "body": "正文二段"}], gold)
    assert check_floors({"pdf-a": perfect, "text": perfect}, baseline) == []
    assert check_floors({"pdf-a": broken}, baseline) == ["pdf-a: body_similarity = 0.7500, floor ≥ 0.99"]
    assert check_floors({"text": {"title_f1": 1.0, "furniture_leaks": 2.0}}, baseline) == [
        "text: furniture_leaks = 2.0000, floor ≤ 0"
    ]


def test_a_floor_on_an_unknown_metric_is_a_violation(tmp_path: Path) -> None:
    (tmp_path / "b.toml").write_text("[defaults]\nmin = { titel_f1 = 0.9 }\n", encoding="utf-8")
    found = check_floors({"c": {"title_f1": 1.0}}, load_baseline(tmp_path / "b.toml"))
    assert found == ["c: no metric named 'titel_f1' (floor min 0.9)"]


def test_bad_baseline_raises_gold_error(tmp_path: Path) -> None:
    (tmp_path / "b.toml").write_text('[defaults]\nmin = { title_f1 = "high" }\n', encoding="utf-8")
    with pytest.raises(GoldError, match="numbers"):
        load_baseline(tmp_path / "b.toml")


def test_public_api_names_exist() -> None:
    import jiance.evaluate

    assert all(hasattr(jiance.evaluate, name) for name in jiance.evaluate.__all__)
