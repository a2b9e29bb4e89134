"""The records every channel and the outbox share: a message for one recipient, and how a send fails.

A :class:`Message` is already rendered for its channel (subject, plain text, email-safe HTML, attachments;
for an IM bot the text already split at article boundaries into ``parts`` under the channel's size limit).
A channel's ``send`` either returns the provider's id for the message or raises :class:`ChannelError`,
``retryable`` telling the outbox whether to try again later (a 5xx, a timeout, a rate limit with its
``retry_after``) or give up (a 4xx that will never succeed, a bad address).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from jiance.errors import JianceError

__all__ = ["CHANNELS", "Attachment", "Channel", "ChannelError", "Message", "MessageKind"]

CHANNELS: tuple[str, ...] = ("email", "wecom", "dingtalk", "feishu", "slack", "webhook")
MessageKind = Literal["edition", "alert", "digest"]


@dataclass(slots=True)
class Attachment:
    """A file sent with an email (the PDF of the edition): read from ``path`` when the message is sent."""

    filename: str
    content_type: str
    path: str


@dataclass(slots=True)
class Message:
    """One message to one recipient on one channel, ready to send (and to store in the outbox as JSON)."""

    channel: str
    recipient: str  # an email address, or the name of a configured bot/webhook
    subject: str
    text: str
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # IM: the text split under the channel's limit
    unsubscribe: str | None = None  # mailto: or https: URL for List-Unsubscribe
    meta: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Message:
        data = dict(record)
        data["attachments"] = [Attachment(**a) for a in data.get("attachments") or []]
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class ChannelError(JianceError):
    """A send that failed; ``retryable`` says whether trying again later can succeed."""

    def __init__(
        self, message: str, *, retryable: bool, retry_after: float | None = None, where: str | None = None
    ) -> None:
        super().__init__(message, where=where)
        self.retryable = retryable
        self.retry_after = retry_after


class Channel(Protocol):
    """A way to deliver messages. ``idempotency_key`` is stable per recipient and edition (and part): a
    channel puts it where the receiver can see it (Message-ID, an X-Jiance-Idempotency-Key header)."""

    name: str

    def send(self, message: Message, *, idempotency_key: str) -> str: ...
