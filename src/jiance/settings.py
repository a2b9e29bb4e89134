"""The one table of jiance settings, and how a workspace's values are resolved from it.

Every setting has a name, a type, a default and a help line (:data:`SETTINGS`); docs/settings.md and the
commented ``jiance.toml`` that ``jiance init`` writes are both checked against this table by a test.

Resolution order, later wins: the defaults, then the workspace's ``jiance.toml``, then the environment
(``JIANCE_<NAME>``, JSON for lists). Top-level tables and arrays of tables in ``jiance.toml`` (for example
``[[sources]]``) are not settings: they pass through untouched in :attr:`Settings.raw` for the parts of
jiance that own them. Any other unknown key is a :class:`~jiance.errors.ConfigError` naming the closest
known key, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jiance.errors import ConfigError

__all__ = [
    "CONFIG_FILE",
    "ENV_PREFIX",
    "SETTINGS",
    "Setting",
    "Settings",
    "load_settings",
    "render_default_toml",
]

CONFIG_FILE = "jiance.toml"
ENV_PREFIX = "JIANCE_"


@dataclass(frozen=True, slots=True)
class Setting:
    """One row of the settings table: ``type`` is ``str``, ``int`` or ``list`` (a list of strings)."""

    name: str
    type: type
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "store",
        str,
        "sqlite:///jiance.db",
        "Where articles are stored: sqlite:///relative/to/workspace.db, sqlite:////absolute/path.db, or a"
        " PostgreSQL server: postgresql://user:password@host:5432/database (see docs/postgresql.md).",
    ),
    Setting(
        "store_pool_size",
        int,
        4,
        "PostgreSQL only: connections per process in the store's pool (one per concurrent request or worker).",
    ),
    Setting(
        "sections",
        list,
        ["产业环境", "运营竞争", "技术情报", "企业情报", "海外借鉴"],
        "The bulletin's columns (栏目), in publishing order.",
    ),
    Setting("max_file_mb", int, 50, "Files larger than this many MB are refused (and their bytes not kept)."),
    Setting("parse_timeout_s", int, 60, "Seconds a single file may take to parse before it is failed."),
    Setting("parse_memory_mb", int, 1536, "Memory in MB a single file's parser may use before it is failed."),
    Setting("expert_marker", str, "专家观点", "The heading that marks an expert-opinion piece."),
    Setting(
        "bulletin_titles",
        list,
        [],
        "Names of bulletins you receive: such a line is running furniture and the issue's title, even when it appears only once.",
    ),
    Setting("search_snippet_chars", int, 80, "Length in characters of a search result's snippet."),
    Setting(
        "fetch_contact_url",
        str,
        "",
        "A URL or mailto: that site operators can reach you at, sent in the User-Agent.",
    ),
    Setting(
        "fetch_timeout_s", int, 60, "Seconds one fetch may take in all: retries, redirects and the body."
    ),
    Setting(
        "fetch_max_mb", int, 20, "Largest response body, in MB after decompression; bigger ones are refused."
    ),
    Setting("fetch_host_delay_ms", int, 1000, "Milliseconds between the starts of two requests to one host."),
    Setting(
        "fetch_attempts", int, 4, "Tries per request (the first included) on 5xx, 429, timeouts and resets."
    ),
    Setting(
        "fetch_robots", str, "respect", "respect: obey robots.txt; ignore: only for your own intranet sites."
    ),
    Setting(
        "llm_base_url",
        str,
        "",
        "An OpenAI-compatible endpoint for abstractive summaries; empty: extractive only.",
    ),
    Setting("llm_model", str, "", "The model name to ask at llm_base_url."),
    Setting(
        "web_host",
        str,
        "127.0.0.1",
        "Address `jiance serve` listens on (loopback unless you put a proxy in front).",
    ),
    Setting("web_port", int, 8000, "Port `jiance serve` listens on."),
    Setting(
        "web_secure_cookies",
        str,
        "auto",
        "auto: session cookies are Secure when the request came over HTTPS (or X-Forwarded-Proto https); always; never.",
    ),
    Setting(
        "llm_api_key_env",
        str,
        "JIANCE_LLM_API_KEY",
        "The environment variable that holds the endpoint's API key.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved settings of one workspace; ``raw`` holds the parsed jiance.toml, tables included."""

    store: str = "sqlite:///jiance.db"
    sections: list[str] = field(default_factory=lambda: list(_BY_NAME["sections"].default))
    max_file_mb: int = 50
    parse_timeout_s: int = 60
    parse_memory_mb: int = 1536
    expert_marker: str = "专家观点"
    bulletin_titles: list[str] = field(default_factory=list)
    search_snippet_chars: int = 80
    fetch_contact_url: str = ""
    fetch_timeout_s: int = 60
    fetch_max_mb: int = 20
    fetch_host_delay_ms: int = 1000
    fetch_attempts: int = 4
    fetch_robots: str = "respect"
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key_env: str = "JIANCE_LLM_API_KEY"
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    web_secure_cookies: str = "auto"
    store_pool_size: int = 4
    raw: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)  # name -> "default" | "jiance.toml" | "env"


def _type_name(setting: Setting) -> str:
    return "a list of strings" if setting.type is list else f"a {setting.type.__name__}"


def _check(setting: Setting, value: Any, where: str) -> Any:
    """Return ``value`` if it has the setting's type, else raise a ConfigError naming key and type."""
    if setting.type is list:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    else:  # bool is an int subclass in Python, never a valid count here
        ok = isinstance(value, setting.type) and not isinstance(value, bool)
    if not ok:
        raise ConfigError(
            f"setting {setting.name!r} must be {_type_name(setting)}, got {type(value).__name__} {value!r}",
            where=where,
        )
    return list(value) if setting.type is list else value


def _unknown(name: str, where: str) -> ConfigError:
    close = difflib.get_close_matches(name, list(_BY_NAME), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known settings: {', '.join(_BY_NAME)}"
    return ConfigError(f"unknown setting {name!r}{hint}", where=where)


def _is_table(value: Any) -> bool:
    """Tables and arrays of tables belong to other parts of jiance (sources, editions ...)."""
    return isinstance(value, dict) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
    )


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", where=str(path)) from exc


def _from_env(setting: Setting, text: str, var: str) -> Any:
    if setting.type is str:
        return text
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{var} must be {_type_name(setting)} (JSON for lists): {exc}", where=var) from exc
    return _check(setting, value, var)


def load_settings(workspace: Path, *, environ: Mapping[str, str] | None = None) -> Settings:
    """Resolve the settings of ``workspace``: defaults, then its jiance.toml, then ``JIANCE_*`` variables."""
    env = os.environ if environ is None else environ
    path = workspace / CONFIG_FILE
    raw = _read_toml(path)
    values: dict[str, Any] = {}
    origins = dict.fromkeys(_BY_NAME, "default")
    for key, value in raw.items():
        if key not in _BY_NAME:
            if _is_table(value):
                continue
            raise _unknown(key, str(path))
        values[key] = _check(_BY_NAME[key], value, str(path))
        origins[key] = CONFIG_FILE
    for setting in SETTINGS:
        var = ENV_PREFIX + setting.name.upper()
        if var in env:
            values[setting.name] = _from_env(setting, env[var], var)
            origins[setting.name] = "env"
    return Settings(**values, raw=raw, origins=origins)


def _toml_value(value: Any) -> str:
    # JSON strings, integers and lists of strings are valid TOML as written by json.dumps.
    return json.dumps(value, ensure_ascii=False)


def render_default_toml() -> str:
    """The commented jiance.toml that ``jiance init`` writes: every setting, its help and its default."""
    lines = [
        "# jiance workspace settings. Uncomment a line to change it; JIANCE_<NAME> in the environment wins.",
        "# Tables such as [[sources]] are read by the parts of jiance that own them.",
        "",
    ]
    for setting in SETTINGS:
        lines.append(f"# {setting.help} ({_type_name(setting)})")
        lines.append(f"# {setting.name} = {_toml_value(setting.default)}")
        lines.append("")
    return "\n".join(lines)
