"""The exceptions jiance raises, so callers can tell bad input from bad configuration from a broken store.

::

    JianceError                      every error the library raises on purpose
    ├── InputError                   a file or payload we cannot turn into articles (the batch goes on)
    │   ├── MissingFileError         a path that does not exist
    │   ├── EmptyInputError          nothing but whitespace
    │   ├── TooLargeError            over the configured size limit
    │   ├── DecodeError              bytes that do not decode cleanly in any supported encoding
    │   ├── UnsupportedFormatError   binary data that is no format we read
    │   ├── CorruptDocumentError     a PDF/DOCX that is truncated or malformed
    │   ├── EncryptedDocumentError   a password-protected PDF/DOCX
    │   ├── NoTextLayerError         a PDF whose pages hold only images
    │   └── ParseLimitError          the parser ran past its time or memory limit
    ├── ConfigError                  a bad jiance.toml, setting or workspace
    ├── StoreError                   the store refused or failed an operation
    │   └── NotFoundError            a record id that the store does not hold
    ├── AuthError                    a login, session or token refused, or a role without the right
    │   └── RateLimitedError         too many failed logins from one address or for one user
    ├── GoldError                    a gold file that is not of the expected shape
    ├── PublishError                 an issue operation or a build refused: an article already published,
    │                                an empty edition, a character no font can draw, a renderer failure
    └── FetchError                   (jiance.sources.http) a fetch refused or failed: blocked address,
                                     redirects, size cap, timeout, HTTP status, robots.txt

Every error carries the path (or URL) it is about, so that a one-line message can name the file; only the
CLI and web layers turn these into messages and exit codes.
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "ConfigError",
    "CorruptDocumentError",
    "DecodeError",
    "EmptyInputError",
    "EncryptedDocumentError",
    "GoldError",
    "InputError",
    "JianceError",
    "MissingFileError",
    "NoTextLayerError",
    "NotFoundError",
    "ParseLimitError",
    "PublishError",
    "RateLimitedError",
    "StoreError",
    "TooLargeError",
    "UnsupportedFormatError",
]


class JianceError(Exception):
    """Base of every error jiance raises on purpose; ``where`` names the file, URL or record concerned."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class InputError(JianceError):
    """Input that cannot become articles; the import records it as failed and goes on with the batch."""

    reason = "bad-input"


class MissingFileError(InputError):
    reason = "missing"


class EmptyInputError(InputError):
    reason = "empty"


class TooLargeError(InputError):
    reason = "too-large"


class DecodeError(InputError):
    reason = "undecodable"


class UnsupportedFormatError(InputError):
    reason = "unsupported-format"


class CorruptDocumentError(InputError):
    reason = "corrupt"


class EncryptedDocumentError(InputError):
    reason = "encrypted"


class NoTextLayerError(InputError):
    reason = "no-text-layer"


class ParseLimitError(InputError):
    reason = "parse-limit"


class ConfigError(JianceError):
    """A workspace, jiance.toml or setting that is wrong; the message says which key and why."""


class StoreError(JianceError):
    """The store failed an operation (schema, integrity, I/O)."""


class NotFoundError(StoreError):
    """A record id the store does not hold."""


class AuthError(JianceError):
    """Who is asking was not established, or may not do this; the message never says which secret failed."""


class RateLimitedError(AuthError):
    """Too many failed logins; ``retry_after`` is how many seconds until the next try is accepted."""

    def __init__(self, message: str, *, retry_after: int, where: str | None = None) -> None:
        super().__init__(message, where=where)
        self.retry_after = retry_after


class PublishError(JianceError):
    """An issue operation or a build that cannot be done as asked; the message says what to change."""


class GoldError(JianceError):
    """A gold file that does not have the shape the scorer expects."""
