"""The HTTP client against real loopback servers: politeness, conditional GET, retries and hostile servers."""

from __future__ import annotations

import dataclasses
import gzip
import ipaddress
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import brotli  # type: ignore[import-untyped]
import pytest

from jiance.sources.http import (
    BlockedAddressError,
    Fetcher,
    FetchError,
    FetchPolicy,
    FetchTimeoutError,
    HTTPStatusError,
    ResponseTooLargeError,
    TooManyRedirectsError,
    Validators,
    blocked_reason,
    parse_retry_after,
)

from .servers import Hit, LoopbackServer, Reply, brotli_reply, gzip_reply, redirect

FAST = FetchPolicy(
    connect_timeout_s=2,
    read_timeout_s=3,
    total_timeout_s=10,
    per_host_delay_s=0,
    respect_robots=False,
    backoff_base_s=0.05,
    backoff_max_s=0.2,
    retry_after_max_s=1.5,
    max_attempts=3,
)


def fetcher(**changes: Any) -> Fetcher:
    return Fetcher(dataclasses.replace(FAST, **changes))


@pytest.fixture
def client() -> Iterator[Fetcher]:
    with fetcher() as f:
        yield f


def test_plain_200(client: Fetcher, loopback_server: LoopbackServer) -> None:
    body = "监测 bulletin".encode("gbk")
    loopback_server.route("/p", Reply(body=body, headers={"Content-Type": "text/html; charset=GBK"}))
    result = client.fetch(loopback_server.url("/p"), allow_private=True)
    assert (result.status, result.content, result.encoding_hint) == (200, body, "gbk")
    assert (result.redirects, result.attempts, result.not_modified) == ([], 1, False)
    sent = loopback_server.hits[0].headers
    assert sent["user-agent"].startswith("jiance/")
    assert "br" in sent["accept-encoding"] and "gzip" in sent["accept-encoding"]


@pytest.mark.parametrize("make_reply", [gzip_reply, brotli_reply], ids=["gzip", "brotli"])
def test_compressed_bodies_are_decoded(
    client: Fetcher, loopback_server: LoopbackServer, make_reply: Callable[[bytes], Reply]
) -> None:
    body = "信息产业监测 ".encode() * 500
    loopback_server.route("/z", make_reply(body))
    assert client.fetch(loopback_server.url("/z"), allow_private=True).content == body


def test_redirect_chain_is_followed_hop_by_hop(client: Fetcher, loopback_server: LoopbackServer) -> None:
    loopback_server.route("/a", redirect("/b", 301))
    loopback_server.route("/b", redirect(loopback_server.url("/c"), 307))
    loopback_server.route("/c", Reply(body=b"end"))
    result = client.fetch(loopback_server.url("/a"), allow_private=True)
    assert result.url == loopback_server.url("/c") and result.content == b"end"
    assert result.redirects == [loopback_server.url("/a"), loopback_server.url("/b")]


def test_redirect_loop_stops_at_the_limit(loopback_server: LoopbackServer) -> None:
    loopback_server.route("/loop", redirect("/loop"))
    with fetcher(max_redirects=4) as f, pytest.raises(TooManyRedirectsError) as caught:
        f.fetch(loopback_server.url("/loop"), allow_private=True)
    assert caught.value.where == loopback_server.url("/loop")
    assert len(loopback_server.hits) == 5


def test_loopback_is_refused_without_allow_private(client: Fetcher, canary_server: LoopbackServer) -> None:
    with pytest.raises(BlockedAddressError) as caught:
        client.fetch(canary_server.url("/"))
    assert caught.value.where == canary_server.url("/")
    assert canary_server.hits == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://example.org/"])
def test_only_http_and_https(client: Fetcher, url: str) -> None:
    with pytest.raises(BlockedAddressError, match="http and https only"):
        client.fetch(url)


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/",
        "http://localhost:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://2130706433:{port}/",
        "http://0x7f.1:{port}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://10.0.0.1/",
    ],
)
def test_redirect_to_a_private_address_is_refused_before_connecting(
    make_server: Callable[[str], LoopbackServer], canary_server: LoopbackServer, target: str
) -> None:
    # The origin sits on 127.0.0.2, trusted for this test only; the canary on 127.0.0.1 is not.
    origin = make_server("127.0.0.2")
    location = target.format(port=canary_server.port)
    origin.route("/go", redirect(location))
    started = time.monotonic()
    with fetcher(trusted_networks=("127.0.0.2/32",)) as f, pytest.raises(BlockedAddressError) as caught:
        f.fetch(origin.url("/go"))
    assert caught.value.where == location
    assert canary_server.hits == [] and len(origin.hits) == 1
    # refused, not tried and timed out (a loaded CI machine takes a second or more to get here at all)
    assert time.monotonic() - started < FAST.connect_timeout_s


def test_redirect_to_an_unparseable_address_is_an_error(
    make_server: Callable[[str], LoopbackServer], canary_server: LoopbackServer
) -> None:
    origin = make_server("127.0.0.2")
    origin.route("/go", redirect(f"http://0177.0.0.1:{canary_server.port}/"))  # octal: httpx refuses to parse
    with fetcher(trusted_networks=("127.0.0.2/32",)) as f, pytest.raises(FetchError, match="invalid URL"):
        f.fetch(origin.url("/go"))
    assert canary_server.hits == [] and len(origin.hits) == 1


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fd00:ec2::254", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::7f00:1", "loopback"),
        ("2002:7f00:1::", "loopback"),
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
    ],
)
def test_blocked_reason(address: str, reason: str | None) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) == reason


def _conditional(validator: str, value: str) -> Callable[[Hit], Reply]:
    request_header = {"ETag": "if-none-match", "Last-Modified": "if-modified-since"}[validator]

    def answer(hit: Hit) -> Reply:
        if hit.headers.get(request_header) == value:
            return Reply(status=304, headers={validator: value})
        return Reply(body=b"fresh", headers={validator: value})

    return answer


@pytest.mark.parametrize(
    ("validator", "value"), [("ETag", '"v1"'), ("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT")]
)
def test_conditional_get_gives_not_modified(
    client: Fetcher, loopback_server: LoopbackServer, validator: str, value: str
) -> None:
    loopback_server.route("/c", _conditional(validator, value))
    first = client.fetch(loopback_server.url("/c"), allow_private=True)
    assert first.content == b"fresh" and not first.not_modified
    again = client.fetch(loopback_server.url("/c"), validators=first.validators, allow_private=True)
    assert (again.status, again.not_modified, again.content) == (304, True, b"")
    assert again.validators == first.validators


def _http_date(delta: timedelta) -> str:
    return format_datetime(datetime.now(UTC) + delta, usegmt=True)


@pytest.mark.parametrize(
    "validators",
    [
        Validators(etag='"' + "x" * 300 + '"'),
        Validators(etag='"a\x01b"'),
        Validators(last_modified=_http_date(timedelta(days=3))),
        Validators(last_modified="Sun, 01 Jan 1990 00:00:00 GMT"),
        Validators(last_modified="not a date"),
    ],
)
def test_absurd_validators_are_not_sent(
    client: Fetcher, loopback_server: LoopbackServer, validators: Validators
) -> None:
    loopback_server.route("/v", Reply(body=b"ok"))
    assert client.fetch(loopback_server.url("/v"), validators=validators, allow_private=True).status == 200
    sent = loopback_server.hits[0].headers
    assert "if-none-match" not in sent and "if-modified-since" not in sent


def test_429_waits_for_retry_after(client: Fetcher, loopback_server: LoopbackServer) -> None:
    loopback_server.route("/r", Reply(429, headers={"Retry-After": "1"}), Reply(body=b"ok"))
    result = client.fetch(loopback_server.url("/r"), allow_private=True)
    assert (result.content, result.attempts) == (b"ok", 2)
    first, second = loopback_server.hits
    assert 0.95 <= second.at - first.at <= 1.6


def test_huge_retry_after_is_capped(loopback_server: LoopbackServer) -> None:
    loopback_server.route("/r", Reply(503, headers={"Retry-After": "999999"}), Reply(body=b"ok"))
    with fetcher(retry_after_max_s=0.5) as f:
        assert f.fetch(loopback_server.url("/r"), allow_private=True).content == b"ok"
    first, second = loopback_server.hits
    assert 0.45 <= second.at - first.at <= 5.0  # the cap waited, not 999999 s (slack for a loaded machine)


def test_5xx_is_retried_until_success(client: Fetcher, loopback_server: LoopbackServer) -> None:
    loopback_server.route("/s", Reply(500), Reply(502), Reply(body=b"ok"))
    result = client.fetch(loopback_server.url("/s"), allow_private=True)
    assert (result.content, result.attempts, len(loopback_server.hits)) == (b"ok", 3, 3)


def test_always_500_fails_after_max_attempts(client: Fetcher, loopback_server: LoopbackServer) -> None:
    loopback_server.route("/s", Reply(500))
    with pytest.raises(HTTPStatusError) as caught:
        client.fetch(loopback_server.url("/s"), allow_private=True)
    assert caught.value.status == 500 and len(loopback_server.hits) == FAST.max_attempts


def test_404_is_not_retried(client: Fetcher, loopback_server: LoopbackServer) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        client.fetch(loopback_server.url("/missing"), allow_private=True)
    assert caught.value.status == 404 and len(loopback_server.hits) == 1


def test_slow_drip_ends_at_the_total_deadline(loopback_server: LoopbackServer) -> None:
    loopback_server.route("/drip", Reply(body=b"x" * 60, drip_s=0.5))
    started = time.monotonic()
    with fetcher(total_timeout_s=1.5) as f, pytest.raises(FetchTimeoutError):
        f.fetch(loopback_server.url("/drip"), allow_private=True)
    assert time.monotonic() - started <= 1.5 + 1.0


def test_declared_body_over_the_cap_is_refused_unread(
    client: Fetcher, loopback_server: LoopbackServer
) -> None:
    loopback_server.route("/big", Reply(body=b"a" * 2_000_000))
    with pytest.raises(ResponseTooLargeError) as caught:
        client.fetch(loopback_server.url("/big"), allow_private=True, max_bytes=100_000)
    assert caught.value.bytes_read == 0


def test_streamed_body_stops_one_chunk_past_the_cap(client: Fetcher, loopback_server: LoopbackServer) -> None:
    loopback_server.route("/big", Reply(body=b"a" * 2_000_000, chunked=True))
    with pytest.raises(ResponseTooLargeError) as caught:
        client.fetch(loopback_server.url("/big"), allow_private=True, max_bytes=100_000)
    assert 100_000 < caught.value.bytes_read <= 100_000 + 64 * 1024
    assert caught.value.partial == b"a" * 100_000


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_compression_bomb_stops_at_the_cap(
    client: Fetcher, loopback_server: LoopbackServer, coding: str
) -> None:
    zeros = bytes(10 * 1024 * 1024)
    packed = gzip.compress(zeros) if coding == "gzip" else brotli.compress(zeros, quality=5)
    loopback_server.route("/bomb", Reply(body=packed, headers={"Content-Encoding": coding}))
    cap = 1024 * 1024
    with pytest.raises(ResponseTooLargeError) as caught:
        client.fetch(loopback_server.url("/bomb"), allow_private=True, max_bytes=cap)
    assert cap < caught.value.bytes_read <= cap + 64 * 1024


def test_unknown_content_encoding_is_an_error(client: Fetcher, loopback_server: LoopbackServer) -> None:
    loopback_server.route("/x", Reply(body=b"??", headers={"Content-Encoding": "zz"}))
    with pytest.raises(FetchError, match="unsupported Content-Encoding"):
        client.fetch(loopback_server.url("/x"), allow_private=True)


def test_per_host_delay_spaces_consecutive_requests(loopback_server: LoopbackServer) -> None:
    loopback_server.route("/d", Reply(body=b"ok"))
    with fetcher(per_host_delay_s=0.6) as f:
        f.fetch(loopback_server.url("/d"), allow_private=True)
        f.fetch(loopback_server.url("/d"), allow_private=True)
    first, second = loopback_server.hits
    assert second.at - first.at >= 0.55


def test_per_host_concurrency_one_serialises_threads(loopback_server: LoopbackServer) -> None:
    loopback_server.route("/slow", Reply(body=b"abc", drip_s=0.1))
    with fetcher(per_host_concurrency=1) as f:
        threads = [
            threading.Thread(
                target=f.fetch, args=(loopback_server.url("/slow"),), kwargs={"allow_private": True}
            )
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=5)
    first, second = sorted(h.at for h in loopback_server.hits)
    assert second - first >= 0.25


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("1", 1.0),
        ("999999", 999999.0),
        ("  7 ", 7.0),
        ("soon", None),
        ("", None),
        ("9" * 5000, float("9" * 5000)),
    ],
)
def test_parse_retry_after_seconds(header: str, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_parse_retry_after_http_date() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now=now) == 0.0


def test_policy_from_settings() -> None:
    from jiance.settings import Settings
    from jiance.sources.http import policy_from_settings

    policy = policy_from_settings(
        Settings(
            fetch_timeout_s=5,
            fetch_max_mb=2,
            fetch_host_delay_ms=250,
            fetch_attempts=2,
            fetch_robots="ignore",
        )
    )
    assert (policy.total_timeout_s, policy.max_bytes, policy.per_host_delay_s) == (5.0, 2 * 1024 * 1024, 0.25)
    assert policy.max_attempts == 2 and policy.respect_robots is False and policy.contact_url is None
