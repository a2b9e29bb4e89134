"""robots.txt: parse it the RFC 9309 way and remember it per host, so every fetch can ask ``allowed``.

The rules are matched as RFC 9309 says: the group naming our product token (``jiance``) wins over ``*``,
the longest matching path pattern wins, Allow wins a tie, ``*`` matches any run of characters and a final
``$`` anchors the end. Matching is a linear-time wildcard walk, not a regular expression, because a hostile
robots.txt full of ``*`` must not be able to make a regex backtrack for minutes.

What a robots.txt fetch's outcome means (:func:`rules_for_status`):

* 2xx: the parsed file (only the first ``robots_max_bytes``, as RFC 9309 allows);
* 4xx (404 included): no robots.txt, everything allowed;
* 429, 5xx or no answer at all: "try again later", so the whole host is disallowed for now; this verdict is
  cached for the shorter error TTL, after which robots.txt is fetched again.

Fetching lives in :class:`jiance.sources.http.Fetcher`, which hands :class:`RobotsCache` its loader; this
module does no I/O, so it can be tested on strings.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["RobotsCache", "RobotsRules", "product_token", "rules_for_status"]

_MAX_PATTERN = 2048  # longer patterns are cut (RFC 9309 lets a parser bound what it reads)


@dataclass(frozen=True, slots=True)
class _Rule:
    allow: bool
    pattern: str


@dataclass(slots=True)
class _Group:
    agents: list[str] = field(default_factory=list)
    rules: list[_Rule] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """The rules of one host; ``default`` answers paths no rule matches, ``unreachable`` marks a 5xx verdict."""

    groups: tuple[tuple[tuple[str, ...], tuple[_Rule, ...]], ...] = ()
    default: bool = True
    unreachable: bool = False

    @classmethod
    def allow_all(cls) -> RobotsRules:
        return cls()

    @classmethod
    def unreachable_rules(cls) -> RobotsRules:
        return cls(default=False, unreachable=True)

    @classmethod
    def parse(cls, content: bytes) -> RobotsRules:
        """Parse robots.txt bytes (UTF-8; undecodable bytes are replaced, unknown lines ignored)."""
        text = content.decode("utf-8", errors="replace")
        groups = _parse_groups(text.splitlines())
        frozen = tuple((tuple(g.agents), tuple(g.rules)) for g in groups if g.agents)
        return cls(groups=frozen)

    def allows(self, url: str, user_agent: str) -> bool:
        """Whether ``user_agent`` may fetch ``url`` (its path and query) under these rules."""
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if path == "/robots.txt":
            return True
        rules = self._rules_for(product_token(user_agent))
        if not rules:
            return self.default
        best: _Rule | None = None
        for rule in rules:
            if _matches(rule.pattern, path) and (best is None or _beats(rule, best)):
                best = rule
        return self.default if best is None else best.allow

    def _rules_for(self, token: str) -> list[_Rule]:
        """The rules of every group naming our token, else of every ``*`` group (RFC 9309 merges them)."""
        for wanted in (token, "*"):
            merged = [r for agents, rules in self.groups if wanted in agents for r in rules]
            if any(wanted in agents for agents, _ in self.groups):
                return merged
        return []


def product_token(user_agent: str) -> str:
    """``jiance/0.1.0 (+https://…)`` → ``jiance``: robots.txt groups name the product, not the version."""
    return user_agent.split("/", 1)[0].split(" ", 1)[0].strip().lower()


def _beats(rule: _Rule, best: _Rule) -> bool:
    if len(rule.pattern) != len(best.pattern):
        return len(rule.pattern) > len(best.pattern)
    return rule.allow and not best.allow


def _parse_groups(lines: list[str]) -> list[_Group]:
    groups: list[_Group] = []
    current: _Group | None = None
    last_was_agent = False
    for raw in lines:
        key, _, value = raw.split("#", 1)[0].partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "user-agent":
            if current is None or not last_was_agent:
                current = _Group()
                groups.append(current)
            current.agents.append(product_token(value) or value.lower())
            last_was_agent = True
        elif key in ("allow", "disallow"):
            last_was_agent = False
            if current is not None and value:  # "Disallow:" with no path allows everything
                current.rules.append(_Rule(key == "allow", value[:_MAX_PATTERN]))
    return groups


def _matches(pattern: str, path: str) -> bool:
    """RFC 9309 match: ``pattern`` against a prefix of ``path`` (all of it when the pattern ends in ``$``)."""
    if pattern.endswith("$"):
        pattern = pattern[:-1]
    else:
        pattern += "*"
    return _wildcard(pattern, path)


def _wildcard(pattern: str, text: str) -> bool:
    """Whole-string match where ``*`` is any run; the classic two-pointer walk, O(len × len) at worst."""
    p = t = 0
    star, mark = -1, 0
    while t < len(text):
        if p < len(pattern) and pattern[p] == "*":
            star, mark = p, t
            p += 1
        elif p < len(pattern) and pattern[p] == text[t]:
            p += 1
            t += 1
        elif star >= 0:
            p, mark = star + 1, mark + 1
            t = mark
        else:
            return False
    return all(c == "*" for c in pattern[p:])


def rules_for_status(status: int, content: bytes) -> RobotsRules:
    """The rules a robots.txt answer means: the file for 2xx, allow-all for 4xx, disallow-all for 429/5xx."""
    if 200 <= status < 300:
        return RobotsRules.parse(content)
    if status == 429 or status >= 500:
        return RobotsRules.unreachable_rules()
    return RobotsRules.allow_all()


Loader = Callable[[str, bool], RobotsRules]


@dataclass(slots=True)
class _Entry:
    rules: RobotsRules
    expires: float


class RobotsCache:
    """robots.txt rules per origin, loaded at most once per TTL (per origin lock: no duplicate loads)."""

    def __init__(self, load: Loader, *, ttl_s: float, error_ttl_s: float) -> None:
        self._load = load
        self._ttl_s = ttl_s
        self._error_ttl_s = error_ttl_s
        self._lock = threading.Lock()
        self._origin_locks: dict[str, threading.Lock] = {}
        self._entries: dict[str, _Entry] = {}

    def allowed(self, url: str, user_agent: str, *, allow_private: bool = False) -> bool:
        """Whether robots.txt of ``url``'s origin lets ``user_agent`` fetch it."""
        return self.rules(url, allow_private=allow_private).allows(url, user_agent)

    def rules(self, url: str, *, allow_private: bool = False) -> RobotsRules:
        origin = _origin(url)
        with self._lock:
            origin_lock = self._origin_locks.setdefault(origin, threading.Lock())
        with origin_lock:
            entry = self._entries.get(origin)
            if entry is None or entry.expires <= time.monotonic():
                rules = self._load(f"{origin}/robots.txt", allow_private)
                ttl = self._error_ttl_s if rules.unreachable else self._ttl_s
                entry = _Entry(rules, time.monotonic() + ttl)
                self._entries[origin] = entry
        return entry.rules


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower().rsplit('@', 1)[-1]}"
