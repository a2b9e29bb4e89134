"""The sample-bulletin PDF renderer, checked with pdfplumber (independent of jiance's own PDF reader)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from jiance.errors import ConfigError
from jiance.samples import pdf as sample_pdf
from jiance.samples.pdf import find_cjk_font, render_image_only_pdf, render_pdf

SAMPLE: dict[str, Any] = {
    "name": "mini",
    "title": "样例观察",
    "number": "第1期",
    "date": "2026-11-19",
    "publisher": "虚构研究院信息中心",
    "contact": "010-0000-0001",
    "copyright": "©2026 样例，仅供测试。",
    "sections": [
        {
            "name": name,
            "articles": [
                {
                    "title": f"{name}样例文章{i}",
                    "blocks": [
                        {"kind": "subheading", "text": "一、背景"},
                        {
                            "kind": "paragraph",
                            "text": "这是一段用于排版测试的虚构正文，内容没有实际含义。" * 25,
                        },
                    ],
                }
                for i in range(1, 3)
            ],
        }
        for name in ("产业环境", "运营竞争")
    ],
}


@pytest.fixture(scope="module")
def pages() -> list[str]:
    with pdfplumber.open(io.BytesIO(render_pdf(SAMPLE))) as document:
        return [page.extract_text() or "" for page in document.pages]


def test_cover_has_no_running_header_and_shows_the_issue(pages: list[str]) -> None:
    assert "样例观察" in pages[0] and "第1期" in pages[0] and "2026年11月19日" in pages[0]
    assert "第 1 页" not in pages[0] and "2026.11.19" not in pages[0]


def test_every_later_page_has_header_and_footer(pages: list[str]) -> None:
    for number, text in enumerate(pages[1:], start=2):
        assert text.splitlines()[0] == "样例观察 2026.11.19"
        assert f"第 {number} 页" in text and "©2026 样例" in text and "010-0000-0001" in text


def test_contents_page_numbers_are_where_articles_start(pages: list[str]) -> None:
    assert "目 录" in pages[1] or "目  录" in pages[1]
    entries = dict(re.findall(r"^(\S+?)[ .]+(\d+)$", pages[1], re.MULTILINE))
    assert len(entries) == 6
    for title, page in entries.items():
        body = pages[int(page) - 1].splitlines()[1:-2]
        assert title in body, (title, page)


def test_without_cover_and_contents_first_page_is_body() -> None:
    with pdfplumber.open(io.BytesIO(render_pdf(SAMPLE, cover=False, contents=False))) as document:
        first = document.pages[0]
        assert "第 1 页" in (first.extract_text() or "")
        sizes = {round(c["size"], 1): c["fontname"] for c in first.chars}
    assert sizes[18.0].endswith("-Bold") and sizes[14.0].endswith("-Bold") and sizes[11.5].endswith("-Bold")
    assert not sizes[10.5].endswith("-Bold")


def test_image_only_pdf_has_an_image_and_no_chars() -> None:
    with pdfplumber.open(io.BytesIO(render_image_only_pdf())) as document:
        assert len(document.pages) == 1 and not document.pages[0].chars and document.pages[0].images


def test_missing_font_names_the_debian_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert find_cjk_font().exists()
    monkeypatch.setattr(sample_pdf, "_FONT_DIRS", (str(tmp_path),))
    with pytest.raises(ConfigError, match="fonts-wqy-zenhei"):
        find_cjk_font()
