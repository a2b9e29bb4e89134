"""``jiance send``: build an edition (unless a fresh build exists), queue one message per recipient, deliver.

Sending is split in two on purpose: queueing is cheap and idempotent (one outbox row per recipient and
edition, see :mod:`jiance.distribute.outbox`), delivering may fail and is retried later by ``jiance outbox
retry``. So running ``jiance send`` twice never mails anyone twice: the second run queues nothing new and
only delivers what is still due.

The build lives in ``<workspace>/builds/<issue>/<edition>/`` (PDF and HTML, the HTML build also writing
the email page). It is reused when the store records a PDF and an email page of this edition built no
earlier than the issue's last change and the files are still there; otherwise the edition is rebuilt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from jiance.distribute.base import Channel, Message
from jiance.distribute.outbox import DeliveryReport, deliver_due, enqueue, idempotency_key
from jiance.distribute.recipients import RECIPIENTS_FILE, Recipients, RecipientsConfig, load_recipients
from jiance.errors import ConfigError, PublishError
from jiance.publish.build import build_issue, compose_for_edition
from jiance.publish.editions import EDITIONS_FILE, edition_named, load_editions
from jiance.publish.model import Composition
from jiance.settings import Settings
from jiance.store.base import Store
from jiance.store.issues import BuildRow, issues_for

__all__ = ["BUILDS_DIR", "SendReport", "build_dir", "send_issue", "workspace_channels"]

BUILDS_DIR = "builds"
_NEEDED = ("pdf", "email")  # the build formats a send uses: the attachment and the email body


@dataclass(slots=True)
class SendReport:
    """What one send did: whether it built, which keys it queued, which were queued before, deliveries."""

    issue_id: int
    edition: str
    build_dir: Path
    built: bool = False
    queued: list[str] = field(default_factory=list)
    already_queued: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


def build_dir(workspace: Path, issue_id: int, edition: str) -> Path:
    return workspace / BUILDS_DIR / str(issue_id) / edition


def _issue_changed_at(store: Store, issue_id: int) -> str:
    issues = issues_for(store)
    rows = issues.store._read("SELECT updated_at FROM issues WHERE id = ?", (issue_id,))
    return str(rows[0][0] or "") if rows else ""


def _fresh_build(store: Store, issue_id: int, edition: str, out: Path) -> dict[str, Path] | None:
    """The PDF and email page of a build still valid for the issue as it stands, or None."""
    changed = _issue_changed_at(store, issue_id)
    latest: dict[str, BuildRow] = {}
    for row in issues_for(store).builds(issue_id):
        if row.edition == edition and row.path and Path(row.path).parent == out:
            latest[row.format] = row
    found = {}
    for fmt in _NEEDED:
        found_row = latest.get(fmt)
        if found_row is None or found_row.path is None or found_row.built_at < changed:
            return None
        if not Path(found_row.path).is_file():
            return None
        found[fmt] = Path(found_row.path)
    return found


def _ensure_build(
    store: Store, workspace: Path, issue_id: int, edition_name: str, report: SendReport
) -> dict[str, Path]:
    edition = edition_named(load_editions(workspace / EDITIONS_FILE), edition_name)
    files = _fresh_build(store, issue_id, edition.name, report.build_dir)
    if files is not None:
        return files
    built = build_issue(store, issue_id, edition, ["pdf", "html"], report.build_dir)
    report.built = True
    report.notes += built.notes
    if built.empty:
        raise PublishError(f"edition {edition.name!r} of issue {issue_id} is empty: nothing to send")
    if built.problems:
        raise PublishError(f"the build failed its checks: {'; '.join(built.problems)}")
    return {o.format: o.path for o in built.outputs if o.format in _NEEDED}


def _messages(
    comp: Composition, files: Mapping[str, Path], recipients: Recipients, config: RecipientsConfig
) -> list[Message]:
    from jiance.distribute.render import email_message, im_message

    html = files["email"].read_text(encoding="utf-8")
    messages = [
        email_message(comp, address, pdf_path=files["pdf"], html=html, unsubscribe=recipients.unsubscribe)
        for address in recipients.email
    ]
    for name in recipients.channels:
        messages.append(im_message(comp, config.bots[name].type, name))
    return messages


def _recipients_for(
    config: RecipientsConfig, edition: str, to: Sequence[str] | None, where: str
) -> Recipients:
    """The edition's recipients; ``to`` replaces the email addresses and drops the bots (a test send)."""
    if to:
        found = config.for_edition(edition)
        return Recipients(edition, tuple(dict.fromkeys(to)), (), found.unsubscribe)
    found = config.for_edition(edition)
    if not found.email and not found.channels:
        raise ConfigError(
            f"no recipients for edition {edition!r}; add a [[recipients]] table or use --to", where=where
        )
    return found


def workspace_channels(
    workspace: Path, settings: Settings, config: RecipientsConfig | None = None
) -> dict[str, Channel]:
    """The channels a workspace configures, keyed as :func:`jiance.distribute.outbox.deliver_due` wants:
    ``email`` when jiance.toml has an ``[smtp]`` table, ``<type>:<name>`` for each configured bot."""
    from jiance.distribute.email import smtp_from_settings
    from jiance.distribute.im import channel_from_config

    config = config or load_recipients(workspace / RECIPIENTS_FILE)
    channels: dict[str, Channel] = {}
    if "smtp" in settings.raw:
        channels["email"] = smtp_from_settings(settings)
    for bot in config.bots.values():
        channels[f"{bot.type}:{bot.name}"] = channel_from_config(bot.to_record())
    return channels


def send_issue(
    store: Store,
    workspace: Path,
    settings: Settings,
    issue_id: int,
    edition: str = "default",
    *,
    to: Sequence[str] | None = None,
    channels: Mapping[str, Channel] | None = None,
    now: datetime | None = None,
) -> SendReport:
    """Send one edition of an issue to its recipients (or to ``to``): build, queue, deliver what is due.

    ``channels`` replaces the workspace's configured channels (tests, a dry run); deliveries that fail
    stay in the outbox for ``jiance outbox retry``.
    """
    where = str(workspace / RECIPIENTS_FILE)
    config = load_recipients(workspace / RECIPIENTS_FILE)
    recipients = _recipients_for(config, edition, to, where)
    if recipients.email and channels is None and "smtp" not in settings.raw:
        raise ConfigError(
            "no [smtp] table: add host, port and from to send email", where="jiance.toml [smtp]"
        )
    report = SendReport(issue_id, edition, build_dir(workspace, issue_id, edition))
    files = _ensure_build(store, workspace, issue_id, edition, report)
    comp = compose_for_edition(
        store, issue_id, edition_named(load_editions(workspace / EDITIONS_FILE), edition)
    )
    for message in _messages(comp, files, recipients, config):
        key = idempotency_key("edition", message.channel, message.recipient, issue_id, edition)
        fresh = enqueue(store, message, key=key, kind="edition", issue_id=issue_id, edition=edition, now=now)
        (report.queued if fresh else report.already_queued).append(key)
    live = channels if channels is not None else workspace_channels(workspace, settings, config)
    report.delivery = deliver_due(store, live, now=now)
    return report
