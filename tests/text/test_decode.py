"""decode_bytes: each kind of evidence (BOM, declared charset, NUL pattern, UTF-8, GB18030, detector) and refusals."""

from __future__ import annotations

import codecs
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiance.errors import DecodeError, EmptyInputError, InputError, UnsupportedFormatError
from jiance.text import decode_bytes
from jiance.text.decode import common_hanzi

TEXT = "本周工业和信息化部召开新闻发布会，介绍了前三季度电子信息制造业的运行情况。\n" * 3
# ㄅㄆㄇ (bopomofo) and 𠀀 (CJK extension B) are in GB18030 but not in GBK.
GB18030_ONLY = "注音符号ㄅㄆㄇ与扩展字𠀀。\n" + TEXT
MIXED = "Weekly report on the electronics industry, line one.\n第二行：本周电子信息制造业运行平稳。\n" * 5
TRADITIONAL = "本週工業和資訊化部召開新聞發佈會，介紹了前三季度電子資訊製造業的運行情況。" * 3
JAPANESE = "本日は晴天なり。東京の会社は新しい製品を発表しました。日本語の文章をここに書きます。" * 3


def test_utf8_without_bom() -> None:
    decoded = decode_bytes(TEXT.encode("utf-8"))
    assert (decoded.text, decoded.encoding, decoded.via) == (TEXT, "utf-8", "utf-8")


def test_utf8_with_bom_drops_the_mark() -> None:
    decoded = decode_bytes(codecs.BOM_UTF8 + TEXT.encode("utf-8"))
    assert decoded.text == TEXT
    assert decoded.via == "bom"


def test_gbk_bytes_decode_as_gb18030() -> None:
    decoded = decode_bytes(TEXT.encode("gbk"))
    assert (decoded.text, decoded.encoding) == (TEXT, "gb18030")


def test_characters_outside_gbk_survive() -> None:
    with pytest.raises(UnicodeEncodeError):
        GB18030_ONLY.encode("gbk")
    assert decode_bytes(GB18030_ONLY.encode("gb18030")).text == GB18030_ONLY


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_bom(encoding: str) -> None:
    bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    decoded = decode_bytes(bom + TEXT.encode(encoding))
    assert decoded.text == TEXT
    assert decoded.via == "bom"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_by_nul_pattern(encoding: str) -> None:
    decoded = decode_bytes(MIXED.encode(encoding))
    assert (decoded.text, decoded.encoding, decoded.via) == (MIXED, encoding, "nul-pattern")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_chinese_line(encoding: str) -> None:
    text = "本周工业和信息化部召集新闻发布会，前三季度电子信息制造业运行平稳，增速回升。" * 3
    assert b"\x00" not in text.encode(encoding)
    decoded = decode_bytes(text.encode(encoding))
    assert (decoded.text, decoded.encoding) == (text, encoding)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_chinese_text(encoding: str) -> None:
    text = "本周工业和信息化部召开新闻发布会。\n\n前三季度电子信息制造业运行平稳，增速回升。\n\n" * 5
    assert decode_bytes(text.encode(encoding)).text == text


def test_crlf_is_kept_for_normalisation() -> None:
    text = TEXT.replace("\n", "\r\n")
    assert decode_bytes(text.encode("utf-8")).text == text


def test_declared_charset_wins_when_valid() -> None:
    decoded = decode_bytes(GB18030_ONLY.encode("gb18030"), declared="GB2312")
    assert (decoded.text, decoded.encoding, decoded.via) == (GB18030_ONLY, "gb18030", "declared")
    japanese = decode_bytes(JAPANESE.encode("euc-jp"), declared="EUC-JP")
    assert (japanese.text, japanese.via) == (JAPANESE, "declared")


def test_wrong_declared_charset_falls_back() -> None:
    assert decode_bytes(TEXT.encode("gbk"), declared="utf-8").text == TEXT
    assert decode_bytes(TEXT.encode("utf-8"), declared="gbk").text == TEXT
    assert decode_bytes(TEXT.encode("utf-8"), declared="no-such-charset").text == TEXT


@pytest.mark.parametrize("seed", range(4))
def test_random_binary_is_refused(seed: int) -> None:
    rng = random.Random(seed)
    data = bytes(rng.randrange(256) for _ in range(4000))
    with pytest.raises((DecodeError, UnsupportedFormatError)) as info:
        decode_bytes(data, where="noise.bin")
    assert info.value.where == "noise.bin"
    assert "noise.bin" in str(info.value)


def test_random_binary_without_nuls_is_undecodable() -> None:
    rng = random.Random(7)
    data = bytes(rng.randrange(1, 256) for _ in range(4000))
    with pytest.raises(DecodeError, match="cannot be decoded cleanly"):
        decode_bytes(data, where="noise.bin")


def test_control_characters_are_refused() -> None:
    with pytest.raises(DecodeError, match="control characters"):
        decode_bytes(bytes(range(1, 32)) * 50, where="ctl.bin")


def test_bom_that_lies_is_refused() -> None:
    with pytest.raises(DecodeError, match="byte-order mark"):
        decode_bytes(codecs.BOM_UTF16_LE + b"\x00\xd8", where="bad.txt")


def test_big5_decodes_correctly_or_is_refused() -> None:
    try:
        decoded = decode_bytes(TRADITIONAL.encode("big5"), where="big5.txt")
    except DecodeError as error:
        assert error.where == "big5.txt"
        return
    assert decoded.text == TRADITIONAL


def test_declared_big5() -> None:
    decoded = decode_bytes(TRADITIONAL.encode("big5"), declared="big5")
    assert (decoded.text, decoded.via) == (TRADITIONAL, "declared")


def test_shift_jis_decodes_correctly() -> None:
    assert decode_bytes(JAPANESE.encode("shift_jis")).text == JAPANESE


@pytest.mark.xfail(
    reason="EUC-JP kana and kanji sit on GB2312 level-1 code points, so GB18030 accepts the mojibake",
    strict=True,
)
def test_euc_jp_is_not_garbled() -> None:
    try:
        decoded = decode_bytes(JAPANESE.encode("euc-jp"))
    except DecodeError:
        return
    assert decoded.text == JAPANESE


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_traditional_chinese_utf8(bom: bytes) -> None:
    assert decode_bytes(bom + TRADITIONAL.encode("utf-8")).text == TRADITIONAL


@pytest.mark.parametrize("data", [b"", b"  \r\n\t ", codecs.BOM_UTF8 + b"\n"])
def test_empty_input(data: bytes) -> None:
    with pytest.raises(EmptyInputError) as info:
        decode_bytes(data, where="empty.txt")
    assert str(info.value).startswith("empty.txt: ")
    assert isinstance(info.value, InputError)


# Chinese prose: common characters (GB2312 level 1) with punctuation, digits and some Latin. Very short strings
# are left out: two GBK bytes can also be valid UTF-8 (业 is D2 B5, which UTF-8 reads as ҵ).
CHINESE_PROSE = st.text(
    st.one_of(
        st.sampled_from(sorted(common_hanzi())),
        st.sampled_from(list("，。、；：？！“”（）ABCxyz0123 \n")),
    ),
    min_size=20,
    max_size=300,
).filter(lambda t: sum(c in common_hanzi() for c in t) >= 10)


@settings(max_examples=100, deadline=None)
@given(CHINESE_PROSE, st.sampled_from(["gbk", "gb18030", "utf-8"]))
def test_round_trip(text: str, encoding: str) -> None:
    assert decode_bytes(text.encode(encoding)).text == text
