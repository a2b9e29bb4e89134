"""detect_furniture: running footers, page numbers and contents pages are dropped with a reason and read."""

from __future__ import annotations

import pytest

from jiance.readers.text import lines_from_text
from jiance.records import Line
from jiance.stages.furniture import detect_furniture, is_page_number, section_name, shape_key
from jiance.stages.split import DEFAULT_SECTIONS

SECTIONS = frozenset(DEFAULT_SECTIONS)
MARKER = frozenset({"专家观点"})
FOOTER = ["测试产业周报 ", "©2026 虚构研究所 内部资料 请勿外传 电话 010-6543-2100  2026.05.07 "]
BODY = [
    "本市今年前三季度规模以上电子信息制造业增加值同比增长百分之十二。",
    "智能手机产量增长较快，集成电路产量保持两位数增长。",
    "业内人士认为，第四季度行业增速有望企稳回升。",
]
BODY2 = ["示范区将统筹布局通用算力和智能算力。", "新建机房的电能利用效率控制在一点二五以内。"]
BODY3 = ["星河电子称已有五家整车企业确定采用该芯片。", "首批搭载车型将于明年下半年上市。"]


def pages(bodies: list[list[str]], page_label: str = "Page {n} ") -> list[Line]:
    text: list[str] = []
    for n, body in enumerate(bodies, start=1):
        text += [*body, "", *FOOTER, "", page_label.format(n=n), ""]
    return lines_from_text("\n".join(text))


def reasons(lines: list[Line], sections: frozenset[str] = SECTIONS) -> dict[str, str]:
    furniture = detect_furniture(lines, sections, protected=MARKER)
    return {ln.text: furniture.dropped[ln.lineno] for ln in lines if ln.lineno in furniture.dropped}


def test_running_footer_on_three_pages_is_dropped_and_read() -> None:
    lines = pages([BODY, BODY2, BODY3])
    furniture = detect_furniture(lines, SECTIONS, protected=MARKER)
    dropped = {ln.text: furniture.dropped.get(ln.lineno) for ln in lines if ln.text.strip()}
    assert dropped[FOOTER[0].strip()] == "running-header-footer"
    assert dropped[FOOTER[1].strip()] == "running-header-footer"
    assert {dropped[f"Page {n}"] for n in (1, 2, 3)} == {"page-number"}
    assert all(dropped[b] is None for b in [*BODY, *BODY2, *BODY3])
    issue = furniture.issue
    assert (issue.title, issue.date, issue.date_printed, issue.contact) == (
        "测试产业周报",
        "2026-05-07",
        "2026.05.07",
        "010-6543-2100",
    )
    assert issue.copyright is not None and issue.copyright.startswith("©2026 虚构研究所")
    records = furniture.lines(lines)
    assert len(records) == 9 and all(r.reason for r in records)


def test_pages_are_read_from_page_numbers() -> None:
    lines = pages([BODY, BODY2, BODY3])
    furniture = detect_furniture(lines, SECTIONS)
    first, last = lines[0].lineno, next(ln for ln in lines if ln.text == BODY3[-1]).lineno
    assert (furniture.page_of_line[first], furniture.page_of_line[last]) == (1, 3)


@pytest.mark.parametrize(
    "text", ["Page 8", "page 8 of 20", "- 8 -", "— 12 —", "第 8 页", "第8页 共20页", "8 / 20"]
)
def test_page_number_shapes(text: str) -> None:
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["8月", "第8期", "2026", "Page eight", "共有8家企业", "5G"])
def test_not_page_numbers(text: str) -> None:
    assert not is_page_number(text)


@pytest.mark.parametrize("label", ["- {n} -", "第 {n} 页"])
def test_page_number_lines_are_dropped(label: str) -> None:
    lines = pages([BODY, BODY2, BODY3], page_label=label)
    got = reasons(lines)
    assert [got[label.format(n=n).strip()] for n in (1, 2, 3)] == ["page-number"] * 3


def test_shape_key_folds_digits_and_spaces() -> None:
    assert shape_key("Page 8 ") == shape_key("Page  16") == "Page#"


def test_expert_marker_and_columns_are_never_furniture() -> None:
    body = ["产业环境", "专家观点", *BODY, "专家观点", "【企业情报】", "专家观点", "企业情报"]
    lines = pages([body, body, body])
    got = reasons(lines)
    assert (
        "专家观点" not in got
        and "产业环境" not in got
        and "企业情报" not in got
        and "【企业情报】" not in got
    )
    assert section_name("一、产业环境", SECTIONS) == "产业环境"
    assert section_name("【技术情报】", SECTIONS) == "技术情报"
    assert section_name("产业环境变化", SECTIONS) is None


CONTENTS = [
    "目  录",
    "产业环境",
    "示范区发布算力基础设施三年行动计划……………………… 2",
    "多地加快布局新型储能产业 ....................... 3",
    "企业情报",
    "星河电子发布新一代车规级芯片并宣布与五家整车企业签署",
    "长期供货协议·························· 5",
    "云帆科技上半年营收同比增长两成                   6",
]
ENTRIES = [
    ("示范区发布算力基础设施三年行动计划", 2),
    ("多地加快布局新型储能产业", 3),
    ("星河电子发布新一代车规级芯片并宣布与五家整车企业签署长期供货协议", 5),
    ("云帆科技上半年营收同比增长两成", 6),
]
ARTICLE_START = ["产业环境", "示范区发布算力基础设施三年行动计划", *BODY]


def test_contents_page_is_recognised_and_read() -> None:
    lines = lines_from_text("\n".join([*CONTENTS, "", *ARTICLE_START]))
    furniture = detect_furniture(lines, SECTIONS)
    assert [(e.title, e.page) for e in furniture.contents] == ENTRIES
    assert furniture.contents_sections == ["产业环境", "企业情报"]
    dropped = {ln.lineno: furniture.dropped.get(ln.lineno) for ln in lines if ln.text.strip()}
    assert [dropped[n] for n in range(1, len(CONTENTS) + 1)] == ["contents"] * len(CONTENTS)
    assert all(dropped[n] is None for n in range(len(CONTENTS) + 2, len(lines) + 1))


def test_contents_page_under_a_cover() -> None:
    cover = ["测试产业周报", "2026年第3期", "虚构研究所编"]
    lines = lines_from_text("\n".join([*cover, "", *CONTENTS, "", *ARTICLE_START]))
    furniture = detect_furniture(lines, SECTIONS)
    assert [(e.title, e.page) for e in furniture.contents] == ENTRIES
    assert [furniture.dropped[n] for n in (1, 2, 3)] == ["cover"] * 3
    assert (furniture.issue.title, furniture.issue.number) == ("测试产业周报", "第3期")


def test_contents_page_followed_by_its_page_footer() -> None:
    text = [*CONTENTS, "", *FOOTER, "", "Page 1", ""]
    for n in (2, 3):
        text += [*(BODY2 if n == 2 else BODY3), "", *FOOTER, "", f"Page {n}", ""]
    furniture = detect_furniture(lines_from_text("\n".join(text)), SECTIONS)
    assert [(e.title, e.page) for e in furniture.contents] == ENTRIES
