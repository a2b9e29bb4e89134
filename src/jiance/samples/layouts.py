"""Render the sample bulletins as PDF-to-text dumps, in the ways real dumps differ, with gold alongside.

Real bulletins reach us as text pulled out of PDFs: hard-wrapped at a fixed width, paragraphs marked by a
trailing space, an ideographic indent or nothing but a short last line, blank lines between every line or
none, running footers in the middle of a paragraph, a cover and a table of contents in front, and encodings
from UTF-8 to GBK and UTF-16. The splitter is judged on text it has never seen, so the samples are rendered
in all of these ways from one JSON source, and every rendering carries the same gold records.

Widths are counted like :func:`jiance.text.visual_width`: a CJK or full-width character is two cells,
Latin letters and digits one, so ``width=38`` means 76 cells. A closing punctuation mark may hang one
character past the margin, as typesetters do.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jiance.errors import ConfigError
from jiance.samples.corpus import (
    EXPERT_LABEL,
    Sample,
    article_record,
    expert_title,
    gold_records,
    iter_articles,
    load_sample,
    sample_names,
)
from jiance.text import visual_width

__all__ = [
    "ENCODINGS",
    "LAYOUTS",
    "PARA_MARKS",
    "encode_text",
    "format_date",
    "render_single_article_html",
    "render_single_article_text",
    "render_text",
    "wrap_line",
    "write_sample_set",
]

PARA_MARKS = ("trailing_space", "indent", "short_last_line", "blank_line")
ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16")
_HANGING = frozenset("，。、；：？！”’）》」』】…%,.;:?!)")
_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.%+\-_/]*|.", re.DOTALL)
_INDENT = "\u3000\u3000"
_STRAY_SPACE_EVERY = 29  # PDF converters now and then start a line with a stray space, as in the seed

LAYOUTS: dict[str, dict[str, Any]] = {
    "seed-like": {"stray_spaces": True},
    "narrow-30-indent": {"width": 30, "para_mark": "indent", "blank_between": False, "date_style": "cjk"},
    "wide-50-short-last-line": {
        "width": 50,
        "para_mark": "short_last_line",
        "blank_between": False,
        "contents_style": "numbers",
    },
    "blank-line-paragraphs": {"para_mark": "blank_line", "blank_between": False, "break_inside_words": False},
    "crlf-gbk": {"encoding": "gbk", "newline": "\r\n", "para_mark": "indent", "blank_between": False},
    "gb18030-no-blanks": {"encoding": "gb18030", "blank_between": False, "cover": False, "contents": False},
    "utf16-bom": {"encoding": "utf-16", "newline": "\r\n", "titles_wrap": False, "footer": False},
    "utf8-bom": {
        "encoding": "utf-8-sig",
        "width": 42,
        "para_mark": "short_last_line",
        "break_inside_words": False,
        "date_style": "cjk",
    },
}
"""Named layout variants: :func:`render_text` keyword arguments plus ``encoding`` and ``newline``."""


def format_date(iso: str, style: str) -> str:
    """Print an ISO date the way bulletins do: ``dots`` 2026.11.19, ``cjk`` 2026年11月19日, or ``iso``."""
    year, month, day = iso.split("-")
    if style == "dots":
        return f"{year}.{month}.{day}"
    if style == "cjk":
        return f"{int(year)}年{int(month)}月{int(day)}日"
    if style == "iso":
        return iso
    raise ConfigError(f"unknown date style {style!r}", where="format_date")


def _tokens(text: str, keep_words: bool) -> list[str]:
    """Units a line may not break inside; a space glues its neighbours so no line starts or ends with one."""
    base = _WORD_RE.findall(text) if keep_words else list(text)
    out: list[str] = []
    glue = False
    for token in base:
        if token == " " and out:
            out[-1] += token
            glue = True
        elif glue:
            out[-1] += token
            glue = False
        else:
            out.append(token)
    return out


def _split_long(token: str, cells: int) -> list[str]:
    """A token wider than the whole line is cut by characters; nothing else can be done with it."""
    pieces, current = [], ""
    for ch in token:
        if current and visual_width(current + ch) > cells:
            pieces.append(current)
            current = ""
        current += ch
    return [*pieces, current] if current else pieces


def wrap_line(text: str, width: int, *, first_indent: str = "", break_inside_words: bool = True) -> list[str]:
    """Hard-wrap one paragraph at ``width`` full-width characters, like a PDF line box.

    With ``break_inside_words`` the break falls wherever the width runs out, even inside ``RISC-V`` or
    ``8913.68``; otherwise Latin words and numbers move whole to the next line.
    """
    cells = width * 2
    lines: list[str] = []
    current = first_indent
    for token in _tokens(text.strip(" "), keep_words=not break_inside_words):
        if visual_width(current + token) <= cells or (current.strip() and token in _HANGING):
            current += token
            continue
        if current.strip():
            lines.append(current)
            current = ""
        for piece in _split_long(token, cells - visual_width(current)):
            if current.strip() and visual_width(current + piece) > cells:
                lines.append(current)
                current = ""
            current += piece
    if current.strip():
        lines.append(current)
    return lines


@dataclass(slots=True)
class _Unit:
    """One printed block: a section name, a title, a paragraph, a sub-heading or an expert line."""

    kind: str
    text: str
    article: int | None = None


def _units(sample: Sample) -> list[_Unit]:
    units: list[_Unit] = []
    current_section = None
    for index, (section, article) in enumerate(iter_articles(sample)):
        if section != current_section:
            units.append(_Unit("section", section))
            current_section = section
        units.append(_Unit("title", article["title"], index))
        units.extend(_Unit(block["kind"], block["text"]) for block in article["blocks"])
        if article.get("experts"):
            units.append(_Unit("expert_label", EXPERT_LABEL))
        for piece in article.get("experts", []):
            units.append(_Unit("expert_title", expert_title(piece)))
            units.extend(_Unit("paragraph", text) for text in piece["paragraphs"])
    return units


@dataclass(slots=True)
class _Options:
    """The rendering choices of :func:`render_text`, gathered so the helpers take one argument."""

    width: int
    blank_between: bool
    para_mark: str
    break_inside_words: bool
    titles_wrap: bool
    stray_spaces: bool
    lines_per_page: int
    page_label: str
    footer_lines: list[str] = field(default_factory=list)


def _unit_lines(unit: _Unit, opts: _Options) -> list[str]:
    """The printed lines of one unit, with its paragraph mark applied."""
    is_body = unit.kind == "paragraph"
    indent = _INDENT if is_body and opts.para_mark == "indent" else ""
    if unit.kind in ("title", "subheading", "expert_title") and not opts.titles_wrap:
        lines = [unit.text]
    else:
        lines = wrap_line(
            unit.text, opts.width, first_indent=indent, break_inside_words=opts.break_inside_words
        )
    if opts.para_mark == "trailing_space":
        lines[-1] += " "
    if opts.para_mark == "blank_line" or unit.kind == "section":
        lines.append("")
    return lines


def _footer_block(opts: _Options, page: int) -> list[str]:
    mark = " " if opts.para_mark == "trailing_space" else ""
    return ["", *(line + mark for line in opts.footer_lines), mark, opts.page_label.format(n=page) + mark, ""]


def _paginate(
    body: list[tuple[str, int | None]], opts: _Options, first_page: int, footer: bool
) -> tuple[list[str], dict[int, int]]:
    """Insert a running footer after every ``lines_per_page`` printed lines; note each article's page."""
    out: list[str] = []
    pages: dict[int, int] = {}
    page, on_page = first_page, 0
    for text, article in body:
        if article is not None:
            pages[article] = page
        out.append(text)
        on_page += 1 if text.strip() else 0
        if on_page >= opts.lines_per_page:
            if footer:
                out.extend(_footer_block(opts, page))
            page, on_page = page + 1, 0
    if footer and on_page:
        out.extend(_footer_block(opts, page))
    return out, pages


def _body_lines(sample: Sample, opts: _Options) -> list[tuple[str, int | None]]:
    body: list[tuple[str, int | None]] = []
    for unit in _units(sample):
        for i, line in enumerate(_unit_lines(unit, opts)):
            body.append((line, unit.article if i == 0 else None))
    return body


def _cover(sample: Sample, date_style: str) -> list[str]:
    spaced = " ".join(sample["title"]) if len(sample["title"]) <= 8 else sample["title"]
    return [
        "",
        spaced,
        "",
        sample["number"],
        format_date(sample["date"], date_style),
        "",
        sample["publisher"],
        f"电话：{sample['contact']}",
        "",
    ]


def _contents(sample: Sample, pages: dict[int, int], opts: _Options, style: str) -> list[str]:
    """A 目录 page: each column, then its titles with dot leaders (``dots``) or a bare page number."""
    lines = ["目　　录", ""]
    cells = opts.width * 2
    current = None
    for index, (section, article) in enumerate(iter_articles(sample)):
        if section != current:
            lines.append(section)
            current = section
        page = str(pages.get(index, 999))
        title_lines = wrap_line(article["title"], opts.width - 4)
        lines.extend(title_lines[:-1])
        last = title_lines[-1]
        gap = max(2, cells - visual_width(last) - len(page))
        filler = "." * gap if style == "dots" else " " * gap
        lines.append(f"{last}{filler}{page}")
    return [*lines, ""]


def _stray(lines: list[str]) -> list[str]:
    """Give every few non-blank lines the stray leading space PDF converters leave."""
    out, count = [], 0
    for line in lines:
        if line.strip():
            count += 1
            if count % _STRAY_SPACE_EVERY == 0:
                line = " " + line
        out.append(line)
    return out


def _spread(lines: list[str], blank_between: bool) -> str:
    if not blank_between:
        return "\n".join(lines) + "\n"
    return "".join(f"{line}\n\n" if line.strip() else f"{line}\n" for line in lines)


def render_text(
    sample: Sample,
    *,
    width: int = 38,
    blank_between: bool = True,
    para_mark: str = "trailing_space",
    footer: bool = True,
    cover: bool = True,
    contents: bool = True,
    break_inside_words: bool = True,
    titles_wrap: bool = True,
    stray_spaces: bool = False,
    lines_per_page: int = 45,
    page_label: str | None = None,
    date_style: str = "dots",
    contents_style: str = "dots",
) -> str:
    """Render ``sample`` as a PDF-to-text dump; the result always splits back into :func:`gold_records`.

    ``para_mark`` is how a paragraph's end shows: ``trailing_space`` (a space after its last line, like
    the seed), ``indent`` (its first line starts with 　　), ``short_last_line`` (nothing else) or
    ``blank_line`` (a blank line after it). ``blank_between`` adds a blank line after every line, as
    some converters do. ``page_label`` defaults to the sample's own (``Page {n}``, ``- {n} -``, …).
    """
    if para_mark not in PARA_MARKS:
        raise ConfigError(f"unknown paragraph mark {para_mark!r}; expected one of {PARA_MARKS}")
    opts = _Options(
        width=width,
        blank_between=blank_between,
        para_mark=para_mark,
        break_inside_words=break_inside_words,
        titles_wrap=titles_wrap,
        stray_spaces=stray_spaces,
        lines_per_page=lines_per_page,
        page_label=page_label or sample.get("page_label", "Page {n}"),
        footer_lines=[
            sample["title"],
            f"{sample['copyright']}请致电 {sample['contact']}  {format_date(sample['date'], date_style)}",
        ],
    )
    front = _cover(sample, date_style) if cover else []
    toc_first = 1 + (1 if cover else 0)
    toc_pages = 0
    if contents:
        toc_lines = sum(1 for line in _contents(sample, {}, opts, contents_style) if line.strip())
        toc_pages = math.ceil(toc_lines / lines_per_page)
    printed, pages = _paginate(_body_lines(sample, opts), opts, toc_first + toc_pages, footer)
    if contents:
        toc: list[tuple[str, int | None]] = [
            (line, None) for line in _contents(sample, pages, opts, contents_style)
        ]
        front += _paginate(toc, opts, toc_first, footer)[0]
    lines = front + printed
    return _spread(_stray(lines) if stray_spaces else lines, blank_between)


def encode_text(text: str, encoding: str, newline: str = "\n") -> bytes:
    """Encode a rendering as a file would hold it; ``utf-16`` and ``utf-8-sig`` write a byte-order mark."""
    if encoding not in ENCODINGS:
        raise ConfigError(f"unsupported sample encoding {encoding!r}; expected one of {ENCODINGS}")
    if newline not in ("\n", "\r\n"):
        raise ConfigError(f"unsupported newline {newline!r}")
    return text.replace("\n", newline).encode(encoding)


def render_single_article_text(article: dict[str, Any]) -> str:
    """One article as a plain text file: title line, blank line, then each block on its own line."""
    blocks = [str(block["text"]) for block in article["blocks"]]
    return f"{article['title']}\n\n" + "\n\n".join(blocks) + "\n"


def _article_html_body(article: dict[str, Any]) -> str:
    parts = []
    for block in article["blocks"]:
        tag = "h2" if block["kind"] == "subheading" else "p"
        parts.append(f"      <{tag}>{html.escape(block['text'])}</{tag}>")
    return "\n".join(parts)


def render_single_article_html(
    article: dict[str, Any], *, site: str = "信通观察网", section: str = "产业资讯", date: str = "2026-11-19"
) -> str:
    """A realistic news page around one article: nav, header, article, aside, footer.

    The boilerplate (menus, related links, copyright) is written so an extractor that keeps it fails.
    """
    e = html.escape
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>{e(article["title"])} - {e(site)}</title>
  <meta name="description" content="{e(article["title"])}">
</head>
<body>
  <nav class="top-nav">
    <a href="/">首页</a> | <a href="/news/">资讯</a> | <a href="/policy/">政策</a> |
    <a href="/data/">数据</a> | <a href="/about/">关于我们</a> | <a href="/login/">登录</a>
  </nav>
  <header class="site-header">
    <div class="logo">{e(site)}</div>
    <div class="crumbs"><a href="/">首页</a> &gt; <a href="/news/">{e(section)}</a> &gt; 正文</div>
  </header>
  <main>
    <article>
      <h1>{e(article["title"])}</h1>
      <div class="meta"><time datetime="{e(date)}">{e(date)}</time> 来源：{e(site)} 编辑：本站</div>
{_article_html_body(article)}
    </article>
    <aside class="related">
      <h3>相关阅读</h3>
      <ul>
        <li><a href="/news/1.html">本周行业要闻回顾与数据速览</a></li>
        <li><a href="/news/2.html">订阅我们的每日简报，第一时间获取产业动态</a></li>
        <li><a href="/news/3.html">热门排行：本月阅读量最高的十篇报道</a></li>
      </ul>
    </aside>
  </main>
  <footer class="site-footer">
    <p>版权所有 {e(site)}，未经书面授权禁止转载。联系我们：service@example.org</p>
    <p>备案号：示例ICP备00000000号</p>
  </footer>
</body>
</html>
"""


def _write(path: Path, data: bytes, gold: dict[str, Any]) -> list[Path]:
    path.write_bytes(data)
    gold_path = path.with_name(path.name + ".gold.json")
    gold_path.write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return [path, gold_path]


def _render_layout(sample: Sample, layout: dict[str, Any]) -> bytes:
    options = dict(layout)
    encoding = options.pop("encoding", "utf-8")
    newline = options.pop("newline", "\n")
    return encode_text(render_text(sample, **options), encoding, newline)


def _single_articles(sample: Sample, out_dir: Path) -> list[Path]:
    """Every fifth article of a sample as a stand-alone text file and a news web page, with its gold."""
    written: list[Path] = []
    for index, (section, article) in enumerate(iter_articles(sample)):
        if index % 5:
            continue
        gold = {"covers": "all", "records": [article_record(article, None)]}
        stem = f"{sample['name']}__article-{index:02d}"
        text = render_single_article_text(article).encode("utf-8")
        page = render_single_article_html(article, section=section, date=sample["date"]).encode("utf-8")
        written += _write(out_dir / f"{stem}.txt", text, {"source": f"{stem}.txt", **gold})
        written += _write(out_dir / f"{stem}.html", page, {"source": f"{stem}.html", **gold})
    return written


def write_sample_set(out_dir: Path) -> list[Path]:
    """Write every sample in every layout (plus single-article files) with a ``.gold.json`` beside each.

    Returns the paths written, data files and gold files alike, in a stable order.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in sample_names():
        sample = load_sample(name)
        records = gold_records(sample)
        for layout_name, layout in LAYOUTS.items():
            file_name = f"{name}__{layout_name}.txt"
            gold = {"source": file_name, "covers": "all", "records": records}
            written += _write(out_dir / file_name, _render_layout(sample, layout), gold)
        written += _single_articles(sample, out_dir)
    return written
