"""Real HTTP servers on loopback for the source tests: scripted replies, and a record of every request.

A :class:`LoopbackServer` is a ``ThreadingHTTPServer`` in a daemon thread. A test scripts a path with
:meth:`LoopbackServer.route` (a list of :class:`Reply` answered in turn, the last one repeated, or a function of
the :class:`Hit`), then reads ``server.hits`` to see what arrived. Nothing here waits unboundedly: a dripping
reply stops at its last byte or when the client hangs up, and ``stop`` does not wait for handler threads.

The fixtures at the bottom are imported by tests/sources/conftest.py, so every test under tests/sources can
ask for ``loopback_server``, ``canary_server`` or ``make_server``::

    def test_feed(loopback_server):
        loopback_server.route("/feed.xml", Reply(body=b"<rss/>", headers={"Content-Type": "text/xml"}))
        result = Fetcher(TEST_POLICY).fetch(loopback_server.url("/feed.xml"), allow_private=True)
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli  # type: ignore[import-untyped]
import pytest

__all__ = [
    "Hit",
    "LoopbackServer",
    "Reply",
    "brotli_reply",
    "canary_server",
    "gzip_reply",
    "loopback_server",
    "make_server",
    "redirect",
]


@dataclass(frozen=True, slots=True)
class Hit:
    """One request as the server saw it; header names are lower-case."""

    path: str
    headers: dict[str, str]
    at: float  # time.monotonic() when it arrived


@dataclass(slots=True)
class Reply:
    """What to answer: ``drip_s`` sends the body one byte at a time with that pause between bytes;
    ``chunked`` sends it with Transfer-Encoding: chunked, so the client cannot know its size in advance."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drip_s: float | None = None
    chunked: bool = False


Route = Callable[[Hit], Reply]


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status=status, headers={"Location": location})


def gzip_reply(body: bytes, **headers: str) -> Reply:
    return Reply(body=gzip.compress(body), headers={"Content-Encoding": "gzip", **headers})


def brotli_reply(body: bytes, **headers: str) -> Reply:
    return Reply(body=brotli.compress(body), headers={"Content-Encoding": "br", **headers})


def _in_turn(replies: tuple[Reply, ...]) -> Route:
    lock = threading.Lock()
    served = [0]

    def answer(_: Hit) -> Reply:
        with lock:
            index = min(served[0], len(replies) - 1)
            served[0] += 1
        return replies[index]

    return answer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        hit = Hit(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
        reply = self.server.owner.answer(hit)
        self.send_response(reply.status)
        framing = (
            {"Transfer-Encoding": "chunked"} if reply.chunked else {"Content-Length": str(len(reply.body))}
        )
        headers = {**framing, **reply.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self._send_body(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send_body(self, reply: Reply) -> None:
        if reply.chunked:
            for start in range(0, len(reply.body), 8192):
                piece = reply.body[start : start + 8192]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        if reply.drip_s is None:
            self.wfile.write(reply.body)
            return
        for i in range(len(reply.body)):  # bounded by the body; a hang-up ends it sooner
            self.wfile.write(reply.body[i : i + 1])
            self.wfile.flush()
            time.sleep(reply.drip_s)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: LoopbackServer

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up mid-reply are what the refusal tests are about, not server errors."""


class LoopbackServer:
    """An HTTP server on ``host`` (a loopback address) and a free port, recording every request."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self.hits: list[Hit] = []
        self._httpd = _Server((host, 0), _Handler)
        self._httpd.owner = self
        self.host = host
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05})

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, *replies: Reply | Route) -> None:
        """Answer ``path`` with ``replies`` in turn (the last repeats), or with one function of the hit."""
        if len(replies) == 1 and callable(replies[0]):
            self._routes[path] = replies[0]
        else:
            self._routes[path] = _in_turn(tuple(r for r in replies if isinstance(r, Reply)))

    def answer(self, hit: Hit) -> Reply:
        with self._lock:
            self.hits.append(hit)
        route = self._routes.get(hit.path) or self._routes.get(hit.path.split("?", 1)[0])
        return route(hit) if route else Reply(status=404, body=b"not found")

    def hits_for(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=2)


@pytest.fixture
def make_server() -> Iterator[Callable[[str], LoopbackServer]]:
    """A factory of started servers (``make_server("127.0.0.2")``), all stopped after the test."""
    started: list[LoopbackServer] = []

    def make(host: str = "127.0.0.1") -> LoopbackServer:
        server = LoopbackServer(host).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def loopback_server(make_server: Callable[[str], LoopbackServer]) -> LoopbackServer:
    """The server a test scripts; fetch it with ``allow_private=True``."""
    return make_server("127.0.0.1")


@pytest.fixture
def canary_server(make_server: Callable[[str], LoopbackServer]) -> LoopbackServer:
    """A server no request should reach: tests of refusals assert ``canary_server.hits == []``."""
    return make_server("127.0.0.1")
