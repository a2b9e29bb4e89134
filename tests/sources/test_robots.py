"""robots.txt: RFC 9309 matching on strings, and the Fetcher's use of it against loopback servers."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from jiance.sources.http import Fetcher, FetchPolicy, RobotsDisallowedError
from jiance.sources.robots import RobotsRules, product_token, rules_for_status

from .servers import LoopbackServer, Reply

UA = "jiance/0.1.0 (+https://example.org/contact)"

RULES = b"""\
# comments and unknown lines are ignored
User-agent: *
Disallow: /

User-agent: otherbot
User-agent: jiance
Disallow: /private
Allow: /private/press
Disallow: /*.pdf$
Disallow: /search?
Sitemap: https://example.org/sitemap.xml
"""


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/", True),
        ("/news/1.html", True),
        ("/private", False),
        ("/private/x", False),
        ("/private/press/2026.html", True),  # the longer Allow wins
        ("/files/report.pdf", False),
        ("/files/report.pdf?v=2", True),  # $ anchors the end
        ("/search?q=5G", False),
        ("/search", True),
        ("/robots.txt", True),
    ],
)
def test_rules_for_our_group(path: str, allowed: bool) -> None:
    assert RobotsRules.parse(RULES).allows(f"https://example.org{path}", UA) is allowed


def test_star_group_applies_to_others() -> None:
    assert not RobotsRules.parse(RULES).allows("https://example.org/news", "somebot/2.0")


def test_allow_wins_a_tie_and_empty_disallow_allows() -> None:
    tie = RobotsRules.parse(b"User-agent: *\nDisallow: /a\nAllow: /a\n")
    assert tie.allows("http://h/a", UA)
    assert RobotsRules.parse(b"User-agent: *\nDisallow:\n").allows("http://h/x", UA)


def test_hostile_wildcards_match_quickly() -> None:
    rules = RobotsRules.parse(b"User-agent: *\nDisallow: /" + b"*a" * 1000 + b"b\n")
    started = time.monotonic()
    assert rules.allows("http://h/" + "a" * 2000, UA)
    assert time.monotonic() - started < 1.0


def test_product_token() -> None:
    assert product_token(UA) == "jiance"


@pytest.mark.parametrize(
    ("status", "allowed", "unreachable"),
    [(404, True, False), (403, True, False), (429, False, True), (500, False, True), (503, False, True)],
)
def test_rules_for_status(status: int, allowed: bool, unreachable: bool) -> None:
    rules = rules_for_status(status, b"")
    assert rules.allows("http://h/page", UA) is allowed and rules.unreachable is unreachable


POLICY = FetchPolicy(per_host_delay_s=0, backoff_base_s=0.05, total_timeout_s=5, robots_ttl_s=60)


@pytest.fixture
def polite() -> Iterator[Fetcher]:
    with Fetcher(POLICY) as fetcher:
        yield fetcher


def test_disallowed_url_is_not_fetched(polite: Fetcher, loopback_server: LoopbackServer) -> None:
    loopback_server.route("/robots.txt", Reply(body=b"User-agent: jiance\nDisallow: /private\n"))
    loopback_server.route("/private/x", Reply(body=b"secret"))
    loopback_server.route("/public", Reply(body=b"ok"))
    with pytest.raises(RobotsDisallowedError) as caught:
        polite.fetch(loopback_server.url("/private/x"), allow_private=True)
    assert caught.value.where == loopback_server.url("/private/x")
    assert polite.fetch(loopback_server.url("/public"), allow_private=True).content == b"ok"
    assert loopback_server.hits_for("/private/x") == []
    assert len(loopback_server.hits_for("/robots.txt")) == 1  # cached per host


def test_missing_robots_allows_everything(polite: Fetcher, loopback_server: LoopbackServer) -> None:
    loopback_server.route("/page", Reply(body=b"ok"))
    assert polite.fetch(loopback_server.url("/page"), allow_private=True).content == b"ok"
    assert [h.path for h in loopback_server.hits] == ["/robots.txt", "/page"]


def test_server_error_robots_disallows_for_now(polite: Fetcher, loopback_server: LoopbackServer) -> None:
    loopback_server.route("/robots.txt", Reply(503))
    loopback_server.route("/page", Reply(body=b"ok"))
    for _ in range(2):
        with pytest.raises(RobotsDisallowedError):
            polite.fetch(loopback_server.url("/page"), allow_private=True)
    assert loopback_server.hits_for("/page") == []
    assert len(loopback_server.hits_for("/robots.txt")) == 1  # one attempt, and the verdict is cached


def test_huge_robots_is_capped_and_its_head_still_applies(loopback_server: LoopbackServer) -> None:
    padding = b"# padding\n" * 200_000  # 2 MB
    loopback_server.route(
        "/robots.txt", Reply(body=b"User-agent: *\nDisallow: /no\n" + padding, chunked=True)
    )
    with Fetcher(FetchPolicy(per_host_delay_s=0, robots_max_bytes=64 * 1024)) as fetcher:
        assert not fetcher.allowed(loopback_server.url("/no/1"), allow_private=True)
        assert fetcher.allowed(loopback_server.url("/yes"), allow_private=True)


def test_robots_is_fetched_again_after_its_ttl(loopback_server: LoopbackServer) -> None:
    loopback_server.route(
        "/robots.txt", Reply(body=b"User-agent: *\nDisallow: /x\n"), Reply(body=b"User-agent: *\nDisallow:\n")
    )
    with Fetcher(FetchPolicy(per_host_delay_s=0, robots_ttl_s=0.3)) as fetcher:
        assert not fetcher.allowed(loopback_server.url("/x"), allow_private=True)
        time.sleep(0.4)
        assert fetcher.allowed(loopback_server.url("/x"), allow_private=True)
