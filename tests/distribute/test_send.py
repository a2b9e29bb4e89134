"""`send_issue` and `jiance send` / `jiance outbox`: a real workspace, a real build, the aiosmtpd receiver."""

from __future__ import annotations

from collections.abc import Iterator
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from jiance.distribute.base import ChannelError, Message
from jiance.distribute.outbox import outbox_rows
from jiance.distribute.recipients import RECIPIENTS_FILE, load_recipients, parse_recipients
from jiance.distribute.send import send_issue
from jiance.errors import ConfigError
from jiance.pipeline import import_paths
from jiance.publish import issues as lib
from jiance.samples.corpus import load_sample
from jiance.samples.pdf import render_pdf as sample_pdf
from jiance.settings import load_settings
from jiance.store.sqlite import SQLiteStore
from jiance.workspace import init_workspace, open_store

from .receivers import SMTPReceiver

RECIPIENTS = """
[[recipients]]
edition = "default"
email = ["a@example.cn", "b@example.cn"]
channels = ["desk"]
unsubscribe = "mailto:unsubscribe@example.cn"

[[channels]]
name = "desk"
type = "wecom"
url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=test"
"""


class RecordingChannel:
    def __init__(self, name: str, fail_next: int = 0) -> None:
        self.name = name
        self.fail_next = fail_next
        self.sent: list[tuple[str, Message]] = []

    def send(self, message: Message, *, idempotency_key: str) -> str:
        if self.fail_next:
            self.fail_next -= 1
            raise ChannelError("down", retryable=True)
        self.sent.append((idempotency_key, message))
        return f"id-{len(self.sent)}"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A workspace holding one issue made from sample-a (built by the first send that needs it)."""
    root = init_workspace(tmp_path_factory.mktemp("send") / "ws")
    pdf = root / "sample-a.pdf"
    pdf.write_bytes(sample_pdf(load_sample("sample-a")))
    settings = load_settings(root)
    store = open_store(root, settings)
    try:
        assert not import_paths([pdf], store, settings).failed
        issue = lib.issue_from_file(store, pdf, settings)
    finally:
        store.close()
    (root / RECIPIENTS_FILE).write_text(RECIPIENTS, encoding="utf-8")
    return root, issue.id


@pytest.fixture
def store(workspace: tuple[Path, int]) -> Iterator[SQLiteStore]:
    root, _ = workspace
    opened = open_store(root, load_settings(root))
    assert isinstance(opened, SQLiteStore)
    with opened.transaction() as db:  # each test starts with an empty outbox
        db.execute("DELETE FROM outbox")
    yield opened
    opened.close()


def test_send_queues_one_message_per_recipient_and_never_twice(
    workspace: tuple[Path, int], store: SQLiteStore
) -> None:
    root, issue_id = workspace
    email, bot = RecordingChannel("email", fail_next=1), RecordingChannel("wecom")
    channels = {"email": email, "wecom:desk": bot}
    first = send_issue(store, root, load_settings(root), issue_id, channels=channels)
    assert sorted(first.queued) == sorted(
        [f"edition:email:a@example.cn:{issue_id}:default", f"edition:email:b@example.cn:{issue_id}:default",
         f"edition:wecom:desk:{issue_id}:default"]
    )  # fmt: skip
    assert first.delivery.failed == [f"edition:email:a@example.cn:{issue_id}:default"]
    mail = email.sent[0][1]
    assert mail.recipient == "b@example.cn" and mail.unsubscribe == "mailto:unsubscribe@example.cn"
    assert mail.html and "<html" in mail.html.lower()
    assert [a.content_type for a in mail.attachments] == ["application/pdf"]
    assert Path(mail.attachments[0].path).is_file()
    assert bot.sent[0][1].parts  # split for the chat bot
    # the second send builds nothing, queues nothing, and sends no one twice
    second = send_issue(store, root, load_settings(root), issue_id, channels=channels)
    assert not second.built and second.queued == []
    assert sorted(second.already_queued) == sorted(first.queued)
    assert len(email.sent) == 1 and len(bot.sent) == 1
    assert {r.status for r in outbox_rows(store)} == {"sent", "failed"}


def test_to_overrides_the_email_recipients_and_drops_the_bots(
    workspace: tuple[Path, int], store: SQLiteStore
) -> None:
    root, issue_id = workspace
    email, bot = RecordingChannel("email"), RecordingChannel("wecom")
    report = send_issue(
        store,
        root,
        load_settings(root),
        issue_id,
        to=["c@example.cn"],
        channels={"email": email, "wecom:desk": bot},
    )
    assert report.queued == [f"edition:email:c@example.cn:{issue_id}:default"]
    assert [m.recipient for _, m in email.sent] == ["c@example.cn"] and bot.sent == []


def test_an_edition_without_recipients_is_refused(workspace: tuple[Path, int], store: SQLiteStore) -> None:
    root, issue_id = workspace
    (root / "editions.toml").write_text('[editions.carrier]\ntitle = "运营商版"\n', encoding="utf-8")
    try:
        with pytest.raises(ConfigError, match="no recipients for edition 'carrier'"):
            send_issue(store, root, load_settings(root), issue_id, "carrier", channels={})
    finally:
        (root / "editions.toml").unlink()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[recipients]]\nedition = "x"\nemial = ["a@example.cn"]\n', "did you mean 'email'"),
        ('[[recipients]]\nedition = "x"\nemail = ["not-an-address"]\n', "is not an email address"),
        ('[[recipients]]\nedition = "x"\nchannels = ["nobot"]\n', "no \\[\\[channels\\]\\] named 'nobot'"),
        ('[[channels]]\nname = "h"\ntype = "webhook"\nurl = "https://example.cn/h"\n', "secret is required"),
        ('[[channels]]\nname = "s"\ntype = "slack"\nurl = "https://x.cn"\nsecret = "k"\n', "is not signed"),
        ('[[channels]]\nname = "s"\ntype = "telegram"\nurl = "https://x.cn"\n', "is not one of"),
        ('[[recipients]]\nedition = "x"\n', "names no email address and no channel"),
    ],
)
def test_recipients_file_is_validated_strictly(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / RECIPIENTS_FILE
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as caught:
        load_recipients(path)
    assert caught.value.where == str(path)


def test_recipient_tables_of_one_edition_merge() -> None:
    data = {
        "recipients": [
            {"edition": "x", "email": ["a@example.cn"]},
            {"edition": "x", "email": ["b@example.cn", "a@example.cn"]},
        ]
    }
    assert parse_recipients(data, where="t").for_edition("x").email == ("a@example.cn", "b@example.cn")


def _cli_workspace(root: Path, port: int) -> None:
    toml = root / "jiance.toml"
    text = toml.read_text(encoding="utf-8").split("\n[smtp]")[0]
    toml.write_text(text + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nfrom = "信息产业监测 <bulletin@example.cn>"\n',
                    encoding="utf-8")  # fmt: skip


def test_jiance_send_end_to_end_through_smtp(
    workspace: tuple[Path, int], store: SQLiteStore, smtp_receiver: SMTPReceiver
) -> None:
    from typer.testing import CliRunner

    from jiance.cli import app

    root, issue_id = workspace
    _cli_workspace(root, smtp_receiver.port)
    runner = CliRunner()
    result = runner.invoke(app, ["send", str(issue_id), "--to", "reader@example.cn", "-w", str(root)])
    assert result.exit_code == 0, result.output
    assert "1 queued, 1 sent" in result.output
    [received] = smtp_receiver.received
    assert received.rcpt_tos == ["reader@example.cn"]
    mail = received.message
    assert "信息产业监测" in str(make_header(decode_header(mail["Subject"])))
    assert any(part.get_content_type() == "application/pdf" for part in mail.iter_attachments())
    # again: nothing is sent twice
    again = runner.invoke(app, ["send", str(issue_id), "--to", "reader@example.cn", "-w", str(root)])
    assert again.exit_code == 0 and "already queued" in again.output
    assert len(smtp_receiver.received) == 1
    listing = runner.invoke(app, ["outbox", "-w", str(root), "--status", "sent"])
    assert listing.exit_code == 0 and "reader@example.cn" in listing.output
    retried = runner.invoke(app, ["outbox", "retry", "-w", str(root)])
    assert retried.exit_code == 0 and "0 sent, 0 failed, 0 dead" in retried.output
