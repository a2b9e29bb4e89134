"""Who receives which edition: the workspace's ``recipients.toml``.

Kept out of editions.toml on purpose: an edition says what is printed, this file says who gets it and
holds bot URLs and signing secrets, which an operator may want to keep with tighter permissions than the
editorial files. A mistake here must never make a send go silently to nobody (or to the wrong bot), so
every problem is a :class:`~jiance.errors.ConfigError` naming the file and the key::

    [[recipients]]
    edition = "carrier"
    email = ["a@example.cn", "b@example.cn"]
    channels = ["carrier-wecom"]          # names of [[channels]] below
    unsubscribe = "mailto:unsubscribe@example.cn"   # optional, sent as List-Unsubscribe

    [[channels]]
    name = "carrier-wecom"
    type = "wecom"                         # wecom | dingtalk | feishu | slack | webhook
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..."
    secret = "..."                         # dingtalk / feishu (optional signing), webhook (required HMAC)
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jiance.errors import ConfigError

__all__ = [
    "BOT_TYPES",
    "RECIPIENTS_FILE",
    "BotConfig",
    "Recipients",
    "RecipientsConfig",
    "load_recipients",
    "parse_recipients",
]

RECIPIENTS_FILE = "recipients.toml"
BOT_TYPES: tuple[str, ...] = ("wecom", "dingtalk", "feishu", "slack", "webhook")
_SIGNED = {"dingtalk", "feishu", "webhook"}  # the channels whose requests can carry a signature
_NEEDS_SECRET = {"webhook"}  # our generic webhook is always HMAC-signed
_EMAIL_RE = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
_RECIPIENT_KEYS = ("edition", "email", "channels", "unsubscribe")
_CHANNEL_KEYS = ("name", "type", "url", "secret", "timeout", "min_interval")


@dataclass(frozen=True, slots=True)
class BotConfig:
    """One configured chat bot or webhook; ``name`` is what recipients and the outbox call it."""

    name: str
    type: str
    url: str
    secret: str | None = None
    timeout: float | None = None  # seconds per request
    min_interval: float | None = None  # seconds between two requests (the vendor's rate limit)

    def to_record(self) -> dict[str, Any]:
        """The entry :func:`jiance.distribute.im.channel_from_config` takes (unset keys left out)."""
        record: dict[str, Any] = {"name": self.name, "type": self.type, "url": self.url}
        for key in ("secret", "timeout", "min_interval"):
            if getattr(self, key) is not None:
                record[key] = getattr(self, key)
        return record


@dataclass(frozen=True, slots=True)
class Recipients:
    """Everyone who gets one edition: email addresses and bot names (tables for one edition are merged)."""

    edition: str
    email: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    unsubscribe: str | None = None


@dataclass(frozen=True, slots=True)
class RecipientsConfig:
    """The whole file: recipients by edition and bots by name."""

    recipients: dict[str, Recipients] = field(default_factory=dict)
    bots: dict[str, BotConfig] = field(default_factory=dict)

    def for_edition(self, edition: str) -> Recipients:
        """The edition's recipients; an edition the file does not name has none."""
        return self.recipients.get(edition) or Recipients(edition)


def _unknown(key: str, known: Iterable[str], keypath: str, where: str) -> ConfigError:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(known)}"
    return ConfigError(f"unknown key {keypath}.{key}{hint}", where=where)


def _string(table: dict[str, Any], key: str, keypath: str, where: str, *, required: bool) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{keypath}.{key} is required", where=where)
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{keypath}.{key} must be a non-empty string, got {value!r}", where=where)
    return value.strip()


def _strings(table: dict[str, Any], key: str, keypath: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{keypath}.{key} must be a list of strings, got {value!r}", where=where)
    return tuple(dict.fromkeys(v.strip() for v in value))


def _check_keys(table: Any, known: tuple[str, ...], keypath: str, where: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{keypath} must be a table, got {table!r}", where=where)
    for key in table:
        if key not in known:
            raise _unknown(key, known, keypath, where)
    return table


def _seconds(table: dict[str, Any], key: str, keypath: str, where: str) -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{keypath}.{key} must be a number of seconds >= 0, got {value!r}", where=where)
    return float(value)


def _bot(table: Any, keypath: str, where: str) -> BotConfig:
    table = _check_keys(table, _CHANNEL_KEYS, keypath, where)
    name = _string(table, "name", keypath, where, required=True) or ""
    if not _NAME_RE.match(name):
        raise ConfigError(
            f"{keypath}.name {name!r} may hold only letters, digits, '.', '_' and '-'", where=where
        )
    kind = _string(table, "type", keypath, where, required=True) or ""
    if kind not in BOT_TYPES:
        raise ConfigError(f"{keypath}.type {kind!r} is not one of {', '.join(BOT_TYPES)}", where=where)
    url = _string(table, "url", keypath, where, required=True) or ""
    if not url.startswith(("https://", "http://")):
        raise ConfigError(f"{keypath}.url must be an http(s) URL, got {url!r}", where=where)
    secret = _string(table, "secret", keypath, where, required=False)
    if secret is not None and kind not in _SIGNED:
        raise ConfigError(f"{keypath}.secret: a {kind} bot is not signed; remove the secret", where=where)
    if secret is None and kind in _NEEDS_SECRET:
        raise ConfigError(
            f"{keypath}.secret is required for a {kind} (requests are HMAC-signed)", where=where
        )
    return BotConfig(
        name, kind, url, secret, *(_seconds(table, k, keypath, where) for k in ("timeout", "min_interval"))
    )


def _recipients(table: Any, keypath: str, where: str, bots: dict[str, BotConfig]) -> Recipients:
    table = _check_keys(table, _RECIPIENT_KEYS, keypath, where)
    edition = _string(table, "edition", keypath, where, required=True) or ""
    email = _strings(table, "email", keypath, where)
    for address in email:
        if not _EMAIL_RE.match(address):
            raise ConfigError(f"{keypath}.email: {address!r} is not an email address", where=where)
    channels = _strings(table, "channels", keypath, where)
    for name in channels:
        if name not in bots:
            known = ", ".join(bots) or "none defined"
            raise ConfigError(f"{keypath}.channels: no [[channels]] named {name!r} ({known})", where=where)
    unsubscribe = _string(table, "unsubscribe", keypath, where, required=False)
    if unsubscribe is not None and not unsubscribe.startswith(("mailto:", "https://", "http://")):
        raise ConfigError(f"{keypath}.unsubscribe must be a mailto: or http(s) URL", where=where)
    if not email and not channels:
        raise ConfigError(f"{keypath} names no email address and no channel", where=where)
    return Recipients(edition, email, channels, unsubscribe)


def _merge(old: Recipients | None, new: Recipients, keypath: str, where: str) -> Recipients:
    if old is None:
        return new
    if old.unsubscribe and new.unsubscribe and old.unsubscribe != new.unsubscribe:
        raise ConfigError(
            f"{keypath}.unsubscribe differs from an earlier table for {new.edition!r}", where=where
        )
    return Recipients(
        new.edition,
        tuple(dict.fromkeys([*old.email, *new.email])),
        tuple(dict.fromkeys([*old.channels, *new.channels])),
        old.unsubscribe or new.unsubscribe,
    )


def _tables(data: dict[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(f"{key} must be an array of tables ([[{key}]]), got {value!r}", where=where)
    return value


def parse_recipients(data: dict[str, Any], *, where: str) -> RecipientsConfig:
    """Validate the parsed TOML of a recipients file."""
    for key in data:
        if key not in ("recipients", "channels"):
            raise _unknown(key, ("recipients", "channels"), "recipients.toml", where)
    bots: dict[str, BotConfig] = {}
    for i, table in enumerate(_tables(data, "channels", where)):
        bot = _bot(table, f"channels[{i}]", where)
        if bot.name in bots:
            raise ConfigError(f"channels[{i}].name {bot.name!r} is defined twice", where=where)
        bots[bot.name] = bot
    recipients: dict[str, Recipients] = {}
    for i, table in enumerate(_tables(data, "recipients", where)):
        keypath = f"recipients[{i}]"
        entry = _recipients(table, keypath, where, bots)
        recipients[entry.edition] = _merge(recipients.get(entry.edition), entry, keypath, where)
    return RecipientsConfig(recipients, bots)


def load_recipients(path: Path) -> RecipientsConfig:
    """The workspace's recipients; a missing file means nobody is configured (``--to`` still works)."""
    if not path.is_file():
        return RecipientsConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", where=str(path)) from exc
    return parse_recipients(data, where=str(path))
