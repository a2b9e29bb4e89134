"""``jiance alerts list | test | run`` through Typer's runner, on a workspace with a few stored articles."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import Invoke
from jiance.records import Article, Document
from jiance.store.alerts import alerts_for
from jiance.workspace import open_store

RULES = """
[[alerts]]
name = "chips"
query = "光刻机"
recipients = ["desk@example.cn"]
lookback_days = 30

[[alerts]]
name = "ai"
rule = [["大模型", "+发布"]]
mode = "digest"
digest_at = "08:30"
channels = ["ops-wecom"]
"""


@pytest.fixture
def ws(workspace: Path) -> Path:
    (workspace / "alerts.toml").write_text(RULES, encoding="utf-8")
    with open_store(workspace) as store:
        for title, body in (
            ("国产光刻机取得突破", "某企业发布新一代光刻机样机。"),
            ("大模型新版本发布", "某公司发布大模型新版本。"),
            ("云计算市场报告", "公有云收入继续增长。"),
        ):
            article = Article("article", title, [body], source_name="甲报")
            raw = f"{title}\n{body}".encode()
            doc = Document(
                hashlib.sha256(raw).hexdigest(), f"{title}.txt", "text/plain", len(raw), "imported"
            )
            store.save_import(doc, raw, [article])
    return workspace


def test_list_shows_every_rule(invoke: Invoke, ws: Path) -> None:
    result = invoke("alerts", "list", "-w", str(ws))
    assert result.exit_code == 0, result.output
    assert "chips" in result.output and "incremental" in result.output and "query 光刻机" in result.output
    assert "digest" in result.output and "08:30" in result.output and "ops-wecom" in result.output


def test_test_is_a_dry_run_that_says_why(invoke: Invoke, ws: Path) -> None:
    with open_store(ws) as store:
        before = alerts_for(store).snapshot()
    result = invoke("alerts", "test", "chips", "--days", "3", "-w", str(ws))
    assert result.exit_code == 0, result.output
    assert "would alert" in result.output and "国产光刻机取得突破" in result.output
    assert "why: query 「光刻机」" in result.output and "云计算" not in result.output
    assert "chips: 1 would be alerted, 0 already were (3 days)" in result.output
    rule = invoke("alerts", "test", "ai", "-w", str(ws))
    assert "why: rule [大模型 +发布]" in rule.output
    with open_store(ws) as store:
        assert alerts_for(store).snapshot() == before  # no rule row, no hit, no outbox row


def test_run_enqueues_once_and_test_then_reports_it_as_already_alerted(invoke: Invoke, ws: Path) -> None:
    first = invoke("alerts", "run", "-w", str(ws))
    assert first.exit_code == 0, first.output
    assert "sent       chips: 1 new, 1 enqueued" in first.output
    again = invoke("alerts", "run", "-w", str(ws))
    assert "nothing    chips: 0 new, 0 enqueued" in again.output
    assert "already alerted" in invoke("alerts", "test", "chips", "-w", str(ws)).output
    with open_store(ws) as store:
        keys = alerts_for(store).outbox_keys()
        assert len([k for k in keys if k.startswith("alert:chips:")]) == 1


def test_run_at_a_given_time_collects_a_digest(invoke: Invoke, ws: Path) -> None:
    result = invoke("alerts", "run", "--now", "2099-01-01T07:00:00+08:00", "-w", str(ws))
    assert result.exit_code == 0, result.output
    assert "nothing    ai" in result.output  # 2099 looks back one day: nothing stored then


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("alerts", "test", "nope"), "no alert rule named 'nope'"),
        (("alerts", "run", "--now", "yesterday"), "not an ISO date-time"),
    ],
)
def test_bad_usage_is_a_config_error(invoke: Invoke, ws: Path, args: tuple[str, ...], message: str) -> None:
    result = invoke(*args, "-w", str(ws))
    assert result.exit_code == 2 and message in result.stderr


def test_a_bad_rule_file_names_file_and_key(invoke: Invoke, ws: Path) -> None:
    (ws / "alerts.toml").write_text('[[alerts]]\nname = "x"\nquery = "ab"\n', encoding="utf-8")
    result = invoke("alerts", "list", "-w", str(ws))
    assert result.exit_code == 2 and "alerts.toml" in result.stderr and "'recipients'" in result.stderr
