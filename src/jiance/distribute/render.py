"""Turn a composed edition into :class:`~jiance.distribute.base.Message` records, one per recipient.

Email gets the email-safe HTML of :func:`jiance.publish.html.render_email_html`, a plain-text part (mail
clients that show no HTML, and spam filters, want one) and the PDF as an attachment. A chat bot gets the
issue as text split into parts under the channel's size limit: the split is made at ARTICLE boundaries so
a reader never sees an article cut in two messages when it fits in one; an article longer than a whole
message is split at paragraph boundaries, and only a paragraph longer than a message is cut mid-text.
Every part is headed ``（i/n）`` so a reader can tell when a message is missing or out of order.
Limits are bytes of UTF-8 because that is what the vendors count (WeCom: 4096 bytes of markdown).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from jiance.distribute.base import Attachment, Message
from jiance.errors import ConfigError
from jiance.publish.html import render_email_html
from jiance.publish.markdown import escape_markdown, markdown_link
from jiance.publish.model import Composition, Piece

__all__ = [
    "IM_FORMATS",
    "IM_LIMITS",
    "ImFormat",
    "email_message",
    "email_subject",
    "im_message",
    "im_parts",
    "pack_texts",
    "plain_text",
    "utf8_len",
]

ImFormat = Literal["markdown", "text"]

# Bytes of message text each channel accepts, kept under the documented maximum to leave room for the
# JSON envelope: WeCom markdown 4096 bytes; DingTalk ~20000 bytes; Feishu 20 KB request body; Slack
# 40,000 characters (bytes >= characters, so a byte limit is safe); our own webhook has no vendor cap.
IM_LIMITS: dict[str, int] = {
    "wecom": 4096,
    "dingtalk": 18000,
    "feishu": 18000,
    "slack": 39000,
    "webhook": 256000,
}
# Slack's mrkdwn and Feishu's text are not Markdown: headings and escapes would show as raw marks there.
IM_FORMATS: dict[str, ImFormat] = {
    "wecom": "markdown",
    "dingtalk": "markdown",
    "feishu": "text",
    "slack": "text",
    "webhook": "markdown",
}
_SEP = "\n\n"
_MIN_FILL = 64  # bytes: less room than this after a title is not worth a cut


def utf8_len(text: str) -> int:
    """Length of ``text`` as the vendors count it."""
    return len(text.encode("utf-8"))


def _number(comp: Composition) -> str:
    """第N期 when the number is bare digits, else the number as the edition prints it."""
    number = (comp.number or "").strip()
    return f"第{number}期" if number.isdigit() else number


def email_subject(comp: Composition) -> str:
    """信息产业监测 第N期 2026.12.01 · client: what a reader scans an inbox for (name, number, date, whose)."""
    head = " ".join(filter(None, [comp.branding.name, _number(comp), comp.date_printed()]))
    return f"{head} · {comp.branding.client}" if comp.branding.client else head


# --- plain text and chat blocks --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Style:
    """How one format marks structure; markdown escapes untrusted text so a title cannot become markup."""

    fmt: ImFormat

    def esc(self, text: str) -> str:
        return escape_markdown(text) if self.fmt == "markdown" else text

    def title(self, text: str) -> str:
        return f"# {self.esc(text)}" if self.fmt == "markdown" else text

    def section(self, text: str) -> str:
        return f"## {self.esc(text)}" if self.fmt == "markdown" else f"【{text}】"

    def article(self, text: str) -> str:
        return f"### {self.esc(text)}" if self.fmt == "markdown" else f"■ {text}"

    def sub(self, text: str) -> str:
        return f"**{self.esc(text)}**" if self.fmt == "markdown" else f"▍{text}"

    def quote(self, text: str) -> str:
        return f"> {self.esc(text)}" if self.fmt == "markdown" else f"  {text}"

    def link(self, label: str, url: str) -> str:
        if self.fmt == "markdown":
            return "来源：" + markdown_link(label, url)  # only http(s) becomes a link in a chat tool
        return f"来源：{label} {url}" if label != url else f"来源：{url}"


def _head_block(comp: Composition, style: _Style) -> str:
    lines = [style.title(" ".join(filter(None, [comp.branding.name, _number(comp), comp.date_printed()])))]
    if comp.branding.client:
        lines.append(style.esc(comp.branding.client))
    if comp.highlights:
        lines += ["", style.section("本期要点"), *[f"- {style.esc(h)}" for h in comp.highlights]]
    if comp.key_figures:
        lines += ["", style.section("关键数据")]
        for k in comp.key_figures:
            period = f"（{k.period}）" if k.period else ""
            lines.append(f"- {style.esc(k.label + period)}：{style.esc(k.value + (k.unit or ''))}")
    return "\n".join(lines)


def _piece_paragraphs(piece: Piece, style: _Style) -> list[str]:
    """The piece as paragraphs (title first): the units a long article is split at."""
    out = [style.article(piece.title)]
    if piece.tracking:
        out.append(style.esc(piece.tracking.label()))
    if piece.summary:
        out.append(style.quote(piece.summary))
    subheadings = set(piece.subheadings)
    out += [style.sub(p) if p in subheadings else style.esc(p) for p in piece.paragraphs]
    if piece.url:
        out.append(style.link(piece.source_name or piece.url, piece.url))
    return out


def _opinion_paragraphs(pieces: list[Piece], style: _Style) -> list[str]:
    out = [style.sub("专家观点")]
    for piece in pieces:
        out.append(style.quote(f"{piece.speaker}：{piece.title}" if piece.speaker else piece.title))
        out += [style.quote(p) for p in piece.paragraphs]
    return out


def _footer(comp: Composition, style: _Style) -> str:
    footer = f"©{(comp.date or '')[:4]} {comp.branding.copyright}"
    if comp.branding.contact:
        footer += f"请致电 {comp.branding.contact}"
    return style.esc(footer)


def _blocks(comp: Composition, style: _Style) -> list[list[str]]:
    """The issue as blocks, each a list of paragraphs: the head, then one block per article (or run of
    专家观点) with its column heading on the column's first block, then the footer."""
    blocks: list[list[str]] = [[_head_block(comp, style)]]
    for section in comp.sections:
        heading: list[str] = [style.section(section.name)]
        for block in section.blocks():
            paras = (
                _opinion_paragraphs(block, style)
                if isinstance(block, list)
                else _piece_paragraphs(block, style)
            )
            blocks.append(heading + paras)
            heading = []
    blocks.append([_footer(comp, style)])
    return blocks


def plain_text(comp: Composition) -> str:
    """The whole edition as plain text: the email's text/plain part and the webhook's ``text``."""
    style = _Style("text")
    return _SEP.join(_SEP.join(block) for block in _blocks(comp, style)) + "\n"


# --- splitting --------------------------------------------------------------------------------------


def _hard_split(text: str, limit: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` UTF-8 bytes without breaking a character; a cut
    prefers the last sentence end (。！？；) in the second half of the piece."""
    pieces: list[str] = []
    rest = text
    while utf8_len(rest) > limit:
        cut, size = 0, 0
        for i, ch in enumerate(rest):
            size += utf8_len(ch)
            if size > limit:
                break
            cut = i + 1
        window = rest[:cut]
        ends = [window.rfind(mark) for mark in "。！？；\n"]
        best = max(ends)
        if best + 1 > cut // 2:
            cut = best + 1
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces


def _units(block: list[str], room: int) -> list[str]:
    """A block as chunks that each fit ``room`` bytes: the whole block when it fits, else runs of whole
    paragraphs, else (a paragraph over ``room``) hard cuts of that paragraph."""
    whole = _SEP.join(block)
    if utf8_len(whole) <= room:
        return [whole]
    chunks: list[str] = []
    current = ""
    for paragraph in block:
        if utf8_len(paragraph) > room and current:
            # fill what is left after the title (or earlier paragraphs) rather than leave it alone
            avail = room - utf8_len(current + _SEP)
            if avail >= _MIN_FILL:
                head = _hard_split(paragraph, avail)[0]
                chunks.append(f"{current}{_SEP}{head}")
                current, paragraph = "", paragraph[len(head) :]
        for piece in [paragraph] if utf8_len(paragraph) <= room else _hard_split(paragraph, room):
            joined = f"{current}{_SEP}{piece}" if current else piece
            if utf8_len(joined) <= room:
                current = joined
            else:
                chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks


def _pack(blocks: list[list[str]], room: int) -> list[str]:
    """Greedy packing: whole blocks while they fit; a block that does not fit the current part starts a
    new part, and one over a whole part is split by :func:`_units` with its first chunk starting a part."""
    parts: list[str] = []
    current = ""
    for block in blocks:
        whole = _SEP.join(block)
        joined = f"{current}{_SEP}{whole}" if current else whole
        if utf8_len(joined) <= room:
            current = joined
            continue
        if current:
            parts.append(current)
            current = ""
        chunks = _units(block, room)
        parts += chunks[:-1]
        current = chunks[-1]
    if current:
        parts.append(current)
    return parts


def _header(index: int, total: int) -> str:
    return f"（{index}/{total}）\n"


def im_parts(comp: Composition, limit_bytes: int, *, fmt: ImFormat = "markdown") -> list[str]:
    """The edition as chat messages of at most ``limit_bytes`` UTF-8 bytes each, headed （i/n）.

    The room for the header is reserved for the number of digits the count turns out to have: packing is
    redone with a wider header when (rarely) the count gains a digit.
    """
    if fmt not in ("markdown", "text"):
        raise ConfigError(f"unknown chat format {fmt!r}; use 'markdown' or 'text'")
    blocks = _blocks(comp, _Style(fmt))
    digits = 1
    while True:
        room = limit_bytes - utf8_len(_header(10**digits - 1, 10**digits - 1))
        if room < 16:
            raise ConfigError(f"a chat message limit of {limit_bytes} bytes leaves no room for text")
        parts = _pack(blocks, room)
        if len(str(len(parts))) <= digits:
            return [_header(i, len(parts)) + part for i, part in enumerate(parts, 1)]
        digits = len(str(len(parts)))


def pack_texts(texts: list[str], limit_bytes: int) -> list[str]:
    """Free-standing texts (an alert's stories) packed into chat messages of at most ``limit_bytes``,
    never splitting a text that fits one message, headed （i/n） like an edition's parts."""
    blocks = [[t] for t in texts if t.strip()]
    if not blocks:
        return []
    digits = 1
    while True:
        room = limit_bytes - utf8_len(_header(10**digits - 1, 10**digits - 1))
        parts = _pack(blocks, room)
        if len(str(len(parts))) <= digits:
            return [_header(i, len(parts)) + part for i, part in enumerate(parts, 1)]
        digits = len(str(len(parts)))


# --- messages ---------------------------------------------------------------------------------------


def email_message(
    comp: Composition,
    recipient: str,
    *,
    pdf_path: str | Path | None = None,
    html: str | None = None,
    unsubscribe: str | None = None,
) -> Message:
    """The email of one edition for one recipient; ``html`` overrides the rendered email page (a build
    that already rendered it), ``pdf_path`` is attached under a name that says issue and date."""
    attachments = []
    if pdf_path is not None:
        stem = "-".join(filter(None, [comp.branding.name, _number(comp), comp.date_printed()]))
        attachments.append(
            Attachment(filename=f"{stem}.pdf", content_type="application/pdf", path=str(pdf_path))
        )
    return Message(
        channel="email",
        recipient=recipient,
        subject=email_subject(comp),
        text=plain_text(comp),
        html=html if html is not None else render_email_html(comp),
        attachments=attachments,
        unsubscribe=unsubscribe,
        meta={"issue_id": comp.issue_id, "edition": comp.edition},
    )


def im_message(comp: Composition, channel: str, recipient: str) -> Message:
    """The chat message of one edition for one bot: parts split under the channel's limit and format."""
    if channel not in IM_LIMITS:
        raise ConfigError(f"no chat limit known for channel {channel!r}; known: {', '.join(IM_LIMITS)}")
    fmt = IM_FORMATS[channel]
    return Message(
        channel=channel,
        recipient=recipient,
        subject=email_subject(comp),
        text=plain_text(comp),
        parts=im_parts(comp, IM_LIMITS[channel], fmt=fmt),
        meta={"issue_id": comp.issue_id, "edition": comp.edition, "format": fmt},
    )
