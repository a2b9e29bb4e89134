"""Rendering an edition into messages: the email subject and parts, and chat splitting under the limit."""

from __future__ import annotations

import re

import pytest

from jiance.distribute.render import (
    IM_LIMITS,
    email_message,
    email_subject,
    im_message,
    im_parts,
    plain_text,
    utf8_len,
)
from jiance.errors import ConfigError
from jiance.publish.model import Composition

_HEADER = re.compile(r"^（(\d+)/(\d+)）\n")


def _titles_in(part: str) -> list[str]:
    return re.findall(r"第\d+篇：测试用的产业动态标题", part)


def test_subject_names_bulletin_number_date_and_client(composition: Composition) -> None:
    assert email_subject(composition) == "信息产业监测 第12期 2026.12.01 · 甲公司"
    composition.branding.client = None
    composition.number = "2026年第3期"
    assert email_subject(composition) == "信息产业监测 2026年第3期 2026.12.01"


def test_email_message_has_text_html_pdf_and_unsubscribe(composition: Composition) -> None:
    message = email_message(
        composition, "reader@example.com", pdf_path="/tmp/x.pdf", unsubscribe="https://u/1"
    )
    assert message.channel == "email" and message.recipient == "reader@example.com"
    assert "第9篇：测试用的产业动态标题" in message.text and "<" not in message.text.split("\n")[0]
    assert message.html is not None and "<table" in message.html
    assert [a.filename for a in message.attachments] == ["信息产业监测-第12期-2026.12.01.pdf"]
    assert message.unsubscribe == "https://u/1"
    assert email_message(composition, "r@e.com", html="<p>given</p>").html == "<p>given</p>"


def test_plain_text_keeps_reading_order(composition: Composition) -> None:
    text = plain_text(composition)
    positions = [text.index(f"第{n}篇") for n in range(1, 10)]
    assert positions == sorted(positions)
    assert (
        text.index("【行业动态】")
        < text.index("专家观点")
        < text.index("【产业观察】")
        < text.index("【政策法规】")
    )


@pytest.mark.parametrize("limit", [1000, 4096, 18000])
@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_no_part_over_the_limit_and_headers_count_in_order(
    composition: Composition, limit: int, fmt: str
) -> None:
    parts = im_parts(composition, limit, fmt=fmt)  # type: ignore[arg-type]
    assert all(utf8_len(p) <= limit for p in parts)
    headers = [_HEADER.match(p) for p in parts]
    assert all(headers)
    assert [(int(h[1]), int(h[2])) for h in headers if h] == [
        (i, len(parts)) for i in range(1, len(parts) + 1)
    ]


def _strip(part: str) -> str:
    return re.sub(r"\s+", "", _HEADER.sub("", part))


def test_nothing_lost_and_order_kept(composition: Composition) -> None:
    """Concatenating the parts (headers off) gives back every character of the single-message text."""
    whole = im_parts(composition, 10**7, fmt="text")
    assert len(whole) == 1
    parts = im_parts(composition, 4096, fmt="text")
    assert "".join(_strip(p) for p in parts) == _strip(whole[0])


def test_articles_that_fit_are_never_cut(small_composition: Composition) -> None:
    """Every short article appears whole in exactly one part: the split is at article boundaries."""
    parts = im_parts(small_composition, 1500, fmt="text")
    assert len(parts) > 3
    for n in range(1, 10):
        title = f"第{n}篇：测试用的产业动态标题"
        holders = [p for p in parts if title in p]
        if not holders:
            continue  # n = 7, 8 are the long ones, absent here
        assert len(holders) == 1
        last_paragraph = "这是第1段测试文字"
        body = holders[0].split(title, 1)[1].split("■", 1)[0]
        assert last_paragraph in body


def test_long_article_split_at_paragraphs_and_giant_paragraph_hard_cut(composition: Composition) -> None:
    parts = im_parts(composition, 4096, fmt="text")
    long_parts = [p for p in parts if "长文第" in p]
    assert len(long_parts) >= 2
    for part in long_parts:  # every paragraph of the long article is whole in some part
        for chunk in re.findall(r"长文第\d+段：[^\n]*", part):
            assert chunk.endswith("内容较长。")
    giant = [p for p in parts if "没有任何句号" in p]
    assert len(giant) >= 2
    assert _titles_in(giant[0]) == ["第8篇：测试用的产业动态标题"]  # the title is not left alone in a part


def test_markdown_escapes_untrusted_text(composition: Composition) -> None:
    text = im_parts(composition, 4096, fmt="markdown")[0]
    assert "\\*标记\\*" in text and "## 本期要点" in text


def test_im_message_uses_channel_limit(composition: Composition) -> None:
    message = im_message(composition, "wecom", "ops-bot")
    assert message.parts and all(utf8_len(p) <= IM_LIMITS["wecom"] for p in message.parts)
    assert message.meta["format"] == "markdown"
    assert im_message(composition, "slack", "s").meta["format"] == "text"
    with pytest.raises(ConfigError):
        im_message(composition, "fax", "x")


def test_too_small_limit_is_refused(composition: Composition) -> None:
    with pytest.raises(ConfigError):
        im_parts(composition, 20)
