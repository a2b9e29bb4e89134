"""Columns: a naive Bayes learnt from labelled articles, with reasons; floors on the seed bulletin."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from jiance.pipeline import parse_path
from jiance.records import Article
from jiance.stages.columns import ColumnModel, leave_one_out_accuracy

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / ".." / "shared" / "seeds" / "000_8913e8f3e5978f8d.txt"


def _article(title: str, body: str) -> Article:
    return Article(kind="article", title=title, paragraphs=[body])


TRAIN = [
    (_article("工信部发布新规", "部门印发指导意见，政策要求加强管理"), "产业环境"),
    (_article("国务院部署行动", "会议指出要完善政策体系"), "产业环境"),
    (_article("某公司发布财报", "公司营收增长，净利润提升"), "企业情报"),
    (_article("某企业季度业绩", "企业营收创新高，毛利率上升"), "企业情报"),
]


def test_suggest_picks_the_learnt_column_with_reasons() -> None:
    model = ColumnModel.fit(TRAIN)
    suggestion = model.suggest(_article("某公司营收", "公司净利润增长"))
    assert suggestion.column == "企业情报"
    assert 0.5 < suggestion.confidence <= 1.0
    assert suggestion.reason and all(isinstance(r, str) for r in suggestion.reason)


def test_editor_decision_updates_the_model() -> None:
    model = ColumnModel.fit(TRAIN)
    odd = _article("行业观察", "行业观察行业观察")
    model.update(odd, "海外借鉴", weight=3.0)
    assert model.suggest(odd).column == "海外借鉴"


def test_empty_model_suggests_nothing() -> None:
    assert ColumnModel().suggest(_article("x", "y")).column is None


def test_seed_leave_one_out_floor() -> None:
    if not SEED.exists():
        pytest.skip(f"seed bulletin not available at {SEED}")
    articles = [a for a in parse_path(SEED).articles if a.kind == "article"]
    labelled = [(a, a.section or "") for a in articles]
    floors = tomllib.loads((ROOT / "evals" / "tags_floors.toml").read_text(encoding="utf-8"))["columns"]
    assert leave_one_out_accuracy(labelled) >= floors["seed_loo_accuracy"]
