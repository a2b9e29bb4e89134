"""The ``[[sources]]`` of a workspace's jiance.toml, read into :class:`SourceConfig` records.

A source is a feed (RSS/Atom), a page (a list page whose links are articles, followed through its next
pages) or a folder (where bulletins are dropped as files). A mistake in this table must never make a
source silently collect nothing, so every problem is a :class:`~jiance.errors.ConfigError` naming the
source and the key: an unknown key (with the closest known one), a wrong type, a duplicate name, a feed
or page without ``url``, a folder without ``path``, a schedule that is neither an interval (``30m``,
``2h``) nor a five-field cron string. docs/collection.md lists every key.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jiance.errors import ConfigError
from jiance.settings import Settings

__all__ = [
    "KINDS",
    "SourceConfig",
    "SourceKind",
    "interval_seconds",
    "load_sources",
    "parse_sources",
]

SourceKind = Literal["feed", "page", "folder"]
KINDS: tuple[str, ...] = ("feed", "page", "folder")

_INTERVAL_RE = re.compile(r"^(\d+)\s*([smhd])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One source as configured; ``links``/``links_xpath``/``next``/``max_pages`` matter for pages only."""

    name: str
    kind: SourceKind
    url: str | None = None
    path: str | None = None
    schedule: str = "1h"
    encoding: str | None = None  # overrides the charset the server or page declares
    section: str | None = None  # default column of the source's articles
    tags: tuple[str, ...] = field(default_factory=tuple)
    enabled: bool = True
    allow_private: bool = False  # an intranet or test server on a private address
    links: str | None = None  # CSS selector of the article links on a list page
    links_xpath: str | None = None
    next: str | None = None  # CSS selector of the next-page link
    max_pages: int = 5
    timezone: str = "Asia/Shanghai"

    def to_record(self) -> dict[str, Any]:
        """The JSON the store keeps in ``sources.config``."""
        record = asdict(self)
        record["tags"] = list(self.tags)
        return record


_KEYS: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "kind": (str,),
    "url": (str,),
    "path": (str,),
    "schedule": (str,),
    "encoding": (str,),
    "section": (str,),
    "tags": (list,),
    "enabled": (bool,),
    "allow_private": (bool,),
    "links": (str,),
    "links_xpath": (str,),
    "next": (str,),
    "max_pages": (int,),
    "timezone": (str,),
}


def interval_seconds(schedule: str) -> int | None:
    """Seconds between runs for an interval schedule (``30m`` → 1800); ``None`` for a cron string."""
    match = _INTERVAL_RE.match(schedule.strip())
    return int(match[1]) * _UNIT_S[match[2]] if match else None


def _check_schedule(schedule: str, where: str, timezone: str = "Asia/Shanghai") -> None:
    """The same parser that ``jiance watch`` runs, so a bad schedule fails when the config is read."""
    from jiance.sources.schedule import parse_schedule

    seconds = interval_seconds(schedule)
    if seconds is not None and seconds <= 0:
        raise ConfigError(f"{where}: schedule {schedule!r} must be longer than zero")
    try:
        parse_schedule(schedule, timezone)
    except ConfigError as error:
        raise ConfigError(f"{where}: {error.message}") from error


def _check_key(key: str, value: Any, where: str) -> None:
    if key not in _KEYS:
        close = difflib.get_close_matches(key, list(_KEYS), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(_KEYS)}"
        raise ConfigError(f"{where}: unknown key {key!r}{hint}")
    wanted = _KEYS[key]
    wrong = not isinstance(value, wanted) or (bool not in wanted and isinstance(value, bool))
    if key == "tags" and not wrong:
        wrong = not all(isinstance(tag, str) for tag in value)
    if wrong:
        kind = "a list of strings" if key == "tags" else f"a {wanted[0].__name__}"
        raise ConfigError(f"{where}: {key!r} must be {kind}, got {type(value).__name__} {value!r}")


def _check_required(table: dict[str, Any], where: str) -> None:
    kind = table.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"{where}: 'kind' must be one of {', '.join(KINDS)}, got {kind!r}")
    if kind in ("feed", "page") and not table.get("url"):
        raise ConfigError(f"{where}: a {kind} source needs 'url'")
    if kind == "folder" and not table.get("path"):
        raise ConfigError(f"{where}: a folder source needs 'path'")
    if "max_pages" in table and table["max_pages"] < 1:
        raise ConfigError(f"{where}: 'max_pages' must be at least 1")
    if "timezone" in table:
        try:
            ZoneInfo(table["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"{where}: unknown 'timezone' {table['timezone']!r}") from exc


def _source(table: Any, number: int, base: Path | None) -> SourceConfig:
    if not isinstance(table, dict):
        raise ConfigError(f"source #{number} must be a table ([[sources]]), got {type(table).__name__}")
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"source #{number}: 'name' is required and must be a non-empty string")
    where = f"source {name!r}"
    for key, value in table.items():
        _check_key(key, value, where)
    _check_required(table, where)
    _check_schedule(table.get("schedule", "1h"), where, str(table.get("timezone", "Asia/Shanghai")))
    values = dict(table)
    values["tags"] = tuple(values.get("tags", ()))
    if base is not None and values.get("path") and not Path(values["path"]).is_absolute():
        values["path"] = str(base / values["path"])
    values["kind"] = cast(SourceKind, values["kind"])
    return SourceConfig(**values)


def parse_sources(tables: Any, *, base: Path | None = None) -> list[SourceConfig]:
    """Source records from the parsed ``sources`` array; relative folder paths are taken from ``base``."""
    if tables is None:
        return []
    if not isinstance(tables, list):
        raise ConfigError("'sources' must be an array of tables ([[sources]])")
    sources = [_source(table, number, base) for number, table in enumerate(tables, start=1)]
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise ConfigError(f"source {source.name!r}: the name is used by more than one source")
        seen.add(source.name)
    return sources


def load_sources(settings: Settings, *, base: Path | None = None) -> list[SourceConfig]:
    """The workspace's sources, from ``[[sources]]`` in jiance.toml (``base``: the workspace folder)."""
    return parse_sources(settings.raw.get("sources"), base=base)
