"""Bytes become text here and nowhere else.

Order of evidence: a byte-order mark; the charset the caller was told (HTTP header, meta tag, source
config), unless its decode shows the signs of a wrong label that the unlabeled reading lacks; UTF-16
recognised by its NUL pattern; strict UTF-8; strict GB18030 (a superset of GB2312 and GBK, so one codec
covers the bulletins our users receive); then charset-normalizer's guess. Every candidate
must also *look like text*: GB18030 decodes almost any byte string, so a decode is accepted only when its
Han characters are mostly common ones (GB2312 level 1, computed from the codec itself) and it holds no
control characters. Text that passes no test raises :class:`~jiance.errors.DecodeError` with the reason:
we never store mojibake.
"""

from __future__ import annotations

import codecs
import functools
import re
from dataclasses import dataclass

from jiance.errors import DecodeError, EmptyInputError, UnsupportedFormatError
from jiance.text.normalize import CJK_RE

__all__ = ["Decoded", "common_hanzi", "decode_bytes", "looks_like_text", "mojibake_signs"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f]")
_LATIN1_RE = re.compile(r"[\u00c0-\u00ff]")
_HALFWIDTH_KANA_RE = re.compile(r"[\uff61-\uff9f]")
_LATIN1_BLOCK_RE = re.compile(r"[\u0080-\u00ff]")
_KANA_RE = re.compile(r"[\u3041-\u30ff]")
_HANGUL = "[\uac00-\ud7af]"
_HANGUL_BESIDE_HAN_RE = re.compile(rf"(?={_HANGUL}{CJK_RE.pattern}|{CJK_RE.pattern}{_HANGUL})")
_UNICODE_LABELS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32")
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "x-gbk": "gb18030", "utf8": "utf-8"}


@dataclass(slots=True, frozen=True)
class Decoded:
    """Decoded text and how we got it; ``via`` says which evidence decided (bom, declared, utf-8 ...)."""

    text: str
    encoding: str
    via: str


@functools.cache
def common_hanzi() -> frozenset[str]:
    """Common Han characters, simplified and traditional, computed from the codecs themselves.

    GB2312 level 1 (rows 16-55: 3,755 characters) and Big5's frequently used block (0xA440-0xC67E:
    5,401 characters) together cover nearly all the Han text of mainland, Hong Kong and Taiwan sources.
    """
    chars: set[str] = set()
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            chars.update(_decoded(bytes([hi, lo]), "gb2312"))
    for hi in range(0xA4, 0xC7):
        for lo in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]:
            chars.update(_decoded(bytes([hi, lo]), "big5"))
    return frozenset(chars)


def _decoded(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return ""


def looks_like_text(text: str) -> tuple[bool, str]:
    """Plausibility of a decode: few control characters, and Han characters mostly common ones.

    Returns ``(ok, reason)``; the reason explains a refusal in words a user can act on.
    """
    sample = text[:200_000]
    if not sample.strip():
        return True, ""
    controls = len(_CONTROL_RE.findall(sample))
    if controls > max(2, len(sample) // 1000):
        return False, f"{controls} control characters: binary data, not text"
    han = CJK_RE.findall(sample)
    if len(han) >= 20:
        common = common_hanzi()
        share = sum(1 for c in han if c in common) / len(han)
        if share < 0.6:
            return False, f"only {share:.0%} of its Han characters are common ones: wrong encoding (mojibake)"
    latin1_pairs = len(_LATIN1_RE.findall(sample))
    if latin1_pairs > 20 and latin1_pairs > len(sample) // 10 and len(han) < latin1_pairs:
        return False, "accented Latin letters where Chinese was expected: text decoded twice (mojibake)"
    return True, ""


def _utf16_without_bom(data: bytes) -> str | None:
    """Recognise BOM-less UTF-16 by NUL bytes sitting on one parity (ASCII-heavy text) or none at all."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > half * 0.2 and even_nuls < half * 0.02:
        return "utf-16-le"
    if even_nuls > half * 0.2 and odd_nuls < half * 0.02:
        return "utf-16-be"
    return None


def _utf16_guess(data: bytes) -> Decoded | None:
    """BOM-less UTF-16 of Chinese text: few NULs to recognise it by (开 is 00 5F, a newline 0A 00), so only
    a decode that yields plausible Chinese tells."""
    if len(data) % 2:
        return None
    for encoding in ("utf-16-le", "utf-16-be"):
        decoded = _try(data, encoding, "utf-16-guess")
        if decoded is not None and len(CJK_RE.findall(decoded.text[:2000])) >= 20:
            return decoded
    return None


def _try(data: bytes, encoding: str, via: str) -> Decoded | None:
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    ok, _ = looks_like_text(text)
    return Decoded(text, encoding, via) if ok else None


def _canonical(label: str) -> str:
    label = label.strip().lower()
    return _ALIASES.get(label, label)


def mojibake_signs(text: str) -> int:
    """Characters that a wrong charset label leaves in what should be Chinese text, counted.

    Each wrong label has its tell: Latin-1 and Windows code pages turn every GB byte into an accented
    letter or symbol (U+0080-U+00FF); Shift_JIS gives half-width katakana; EUC-KR gives Hangul syllables
    glued to Han characters, which Korean prose does not do; Big5 or GB read with the other's table gives
    rare Han characters. Rare Han characters are no sign in Japanese text (kana present), whose kanji
    are often not common Chinese ones.
    """
    sample = text[:20_000]
    signs = len(_LATIN1_BLOCK_RE.findall(sample)) + len(_HALFWIDTH_KANA_RE.findall(sample))
    signs += len(_HANGUL_BESIDE_HAN_RE.findall(sample))
    if not _KANA_RE.search(sample):
        common = common_hanzi()
        signs += sum(1 for c in CJK_RE.findall(sample) if c not in common)
    return signs


def _second_opinion(data: bytes, declared: Decoded) -> Decoded:
    """The declared reading, unless reading the bytes without the label shows clearly fewer mojibake signs.

    Servers and page templates send wrong labels (ISO-8859-1 by default, gb2312 on UTF-8 pages, big5
    on GB pages). A label is evidence, not proof: when strict UTF-8 or GB18030 also decode the bytes and
    the result has under half the signs of a wrong label (:func:`mojibake_signs`), that result wins.
    """
    if declared.encoding in _UNICODE_LABELS or b"\x00" in data[:8192]:
        return declared
    for encoding in ("utf-8", "gb18030"):
        if encoding == declared.encoding:
            return declared
        other = _try(data, encoding, "declared-overruled")
        if other is not None:
            if other.text != declared.text and 2 * mojibake_signs(other.text) < mojibake_signs(declared.text):
                return other
            return declared
    return declared


def _detector_guess(data: bytes) -> Decoded | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is None:
        return None
    return _try(data, best.encoding, "detector")


def decode_bytes(data: bytes, *, declared: str | None = None, where: str | None = None) -> Decoded:
    """Decode raw bytes to text, or raise with the reason; ``where`` names the file for the error."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise EmptyInputError("the file is empty", where=where)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            decoded = _try(data, encoding, "bom")
            if decoded is None:
                raise DecodeError(
                    f"starts with a {encoding} byte-order mark but does not decode as it", where=where
                )
            return decoded
    if declared:
        decoded = _try(data, _canonical(declared), "declared")
        if decoded is not None:
            return _second_opinion(data, decoded)
    utf16 = _utf16_without_bom(data)
    if utf16:
        decoded = _try(data, utf16, "nul-pattern")
        if decoded is not None:
            return decoded
    has_nul = b"\x00" in data[:8192]
    if not has_nul:
        for encoding in ("utf-8", "gb18030"):
            decoded = _try(data, encoding, encoding)
            if decoded is not None:
                return decoded
    guess = _utf16_guess(data)
    if guess is not None:
        return guess
    if has_nul:
        raise UnsupportedFormatError("binary data (NUL bytes), not a text, PDF or DOCX file", where=where)
    decoded = _detector_guess(data)
    if decoded is not None:
        return decoded
    reasons = []
    for encoding in ("utf-8", "gb18030"):
        try:
            _, why = looks_like_text(data.decode(encoding))
            reasons.append(f"{encoding}: {why}")
        except UnicodeDecodeError as exc:
            reasons.append(f"{encoding}: invalid byte 0x{data[exc.start]:02x} at offset {exc.start}")
    raise DecodeError("cannot be decoded cleanly (" + "; ".join(reasons) + ")", where=where)
