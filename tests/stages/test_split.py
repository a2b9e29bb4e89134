"""split_bulletin on small bulletins of our own, laid out like the PDF-to-text dumps users receive."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from jiance.errors import JianceError
from jiance.readers.text import lines_from_text, read_text
from jiance.records import ARTICLE, EXPERT_OPINION, Bulletin, Line, SourceText
from jiance.stages.split import SplitOptions, split_bulletin

WIDTH = 38  # characters per dump line
FOOTER = ["测试产业周报 ", "©2026 虚构研究所 内部资料 请勿外传 电话 010-6543-2100  2026.05.07 ", " "]

A1 = "示范区发布算力基础设施三年行动计划"
A2 = "多地加快布局新型储能产业"
A3 = "星河电子发布新一代车规级芯片"
A4 = "云帆科技上半年营收同比增长两成"
S1, S2 = "储能政策密集出台", "储能企业扩产提速"
E1 = "某研究院首席分析师李明：储能成本仍有下降空间"
E2 = "某大学教授王芳：安全标准需要尽快统一"
A1_FIRST = (
    "近日，东湖示范区正式发布算力基础设施三年行动计划，提出到二〇二八年建成总规模超过一万架标准机架的数据中心"
    "集群，智能算力占比提升到六成以上，并同步建设城市级算力调度平台。"
)
ITEMS: list[tuple[str, ...]] = [
    ("section", "产业环境"),
    ("title", A1),
    ("para", A1_FIRST, "break"),  # a page footer falls inside this paragraph
    (
        "para",
        "按照计划，示范区将统筹布局通用算力、智能算力和超算资源，推动数据中心绿色低碳改造，新建机房的电能利用效率控制在一点二五以内。",
    ),
    ("title", A2),
    (
        "para",
        "今年以来，江苏、广东、四川等地相继出台新型储能产业发展方案，南湖储能集团、青石电池等龙头企业加快落地钠离子电池和液流电池项目，新型储能装机规模快速扩大。",
    ),
    ("sub", S1),
    (
        "para",
        "江苏、广东、四川三省明确要求新建新能源项目按一定比例配置新型储能，并对独立储能电站给予容量补偿，南湖储能集团和青石电池的项目收益模式逐步清晰。",
    ),
    ("sub", S2),
    (
        "para",
        "在政策带动下，南湖储能集团宣布在四川新建钠离子电池基地，青石电池在江苏扩建液流电池产线，两家企业的订单排期已经延续到明年二季度。",
    ),
    (
        "para",
        "业内人士提醒，钠离子电池和液流电池产能快速扩张也带来价格竞争加剧的风险，南湖储能集团和青石电池都需要在安全和循环寿命上形成优势。",
    ),
    ("marker",),
    ("piece", E1),
    (
        "para",
        "李明认为，随着碳酸锂价格回落和储能电芯规模化生产，储能系统的单位成本仍有百分之二十左右的下降空间。",
    ),
    ("piece", E2),
    ("para", "王芳表示，储能电站的消防和电池安全标准各地并不统一，应当尽快出台全国性的储能安全技术规范。"),
    ("para", "她建议，储能项目在并网前应当通过第三方安全评估，并建立全生命周期的运行监测制度。"),
    ("page",),
    ("section", "企业情报"),
    ("title", A3),
    (
        "para",
        "星河电子日前在上海发布新一代车规级芯片，这款芯片采用七纳米工艺，面向智能座舱和辅助驾驶，星河电子表示芯片已通过车规级可靠性认证，明年一季度开始量产交付。",
    ),
    ("para", "星河电子称，已有五家整车企业确定采用该芯片，首批搭载车型将于明年下半年上市。"),
    ("title", A4),
    (
        "para",
        "云帆科技发布半年报，上半年实现营业收入四十二亿元，同比增长百分之二十一，净利润五亿元，同比增长百分之十五，云帆科技的云服务和软件订阅收入增长最快。",
    ),
    ("para", "云帆科技表示，下半年将继续加大研发投入，重点拓展海外市场，全年营收目标维持不变。"),
]
CONTENTS = ["产业环境", f"{A1}……………… 1", f"{A2}…………………… 1", "企业情报", f"{A3}………………… 2", f"{A4}……………… 2"]


@dataclass
class Dump:
    """A rendered dump and the line range (title to last line) each article or piece should cover."""

    text: str
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)


def render(items: list[tuple[str, ...]], contents: list[str] | None = None) -> Dump:
    """Seed-like layout: a blank line after every line, a trailing space closing each paragraph and heading."""
    out: list[str] = []
    dump = Dump("")
    page = 1
    title = ""

    def emit(line: str) -> int:
        out.extend([line, ""])
        return len(out) - 1

    def footer() -> None:
        nonlocal page
        out.append("")
        for line in FOOTER:
            emit(line)
        emit(f"Page {page} ")
        page += 1

    if contents:
        for line in ["目录 ", *contents]:
            emit(line)
        out.extend(["", ""])
    for kind, *args in items:
        if kind == "section":
            emit(f" {args[0]} ")
        elif kind == "marker":
            emit("专家观点 ")
        elif kind in ("title", "piece"):
            title = args[0]
            n = emit(title + " ")
            dump.spans[title] = (n, n)
        elif kind == "sub":
            dump.spans[title] = (dump.spans[title][0], emit(args[0] + " "))
        elif kind == "para":
            lines = [args[0][i : i + WIDTH] for i in range(0, len(args[0]), WIDTH)]
            for i, line in enumerate(lines):
                n = emit(line + (" " if i == len(lines) - 1 else ""))
                if args[1:] and i == 1:
                    footer()
            dump.spans[title] = (dump.spans[title][0], n)
        elif kind == "page":
            footer()
    footer()
    dump.text = "\n".join(out) + "\n"
    return dump


def split(text: str, options: SplitOptions | None = None) -> Bulletin:
    return split_bulletin(read_text(text.encode("utf-8"), "test.txt"), options)


def assert_structure(bulletin: Bulletin, dump: Dump) -> None:
    got = [(a.kind, a.section, a.title, a.subheadings, len(a.paragraphs)) for a in bulletin.articles]
    assert got == [
        (ARTICLE, "产业环境", A1, [], 2),
        (ARTICLE, "产业环境", A2, [S1, S2], 6),
        (EXPERT_OPINION, "产业环境", E1, [], 1),
        (EXPERT_OPINION, "产业环境", E2, [], 2),
        (ARTICLE, "企业情报", A3, [], 2),
        (ARTICLE, "企业情报", A4, [], 2),
    ]
    experts = [
        (a.speaker, a.headline, a.related_title) for a in bulletin.articles if a.kind == EXPERT_OPINION
    ]
    assert experts == [
        ("某研究院首席分析师李明", "储能成本仍有下降空间", A2),
        ("某大学教授王芳", "安全标准需要尽快统一", A2),
    ]
    for article in bulletin.articles:
        src = article.provenance
        assert (src.line_start, src.line_end) == dump.spans[article.title], article.title
        assert src.path == "test.txt"
    assert bulletin.sections == ["产业环境", "企业情报"]


def test_small_bulletin() -> None:
    dump = render(ITEMS)
    bulletin = split(dump.text)
    assert_structure(bulletin, dump)
    a2 = bulletin.articles[1]
    assert a2.paragraphs[1] == S1 and a2.paragraphs[3] == S2
    assert (bulletin.issue.title, bulletin.issue.date, bulletin.issue.contact) == (
        "测试产业周报",
        "2026-05-07",
        "010-6543-2100",
    )
    assert {f.reason for f in bulletin.furniture} == {"running-header-footer", "page-number"}


def test_paragraph_rejoined_across_the_page_footer() -> None:
    bulletin = split(render(ITEMS).text)
    assert bulletin.articles[0].paragraphs[0] == A1_FIRST
    bodies = "\n".join(a.body for a in bulletin.articles)
    assert "Page" not in bodies and "©2026" not in bodies and "测试产业周报" not in bodies


def test_small_bulletin_with_contents_page() -> None:
    dump = render(ITEMS, contents=CONTENTS)
    bulletin = split(dump.text)
    assert_structure(bulletin, dump)
    assert [(c.title, c.page) for c in bulletin.contents] == [(A1, 1), (A2, 1), (A3, 2), (A4, 2)]
    assert any(f.reason == "contents" for f in bulletin.furniture)


def test_every_article_has_an_issue_and_a_stable_id() -> None:
    text = render(ITEMS).text
    first, second = split(text), split(text)
    assert [a.id for a in first.articles] == [a.id for a in second.articles]
    assert len({a.id for a in first.articles}) == 6
    assert all(a.issue is first.issue for a in first.articles)


def test_single_article_file() -> None:
    text = "\n".join(
        [
            "星河电子发布新一代车规级芯片",
            "",
            "星河电子日前在上海发布新一代车规级芯片，这款芯片采用七纳米工艺，面向智能座舱和辅助驾驶。",
            "星河电子称，已有五家整车企业确定采用该芯片，首批搭载车型将于明年下半年上市。",
            "该公司表示，明年一季度开始量产交付，全年出货目标为一百万颗。",
        ]
    )
    bulletin = split(text)
    assert [(a.kind, a.title, len(a.paragraphs)) for a in bulletin.articles] == [
        (ARTICLE, "星河电子发布新一代车规级芯片", 3)
    ]
    assert bulletin.articles[0].section is None


def test_sections_are_configurable() -> None:
    renamed = [
        ("section", {"产业环境": "政策动态", "企业情报": "公司新闻"}[i[1]]) if i[0] == "section" else i
        for i in ITEMS
    ]
    text = render(renamed).text
    default = split(text)
    assert "政策动态" not in default.sections
    bulletin = split(text, SplitOptions(sections=("政策动态", "公司新闻")))
    assert bulletin.sections == ["政策动态", "公司新闻"]
    assert [a.section for a in bulletin.articles] == ["政策动态"] * 4 + ["公司新闻"] * 2
    assert [a.title for a in bulletin.articles][4:] == [A3, A4]


def test_expert_marker_is_configurable() -> None:
    text = render(ITEMS).text.replace("专家观点 ", "名家点评 ")
    bulletin = split(text, SplitOptions(expert_marker="名家点评"))
    experts = [a.speaker for a in bulletin.articles if a.kind == EXPERT_OPINION]
    assert experts == ["某研究院首席分析师李明", "某大学教授王芳"]


LINE_TEXT = st.text(
    st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
        st.sampled_from(list("，。：？“”【】 　.-—…0123456789Page目录专家观点产业环境企业情报©")),
    ),
    max_size=50,
)


@settings(max_examples=100, deadline=None)
@given(st.lists(LINE_TEXT, max_size=40), st.booleans())
def test_split_never_raises_on_arbitrary_text(texts: list[str], trailing: bool) -> None:
    lines = [
        Line(text=t, lineno=i, trailing_space=trailing and i % 3 == 0) for i, t in enumerate(texts, start=1)
    ]
    try:
        bulletin = split_bulletin(SourceText(path="fuzz.txt", media_type="text/plain", lines=lines))
    except JianceError:
        return
    for article in bulletin.articles:
        assert article.title.strip()
        assert article.provenance.line_start is not None


def test_configured_bulletin_name_is_furniture_and_the_issue_title() -> None:
    text = "数字产业观察\n\n芯片产能持续紧张\n\n多家晶圆厂表示，订单已经排到明年第二季度。\n\n业内人士认为，紧张局面短期难以缓解。\n"
    source = SourceText(path="one.txt", media_type="text/plain", lines=lines_from_text(text))
    bulletin = split_bulletin(source, SplitOptions(bulletin_titles=("数字产业观察",)))
    assert bulletin.issue.title == "数字产业观察"
    assert [a.title for a in bulletin.articles] == ["芯片产能持续紧张"]
    assert [(f.lineno, f.reason) for f in bulletin.furniture] == [(1, "bulletin-name")]
