"""SMTP email against a real aiosmtpd server on loopback: MIME structure, encoding, headers, failures."""

from __future__ import annotations

import socket
from email.message import EmailMessage
from pathlib import Path

import pytest

from jiance.distribute.base import ChannelError, Message
from jiance.distribute.email import SMTPChannel, message_id, smtp_from_settings
from jiance.distribute.render import email_message
from jiance.errors import ConfigError
from jiance.publish.model import Composition
from jiance.settings import Settings

from .receivers import SMTPReceiver

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

PDF = b"%PDF-1.4\n% test bytes \x00\x01\x02\xff\n%%EOF\n"


def _send(
    receiver: SMTPReceiver, comp: Composition, tmp_path: Path, **kw: object
) -> tuple[str, EmailMessage]:
    pdf = tmp_path / "issue.pdf"
    pdf.write_bytes(PDF)
    channel = SMTPChannel("127.0.0.1", receiver.port, "信息产业监测 <bulletin@example.com>", timeout=5, **kw)  # type: ignore[arg-type]
    message = email_message(
        comp, "读者 <reader@example.com>", pdf_path=pdf, unsubscribe="https://example.com/u/1"
    )
    provider_id = channel.send(message, idempotency_key="issue-12/client-a/reader@example.com")
    assert len(receiver.received) == 1
    return provider_id, receiver.received[0].message


def test_mime_structure_and_chinese_headers(
    smtp_receiver: SMTPReceiver, composition: Composition, tmp_path: Path
) -> None:
    provider_id, mail = _send(smtp_receiver, composition, tmp_path)
    raw = smtp_receiver.received[0].raw
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0]  # RFC 2047 encoded, not raw UTF-8 in headers
    assert raw.split(b"\r\n\r\n", 1)[0].isascii()
    assert mail["Subject"] == "信息产业监测 第12期 2026.12.01 · 甲公司"
    assert mail["From"].addresses[0].display_name == "信息产业监测"
    assert mail["From"].addresses[0].addr_spec == "bulletin@example.com"
    assert mail.get_content_type() == "multipart/mixed"
    alternative, attachment = mail.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    plain, html = alternative.get_body(("plain",)), alternative.get_body(("html",))
    assert plain is not None and html is not None
    assert "第9篇：测试用的产业动态标题" in plain.get_content()
    assert "<table" in html.get_content()
    assert attachment.get_filename() == "信息产业监测-第12期-2026.12.01.pdf"
    assert attachment.get_content() == PDF
    assert mail["Message-ID"] == provider_id == message_id("issue-12/client-a/reader@example.com")
    assert mail["List-Unsubscribe"] == "<https://example.com/u/1>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["Date"].datetime is not None
    envelope = smtp_receiver.received[0]
    assert envelope.mail_from == "bulletin@example.com" and envelope.rcpt_tos == ["reader@example.com"]


def test_message_id_stable_per_key_and_distinct_across_keys() -> None:
    assert message_id("k1") == message_id("k1")
    assert message_id("k1") != message_id("k2")
    assert message_id("a@b.com").endswith("@jiance>") and "a@b.com" not in message_id("a@b.com")


def test_mailto_unsubscribe_has_no_one_click(smtp_receiver: SMTPReceiver, composition: Composition) -> None:
    channel = SMTPChannel("127.0.0.1", smtp_receiver.port, "b@example.com", timeout=5)
    message = email_message(
        composition, "r@example.com", unsubscribe="mailto:u@example.com?subject=unsubscribe"
    )
    channel.send(message, idempotency_key="k")
    mail = smtp_receiver.received[0].message
    assert mail["List-Unsubscribe"] == "<mailto:u@example.com?subject=unsubscribe>"
    assert mail["List-Unsubscribe-Post"] is None
    assert mail.get_content_type() == "multipart/alternative"  # no attachment, no mixed wrapper


def test_auth_login(smtp_auth_receiver: SMTPReceiver, small_composition: Composition) -> None:
    good = SMTPChannel("127.0.0.1", smtp_auth_receiver.port, "b@example.com", "editor", "s3cret", timeout=5)
    good.send(email_message(small_composition, "r@example.com"), idempotency_key="k")
    assert smtp_auth_receiver.received[0].login == "editor"
    bad = SMTPChannel("127.0.0.1", smtp_auth_receiver.port, "b@example.com", "editor", "wrong", timeout=5)
    with pytest.raises(ChannelError) as caught:
        bad.send(email_message(small_composition, "r@example.com"), idempotency_key="k2")
    assert not caught.value.retryable
    anonymous = SMTPChannel("127.0.0.1", smtp_auth_receiver.port, "b@example.com", timeout=5)
    with pytest.raises(ChannelError) as caught:
        anonymous.send(email_message(small_composition, "r@example.com"), idempotency_key="k3")
    assert not caught.value.retryable  # 530 authentication required
    assert len(smtp_auth_receiver.received) == 1


@pytest.mark.parametrize(
    ("reply", "retryable"), [("550 5.1.1 no such user", False), ("451 4.3.0 try later", True)]
)
def test_refused_recipient(
    smtp_receiver: SMTPReceiver, small_composition: Composition, reply: str, retryable: bool
) -> None:
    smtp_receiver.refuse["gone@example.com"] = reply
    channel = SMTPChannel("127.0.0.1", smtp_receiver.port, "b@example.com", timeout=5)
    with pytest.raises(ChannelError) as caught:
        channel.send(email_message(small_composition, "gone@example.com"), idempotency_key="k")
    assert caught.value.retryable is retryable
    assert reply.split()[0] in str(caught.value)
    assert smtp_receiver.received == []


def test_starttls_not_offered_is_final(smtp_receiver: SMTPReceiver, small_composition: Composition) -> None:
    channel = SMTPChannel("127.0.0.1", smtp_receiver.port, "b@example.com", starttls=True, timeout=5)
    with pytest.raises(ChannelError) as caught:
        channel.send(email_message(small_composition, "r@example.com"), idempotency_key="k")
    assert not caught.value.retryable


def test_connection_refused_and_timeout_are_retryable(small_composition: Composition) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(ChannelError) as caught:
        SMTPChannel("127.0.0.1", port, "b@example.com", timeout=2).send(
            email_message(small_composition, "r@example.com"), idempotency_key="k"
        )
    assert caught.value.retryable
    with socket.socket() as silent:  # accepts the connection, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        with pytest.raises(ChannelError) as caught:
            SMTPChannel("127.0.0.1", silent.getsockname()[1], "b@example.com", timeout=0.5).send(
                email_message(small_composition, "r@example.com"), idempotency_key="k"
            )
    assert caught.value.retryable


def test_missing_attachment_is_final(
    smtp_receiver: SMTPReceiver, small_composition: Composition, tmp_path: Path
) -> None:
    channel = SMTPChannel("127.0.0.1", smtp_receiver.port, "b@example.com", timeout=5)
    message = email_message(small_composition, "r@example.com", pdf_path=tmp_path / "absent.pdf")
    with pytest.raises(ChannelError) as caught:
        channel.send(message, idempotency_key="k")
    assert not caught.value.retryable and "absent.pdf" in str(caught.value)


def _settings(smtp: object) -> Settings:
    return Settings(raw={"smtp": smtp})


def test_smtp_from_settings_reads_the_table() -> None:
    channel = smtp_from_settings(
        _settings(
            {
                "host": "mail.example.com",
                "port": 2525,
                "from": "监测 <b@example.com>",
                "username": "u",
                "password": "p",
                "starttls": True,
            }
        )
    )
    assert (channel.host, channel.port, channel.sender, channel.username, channel.starttls) == (
        "mail.example.com",
        2525,
        "监测 <b@example.com>",
        "u",
        True,
    )
    assert smtp_from_settings(_settings({"host": "h", "from": "b@example.com"})).port == 25


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"from": "b@example.com"}, "host"),
        ({"host": "h"}, "from"),
        ({"host": "h", "from": "not-an-address"}, "from"),
        ({"host": "h", "from": "b@example.com", "port": "25"}, "port"),
        ({"host": "h", "from": "b@example.com", "port": 70000}, "port"),
        ({"host": "h", "from": "b@example.com", "starttls": "yes"}, "starttls"),
        ({"host": "h", "from": "b@example.com", "password": "p"}, "password"),
        ({"host": "h", "from": "b@example.com", "passwd": "p"}, "passwd"),
    ],
)
def test_bad_smtp_table_names_the_key(table: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        smtp_from_settings(_settings(table))
    assert f"[smtp].{key}" in str(caught.value)


def test_missing_smtp_table() -> None:
    with pytest.raises(ConfigError, match=r"\[smtp\]"):
        smtp_from_settings(Settings())


def test_starttls_with_a_private_ca_then_auth(tmp_path: Path) -> None:
    """A relay with its own certificate: STARTTLS verified against the configured CA file, then AUTH."""
    import ssl
    import subprocess

    from tests.distribute.receivers import SMTPReceiver

    from jiance.distribute.email import SMTPChannel

    cert, key = tmp_path / "relay.pem", tmp_path / "relay.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    receiver = SMTPReceiver({"desk": "relay-password"}, tls=server_tls).start()
    try:
        message = Message(channel="email", recipient="a@example.cn", subject="加密投递", text="正文")
        secure = SMTPChannel("127.0.0.1", receiver.port, "监测 <b@example.cn>", "desk", "relay-password",
                             starttls=True, cafile=str(cert))  # fmt: skip
        secure.send(message, idempotency_key="tls-1")
        assert [r.login for r in receiver.received] == ["desk"]
        plain = SMTPChannel("127.0.0.1", receiver.port, "监测 <b@example.cn>", "desk", "relay-password")
        with pytest.raises(ChannelError):
            plain.send(message, idempotency_key="tls-2")  # the relay requires STARTTLS
        untrusted = SMTPChannel(
            "127.0.0.1", receiver.port, "b@example.cn", "desk", "relay-password", starttls=True
        )
        with pytest.raises(ChannelError):
            untrusted.send(message, idempotency_key="tls-3")  # a certificate nobody vouched for
        assert len(receiver.received) == 1
    finally:
        receiver.stop()
