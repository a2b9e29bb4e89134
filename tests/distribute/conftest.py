"""Fixtures of the distribution tests: the loopback receivers and compositions written for these tests.

The compositions are built by hand (text written here, not taken from any bulletin) so that sizes are
known: short articles, a long one that must be split at paragraphs, and one paragraph longer than a
WeCom message that only a hard cut can split.
"""

from __future__ import annotations

import pytest

from jiance.publish.model import Branding, Composition, KeyFigure, Piece, Section
from jiance.records import EXPERT_OPINION

from .receivers import http_receiver, smtp_auth_receiver, smtp_receiver

__all__ = ["http_receiver", "make_composition", "smtp_auth_receiver", "smtp_receiver"]


def _article(n: int, paragraphs: list[str], **extra: object) -> Piece:
    return Piece(
        article_id=f"a{n}",
        kind="article",
        title=f"第{n}篇：测试用的产业动态标题",
        paragraphs=paragraphs,
        anchor=f"a{n}",
        **extra,  # type: ignore[arg-type]
    )


def make_composition(*, long_article: bool = True) -> Composition:
    """Three columns, eight articles, a 专家观点 run; optionally a long article and a giant paragraph."""
    short = [f"这是第{i}段测试文字，说明某地区通信基础设施建设的进展情况。" * 3 for i in range(3)]
    news = [
        _article(i, short, url=f"https://example.com/news/{i}", source_name="示例来源") for i in range(1, 4)
    ]
    opinion = Piece(
        article_id="op1",
        kind=EXPERT_OPINION,
        title="算力网络需要统一调度",
        paragraphs=["专家认为跨区域调度是下一阶段的关键。"],
        speaker="某研究院专家",
        related_title=news[-1].title,
    )
    industry = [_article(i, short[:2]) for i in range(4, 7)]
    if long_article:
        long_paras = [f"长文第{i}段：关于产业链上下游协同的详细说明，" + "内容较长。" * 40 for i in range(12)]
        industry.append(_article(7, long_paras, subheadings=[long_paras[3]]))
        industry.append(_article(8, ["巨段落：" + "没有任何句号的超长文字" * 200 + "。"]))
    policy = [_article(9, short)]
    return Composition(
        issue_id=12,
        title="信息产业监测",
        date="2026-12-01",
        number="12",
        edition="client-a",
        branding=Branding(client="甲公司", contact="010-00000000"),
        sections=[
            Section(name="行业动态", pieces=[*news, opinion], anchor="s1"),
            Section(name="产业观察", pieces=industry, anchor="s2"),
            Section(name="政策法规", pieces=policy, anchor="s3"),
        ],
        highlights=["要点一：网络建设提速", "要点二：*标记* 不应变成格式"],
        key_figures=[KeyFigure(label="5G基站", value="115.9", unit="万个", period="9月")],
    )


@pytest.fixture
def composition() -> Composition:
    return make_composition()


@pytest.fixture
def small_composition() -> Composition:
    return make_composition(long_article=False)
