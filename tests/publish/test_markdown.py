"""Markdown of a parse: structure visible, untrusted text never markup."""

from __future__ import annotations

import pytest

from jiance.publish.markdown import bulletin_markdown, escape_markdown
from jiance.records import Article, Bulletin, IssueMeta


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("人工智能+行动", "人工智能+行动"),
        ("# 5G", "\\# 5G"),
        ("1. 第一", "1\\. 第一"),
        ("*注*", "\\*注\\*"),
        ("<script>", "\\<script\\>"),
        ("- 列表", "\\- 列表"),
    ],
)
def test_escape(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


def test_bulletin_markdown_shows_columns_titles_subheadings_and_experts() -> None:
    issue = IssueMeta(title="测试简报", number="第1期", date_printed="2026.01.05")
    article = Article(
        "article",
        "算力网建设提速",
        ["导语一段。", "东西部协同", "正文一段。"],
        section="产业环境",
        subheadings=["东西部协同"],
    )
    piece = Article(
        "expert_opinion",
        "某研究院院长王某：算力要算得清",
        ["观点正文。"],
        section="产业环境",
        speaker="某研究院院长王某",
        headline="算力要算得清",
    )
    text = bulletin_markdown(Bulletin("x.txt", "text/plain", issue, [article, piece]))
    assert text.splitlines()[0] == "# 测试简报 第1期 2026.01.05"
    assert "## 产业环境" in text and "### 算力网建设提速" in text and "#### 东西部协同" in text
    assert "**专家观点**" in text and "> **某研究院院长王某**：算力要算得清" in text
