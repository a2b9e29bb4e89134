"""Loopback servers for the hostile feed and HTTP suites: a connection-counting canary and a streaming server.

tests/sources/servers.py answers with bodies built in memory and counts *requests*. The reliability suite
needs two things it cannot give: a canary that counts every TCP *connection* (an XML parser resolving an
external entity may connect without ever sending a well-formed request), and replies whose body is a
generator (a "1 GB" body or an endless gzip bomb that is never built in memory, a connection cut mid-body,
headers dripped one byte a second). :class:`StreamServer` counts the body bytes it managed to send, so a
test can show that the client hung up long before the server ran out.
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = [
    "CANARY_MARKER",
    "ConnectionCanary",
    "Stream",
    "StreamServer",
    "gzip_zeros",
    "repeat_bytes",
]

#: What the canary answers; finding it in any stored text or output means something fetched the canary.
CANARY_MARKER = "CANARY-7f3c-REACHED"


class ConnectionCanary:
    """A TCP listener on 127.0.0.1 that counts every connection accepted and answers a tiny HTTP 200.

    Nothing under test should ever connect: ``connections`` must stay 0.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._sock = socket.create_server((host, 0))
        self._sock.settimeout(0.05)
        self.host = host
        self.port = int(self._sock.getsockname()[1])
        self._lock = threading.Lock()
        self._count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def connections(self) -> int:
        with self._lock:
            return self._count

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def _serve(self) -> None:
        body = CANARY_MARKER.encode()
        reply = b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._count += 1
            try:
                conn.settimeout(0.5)
                conn.recv(4096)
                conn.sendall(reply)
            except OSError:
                pass
            finally:
                conn.close()

    def start(self) -> ConnectionCanary:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=2)


@dataclass(slots=True)
class Stream:
    """One reply: ``chunks`` is iterated lazily while sending; ``raw_head`` replaces the status line and
    headers with bytes written as they are (for a cut or dripped head); ``drip_s`` pauses after each
    chunk; ``cut`` closes the socket after the chunks without ending the message."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterable[bytes] = ()
    raw_head: bytes | None = None
    drip_s: float = 0.0
    cut: bool = False


Handler = Callable[[str, dict[str, str]], Stream]


def repeat_bytes(piece: bytes, total: int) -> Iterator[bytes]:
    """``total`` bytes made of ``piece`` repeated, yielded one piece at a time (never all in memory)."""
    sent = 0
    while sent < total:
        chunk = piece[: total - sent]
        sent += len(chunk)
        yield chunk


def gzip_zeros(total: int, *, layers: int = 1, step: int = 1 << 20) -> Iterator[bytes]:
    """gzip (``layers`` times over) of ``total`` zero bytes, compressed lazily a ``step`` at a time."""
    source: Iterator[bytes] = repeat_bytes(bytes(step), total)
    for _ in range(layers):
        source = _gzipped(source)
    return source


def _gzipped(source: Iterator[bytes]) -> Iterator[bytes]:
    """Flushed after every input chunk, so a layered bomb streams instead of waiting on zlib's buffer."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    for data in source:
        yield packer.compress(data) + packer.flush(zlib.Z_SYNC_FLUSH)
    yield packer.flush()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        owner = self.server.owner
        owner.note_request(self.path)
        reply = owner.answer(self.path, {k.lower(): v for k, v in self.headers.items()})
        try:
            self._head(reply)
            for chunk in reply.chunks:
                self.wfile.write(chunk)
                owner.note_sent(self.path, len(chunk))
                if reply.drip_s:
                    self.wfile.flush()
                    time.sleep(reply.drip_s)
            self.wfile.flush()
        except OSError:  # the client hung up: what the refusal cases are about
            self.close_connection = True
            return
        if reply.cut:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)

    def _head(self, reply: Stream) -> None:
        if reply.raw_head is not None:
            for i in range(len(reply.raw_head)):
                self.wfile.write(reply.raw_head[i : i + 1])
                self.wfile.flush()
                if reply.drip_s:
                    time.sleep(reply.drip_s)
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: StreamServer

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-reply is expected here, not a server error."""


class StreamServer:
    """An HTTP server on ``host`` whose routes answer with :class:`Stream` replies built per request."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._routes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self.requests: list[str] = []
        self.sent: dict[str, int] = {}
        self._httpd = _Server((host, 0), _Handler)
        self._httpd.owner = self
        self.host = host
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05})

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> None:
        self._routes[path] = handler

    def static(self, path: str, body: bytes, content_type: str = "application/xml") -> None:
        """Serve ``body`` at ``path`` with a Content-Length."""
        headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        self.route(path, lambda _p, _h: Stream(headers=headers, chunks=(body,)))

    def answer(self, path: str, headers: dict[str, str]) -> Stream:
        handler = self._routes.get(path)
        if handler is None:
            return Stream(status=404, headers={"Content-Length": "0"})
        return handler(path, headers)

    def note_request(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)

    def note_sent(self, path: str, count: int) -> None:
        with self._lock:
            self.sent[path] = self.sent.get(path, 0) + count

    def start(self) -> StreamServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=2)
