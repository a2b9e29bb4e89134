"""The figures stage: what counts as a figure, its value, unit, kind and meaning (sentences written here)."""

from __future__ import annotations

from jiance.records import Article
from jiance.stages.figures import figures_of, sentences_of, split_sentences


def _article(*paragraphs: str, title: str = "测试标题", subheadings: list[str] | None = None) -> Article:
    return Article(kind="article", title=title, paragraphs=list(paragraphs), subheadings=subheadings or [])


def _raws(*paragraphs: str) -> list[str]:
    return [f.raw for f in figures_of(_article(*paragraphs))]


def test_sentences_end_outside_quotes_and_titles_stand_alone() -> None:
    assert split_sentences("他说：“今年很好。明年更好！”随后离场。再见") == [
        "他说：“今年很好。明年更好！”随后离场。",
        "再见",
    ]
    article = _article("小标题", "正文一。正文二？", subheadings=["小标题", "另一标题"])
    assert sentences_of(article) == ["测试标题", "另一标题", "小标题", "正文一。", "正文二？"]


def test_values_units_and_multipliers() -> None:
    figures = figures_of(_article("某市光纤用户达12.5万户，收入超过3.2亿元，带宽提升至400Gbps。"))
    assert [(f.raw, f.value, f.unit, f.kind) for f in figures] == [
        ("12.5万户", 125_000, "户", "count"),
        ("3.2亿元", 320_000_000, "元", "money"),
        ("400Gbps", 400, "Gbps", "spec"),
    ]
    start, end = figures[0].span or (0, 0)
    assert figures[0].multiplier_applied and figures[0].sentence[start:end] == "12.5万户"


def test_ranges_and_bare_numbers_with_multiplier() -> None:
    first, second = figures_of(_article("项目周期为3-4个月，平台注册量达380亿、访问量达9千万。"))[:2]
    assert (first.raw, first.value, first.value_min, first.value_max, first.unit) == (
        "3-4个月",
        None,
        3,
        4,
        "个月",
    )
    assert (second.raw, second.value, second.unit) == ("380亿", 38_000_000_000, None)


def test_dates_years_models_and_ranks_are_not_figures() -> None:
    text = "2023年5月12日，某公司在2023开发者大会发布5G模组M2和倚天720，位列前100名第3位，排名Top10。"
    assert _raws(text) == []


def test_change_direction_basis_and_share() -> None:
    figures = figures_of(
        _article("全国软件收入同比增长9.4%，利润环比下降2.1%，占全国比重为35%，毛利率为20%。")
    )
    assert [(f.raw, f.kind, f.change) for f in figures] == [
        ("9.4%", "change", {"direction": "up", "basis": "同比"}),
        ("2.1%", "change", {"direction": "down", "basis": "环比"}),
        ("35%", "share", None),
        ("20%", "percent", None),
    ]
    assert figures[0].entity == "中国"
    assert figures[0].subject == "全国软件收入".removeprefix("全国")


def test_chinese_numerals_only_when_they_are_the_information() -> None:
    text = (
        "两家企业参与，启动为期半年的行动，出货量同比翻番，份额超过六成，建成千亿级产业，前三季度表现稳定。"
    )
    figures = figures_of(_article(text))
    assert [(f.raw, f.value, f.unit, f.kind) for f in figures] == [
        ("半年", 0.5, "年", "spec"),
        ("翻番", 2.0, "倍", "multiple"),
        ("六成", 6.0, "成", "share"),
    ]


def test_period_and_entity_from_context() -> None:
    figures = figures_of(_article("截至6月底，某某集团累计建成基站2300个。", title="某某集团：基站建设提速"))
    (figure,) = figures
    assert (figure.period, figure.entity, figure.value) == ("截至6月底", "某某集团", 2300)


def test_title_figures_are_reported_and_records_serialise() -> None:
    article = _article("正文没有数字。", title="某省：数据中心规模突破50万架")
    (figure,) = figures_of(article)
    assert figure.sentence == article.title
    assert figure.to_record()["raw"] == "50万架"
    assert figure.to_figure().value == 500_000
