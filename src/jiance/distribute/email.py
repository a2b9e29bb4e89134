"""Email over SMTP: one MIME message per recipient, built so that mail clients and spam filters accept it.

The message is ``multipart/mixed`` holding ``multipart/alternative`` (text, then the email-safe HTML: a
client shows the last part it can) and the PDF. Headers go through :data:`email.policy.SMTP`, which
RFC 2047-encodes a Chinese Subject and From display name and folds long lines with CRLF. The Message-ID
is derived from the idempotency key, so a retry after a lost reply carries the same id and a receiving
system (or a human) can see it is the same mail. List-Unsubscribe (and List-Unsubscribe-Post for an
https link, RFC 8058 one-click) is what bulk-mail rules at the big providers ask of a newsletter.

Failures are sorted for the outbox: a 4xx reply, a dropped connection or a timeout may pass later
(retryable); a 5xx reply (unknown mailbox, refused sender, failed login) will not.
"""

from __future__ import annotations

import difflib
import hashlib
import smtplib
import ssl
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from jiance.distribute.base import ChannelError, Message
from jiance.errors import ConfigError
from jiance.settings import Settings

__all__ = ["SMTPChannel", "build_mime", "message_id", "smtp_from_settings"]

_SMTP_KEYS: dict[str, tuple[type, ...]] = {
    "host": (str,),
    "port": (int,),
    "from": (str,),
    "username": (str,),
    "password": (str,),
    "starttls": (bool,),
    "cafile": (str,),
    "timeout": (int, float),
}


def message_id(idempotency_key: str) -> str:
    """``<hash@jiance>``: stable per key, and the key itself (a recipient address) is not disclosed."""
    return f"<{hashlib.sha256(idempotency_key.encode('utf-8')).hexdigest()[:32]}@jiance>"


def _address(value: str, where: str) -> Address:
    """An Address from ``Name <a@b>`` or ``a@b``; the display name may be Chinese (encoded on output)."""
    name, addr = parseaddr(value)
    if "@" not in addr:
        raise ChannelError(f"not an email address: {value!r}", retryable=False, where=where)
    user, _, domain = addr.rpartition("@")
    return Address(display_name=name, username=user, domain=domain)


def _attach(mime: EmailMessage, message: Message) -> None:
    for attachment in message.attachments:
        path = Path(attachment.path)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise ChannelError(
                f"cannot read attachment: {error}", retryable=False, where=str(path)
            ) from error
        maintype, _, subtype = attachment.content_type.partition("/")
        mime.add_attachment(
            data, maintype=maintype, subtype=subtype or "octet-stream", filename=attachment.filename
        )


def build_mime(
    message: Message, sender: str, *, idempotency_key: str, now: datetime | None = None
) -> EmailMessage:
    """The MIME message for ``message`` as :class:`SMTPChannel` sends it (exposed so tests and a
    ``--dry-run`` can look at it without a server)."""
    mime = EmailMessage(policy=SMTP_POLICY)
    mime["Subject"] = message.subject
    mime["From"] = _address(sender, "smtp.from")
    mime["To"] = _address(message.recipient, message.recipient)
    mime["Date"] = format_datetime(now or datetime.now(UTC))
    mime["Message-ID"] = message_id(idempotency_key)
    if message.unsubscribe:
        mime["List-Unsubscribe"] = f"<{message.unsubscribe}>"
        if message.unsubscribe.lower().startswith("https:"):
            mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mime.set_content(message.text, subtype="plain", charset="utf-8")
    if message.html:
        mime.add_alternative(message.html, subtype="html", charset="utf-8")
    if message.attachments:
        mime.make_mixed()
        _attach(mime, message)
    return mime


def _classify(error: Exception, where: str) -> ChannelError:
    """SMTP and socket failures as retryable (4xx, connection, timeout) or final (5xx, no STARTTLS)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        retryable = all(400 <= code < 500 for code in codes)
        detail = "; ".join(
            f"{rcpt}: {code} {msg.decode('utf-8', 'replace')}"
            for rcpt, (code, msg) in error.recipients.items()
        )
        return ChannelError(f"recipient refused: {detail}", retryable=retryable, where=where)
    if isinstance(error, smtplib.SMTPResponseException):
        text = (
            error.smtp_error.decode("utf-8", "replace")
            if isinstance(error.smtp_error, bytes)
            else str(error.smtp_error)
        )
        return ChannelError(
            f"SMTP {error.smtp_code} {text}", retryable=400 <= error.smtp_code < 500, where=where
        )
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return ChannelError(f"server does not support it: {error}", retryable=False, where=where)
    if isinstance(error, TimeoutError):
        return ChannelError("SMTP timed out", retryable=True, where=where)
    return ChannelError(f"SMTP connection failed: {error}", retryable=True, where=where)


class SMTPChannel:
    """Sends :class:`Message` records by SMTP; one connection per message (sends are few and far between,
    and a fresh connection means one failure never poisons the next recipient)."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 30,
        cafile: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout
        self.cafile = cafile  # a private CA (a company relay's own certificate); else the system's

    @property
    def where(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def send(self, message: Message, *, idempotency_key: str) -> str:
        """Send and return the Message-ID; :class:`ChannelError` says whether a retry can help."""
        mime = build_mime(message, self.sender, idempotency_key=idempotency_key)
        envelope_from = _address(self.sender, "smtp.from").addr_spec
        recipient = _address(message.recipient, message.recipient).addr_spec
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                self._open(smtp)
                smtp.send_message(mime, from_addr=envelope_from, to_addrs=[recipient])
        except (smtplib.SMTPException, OSError) as error:
            raise _classify(error, self.where) from error
        return str(mime["Message-ID"])

    def _open(self, smtp: smtplib.SMTP) -> None:
        smtp.ehlo()
        if self.starttls:
            smtp.starttls(context=ssl.create_default_context(cafile=self.cafile))
            smtp.ehlo()
        if self.username:
            smtp.login(self.username, self.password or "")


def _check_keys(table: dict[str, Any]) -> None:
    for key, value in table.items():
        where = f"jiance.toml [smtp].{key}"
        if key not in _SMTP_KEYS:
            close = difflib.get_close_matches(key, list(_SMTP_KEYS), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(_SMTP_KEYS)}"
            raise ConfigError(f"unknown key {key!r}{hint}", where=where)
        kinds = _SMTP_KEYS[key]
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
            names = " or ".join(k.__name__ for k in kinds)
            raise ConfigError(f"{key!r} must be {names}, got {type(value).__name__} {value!r}", where=where)


def smtp_from_settings(settings: Settings) -> SMTPChannel:
    """The SMTP channel of a workspace from its ``[smtp]`` table; ConfigError names the key at fault."""
    table = settings.raw.get("smtp")
    if not isinstance(table, dict):
        raise ConfigError(
            "no [smtp] table: add host, port and from to send email", where="jiance.toml [smtp]"
        )
    _check_keys(table)
    for key in ("host", "from"):
        if not table.get(key, "").strip():
            raise ConfigError(f"{key!r} is required", where=f"jiance.toml [smtp].{key}")
    port = table.get("port", 587 if table.get("starttls") else 25)
    if not 0 < port < 65536:
        raise ConfigError(f"'port' must be 1..65535, got {port}", where="jiance.toml [smtp].port")
    if "@" not in parseaddr(table["from"])[1]:
        raise ConfigError(
            f"'from' is not an email address: {table['from']!r}", where="jiance.toml [smtp].from"
        )
    if "password" in table and "username" not in table:
        raise ConfigError("'password' without 'username'", where="jiance.toml [smtp].password")
    timeout = table.get("timeout", 30)
    if timeout <= 0:
        raise ConfigError("'timeout' must be more than zero", where="jiance.toml [smtp].timeout")
    return SMTPChannel(
        host=table["host"].strip(),
        port=port,
        sender=table["from"],
        username=table.get("username"),
        password=table.get("password"),
        starttls=bool(table.get("starttls", False)),
        timeout=float(timeout),
        cafile=table.get("cafile"),
    )
