"""Text renderings of the samples: nothing lost, widths kept, paragraph marks and encodings as promised."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from lxml import html as lxml_html

from jiance.samples import (
    LAYOUTS,
    encode_text,
    gold_records,
    load_sample,
    render_single_article_html,
    render_single_article_text,
    render_text,
    sample_names,
    write_sample_set,
)
from jiance.samples.corpus import EXPERT_LABEL, iter_articles
from jiance.samples.layouts import ENCODINGS, format_date, wrap_line
from jiance.text import decode_bytes, visual_width

BARE = {"cover": False, "contents": False, "footer": False}


def _squash(text: str) -> str:
    return "".join(text.split())


def _printed_units(sample: dict) -> list[str]:
    """Every unit the body prints, in order: section names, titles, blocks, expert lines."""
    units, section = [], None
    for name, article in iter_articles(sample):
        if name != section:
            units.append(name)
            section = name
        units += [article["title"], *(b["text"] for b in article["blocks"])]
        if article.get("experts"):
            units.append(EXPERT_LABEL)
        for piece in article.get("experts", []):
            units += [f"{piece['speaker']}：{piece['headline']}", *piece["paragraphs"]]
    return units


def _layout_kwargs(layout: dict) -> dict:
    return {k: v for k, v in layout.items() if k not in ("encoding", "newline")}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_body_keeps_every_character_in_order(layout: str) -> None:
    sample = load_sample("sample-b")
    text = render_text(sample, **{**_layout_kwargs(LAYOUTS[layout]), **BARE})
    assert _squash(text) == _squash("".join(_printed_units(sample)))


def test_footers_are_the_only_additions() -> None:
    sample = load_sample("sample-a")
    text = render_text(sample, cover=False, contents=False)
    footer_re = re.compile(r"^\s*(数字产业观察|版权所有.*|Page \d+)\s*$")
    kept = [line for line in text.split("\n") if not footer_re.match(line)]
    assert _squash("".join(kept)) == _squash("".join(_printed_units(sample)))
    labels = re.findall(r"^Page (\d+) $", text, flags=re.M)
    assert labels == [str(n) for n in range(1, len(labels) + 1)] and len(labels) >= 5


@pytest.mark.parametrize("width", [30, 38, 50])
def test_lines_respect_the_width(width: int) -> None:
    text = render_text(load_sample("sample-c"), width=width, blank_between=False, **BARE)
    widths = [visual_width(line.rstrip(" ")) for line in text.split("\n")]
    assert max(widths) <= width * 2 + 2  # a closing mark may hang past the margin
    assert sum(1 for w in widths if w >= width * 2 - 2) > 50


def test_some_titles_wrap_and_can_be_kept_on_one_line() -> None:
    sample = load_sample("sample-a")
    long_titles = [a["title"] for _, a in iter_articles(sample) if visual_width(a["title"]) > 76]
    assert len(long_titles) >= 2
    wrapped = render_text(sample, blank_between=False, **BARE).split("\n")
    single = render_text(sample, blank_between=False, titles_wrap=False, **BARE).split("\n")
    assert all(f"{t} " not in wrapped for t in long_titles)
    assert all(f"{t} " in single for t in long_titles)


def test_trailing_space_marks_the_end_of_every_unit() -> None:
    sample = load_sample("sample-a")
    lines = render_text(sample, blank_between=False, **BARE).split("\n")
    assert sum(1 for line in lines if line.endswith(" ")) == len(_printed_units(sample))


def test_indent_marks_the_start_of_every_paragraph() -> None:
    sample = load_sample("sample-c")
    lines = render_text(sample, para_mark="indent", blank_between=False, **BARE).split("\n")
    paragraphs = [r for rec in gold_records(sample) for r in rec["paragraphs"] if r not in rec["subheadings"]]
    assert sum(1 for line in lines if line.startswith("\u3000\u3000")) == len(paragraphs)
    assert not any(line.endswith(" ") for line in lines)


def test_blank_line_mode_separates_units_only() -> None:
    sample = load_sample("sample-b")
    text = render_text(sample, para_mark="blank_line", blank_between=False, **BARE)
    chunks = [c for c in text.split("\n\n") if c.strip()]
    assert len(chunks) == len(_printed_units(sample))


def test_seed_like_puts_a_blank_after_every_line() -> None:
    text = render_text(load_sample("sample-a"), stray_spaces=True, **BARE)
    lines = text.split("\n")
    assert all(lines[i + 1] == "" for i, line in enumerate(lines[:-1]) if line.strip())
    assert any(line.startswith(" ") and line.strip() for line in lines)


def test_words_stay_whole_unless_breaking_inside_is_allowed() -> None:
    text = "据统计，Wi-Fi 7路由器与RISC-V处理器的出货量分别为8913.68万台和2186.5万颗，同比增长12.5%。" * 3
    for width in range(12, 30):
        lines = wrap_line(text, width, break_inside_words=False)
        for a, b in itertools.pairwise(lines):
            assert not (a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum())
        assert "".join(lines) == text
    cuts = [wrap_line(text, width, break_inside_words=True) for width in range(12, 30)]
    assert any(a[-1].isdigit() and b[0].isdigit() for cut in cuts for a, b in itertools.pairwise(cut))


def test_no_line_starts_or_ends_at_a_space() -> None:
    for line in wrap_line("他说 Wi-Fi 7 与 M4 Pro 芯片 " * 12, 15):
        assert line == line.strip()


def test_cover_contents_and_footer_formats_vary_per_sample() -> None:
    a = render_text(load_sample("sample-a"))
    b = render_text(load_sample("sample-b"), blank_between=False, date_style="cjk")
    c = render_text(load_sample("sample-c"), contents_style="numbers")
    assert "目　　录" in a and "2026年第12期（总第286期）" in a and re.search(r"\.{5,}\d+$", a, re.M)
    assert re.search(r"^- 3 - $", b, re.M) and "2026年6月25日" in b
    assert re.search(r"^第 3 页 $", c, re.M) and not re.search(r"\.{5,}\d+", c)


def test_contents_page_numbers_match_the_body() -> None:
    sample = load_sample("sample-c")
    text = render_text(sample, blank_between=False, para_mark="short_last_line", titles_wrap=False)
    body_start = text.index("第 2 页") + len("第 2 页")
    toc, body = text[:body_start], text[body_start:]
    pages = {}
    seen: list[str] = []
    for line in body.split("\n"):
        if m := re.fullmatch(r"第 (\d+) 页", line):
            pages.update({t: int(m.group(1)) for t in seen})
            seen = []
        else:
            seen.append(line)
    for _, article in iter_articles(sample):
        m = re.search(re.escape(article["title"][-6:]) + r"\.+(\d+)$", toc, re.M)
        assert m and int(m.group(1)) == pages[article["title"]], article["title"]


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_encodings_decode_back(encoding: str, newline: str) -> None:
    text = render_text(load_sample("sample-c"))
    data = encode_text(text, encoding, newline)
    assert data.decode(encoding).replace("\r\n", "\n") == text.removeprefix("\ufeff")
    assert decode_bytes(data).text.replace("\r\n", "\n").lstrip("\ufeff") == text
    if encoding in ("utf-16", "utf-8-sig"):
        assert data[:3] in (b"\xef\xbb\xbf",) or data[:2] in (b"\xff\xfe", b"\xfe\xff")


def test_format_date_styles() -> None:
    assert format_date("2026-03-12", "dots") == "2026.03.12"
    assert format_date("2026-03-12", "cjk") == "2026年3月12日"


def test_single_article_text() -> None:
    _, article = next(iter_articles(load_sample("sample-a")))
    text = render_single_article_text(article)
    parts = text.strip().split("\n\n")
    assert parts[0] == article["title"] and parts[1:] == [b["text"] for b in article["blocks"]]


def test_single_article_html_keeps_boilerplate_outside_the_article() -> None:
    article = next(a for _, a in iter_articles(load_sample("sample-a")) if "<" not in a["title"])
    tree = lxml_html.fromstring(render_single_article_html(article))
    assert tree.findtext(".//article/h1") == article["title"]
    inside = [el.text_content() for el in tree.xpath("//article/p | //article/h2")]
    assert inside == [b["text"] for b in article["blocks"]]
    assert tree.xpath("//nav") and tree.xpath("//aside") and "版权所有" in tree.findtext(".//footer/p")


def test_write_sample_set(tmp_path: Path) -> None:
    written = write_sample_set(tmp_path)
    assert len(written) == len(set(written)) and all(p.exists() for p in written)
    layouts = sorted(tmp_path.glob("sample-*__[!a]*.txt"))
    assert len(layouts) == len(sample_names()) * len(LAYOUTS)
    for path in layouts:
        gold = json.loads(path.with_name(path.name + ".gold.json").read_text(encoding="utf-8"))
        assert gold["source"] == path.name and gold["covers"] == "all"
        assert gold["records"] == gold_records(load_sample(path.name.split("__")[0]))
        assert "专家观点" in decode_bytes(path.read_bytes()).text
    assert (tmp_path / "sample-a__article-00.html.gold.json").is_file()
