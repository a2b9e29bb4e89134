"""Chat bots and the webhook against a real HTTP receiver on loopback: bodies, signatures, failures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from typing import Any

import pytest

from jiance.distribute.base import ChannelError, Message
from jiance.distribute.im import (
    DingTalkChannel,
    FeishuChannel,
    SlackChannel,
    WebhookChannel,
    WeComChannel,
    channel_from_config,
)
from jiance.distribute.render import im_message
from jiance.errors import ConfigError
from jiance.publish.model import Composition

from .receivers import Answer, HTTPReceiver

FAST = {"min_interval": 0.0, "timeout": 2.0}


def _message(parts: list[str]) -> Message:
    return Message(
        channel="webhook", recipient="ops", subject="信息产业监测 第12期", text="全文", parts=parts
    )


def test_wecom_posts_every_part_as_markdown(http_receiver: HTTPReceiver, composition: Composition) -> None:
    message = im_message(composition, "wecom", "ops")
    WeComChannel(http_receiver.url(query="key=abc"), **FAST).send(message, idempotency_key="k")
    bodies = [r.json() for r in http_receiver.requests]
    assert [b["msgtype"] for b in bodies] == ["markdown"] * len(message.parts)
    assert [b["markdown"]["content"] for b in bodies] == message.parts
    assert all(r.query == {"key": "abc"} for r in http_receiver.requests)


def test_dingtalk_signature_verifies(http_receiver: HTTPReceiver, small_composition: Composition) -> None:
    secret = "SEC0123456789abcdef"
    message = im_message(small_composition, "dingtalk", "ops")
    before = int(time.time() * 1000)
    DingTalkChannel(http_receiver.url(query="access_token=t"), secret, **FAST).send(
        message, idempotency_key="k"
    )
    request = http_receiver.requests[0]
    timestamp = request.query["timestamp"]
    assert before <= int(timestamp) <= int(time.time() * 1000)
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert request.query["sign"] == expected  # parse_qsl has undone the URL-encoding
    raw_sign = dict(p.split("=", 1) for p in request.raw_query.split("&"))["sign"]
    assert raw_sign == urllib.parse.quote_plus(expected)
    body = request.json()
    assert body["msgtype"] == "markdown" and body["markdown"]["title"].startswith("信息产业监测")
    assert request.query["access_token"] == "t"


def test_feishu_signature_verifies(http_receiver: HTTPReceiver, small_composition: Composition) -> None:
    http_receiver.default = Answer.of({"code": 0, "msg": "success"})
    secret = "feishu-secret"
    FeishuChannel(http_receiver.url(), secret, **FAST).send(
        im_message(small_composition, "feishu", "ops"), idempotency_key="k"
    )
    body = http_receiver.requests[0].json()
    assert abs(int(body["timestamp"]) - time.time()) < 5
    key = f"{body['timestamp']}\n{secret}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text" and body["content"]["text"].startswith("（1/")


def test_webhook_signature_and_idempotency_headers(http_receiver: HTTPReceiver) -> None:
    http_receiver.default = Answer.of({"id": "recv-1"})
    provider_id = WebhookChannel(http_receiver.url(), "whsec", **FAST).send(
        _message(["一", "二"]), idempotency_key="ed-12/ops"
    )
    assert provider_id == "recv-1"
    assert len(http_receiver.requests) == 2
    for n, request in enumerate(http_receiver.requests, 1):
        signature = "sha256=" + hmac.new(b"whsec", request.body, hashlib.sha256).hexdigest()
        assert request.headers["x-jiance-signature"] == signature
        assert request.headers["x-jiance-idempotency-key"] == f"ed-12/ops#{n}"
        body = request.json()
        assert (body["part"], body["total"], body["message_key"]) == (n, 2, "ed-12/ops")
        assert body["timestamp"] == request.headers["x-jiance-timestamp"]
        assert body["subject"] == "信息产业监测 第12期" and body["parts"] == ["一", "二"]


def test_slack_posts_text(http_receiver: HTTPReceiver) -> None:
    http_receiver.default = Answer(body=b"ok", headers={"Content-Type": "text/plain"})
    SlackChannel(http_receiver.url(), **FAST).send(_message(["hello"]), idempotency_key="k")
    assert http_receiver.requests[0].json() == {"text": "hello", "mrkdwn": True}


def test_minimum_interval_between_posts(http_receiver: HTTPReceiver) -> None:
    WebhookChannel(http_receiver.url(), "s", min_interval=0.2).send(
        _message(["1", "2", "3"]), idempotency_key="k"
    )
    gaps = [b.at - a.at for a, b in zip(http_receiver.requests, http_receiver.requests[1:], strict=False)]
    assert len(gaps) == 2 and all(g >= 0.18 for g in gaps)


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (400, False), (403, False), (404, False)]
)
def test_http_status_sorting(http_receiver: HTTPReceiver, status: int, retryable: bool) -> None:
    http_receiver.fail(status)
    with pytest.raises(ChannelError) as caught:
        WebhookChannel(http_receiver.url(), "s", **FAST).send(_message(["x"]), idempotency_key="k")
    assert caught.value.retryable is retryable and str(status) in str(caught.value)


def test_429_carries_retry_after(http_receiver: HTTPReceiver) -> None:
    http_receiver.rate_limit(7)
    with pytest.raises(ChannelError) as caught:
        SlackChannel(http_receiver.url(), **FAST).send(_message(["x"]), idempotency_key="k")
    assert caught.value.retryable and caught.value.retry_after == 7.0


def test_timeout_is_retryable(http_receiver: HTTPReceiver) -> None:
    http_receiver.stall(1.5)
    with pytest.raises(ChannelError) as caught:
        WebhookChannel(http_receiver.url(), "s", min_interval=0, timeout=0.3).send(
            _message(["x"]), idempotency_key="k"
        )
    assert caught.value.retryable


def test_failure_mid_message_resumes_without_repeating_parts(http_receiver: HTTPReceiver) -> None:
    """N failures then success: parts already delivered are not posted again on the retry."""
    channel = WebhookChannel(http_receiver.url(), "s", **FAST)
    message = _message(["p1", "p2", "p3"])
    http_receiver.script = [
        Answer(),
        Answer(status=502, body=b"bad gateway"),
        Answer(status=502, body=b"again"),
    ]
    for _ in range(2):
        with pytest.raises(ChannelError):
            channel.send(message, idempotency_key="k")
    assert message.meta["parts_sent"] == 1
    channel.send(message, idempotency_key="k")
    delivered = [r.json()["text"] for r in http_receiver.requests]
    assert delivered == ["p1", "p2", "p2", "p2", "p3"]  # p1 once; p2 tried until it passed; then p3
    restored = Message.from_record(message.to_record())
    assert restored.meta["parts_sent"] == 3


@pytest.mark.parametrize(
    ("channel_type", "answer", "retryable"),
    [
        ("wecom", {"errcode": 45009, "errmsg": "api freq out of limit"}, True),
        ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}, False),
        ("dingtalk", {"errcode": 130101, "errmsg": "send too fast"}, True),
        ("dingtalk", {"errcode": 310000, "errmsg": "sign not match"}, False),
        ("feishu", {"code": 11232, "msg": "frequency limited"}, True),
        ("feishu", {"code": 19021, "msg": "sign match fail"}, False),
    ],
)
def test_vendor_error_in_200_body(
    http_receiver: HTTPReceiver, channel_type: str, answer: dict[str, Any], retryable: bool
) -> None:
    http_receiver.default = Answer.of(answer)
    entry = {"name": "bot", "type": channel_type, "url": http_receiver.url(), "min_interval": 0}
    if channel_type != "wecom":
        entry["secret"] = "s"
    with pytest.raises(ChannelError) as caught:
        channel_from_config(entry).send(_message(["x"]), idempotency_key="k")
    assert caught.value.retryable is retryable
    assert str(answer.get("errcode", answer.get("code"))) in str(caught.value)


def test_error_message_hides_the_webhook_key(http_receiver: HTTPReceiver) -> None:
    http_receiver.fail(400)
    with pytest.raises(ChannelError) as caught:
        WeComChannel(http_receiver.url(query="key=very-secret-key"), **FAST).send(
            _message(["x"]), idempotency_key="k"
        )
    assert "very-secret-key" not in str(caught.value)


def test_feishu_refuses_a_body_over_20kb(http_receiver: HTTPReceiver) -> None:
    with pytest.raises(ChannelError) as caught:
        FeishuChannel(http_receiver.url(), None, **FAST).send(_message(["字" * 8000]), idempotency_key="k")
    assert not caught.value.retryable and http_receiver.requests == []


def test_channel_from_config_builds_each_type(http_receiver: HTTPReceiver) -> None:
    url = http_receiver.url()
    built = {
        kind: channel_from_config(
            {
                "name": f"{kind}-bot",
                "type": kind,
                "url": url,
                **({"secret": "s"} if kind in ("dingtalk", "feishu", "webhook") else {}),
            }
        )
        for kind in ("wecom", "dingtalk", "feishu", "slack", "webhook")
    }
    assert {k: type(v).__name__ for k, v in built.items()} == {
        "wecom": "WeComChannel",
        "dingtalk": "DingTalkChannel",
        "feishu": "FeishuChannel",
        "slack": "SlackChannel",
        "webhook": "WebhookChannel",
    }
    assert built["slack"].name == "slack-bot"


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({"type": "wecom", "url": "http://h/x"}, "'name'"),
        ({"name": "b", "type": "fax", "url": "http://h/x"}, "'type'"),
        ({"name": "b", "type": "email", "url": "http://h/x"}, "[smtp]"),
        ({"name": "b", "type": "wecom", "url": "ftp://h/x"}, "'url'"),
        ({"name": "b", "type": "webhook", "url": "http://h/x"}, "'secret'"),
        ({"name": "b", "type": "slack", "url": "http://h/x", "secret": "s"}, "'secret'"),
        ({"name": "b", "type": "wecom", "url": "http://h/x", "timeout": "5"}, "'timeout'"),
        ({"name": "b", "type": "wecom", "url": "http://h/x", "secrte": "s"}, "did you mean 'secret'"),
    ],
)
def test_bad_channel_config(entry: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        channel_from_config(entry)
    assert words in str(caught.value)
