"""Markdown of a parsed bulletin, for reading a parse at a glance, chat tools and archives.

Untrusted text is escaped so that a title such as ``# 5G`` or ``*注*`` cannot become markup.
"""

from __future__ import annotations

import re

from jiance.records import EXPERT_OPINION, Article, Bulletin

__all__ = ["bulletin_markdown", "escape_markdown"]

_INLINE = re.compile(r"([\\`*_\[\]<>|~])")
_LINE_START = re.compile(r"^(\s*)([#>+\-=])")
_ORDERED = re.compile(r"^(\s*\d+)([.)])")


def escape_markdown(text: str) -> str:
    """Backslash-escape what Markdown would read as markup: inline marks anywhere, block marks at the start."""
    text = _INLINE.sub(r"\\\1", text)
    return _ORDERED.sub(r"\1\\\2", _LINE_START.sub(r"\1\\\2", text))


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
