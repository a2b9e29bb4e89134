"""reflow: each paragraph convention a dump may use, Latin words and numbers split at a line end, and idempotence."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiance.readers.text import lines_from_text
from jiance.text import normalize_text, visual_width
from jiance.text.reflow import detect_conventions, reflow

PARAGRAPHS = [
    "本市今年前三季度规模以上电子信息制造业增加值同比增长百分之十二，增速比上半年回落一个百分点。",
    "从产品看，智能手机产量增长较快，集成电路产量保持两位数增长，新型显示面板出货量再创新高。",
    "业内人士认为，随着消费电子旺季到来，第四季度行业增速有望企稳回升，全年目标可以完成。",
]


def wrap(text: str, cells: int = 40) -> list[str]:
    """Hard-wrap at a visual width, the way a PDF converter does."""
    lines, current = [], ""
    for ch in text:
        if visual_width(current + ch) > cells:
            lines.append(current)
            current = ""
        current += ch
    return [*lines, current]


def blocks(text: str) -> list[str]:
    return [block.text for block in reflow(lines_from_text(normalize_text(text)))]


def test_trailing_space_ends_a_paragraph() -> None:
    text = "\n".join(
        line + (" " if i == len(wrap(p)) - 1 else "") for p in PARAGRAPHS for i, line in enumerate(wrap(p))
    )
    assert blocks(text) == PARAGRAPHS


def test_ideographic_indent_starts_a_paragraph() -> None:
    assert blocks("\n".join(line for p in PARAGRAPHS for line in wrap("\u3000\u3000" + p))) == PARAGRAPHS


def test_blank_line_between_paragraphs() -> None:
    assert blocks("\n\n".join("\n".join(wrap(p)) for p in PARAGRAPHS)) == PARAGRAPHS


def test_short_last_line_ends_a_paragraph() -> None:
    assert all(visual_width(wrap(p)[-1]) < 30 for p in PARAGRAPHS)
    assert blocks("\n".join(line for p in PARAGRAPHS for line in wrap(p))) == PARAGRAPHS


def test_blank_line_after_every_line_with_trailing_marks() -> None:
    lines = [
        line + (" " if i == len(wrap(p)) - 1 else "") for p in PARAGRAPHS for i, line in enumerate(wrap(p))
    ]
    text = "\n\n".join(lines)
    assert not detect_conventions(lines_from_text(text)).blank_marks
    assert blocks(text) == PARAGRAPHS


def test_unwrapped_text_keeps_one_paragraph_per_line() -> None:
    lines = [*PARAGRAPHS, "第四段只有一句话。", "第五段没有句号"]
    conv = detect_conventions(lines_from_text("\n".join(lines)))
    assert not conv.wrapped
    assert blocks("\n".join(lines)) == lines


WORD_WRAPS = [
    "苹果公司在秋季发布会上推出了新一代的笔记本电脑，其中新款MacBook ",
    "Pro搭载了自研芯片，性能较上一代提升明显，续航时间也有所延长，售价从",
    "一万四千元起。 ",
    "分析人士指出，该公司今年笔记本电脑出货量有望达到2300万台，其中高端机型占比",
    "超过三成，全年营收预计增长百分之二十以上，利润率保持在较高水平上。 ",
    "另有消息称，该公司正在测试一款代号为Mac",
    "Book的低价机型，预计明年上市，主要面向教育市场和学生群体，价格更加亲民。 ",
    "该机型的屏幕尺寸约为十三英寸，重量不到一点二千克，可连续使用十八个小时。 ",
    "目前全国在建的工业互联网项目已经超过18",
    "00个，覆盖钢铁、电力、矿山等二十多个重点行业，带动效果显著，前景广阔。 ",
]


def test_latin_words_and_numbers_across_line_ends() -> None:
    for separator in ("\n", "\n\n"):
        out = blocks(separator.join(WORD_WRAPS))
        assert len(out) == 5
        assert "新款MacBook Pro搭载" in out[0]
        assert "代号为MacBook的" in out[2]
        assert "超过1800个" in out[4]


def test_block_lines_pass_through() -> None:
    lines = lines_from_text("第一段不需要重排\n第二段也不需要")
    for line in lines:
        line.block = True
    assert [b.text for b in reflow(lines)] == ["第一段不需要重排", "第二段也不需要"]


def test_provenance_of_blocks() -> None:
    out = reflow(lines_from_text("\n\n".join("\n".join(wrap(p)) for p in PARAGRAPHS)))
    assert [(b.first_line, b.last_line) for b in out] == [(1, 3), (5, 7), (9, 11)]


HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
CHUNK = st.one_of(
    st.text(HAN, min_size=1, max_size=12),
    st.text(alphabet="abcXYZ0123456789", min_size=1, max_size=6),
    st.sampled_from(["，", "、", "“", "”"]),
)
PARAGRAPH = st.builds(
    lambda parts, end: "".join(parts) + end,
    st.lists(CHUNK, min_size=6, max_size=14),
    st.sampled_from("。！？"),
).filter(lambda p: len(p) >= 40)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow]
)
@given(
    st.lists(PARAGRAPH, min_size=3, max_size=6),
    st.integers(24, 40),
    st.sampled_from(["trailing", "blank", "indent"]),
)
def test_reflow_recovers_paragraphs_and_is_idempotent(
    paragraphs: list[str], cells: int, convention: str
) -> None:
    lines: list[str] = []
    for p in paragraphs:
        wrapped = wrap(("\u3000\u3000" if convention == "indent" else "") + p, cells)
        if convention == "trailing":
            wrapped[-1] += " "
        lines.extend(wrapped)
        if convention == "blank":
            lines.append("")
    first = blocks("\n".join(lines))
    assert first == paragraphs
    assert blocks("\n\n".join(first)) == first
