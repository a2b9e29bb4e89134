"""One distribution cycle end to end: an alert rule over stored articles, its email delivered through a
real SMTP server on loopback, exactly once across restarts and a re-arrival of the same text."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.distribute.receivers import SMTPReceiver

from jiance.distribute.cycle import run_cycle
from jiance.records import Article, Document
from jiance.settings import load_settings
from jiance.workspace import init_workspace, open_store

RULE = """
[[alerts]]
name = "chips"
query = "光刻机"
recipients = ["desk@example.cn"]
lookback_days = 30
"""


def _store_article(ws: Path, title: str, body: str, source: str) -> None:
    raw = f"{source}\n{title}\n{body}".encode()
    doc = Document(
        hashlib.sha256(raw).hexdigest(), f"{source}-{title}.txt", "text/plain", len(raw), "imported"
    )
    with open_store(ws) as store:
        store.save_import(doc, raw, [Article("article", title, [body], source_name=source)])


def test_an_alert_mail_goes_out_once_across_restarts(tmp_path: Path, smtp_receiver: SMTPReceiver) -> None:
    ws = init_workspace(tmp_path / "ws")
    toml = ws / "jiance.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        + f'\n[smtp]\nhost = "127.0.0.1"\nport = {smtp_receiver.port}\nfrom = "监测提醒 <alerts@example.cn>"\n',
        encoding="utf-8",
    )
    (ws / "alerts.toml").write_text(RULE, encoding="utf-8")
    _store_article(ws, "国产光刻机取得突破", "某企业发布新一代光刻机样机，良率提升。", "甲报")
    _store_article(ws, "云计算市场报告", "公有云收入继续增长。", "乙报")
    settings = load_settings(ws)
    now = datetime.now(UTC) + timedelta(seconds=1)
    for attempt in range(3):  # a restart each time: a fresh store connection, the same and later clocks
        with open_store(ws, settings) as store:
            run_cycle(store, ws, settings, now=now + timedelta(minutes=attempt))
    _store_article(
        ws, "国产光刻机取得突破", "某企业发布新一代光刻机样机，良率提升。", "丙报"
    )  # the same text again
    with open_store(ws, settings) as store:
        run_cycle(store, ws, settings, now=now + timedelta(minutes=5))
    assert len(smtp_receiver.received) == 1
    mail = smtp_receiver.received[0].message
    assert str(mail["Subject"]) == "【监测提醒】chips：1 条" and mail["To"] == "desk@example.cn"
    assert "国产光刻机取得突破" in mail.get_body(("plain",)).get_content()
