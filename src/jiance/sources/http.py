"""The one HTTP client of jiance: every fetch of every source goes through :class:`Fetcher`.

jiance runs unattended for months against thousands of sites it does not control, so this client is built
to be a good citizen (one clear User-Agent, robots.txt, a per-host delay and concurrency limit, conditional
GET, bounded retries that honour Retry-After) and to survive hostile servers (a total deadline that a slow
drip cannot stretch, a size cap counted after decompression, a redirect limit, and no requests to loopback,
private, link-local or metadata addresses, checked on the resolved address actually connected to).
docs/fetching.md lists every behaviour and the :class:`FetchPolicy` field that sets it.

::

    JianceError
    └── FetchError                  a URL that could not be fetched (the source's health records it)
        ├── BlockedAddressError     a scheme or a resolved address jiance refuses to contact
        ├── TooManyRedirectsError   more redirect hops than FetchPolicy.max_redirects
        ├── ResponseTooLargeError   more decoded bytes than the cap (``bytes_read``, ``partial``)
        ├── FetchTimeoutError       the total deadline passed, or every attempt timed out
        ├── HTTPStatusError         a final status that is not 2xx or 304 (``status``)
        └── RobotsDisallowedError   robots.txt disallows the URL for our User-Agent
"""

from __future__ import annotations

import contextvars
import email.message
import email.utils
import ipaddress
import random
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from typing import Any

import brotli
import httpcore
import httpx

from jiance.errors import JianceError
from jiance.settings import Settings
from jiance.sources.robots import RobotsCache, RobotsRules, rules_for_status

__all__ = [
    "BlockedAddressError",
    "FetchError",
    "FetchPolicy",
    "FetchResult",
    "FetchTimeoutError",
    "Fetcher",
    "HTTPStatusError",
    "ResponseTooLargeError",
    "RobotsDisallowedError",
    "TooManyRedirectsError",
    "Validators",
    "blocked_reason",
    "parse_retry_after",
    "policy_from_settings",
    "usable_validators",
    "user_agent",
]


# --- errors ----------------------------------------------------------------------------------------------


class FetchError(JianceError):
    """A URL that could not be fetched; ``where`` is the URL of the hop that failed."""

    reason = "fetch-failed"


class BlockedAddressError(FetchError):
    reason = "blocked-address"


class TooManyRedirectsError(FetchError):
    reason = "too-many-redirects"


class ResponseTooLargeError(FetchError):
    """The decoded body passed the cap; ``partial`` holds its first ``cap`` bytes (robots.txt uses them)."""

    reason = "too-large"

    def __init__(self, message: str, *, where: str, bytes_read: int, partial: bytes = b"") -> None:
        super().__init__(message, where=where)
        self.bytes_read = bytes_read
        self.partial = partial


class FetchTimeoutError(FetchError):
    reason = "timeout"


class HTTPStatusError(FetchError):
    reason = "http-status"

    def __init__(self, message: str, *, where: str, status: int) -> None:
        super().__init__(message, where=where)
        self.status = status


class RobotsDisallowedError(FetchError):
    reason = "robots-disallowed"


# --- records ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Every knob of the client, with defaults fit for a long-running crawl of public sites."""

    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 60.0  # one fetch: all attempts, hops, waits and the body
    max_bytes: int = 20 * 1024 * 1024  # decoded bytes
    max_redirects: int = 5
    max_attempts: int = 4  # per hop, the first try included
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    backoff_jitter: float = 0.5  # a wait is shortened by up to this fraction, at random
    retry_after_max_s: float = 120.0
    per_host_concurrency: int = 2
    per_host_delay_s: float = 1.0  # between the starts of two requests to one host
    contact_url: str | None = None
    respect_robots: bool = True
    robots_ttl_s: float = 24 * 3600.0
    robots_error_ttl_s: float = 600.0  # how long a 5xx/unreachable robots.txt keeps a host disallowed
    robots_max_bytes: int = 512 * 1024
    trusted_networks: tuple[str, ...] = ()  # CIDRs allowed although private (an intranet, a test server)


def policy_from_settings(settings: Settings) -> FetchPolicy:
    """The workspace's fetch settings (``fetch_*`` in the settings table) as a policy."""
    return FetchPolicy(
        total_timeout_s=float(settings.fetch_timeout_s),
        max_bytes=settings.fetch_max_mb * 1024 * 1024,
        max_attempts=max(1, settings.fetch_attempts),
        per_host_delay_s=settings.fetch_host_delay_ms / 1000.0,
        contact_url=settings.fetch_contact_url or None,
        respect_robots=settings.fetch_robots != "ignore",
    )


@dataclass(frozen=True, slots=True)
class Validators:
    """What a previous fetch of a URL returned, to ask the server for the body only if it changed."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(slots=True)
class FetchResult:
    """One fetch: ``url`` is the final URL after ``redirects`` (the URLs that answered with a redirect)."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    encoding_hint: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool
    elapsed_s: float
    redirects: list[str] = field(default_factory=list)
    attempts: int = 1

    @property
    def validators(self) -> Validators:
        return Validators(etag=self.etag, last_modified=self.last_modified)


def user_agent(contact_url: str | None) -> str:
    """``jiance/<version> (+<contact>)``: site operators can see who we are and how to reach us."""
    try:
        version = metadata.version("jiance")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"jiance/{version} (+{contact_url})" if contact_url else f"jiance/{version}"


# --- addresses -------------------------------------------------------------------------------------------

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one tunnels to (mapped, 6to4, NAT64, Teredo), which is what gets reached."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def blocked_reason(ip: IPAddress) -> str | None:
    """Why jiance must not connect to ``ip`` (loopback, private ...), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return blocked_reason(inner)
    checks = (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),  # 169.254.169.254, the cloud metadata address, is here
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private or ip in _SHARED),  # fd00:ec2::254 is in fc00::/7
        ("not global", not ip.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def _parse_networks(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to; numeric spellings (2130706433, 0x7f.1) resolve like names."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
    found: list[IPAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in found:
            found.append(ip)
    return found


def _vet(host: str, addresses: list[IPAddress], trusted: tuple[IPNetwork, ...]) -> None:
    """Refuse the host if ANY address is non-public: a mixed answer is a rebinding trick, not a CDN."""
    for ip in addresses:
        reason = blocked_reason(ip)
        if reason and not any(ip in net for net in trusted if net.version == ip.version):
            raise BlockedAddressError(f"{host} resolves to {ip} ({reason})", where=host)


# --- the guarded connection layer ------------------------------------------------------------------------

# The deadline of the fetch running in this thread; every socket read and write is clamped to it, so that a
# server dripping its headers or body one byte at a time cannot keep a fetch alive past its total timeout.
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "jiance_fetch_deadline", default=None
)


def _clamp(timeout: float | None, error: type[httpcore.TimeoutException]) -> float | None:
    deadline = _DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the fetch's total deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every operation ends by the fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves the host itself, vets every address, and connects to a vetted address only.

    httpcore asks the backend for a TCP stream to (host, port) and then does TLS with the original host name
    as SNI and certificate name, and httpx writes the Host header from the URL; so connecting here to the IP
    we vetted closes the gap between check and use that DNS rebinding exploits.
    """

    def __init__(self, *, vet: bool, trusted: tuple[IPNetwork, ...]) -> None:
        self._vet = vet
        self._trusted = trusted
        self._tcp = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _resolve(host, port)
        if self._vet:
            _vet(host, addresses, self._trusted)
        failure: Exception = httpcore.ConnectError(f"no address for {host!r}")
        for ip in addresses:
            try:
                stream = self._tcp.connect_tcp(
                    str(ip), port, _clamp(timeout, httpcore.ConnectTimeout), local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
                continue
            return _DeadlineStream(stream)
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("jiance does not fetch over unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _transport(backend: _GuardedBackend) -> httpx.HTTPTransport:
    """An httpx transport that connects only through ``backend`` and ignores proxy variables (a proxy would
    connect on our behalf, past the address check). The Fetcher sends requests to it directly, not through
    httpx.Client, which would try to parse every Location header itself and keep cookies across sources."""
    transport = httpx.HTTPTransport(trust_env=False)
    # Trap: httpx has no public hook for the network backend, so the pool it built is swapped for one that
    # connects only through the guarded backend. tests/sources/test_http.py's canary tests fail if this breaks.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        network_backend=backend,
    )
    return transport


# --- politeness ------------------------------------------------------------------------------------------


class _HostGate:
    """Per host: at most ``concurrency`` requests at once, their starts at least ``delay_s`` apart."""

    def __init__(self, concurrency: int, delay_s: float) -> None:
        self._concurrency = max(1, concurrency)
        self._delay_s = max(0.0, delay_s)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}

    def _slot(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            return self._slots.setdefault(host, threading.BoundedSemaphore(self._concurrency))

    def _book_start(self, host: str) -> float:
        """The moment our request may start; booked under the lock so two threads never share a moment."""
        with self._lock:
            start = max(time.monotonic(), self._next_start.get(host, 0.0))
            self._next_start[host] = start + self._delay_s
        return start

    @contextmanager
    def turn(self, host: str, url: str, deadline: float) -> Iterator[None]:
        slot = self._slot(host)
        if not slot.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise FetchTimeoutError("deadline passed waiting for a free connection to the host", where=url)
        try:
            start = self._book_start(host)
            if start > deadline:
                raise FetchTimeoutError("the per-host delay would pass the deadline", where=url)
            time.sleep(max(0.0, start - time.monotonic()))
            yield
        finally:
            slot.release()


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks us to wait (delta-seconds or an HTTP date), None if unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)  # float, not int: a 10,000-digit value must not hit int's digit limit
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _backoff_s(attempt: int, policy: FetchPolicy, rng: random.Random) -> float:
    capped = min(policy.backoff_max_s, policy.backoff_base_s * 2.0 ** (attempt - 1))
    return capped * (1.0 - policy.backoff_jitter * rng.random())


# --- validators ------------------------------------------------------------------------------------------

_EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)


def _usable_etag(etag: str | None) -> str | None:
    if not etag or len(etag) > 256 or not etag.isascii():
        return None
    return None if any(ord(c) < 32 or ord(c) == 127 for c in etag) else etag


def _usable_last_modified(value: str | None, now: datetime) -> str | None:
    if not value or len(value) > 64:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return value if _EARLIEST <= when <= now + timedelta(days=1) else None


def usable_validators(validators: Validators | None, now: datetime | None = None) -> Validators:
    """The stored validators worth sending: absurd ones (from a broken or hostile server) are dropped."""
    if validators is None:
        return Validators()
    moment = now or datetime.now(UTC)
    return Validators(_usable_etag(validators.etag), _usable_last_modified(validators.last_modified, moment))


def _conditional_headers(validators: Validators) -> dict[str, str]:
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


# --- bodies ----------------------------------------------------------------------------------------------

_RAW_CHUNK = 16 * 1024
_DECODED_STEP = 64 * 1024  # no single decompression call returns more than this


def _inflate(chunks: Iterator[bytes], wbits: int | None) -> Iterator[bytes]:
    """zlib-decode lazily with bounded output; ``wbits`` None sniffs zlib-wrapped vs raw deflate."""
    decoder: Any = None
    for data in chunks:
        if decoder is None:
            if wbits is None:  # "deflate" is zlib-wrapped by the RFC, raw by some servers
                wbits = zlib.MAX_WBITS if data[:1] and (data[0] & 0x0F) == 8 else -zlib.MAX_WBITS
            decoder = zlib.decompressobj(wbits)
        while data and not decoder.eof:
            out = decoder.decompress(data, _DECODED_STEP)
            if out:
                yield out
            data = decoder.unconsumed_tail
    if decoder is not None:
        yield decoder.flush()


def _unbrotli(chunks: Iterator[bytes]) -> Iterator[bytes]:
    decoder = brotli.Decompressor()
    for data in chunks:
        out = decoder.process(data, output_buffer_limit=_DECODED_STEP)
        yield out
        while out and not decoder.can_accept_more_data():
            out = decoder.process(b"", output_buffer_limit=_DECODED_STEP)
            yield out


def _content_codings(headers: httpx.Headers, url: str) -> list[str]:
    names = [c.strip().lower() for c in headers.get("content-encoding", "").split(",")]
    codings = [c for c in names if c and c != "identity"]
    unknown = [c for c in codings if c not in ("gzip", "x-gzip", "deflate", "br")]
    if unknown:
        raise FetchError(f"unsupported Content-Encoding {unknown[0]!r}", where=url)
    return codings


def _decoded(raw: Iterator[bytes], codings: list[str]) -> Iterator[bytes]:
    """Undo the content codings, last applied first, lazily: a bomb is inflated one bounded step at a time."""
    chunks = raw
    for coding in reversed(codings):
        if coding == "br":
            chunks = _unbrotli(chunks)
        else:
            chunks = _inflate(chunks, 16 + zlib.MAX_WBITS if coding in ("gzip", "x-gzip") else None)
    return chunks


def _read_body(response: httpx.Response, url: str, cap: int, deadline: float) -> bytes:
    """The decoded body, stopping as soon as it passes ``cap`` bytes or the deadline passes."""
    codings = _content_codings(response.headers, url)
    declared = response.headers.get("content-length", "")
    if not codings and declared.isdigit() and int(declared) > cap:
        raise ResponseTooLargeError(
            f"Content-Length {declared} is over the cap of {cap}", where=url, bytes_read=0
        )
    parts: list[bytes] = []
    total = 0
    try:
        for chunk in _decoded(response.iter_raw(_RAW_CHUNK), codings):
            parts.append(chunk)
            total += len(chunk)
            if total > cap:
                partial = b"".join(parts)[:cap]
                raise ResponseTooLargeError(
                    f"body is over the cap of {cap} bytes", where=url, bytes_read=total, partial=partial
                )
            if time.monotonic() > deadline:
                raise FetchTimeoutError("total deadline passed while reading the body", where=url)
    except (zlib.error, brotli.error) as exc:
        raise FetchError(f"body does not decode as {', '.join(codings)}: {exc}", where=url) from exc
    return b"".join(parts)


# --- the client ------------------------------------------------------------------------------------------

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRY_STATUSES = frozenset({429, *range(500, 600)})


@dataclass(slots=True)
class _Exchange:
    """One request's outcome: status, headers and (for 2xx only) the decoded body."""

    url: str
    status: int
    headers: httpx.Headers
    content: bytes


@dataclass(slots=True)
class _Call:
    """The state one fetch carries across its hops and attempts."""

    deadline: float
    cap: int
    allow_private: bool
    max_attempts: int
    headers: dict[str, str]
    attempts: int = 0


class Fetcher:
    """The HTTP client: ``fetch`` a URL politely and safely. Thread-safe; close it (or use ``with``)."""

    def __init__(self, policy: FetchPolicy | None = None, *, rng: random.Random | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self.user_agent = user_agent(self.policy.contact_url)
        self._rng = rng or random.Random()
        self._gate = _HostGate(self.policy.per_host_concurrency, self.policy.per_host_delay_s)
        trusted = _parse_networks(self.policy.trusted_networks)
        self._strict = _transport(_GuardedBackend(vet=True, trusted=trusted))
        self._open = _transport(_GuardedBackend(vet=False, trusted=trusted))
        self._headers = {
            "User-Agent": self.user_agent,
            "Accept-Encoding": "gzip, deflate, br",
            "Accept": "*/*",
        }
        self._robots = RobotsCache(
            self._load_robots, ttl_s=self.policy.robots_ttl_s, error_ttl_s=self.policy.robots_error_ttl_s
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._strict.close()
        self._open.close()

    def fetch(
        self,
        url: str,
        *,
        validators: Validators | None = None,
        allow_private: bool = False,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET ``url``; a 304 to the validators' conditional request gives ``not_modified=True``, no body."""
        sent = usable_validators(validators)
        return self._fetch(
            url,
            sent,
            allow_private=allow_private,
            cap=self.policy.max_bytes if max_bytes is None else max_bytes,
            robots=self.policy.respect_robots,
            max_attempts=self.policy.max_attempts,
        )

    def allowed(self, url: str, *, allow_private: bool = False) -> bool:
        """Whether robots.txt of ``url``'s host lets our User-Agent fetch it (fetched once per TTL)."""
        return self._robots.allowed(url, self.user_agent, allow_private=allow_private)

    def _fetch(
        self, url: str, sent: Validators, *, allow_private: bool, cap: int, robots: bool, max_attempts: int
    ) -> FetchResult:
        started = time.monotonic()
        outer = _DEADLINE.get()
        deadline = started + self.policy.total_timeout_s
        call = _Call(
            deadline=deadline if outer is None else min(deadline, outer),
            cap=cap,
            allow_private=allow_private,
            max_attempts=max(1, max_attempts),
            headers=_conditional_headers(sent),
        )
        token = _DEADLINE.set(call.deadline)
        try:
            exchange, redirects = self._follow(url, call, robots)
        finally:
            _DEADLINE.reset(token)
        return _result(exchange, redirects, sent, call.attempts, time.monotonic() - started)

    def _follow(self, url: str, call: _Call, robots: bool) -> tuple[_Exchange, list[str]]:
        """Follow redirects hop by hop, so each hop's scheme, robots.txt and address are checked."""
        redirects: list[str] = []
        current = url
        while True:
            _check_scheme(current)
            if robots and not self.allowed(current, allow_private=call.allow_private):
                raise RobotsDisallowedError("robots.txt disallows this URL for jiance", where=current)
            exchange = self._with_retries(current, call)
            location = exchange.headers.get("location")
            if exchange.status not in _REDIRECTS or not location:
                break
            if len(redirects) >= self.policy.max_redirects:
                raise TooManyRedirectsError(f"more than {self.policy.max_redirects} redirects", where=current)
            redirects.append(current)
            current = _join(current, location)
        if exchange.status == 304 and not call.headers:
            # A 304 answers a conditional request only; to a plain GET it would make the caller treat
            # "nothing" as "unchanged" and skip the source forever, so it is a failure like any other.
            raise HTTPStatusError("HTTP 304 to a request that was not conditional", where=current, status=304)
        if exchange.status != 304 and not 200 <= exchange.status < 300:
            raise HTTPStatusError(f"HTTP {exchange.status}", where=current, status=exchange.status)
        return exchange, redirects

    def _with_retries(self, url: str, call: _Call) -> _Exchange:
        """One hop, retried with capped, jittered backoff on 5xx, 429, timeouts and connection errors."""
        for attempt in range(1, call.max_attempts + 1):
            call.attempts += 1
            retry_after: float | None = None
            try:
                exchange = self._attempt(url, call)
            except httpx.TimeoutException as exc:
                failure: FetchError = FetchTimeoutError(f"timed out: {exc}", where=url)
            except httpx.TransportError as exc:
                failure = FetchError(f"connection failed: {exc}", where=url)
            else:
                if exchange.status not in _RETRY_STATUSES:
                    return exchange
                failure = HTTPStatusError(f"HTTP {exchange.status}", where=url, status=exchange.status)
                retry_after = parse_retry_after(exchange.headers.get("retry-after"))
            if time.monotonic() >= call.deadline:
                raise FetchTimeoutError(f"total deadline passed after: {failure.message}", where=url)
            if attempt == call.max_attempts:
                break
            wait = _backoff_s(attempt, self.policy, self._rng)
            if retry_after is not None:
                wait = max(wait, min(retry_after, self.policy.retry_after_max_s))
            if time.monotonic() + wait >= call.deadline:
                break  # waiting would only end in a timeout; the server's own answer says more
            time.sleep(wait)
        raise failure

    def _attempt(self, url: str, call: _Call) -> _Exchange:
        transport = self._open if call.allow_private else self._strict
        with self._gate.turn(_host_key(url), url, call.deadline):
            timeout = self._timeout(call).as_dict()
            request = httpx.Request(
                "GET", url, headers={**self._headers, **call.headers}, extensions={"timeout": timeout}
            )
            try:
                response = transport.handle_request(request)
            except BlockedAddressError as exc:
                raise BlockedAddressError(exc.message, where=url) from None
            try:
                ok = 200 <= response.status_code < 300
                content = _read_body(response, url, call.cap, call.deadline) if ok else b""
            finally:
                response.close()
        return _Exchange(url, response.status_code, response.headers, content)

    def _timeout(self, call: _Call) -> httpx.Timeout:
        left = max(0.001, call.deadline - time.monotonic())
        read = min(self.policy.read_timeout_s, left)
        return httpx.Timeout(read, connect=min(self.policy.connect_timeout_s, left), pool=left)

    def _load_robots(self, robots_url: str, allow_private: bool) -> RobotsRules:
        """robots.txt through this same client, without a robots check of its own and with one attempt."""
        try:
            result = self._fetch(
                robots_url,
                Validators(),
                allow_private=allow_private,
                cap=self.policy.robots_max_bytes,
                robots=False,
                max_attempts=1,
            )
        except BlockedAddressError:
            raise
        except ResponseTooLargeError as exc:
            return RobotsRules.parse(exc.partial.rsplit(b"\n", 1)[0])  # the cut-off last line is dropped
        except HTTPStatusError as exc:
            return rules_for_status(exc.status, b"")
        except FetchError:
            return RobotsRules.unreachable_rules()
        return rules_for_status(result.status, result.content)


def _check_scheme(url: str) -> None:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(f"not a valid URL: {exc}", where=url) from exc
    if parsed.scheme not in ("http", "https"):
        raise BlockedAddressError(f"scheme {parsed.scheme!r} is not fetched (http and https only)", where=url)
    if not parsed.host:
        raise FetchError("URL has no host", where=url)


def _join(base: str, location: str) -> str:
    try:
        return str(httpx.URL(base).join(location))
    except httpx.InvalidURL as exc:
        raise FetchError(f"redirect to an invalid URL {location!r}: {exc}", where=base) from exc


def _host_key(url: str) -> str:
    return httpx.URL(url).host.lower()


def _result(
    exchange: _Exchange, redirects: list[str], sent: Validators, attempts: int, elapsed: float
) -> FetchResult:
    headers = exchange.headers
    not_modified = exchange.status == 304
    content_type = headers.get("content-type", "")
    charset = email.message.Message()
    charset["content-type"] = content_type
    return FetchResult(
        url=exchange.url,
        status=exchange.status,
        headers={k.lower(): v for k, v in headers.items()},
        content=b"" if not_modified else exchange.content,
        encoding_hint=(charset.get_content_charset() or None) if content_type else None,
        etag=headers.get("etag") or (sent.etag if not_modified else None),
        last_modified=headers.get("last-modified") or (sent.last_modified if not_modified else None),
        not_modified=not_modified,
        elapsed_s=elapsed,
        redirects=redirects,
        attempts=attempts,
    )
