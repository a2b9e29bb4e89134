"""Hostile HTTP servers on loopback against the one fetcher: every fetch ends by its deadline, reads no more
than the cap (plus one bounded decode step), and never connects to a refused address.

The origin servers listen on 127.0.0.2, trusted through ``FetchPolicy.trusted_networks`` (the knob an
intranet source uses); the canary listens on 127.0.0.1, which stays refused. The canary counts TCP
connections, so a refusal that only happened after connecting would show. The fetcher's policy comes from
the workspace settings (``fetch_timeout_s``, ``fetch_max_mb`` ...), with short values so the slow cases
stay quick.
"""

from __future__ import annotations

import dataclasses
import gzip
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import brotli  # type: ignore[import-untyped]
import pytest
from tests.reliability.figures import record
from tests.reliability.net_servers import ConnectionCanary, Stream, StreamServer, gzip_zeros, repeat_bytes

from jiance.settings import Settings
from jiance.sources.http import (
    BlockedAddressError,
    Fetcher,
    FetchError,
    FetchPolicy,
    FetchTimeoutError,
    HTTPStatusError,
    ResponseTooLargeError,
    TooManyRedirectsError,
    policy_from_settings,
)

COMMAND = ".venv/bin/pytest -q -p no:randomly tests/reliability/test_hostile_http.py"
DEADLINE_S = 2
CAP = 1024 * 1024
STEP = 64 * 1024  # the fetcher decodes at most this much past the cap before it stops
GIB = 1 << 30


def _policy() -> FetchPolicy:
    settings = Settings(
        fetch_timeout_s=DEADLINE_S,
        fetch_max_mb=CAP // (1024 * 1024),
        fetch_host_delay_ms=0,
        fetch_attempts=2,
        fetch_robots="ignore",
    )
    return dataclasses.replace(
        policy_from_settings(settings),
        trusted_networks=("127.0.0.2/32",),
        backoff_base_s=0.05,
        backoff_max_s=0.1,
        max_redirects=5,
    )


@pytest.fixture
def canary() -> Iterator[ConnectionCanary]:
    server = ConnectionCanary("127.0.0.1").start()
    yield server
    server.stop()


@pytest.fixture
def origin() -> Iterator[StreamServer]:
    server = StreamServer("127.0.0.2").start()
    yield server
    server.stop()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(_policy()) as client:
        yield client


@dataclass(slots=True)
class Outcome:
    """One hostile fetch: how long it took, what it raised and how many decoded bytes it read and kept."""

    case: str
    elapsed_s: float
    error: FetchError | None
    bytes_read: int
    bytes_kept: int


def _fetch(fetcher: Fetcher, case: str, url: str) -> Outcome:
    started = time.monotonic()
    try:
        result = fetcher.fetch(url)
    except FetchError as error:
        read = error.bytes_read if isinstance(error, ResponseTooLargeError) else 0
        kept = len(error.partial) if isinstance(error, ResponseTooLargeError) else 0
        return Outcome(case, time.monotonic() - started, error, read, kept)
    size = len(result.content)
    return Outcome(case, time.monotonic() - started, None, size, size)


def _within_deadline(outcomes: list[Outcome]) -> float:
    worst = max(o.elapsed_s for o in outcomes)
    slow = [(o.case, round(o.elapsed_s, 2)) for o in outcomes if o.elapsed_s > DEADLINE_S + 1.0]
    assert not slow, f"fetches past the deadline of {DEADLINE_S} s + 1 s: {slow}"
    return round(worst, 3)


# --- addresses that must be refused before any connection -----------------------------------------------

REFUSED = [
    "http://127.0.0.1:{port}/",
    "http://localhost:{port}/",
    "http://127.1:{port}/",
    "http://0.0.0.0:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://[0:0:0:0:0:ffff:7f00:1]:{port}/",
    "http://[::1]:{port}/",
    "http://[::]:{port}/",
    "http://2130706433:{port}/",
    "http://0x7f000001:{port}/",
    "http://0x7f.1:{port}/",
    "http://0x7f.0x0.0x0.0x1:{port}/",
    "http://0177.0.0.1:{port}/",
    "http://017700000001:{port}/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/",
    "http://10.0.0.1/",
    "http://100.64.0.1/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:{port}/_GET%20/",
]


def test_refused_addresses_directly_and_through_redirects(
    fetcher: Fetcher, origin: StreamServer, canary: ConnectionCanary
) -> None:
    outcomes: list[Outcome] = []
    for number, template in enumerate(REFUSED):
        target = template.format(port=canary.port)
        origin.route(
            f"/to/{number}", lambda _p, _h, t=target: Stream(302, {"Location": t, "Content-Length": "0"})
        )
        outcomes.append(_fetch(fetcher, f"direct {target}", target))
        outcomes.append(_fetch(fetcher, f"redirect {target}", origin.url(f"/to/{number}")))
    fetched = [o.case for o in outcomes if o.error is None]
    assert fetched == [], f"fetched although refused: {fetched}"
    # Blocked outright, or (octal spellings httpx cannot parse) refused as an invalid URL: never fetched.
    odd = [(o.case, o.error) for o in outcomes if not isinstance(o.error, BlockedAddressError)]
    assert all("invalid URL" in str(e) or "not a valid URL" in str(e) for _, e in odd), odd
    assert canary.connections == 0
    worst = max(o.elapsed_s for o in outcomes)
    assert worst < 1.0  # refused before connecting, not tried until a timeout
    record(
        "hostile-http",
        "refused addresses (direct + via redirect)",
        {
            "cases": len(outcomes),
            "fetched": len(fetched),
            "canary_connections": canary.connections,
            "worst_refusal_s": round(worst, 3),
        },
        command=COMMAND,
    )


def test_redirect_loops_stop_at_the_limit(fetcher: Fetcher, origin: StreamServer) -> None:
    origin.route("/self", lambda _p, _h: Stream(301, {"Location": "/self", "Content-Length": "0"}))
    origin.route("/ping", lambda _p, _h: Stream(302, {"Location": "/pong", "Content-Length": "0"}))
    origin.route(
        "/pong", lambda _p, _h: Stream(307, {"Location": origin.url("/ping"), "Content-Length": "0"})
    )
    outcomes = [
        _fetch(fetcher, "self", origin.url("/self")),
        _fetch(fetcher, "ping-pong", origin.url("/ping")),
    ]
    assert all(isinstance(o.error, TooManyRedirectsError) for o in outcomes), outcomes
    hops = _policy().max_redirects + 1
    assert origin.requests.count("/self") == hops
    assert origin.requests.count("/ping") + origin.requests.count("/pong") == hops
    record(
        "hostile-http",
        "redirect loops",
        {"cases": len(outcomes), "requests_per_loop": hops, "worst_fetch_s": _within_deadline(outcomes)},
        command=COMMAND,
    )


# --- slow servers: the total deadline holds --------------------------------------------------------------


def _slow_routes(origin: StreamServer) -> dict[str, str]:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n"
    origin.route(
        "/drip-body",
        lambda _p, _h: Stream(headers={"Content-Length": "100"}, chunks=repeat_bytes(b"x", 100), drip_s=1.0),
    )
    origin.route("/drip-head", lambda _p, _h: Stream(raw_head=head, drip_s=1.0))
    origin.route(
        "/stall",
        lambda _p, _h: Stream(headers={"Content-Length": "100"}, chunks=(b"x", b""), drip_s=DEADLINE_S + 3.0),
    )
    origin.route(
        "/drip-chunked",
        lambda _p, _h: Stream(
            headers={"Transfer-Encoding": "chunked"}, chunks=repeat_bytes(b"1\r\nx\r\n", 6 * 50), drip_s=0.5
        ),
    )
    return {name: origin.url(f"/{name}") for name in ("drip-body", "drip-head", "stall", "drip-chunked")}


def _one_client(case: str, url: str) -> Outcome:
    with Fetcher(_policy()) as client:
        return _fetch(client, case, url)


def test_slow_servers_end_by_the_deadline(origin: StreamServer) -> None:
    # One client each, side by side: every fetch is timed on its own, the test waits one deadline, not four.
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda item: _one_client(*item), _slow_routes(origin).items()))
    assert all(isinstance(o.error, FetchTimeoutError) for o in outcomes), [
        (o.case, o.error) for o in outcomes
    ]
    record(
        "hostile-http",
        "drip feeds (1 byte/s head and body, stalled, chunked)",
        {"cases": len(outcomes), "deadline_s": DEADLINE_S, "worst_fetch_s": _within_deadline(outcomes)},
        command=COMMAND,
    )


# --- big bodies: the cap holds, the body is never built in memory --------------------------------------


def _big_routes(origin: StreamServer) -> dict[str, str]:
    zeros = bytes(64 * 1024)
    double = b"".join(gzip_zeros(32 << 20, layers=2))  # a few kB that inflate twice to 32 MB

    def brotli_bomb() -> Iterator[bytes]:
        packer = brotli.Compressor(quality=1)
        for piece in repeat_bytes(zeros, GIB):
            if out := packer.process(piece):
                yield out
        yield packer.finish()

    routes: dict[str, Callable[[], Stream]] = {
        "1gb-declared": lambda: Stream(headers={"Content-Length": str(GIB)}, chunks=repeat_bytes(zeros, GIB)),
        "1gb-chunked": lambda: Stream(
            headers={"Transfer-Encoding": "chunked"},
            chunks=(b"%x\r\n%s\r\n" % (len(c), c) for c in repeat_bytes(zeros, GIB)),
        ),
        "1gb-unframed": lambda: Stream(headers={"Connection": "close"}, chunks=repeat_bytes(zeros, GIB)),
        "gzip-bomb": lambda: Stream(
            headers={"Content-Encoding": "gzip", "Connection": "close"}, chunks=gzip_zeros(GIB)
        ),
        "gzip-gzip-bomb": lambda: Stream(
            headers={"Content-Encoding": "gzip, gzip", "Content-Length": str(len(double))}, chunks=(double,)
        ),
        "brotli-bomb": lambda: Stream(
            headers={"Content-Encoding": "br", "Connection": "close"}, chunks=brotli_bomb()
        ),
        "gzip-bomb-small-length": lambda: Stream(
            headers={"Content-Encoding": "gzip", "Content-Length": str(len(gzip.compress(bytes(8 * CAP))))},
            chunks=(gzip.compress(bytes(8 * CAP)),),
        ),
    }
    for name, make in routes.items():
        origin.route(f"/{name}", lambda _p, _h, make=make: make())
    return {name: origin.url(f"/{name}") for name in routes}


def test_big_bodies_stop_at_the_cap(fetcher: Fetcher, origin: StreamServer) -> None:
    urls = _big_routes(origin)
    outcomes = [_fetch(fetcher, case, url) for case, url in urls.items()]
    assert all(isinstance(o.error, ResponseTooLargeError) for o in outcomes), [
        (o.case, o.error) for o in outcomes
    ]
    assert all(o.bytes_kept <= CAP for o in outcomes)
    assert all(o.bytes_read <= CAP + STEP for o in outcomes), [(o.case, o.bytes_read) for o in outcomes]
    declared = next(o for o in outcomes if o.case == "1gb-declared")
    assert declared.bytes_read == 0  # refused on its Content-Length, not read
    sent = max(origin.sent.get(f"/{case}", 0) for case in urls)
    assert sent < GIB // 16  # the client hung up long before the server ran out
    record(
        "hostile-http",
        "1 GB bodies and compression bombs",
        {
            "cases": len(outcomes),
            "cap_bytes": CAP,
            "max_decoded_bytes_read": max(o.bytes_read for o in outcomes),
            "max_bytes_kept": max(o.bytes_kept for o in outcomes),
            "max_wire_bytes_sent_by_server": sent,
            "worst_fetch_s": _within_deadline(outcomes),
        },
        command=COMMAND,
    )


# --- broken servers: cut connections, bogus 304, absurd Retry-After -----------------------------------


def _broken_routes(origin: StreamServer) -> dict[str, str]:
    routes: dict[str, Callable[[], Stream]] = {
        "cut-mid-body": lambda: Stream(headers={"Content-Length": "100000"}, chunks=(b"x" * 5000,), cut=True),
        "cut-mid-head": lambda: Stream(raw_head=b"HTTP/1.1 200 OK\r\nContent-Le", cut=True),
        "cut-mid-chunk": lambda: Stream(
            headers={"Transfer-Encoding": "chunked"}, chunks=(b"1000\r\n", b"y" * 100), cut=True
        ),
        "cut-mid-gzip": lambda: Stream(
            headers={"Content-Encoding": "gzip", "Content-Length": "50000"},
            chunks=(gzip.compress(b"z" * 100000)[:40],),
            cut=True,
        ),
        "garbage-gzip": lambda: Stream(
            headers={"Content-Encoding": "gzip", "Content-Length": "12"}, chunks=(b"not gzip at all"[:12],)
        ),
        "bogus-304": lambda: Stream(304, {"ETag": '"forged"'}),
        "retry-after-huge": lambda: Stream(503, {"Retry-After": "9" * 5000, "Content-Length": "0"}),
        "retry-after-year-9999": lambda: Stream(
            429, {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT", "Content-Length": "0"}
        ),
        "retry-after-negative": lambda: Stream(503, {"Retry-After": "-5", "Content-Length": "0"}),
        "bad-status-line": lambda: Stream(raw_head=b"HTTP/1.1 2000000000000 OK\r\n\r\n", cut=True),
        "header-flood": lambda: Stream(
            headers={f"X-Junk-{i}": "v" * 200 for i in range(2000)} | {"Content-Length": "2"}, chunks=(b"ok",)
        ),
    }
    for name, make in routes.items():
        origin.route(f"/{name}", lambda _p, _h, make=make: make())
    return {name: origin.url(f"/{name}") for name in routes}


def test_broken_servers_give_errors_not_results(fetcher: Fetcher, origin: StreamServer) -> None:
    outcomes = [_fetch(fetcher, case, url) for case, url in _broken_routes(origin).items()]
    by_case = {o.case: o for o in outcomes}
    accepted = {o.case for o in outcomes if o.error is None}
    assert accepted <= {"header-flood"}, accepted  # a big but well-formed head is a valid answer
    bogus = by_case["bogus-304"].error
    assert isinstance(bogus, HTTPStatusError) and bogus.status == 304
    for case in ("retry-after-huge", "retry-after-year-9999", "retry-after-negative"):
        assert isinstance(by_case[case].error, HTTPStatusError), (case, by_case[case].error)
    assert origin.requests.count("/retry-after-huge") == 1  # the huge wait was not taken: no second try
    record(
        "hostile-http",
        "cut connections, bogus 304, huge Retry-After",
        {
            "cases": len(outcomes),
            "errors": sum(1 for o in outcomes if o.error is not None),
            "worst_fetch_s": _within_deadline(outcomes),
        },
        command=COMMAND,
    )
