"""Markdown of a parsed bulletin (reading a parse at a glance) and of a composed issue (chat tools, archives).

Untrusted text is escaped so that a title such as ``# 5G`` or ``*注*`` cannot become markup.
"""

from __future__ import annotations

import re

from jiance.publish.html import safe_url
from jiance.publish.model import Composition, Piece
from jiance.records import EXPERT_OPINION, Article, Bulletin

__all__ = ["bulletin_markdown", "composition_markdown", "escape_markdown", "markdown_link"]

_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
_LINE_START = re.compile(r"^(\s*)([#>+\-=])")
_ORDERED = re.compile(r"^(\s*\d+)([.)])")


def escape_markdown(text: str) -> str:
    """Backslash-escape what Markdown would read as markup: inline marks anywhere, block marks at the start."""
    text = _INLINE.sub(r"\\\1", text)
    return _ORDERED.sub(r"\1\\\2", _LINE_START.sub(r"\1\\\2", text))


def markdown_link(label: str, url: str) -> str:
    """``[label](url)`` for an absolute http(s) URL, else the escaped label alone: a feed's
    ``javascript:`` or ``data:`` link must not become a link in a chat tool or an archive's renderer."""
    if safe_url(url) == "#":
        return escape_markdown(label)
    return f"[{escape_markdown(label)}]({url.replace('(', '%28').replace(')', '%29').replace(' ', '%20')})"


def _article_lines(article: Article) -> list[str]:
    subheadings = set(article.subheadings)
    if article.kind == EXPERT_OPINION:
        lines = [
            f"> **{escape_markdown(article.speaker or '')}**：{escape_markdown(article.headline or article.title)}",
            ">",
        ]
        lines += [f"> {escape_markdown(p)}" for p in article.paragraphs]
        return [*lines, ""]
    lines = [f"### {escape_markdown(article.title)}", ""]
    for paragraph in article.paragraphs:
        lines.append(
            f"#### {escape_markdown(paragraph)}" if paragraph in subheadings else escape_markdown(paragraph)
        )
        lines.append("")
    return lines


def bulletin_markdown(bulletin: Bulletin) -> str:
    """The whole structure: issue title and date, columns, articles with sub-headings, 专家观点 as quotes."""
    issue = bulletin.issue
    head = " ".join(filter(None, [issue.title, issue.number, issue.date_printed])) or bulletin.path
    lines = [f"# {escape_markdown(head)}", ""]
    section: str | None = None
    expert_block = False
    for article in bulletin.articles:
        if article.section != section:
            section = article.section
            lines += [f"## {escape_markdown(section or '（未分栏）')}", ""]
        if article.kind == EXPERT_OPINION and not expert_block:
            lines += ["**专家观点**", ""]
        expert_block = article.kind == EXPERT_OPINION
        lines += _article_lines(article)
    return "\n".join(lines).rstrip() + "\n"


def _piece_lines(piece: Piece) -> list[str]:
    lines = [f"### {escape_markdown(piece.title)}", ""]
    if piece.tracking:
        lines += [f"*{escape_markdown(piece.tracking.label())}*", ""]
    if piece.summary:
        lines += [f"> {escape_markdown(piece.summary)}", ""]
    subheadings = set(piece.subheadings)
    for paragraph in piece.paragraphs:
        text = escape_markdown(paragraph)
        lines += [f"#### {text}" if paragraph in subheadings else text, ""]
    if piece.url:
        lines += [f"来源：{markdown_link(piece.source_name or piece.url, piece.url)}", ""]
    return lines


def _opinion_lines(pieces: list[Piece]) -> list[str]:
    lines = ["> **专家观点**", ">"]
    for piece in pieces:
        lines += [f"> **{escape_markdown(piece.title)}**", ">"]
        lines += [line for p in piece.paragraphs for line in (f"> {escape_markdown(p)}", ">")]
    return [*lines[:-1], ""]


def composition_markdown(comp: Composition) -> str:
    """One edition of an issue as Markdown, for chat tools and archives: highlights, figures, columns."""
    head = " ".join(filter(None, [comp.branding.name, comp.number, comp.date]))
    lines = [f"# {escape_markdown(head)}", ""]
    if comp.branding.client:
        lines += [f"*{escape_markdown(comp.branding.client)}*", ""]
    if comp.highlights:
        lines += ["## 本期要点", "", *[f"- {escape_markdown(h)}" for h in comp.highlights], ""]
    if comp.key_figures:
        lines += ["## 关键数据", "", "| 数据 | 指标 |", "| --- | --- |"]
        for k in comp.key_figures:
            value = escape_markdown(f"{k.value}{k.unit or ''}")
            label = escape_markdown(k.label + (f"（{k.period}）" if k.period else ""))
            lines.append(f"| {value} | {label} |")
        lines.append("")
    for section in comp.sections:
        lines += [f"## {escape_markdown(section.name)}", ""]
        for block in section.blocks():
            lines += _opinion_lines(block) if isinstance(block, list) else _piece_lines(block)
    footer = f"©{(comp.date or '')[:4]} {comp.branding.copyright}"
    if comp.branding.contact:
        footer += f"请致电 {comp.branding.contact}"
    lines += ["---", "", escape_markdown(footer)]
    return "\n".join(lines).rstrip() + "\n"
