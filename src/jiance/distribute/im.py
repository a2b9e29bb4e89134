"""Chat bots and a generic webhook: WeCom (企业微信), DingTalk (钉钉), Feishu (飞书), Slack, and our own JSON.

Each channel posts the message's ``parts`` in order, waiting a per-channel minimum interval between posts
(the vendors throttle a bot: WeCom and DingTalk 20 messages a minute, Feishu 100 a minute and 5 a second,
Slack about one a second). Signing follows each vendor's documentation:

* DingTalk: ``sign = urlencode(base64(HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}")))`` with the
  timestamp in milliseconds, both added to the webhook's query string.
* Feishu: ``sign = base64(HMAC-SHA256(key="{timestamp}\\n{secret}", msg=""))`` with the timestamp in
  seconds, both in the JSON body.
* Webhook (ours): ``X-Jiance-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>``; the body carries
  the send time and key, so the signature covers them too.

Failures are sorted for the outbox: HTTP 429 (with Retry-After), 5xx, timeouts and connection errors are
retryable; other 4xx are not; a 200 whose body carries a vendor error code is an error too (retryable only
for the vendor's rate-limit codes). When part k of n fails, ``message.meta["parts_sent"]`` records how
many went out, and a later send of the same message starts after them, so a retry does not repeat parts.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from jiance.distribute.base import Channel, ChannelError, Message
from jiance.distribute.render import IM_LIMITS, utf8_len
from jiance.errors import ConfigError

__all__ = [
    "CHANNEL_TYPES",
    "DingTalkChannel",
    "FeishuChannel",
    "HttpChannel",
    "SlackChannel",
    "WeComChannel",
    "WebhookChannel",
    "channel_from_config",
    "dingtalk_sign",
    "feishu_sign",
    "webhook_signature",
]

Clock = Callable[[], float]


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """DingTalk's signature, already URL-encoded as it goes into the query string."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def feishu_sign(timestamp_s: int, secret: str) -> str:
    """Feishu's signature: the key is "timestamp\\nsecret" and the message is empty, as Feishu documents."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def webhook_signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>`` over the raw body, the form GitHub-style receivers already know how to check."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class HttpChannel:
    """What every HTTP channel shares: one httpx client, parts in order, spacing, and error sorting.

    A subclass says how a part becomes a request (:meth:`request`) and how a 200 body can still be an
    error (:meth:`check_body`). ``min_interval`` overrides the vendor spacing (tests set it to zero).
    """

    kind = "webhook"
    default_interval = 0.0
    max_body_bytes: int | None = None

    def __init__(
        self,
        url: str,
        *,
        name: str | None = None,
        timeout: float = 10.0,
        min_interval: float | None = None,
        clock: Clock = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self.name = name or self.kind
        self.min_interval = self.default_interval if min_interval is None else min_interval
        self._client = httpx.Client(timeout=httpx.Timeout(timeout), trust_env=False, follow_redirects=False)
        self._clock = clock
        self._sleep = sleep
        self._last_post: float | None = None
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        """The URL without its query (a WeCom or DingTalk key lives there and must not reach logs)."""
        parts = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))

    def close(self) -> None:
        self._client.close()

    def send(self, message: Message, *, idempotency_key: str) -> str:
        """Post every part not yet sent, in order; returns the provider's id of the last post (or the key)."""
        parts = message.parts or [message.text]
        done = int(message.meta.get("parts_sent", 0))
        provider_id = idempotency_key
        with self._lock:
            for index in range(done, len(parts)):
                self._space()
                provider_id = self._post(message, parts, index, idempotency_key) or provider_id
                message.meta["parts_sent"] = index + 1
        return provider_id

    def _space(self) -> None:
        if self._last_post is not None and self.min_interval > 0:
            wait = self._last_post + self.min_interval - self._clock()
            if wait > 0:
                self._sleep(wait)

    def _post(self, message: Message, parts: list[str], index: int, key: str) -> str | None:
        url, body, headers = self.request(message, parts, index, key)
        if self.max_body_bytes is not None and len(body) > self.max_body_bytes:
            raise ChannelError(
                f"part {index + 1} is {len(body)} bytes, over the {self.max_body_bytes}-byte limit",
                retryable=False,
                where=self.where,
            )
        try:
            response = self._client.post(
                url, content=body, headers={"Content-Type": "application/json", **headers}
            )
        except httpx.TimeoutException as error:
            raise ChannelError(
                f"timed out posting part {index + 1}", retryable=True, where=self.where
            ) from error
        except httpx.HTTPError as error:
            raise ChannelError(f"cannot post: {error}", retryable=True, where=self.where) from error
        finally:
            self._last_post = self._clock()
        self._check_status(response)
        return self.check_body(response)

    def _check_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        detail = f"HTTP {status}: {response.text[:200]}"
        if status == 429 or status >= 500:
            retry = _retry_after(response.headers.get("retry-after"))
            raise ChannelError(detail, retryable=True, retry_after=retry, where=self.where)
        raise ChannelError(detail, retryable=False, where=self.where)

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError as error:
            raise ChannelError(
                f"reply is not JSON: {response.text[:200]!r}", retryable=True, where=self.where
            ) from error
        if not isinstance(data, dict):
            raise ChannelError(f"reply is not a JSON object: {data!r}", retryable=True, where=self.where)
        return data

    def _vendor_error(self, code: object, text: object, rate_codes: frozenset[int]) -> None:
        if code in (0, None):
            return
        retryable = code in rate_codes
        raise ChannelError(
            f"{self.kind} error {code}: {text}",
            retryable=retryable,
            retry_after=60.0 if retryable else None,
            where=self.where,
        )

    def request(
        self, message: Message, parts: list[str], index: int, key: str
    ) -> tuple[str, bytes, dict[str, str]]:
        """URL, body and extra headers of the post of part ``index``."""
        raise NotImplementedError

    def check_body(self, response: httpx.Response) -> str | None:
        """Raise for a vendor error carried in a 2xx body; return the provider's message id if any."""
        return None


def _dump(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class WeComChannel(HttpChannel):
    """企业微信群机器人: markdown of at most 4096 bytes, 20 messages a minute; errcode 45009 is the rate limit."""

    kind = "wecom"
    default_interval = 3.0
    _RATE = frozenset({45009})

    def __init__(self, webhook_url: str, **options: Any) -> None:
        super().__init__(webhook_url, **options)

    def request(
        self, message: Message, parts: list[str], index: int, key: str
    ) -> tuple[str, bytes, dict[str, str]]:
        if utf8_len(parts[index]) > IM_LIMITS["wecom"]:
            raise ChannelError(f"part {index + 1} is over 4096 bytes", retryable=False, where=self.where)
        return self.url, _dump({"msgtype": "markdown", "markdown": {"content": parts[index]}}), {}

    def check_body(self, response: httpx.Response) -> str | None:
        data = self._json(response)
        self._vendor_error(data.get("errcode"), data.get("errmsg"), self._RATE)
        return None


class DingTalkChannel(HttpChannel):
    """钉钉自定义机器人: markdown with a title, 20 messages a minute; 加签 when a secret is set."""

    kind = "dingtalk"
    default_interval = 3.0
    _RATE = frozenset({130101, 660026})  # send too fast / over the daily cap

    def __init__(self, webhook_url: str, secret: str | None = None, **options: Any) -> None:
        super().__init__(webhook_url, **options)
        self.secret = secret

    def signed_url(self, timestamp_ms: int | None = None) -> str:
        """The webhook URL with ``timestamp`` and ``sign`` appended (unchanged without a secret)."""
        if not self.secret:
            return self.url
        ts = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
        glue = "&" if urllib.parse.urlsplit(self.url).query else "?"
        return f"{self.url}{glue}timestamp={ts}&sign={dingtalk_sign(ts, self.secret)}"

    def request(
        self, message: Message, parts: list[str], index: int, key: str
    ) -> tuple[str, bytes, dict[str, str]]:
        title = message.subject if len(parts) == 1 else f"{message.subject}（{index + 1}/{len(parts)}）"
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": parts[index]}}
        return self.signed_url(), _dump(body), {}

    def check_body(self, response: httpx.Response) -> str | None:
        data = self._json(response)
        self._vendor_error(data.get("errcode"), data.get("errmsg"), self._RATE)
        return None


class FeishuChannel(HttpChannel):
    """飞书自定义机器人: a text message, 20 KB request body, 100 a minute and 5 a second; 签名校验 with a secret."""

    kind = "feishu"
    default_interval = 0.6
    max_body_bytes = 20 * 1024
    _RATE = frozenset({9499, 11232})  # too many requests / frequency limited

    def __init__(self, webhook_url: str, secret: str | None = None, **options: Any) -> None:
        super().__init__(webhook_url, **options)
        self.secret = secret

    def request(
        self, message: Message, parts: list[str], index: int, key: str
    ) -> tuple[str, bytes, dict[str, str]]:
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": parts[index]}}
        if self.secret:
            ts = int(time.time())
            body = {"timestamp": str(ts), "sign": feishu_sign(ts, self.secret), **body}
        return self.url, _dump(body), {}

    def check_body(self, response: httpx.Response) -> str | None:
        data = self._json(response)
        code = data.get("code", data.get("StatusCode"))
        self._vendor_error(code, data.get("msg"), self._RATE)
        return None


class SlackChannel(HttpChannel):
    """Slack incoming webhook: ``text`` (mrkdwn) up to 40,000 characters, about one message a second;
    Slack answers errors as plain text with a 4xx status, and 429 with Retry-After."""

    kind = "slack"
    default_interval = 1.0

    def __init__(self, webhook_url: str, **options: Any) -> None:
        super().__init__(webhook_url, **options)

    def request(
        self, message: Message, parts: list[str], index: int, key: str
    ) -> tuple[str, bytes, dict[str, str]]:
        return self.url, _dump({"text": parts[index], "mrkdwn": True}), {}


class WebhookChannel(HttpChannel):
    """A generic JSON webhook signed with HMAC-SHA256: one post per part with the whole context, so a
    receiver can deduplicate on ``X-Jiance-Idempotency-Key`` (the key plus ``#part``) and check order."""

    kind = "webhook"

    def __init__(self, url: str, secret: str, **options: Any) -> None:
        super().__init__(url, **options)
        if not secret:
            raise ConfigError("a webhook needs a secret to sign with", where=self.where)
        self.secret = secret

    def request(
        self, message: Message, parts: list[str], index: int, key: str
    ) -> tuple[str, bytes, dict[str, str]]:
        ts = str(int(time.time()))
        part_key = key if len(parts) == 1 else f"{key}#{index + 1}"
        payload = {
            "key": part_key,
            "message_key": key,
            "timestamp": ts,
            "channel": message.channel,
            "recipient": message.recipient,
            "subject": message.subject,
            "part": index + 1,
            "total": len(parts),
            "text": parts[index],
            "parts": parts,
            "meta": {k: v for k, v in message.meta.items() if k != "parts_sent"},
        }
        body = _dump(payload)
        headers = {
            "X-Jiance-Signature": webhook_signature(self.secret, body),
            "X-Jiance-Timestamp": ts,
            "X-Jiance-Idempotency-Key": part_key,
        }
        return self.url, body, headers

    def check_body(self, response: httpx.Response) -> str | None:
        try:
            data = response.json()
        except ValueError:
            return None
        return str(data["id"]) if isinstance(data, dict) and data.get("id") else None


CHANNEL_TYPES: dict[str, type[HttpChannel]] = {
    "wecom": WeComChannel,
    "dingtalk": DingTalkChannel,
    "feishu": FeishuChannel,
    "slack": SlackChannel,
    "webhook": WebhookChannel,
}
_KEYS: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "type": (str,),
    "url": (str,),
    "secret": (str,),
    "timeout": (int, float),
    "min_interval": (int, float),
}
_SIGNED = ("dingtalk", "feishu", "webhook")


def _check_entry(entry: dict[str, Any], where: str) -> None:
    for key, value in entry.items():
        if key not in _KEYS:
            close = difflib.get_close_matches(key, list(_KEYS), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(_KEYS)}"
            raise ConfigError(f"unknown key {key!r}{hint}", where=where)
        kinds = _KEYS[key]
        if isinstance(value, bool) or not isinstance(value, kinds):
            names = " or ".join(k.__name__ for k in kinds)
            raise ConfigError(f"{key!r} must be {names}, got {type(value).__name__} {value!r}", where=where)


def channel_from_config(entry: dict[str, Any]) -> Channel:
    """A channel from one ``[[channels]]`` entry ``{name, type, url, secret, timeout, min_interval}``."""
    name = entry.get("name")
    where = (
        f"recipients.toml [[channels]] {name!r}" if isinstance(name, str) else "recipients.toml [[channels]]"
    )
    _check_entry(entry, where)
    if not name:
        raise ConfigError("'name' is required", where=where)
    kind = entry.get("type")
    if kind == "email":
        raise ConfigError("email is configured in the [smtp] table, not in [[channels]]", where=where)
    if kind not in CHANNEL_TYPES:
        raise ConfigError(f"'type' must be one of {', '.join(CHANNEL_TYPES)}, got {kind!r}", where=where)
    url = entry.get("url", "")
    if urllib.parse.urlsplit(url).scheme not in ("http", "https") or not urllib.parse.urlsplit(url).netloc:
        raise ConfigError(f"'url' must be an http(s) URL, got {url!r}", where=where)
    if "secret" in entry and kind not in _SIGNED:
        raise ConfigError(f"a {kind} channel does not sign; remove 'secret'", where=where)
    if kind == "webhook" and not entry.get("secret"):
        raise ConfigError("a webhook channel needs 'secret'", where=where)
    options: dict[str, Any] = {"name": name}
    for key in ("timeout", "min_interval"):
        if key in entry:
            if entry[key] < 0 or (key == "timeout" and entry[key] == 0):
                raise ConfigError(f"{key!r} must be more than zero", where=where)
            options[key] = float(entry[key])
    if kind in _SIGNED:
        return CHANNEL_TYPES[kind](url, entry.get("secret"), **options)  # type: ignore[call-arg]
    return CHANNEL_TYPES[kind](url, **options)
