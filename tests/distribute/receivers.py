"""Real receivers on loopback for the distribution tests: an SMTP server and an HTTP webhook endpoint.

:class:`SMTPReceiver` is an aiosmtpd server in its own thread that keeps every message it accepts (the
envelope and the raw bytes, parsed back with :mod:`email`); it can require AUTH (plain-text AUTH is
allowed without TLS on loopback, like a local relay), offers no STARTTLS, and refuses chosen recipients
with a chosen reply (``550`` for a mailbox that does not exist, ``451`` for "try later").

:class:`HTTPReceiver` is a ``ThreadingHTTPServer`` that records each request (path, query, headers, raw
body) and answers from a script: a queue of :class:`Answer` served in turn, then ``default``. The
helpers cover the failure modes a channel must sort: a status code, N failures then success, a 429 with
Retry-After, and a reply slower than the client's timeout.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = ["Answer", "HTTPReceiver", "Received", "Request", "SMTPReceiver"]


# --- SMTP -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Received:
    """One accepted message: the envelope as the server saw it and the message parsed back."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    login: str | None

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class _Handler:
    def __init__(self, receiver: SMTPReceiver) -> None:
        self.receiver = receiver

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self.receiver.refuse.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.receiver.received.append(
            Received(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                raw=bytes(envelope.original_content or b""),
                login=login,
            )
        )
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SMTPReceiver:
    """An SMTP server on 127.0.0.1 that records what it accepts; ``users`` turns AUTH on (required)."""

    def __init__(self, users: dict[str, str] | None = None, *, tls: Any = None) -> None:
        """``tls`` (an ssl.SSLContext with a certificate) offers STARTTLS and requires it."""
        self.received: list[Received] = []
        self.refuse: dict[str, str] = {}
        self.users = users
        kwargs: dict[str, Any] = {}
        if users is not None:
            kwargs = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": tls is not None,
            }
        if tls is not None:
            kwargs.update(tls_context=tls, require_starttls=True)
        # aiosmtpd's start() connects to its own port to check it is up, so port 0 cannot be used
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=_free_port(), **kwargs)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.users is not None
            and self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def start(self) -> SMTPReceiver:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)


# --- HTTP -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    """One request as it arrived; header names lower-case, ``query`` parsed (values unquoted)."""

    method: str
    path: str
    query: dict[str, str]
    raw_query: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass(slots=True)
class Answer:
    """What to reply: ``delay_s`` waits before answering (past a client's timeout, to test one)."""

    status: int = 200
    body: bytes = b'{"errcode":0,"errmsg":"ok"}'
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay_s: float = 0.0

    @classmethod
    def of(cls, payload: Any, status: int = 200, **headers: str) -> Answer:
        return cls(
            status=status,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", **headers},
        )


class HTTPReceiver:
    """An HTTP endpoint on 127.0.0.1 that records each request and replies from a script."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.script: list[Answer] = []
        self.default = Answer()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        split = urllib.parse.urlsplit(handler.path)
        request = Request(
            method=handler.command,
            path=split.path,
            query=dict(urllib.parse.parse_qsl(split.query)),
            raw_query=split.query,
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=body,
            at=time.monotonic(),
        )
        with self._lock:
            self.requests.append(request)
            answer = self.script.pop(0) if self.script else self.default
        if answer.delay_s:
            time.sleep(answer.delay_s)
        try:
            handler.send_response(answer.status)
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(answer.body)))
            handler.end_headers()
            handler.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client gave up (timeout test)

    # scripting helpers
    def fail(self, status: int, times: int = 1, **headers: str) -> None:
        """The next ``times`` requests get ``status`` (then the default answer again)."""
        self.script += [Answer(status=status, body=b"failing on demand", headers=dict(headers))] * times

    def rate_limit(self, retry_after: int) -> None:
        self.fail(429, 1, **{"Retry-After": str(retry_after)})

    def stall(self, seconds: float) -> None:
        self.script.append(Answer(delay_s=seconds))

    def url(self, path: str = "/hook", query: str = "") -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{path}" + (f"?{query}" if query else "")

    def start(self) -> HTTPReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp_receiver() -> Iterator[SMTPReceiver]:
    receiver = SMTPReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def smtp_auth_receiver() -> Iterator[SMTPReceiver]:
    receiver = SMTPReceiver(users={"editor": "s3cret"}).start()
    yield receiver
    receiver.stop()


@pytest.fixture
def http_receiver() -> Iterator[HTTPReceiver]:
    receiver = HTTPReceiver().start()
    yield receiver
    receiver.stop()
