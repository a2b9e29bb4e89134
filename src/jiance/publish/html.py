"""HTML of a composition: the page WeasyPrint prints, a self-contained web page, and an email-safe page.

Untrusted text (titles, bodies, branding from a client's editions.toml) never becomes markup: the Jinja2
environment autoescapes everything, the running header and footer go into CSS only as escaped CSS
strings (:func:`css_string`), colours are checked against a strict pattern, links keep only http(s)
URLs, and the logo is embedded as a ``data:`` URL, so nothing is fetched when the page is rendered or
opened. The only value marked safe is the project's own CSS; charts are SVG images behind data: URLs.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jinja2
import markupsafe

from jiance.errors import PublishError
from jiance.publish.model import Composition, Piece, Section

__all__ = [
    "RenderedChart",
    "cover_date",
    "css_string",
    "printed_date",
    "render_email_html",
    "render_html",
    "running_texts",
    "safe_color",
    "safe_url",
]

Variant = Literal["print", "web"]
_COLOR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
_URL_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_LOGO_BYTES = 2 * 2**20


@dataclass(slots=True)
class RenderedChart:
    """A chart as the HTML embeds it: its caption and its SVG markup (drawn by jiance.publish.charts)."""

    title: str
    svg: str

    def data_url(self) -> str:
        """The chart as an image URL: vector in WeasyPrint and browsers, allowed by the CSP (img-src data:)."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")


def css_string(text: str) -> str:
    """A CSS string literal that says ``text`` and nothing more: quotes, backslashes, newlines and the
    characters that could close a ``<style>`` element are escaped as CSS hex escapes."""
    out = []
    for ch in _CONTROL_RE.sub("", text):
        if ch in '"\\<>&\n\r':
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def safe_color(value: str, default: str) -> str:
    """``value`` when it is a #rgb/#rrggbb colour, else ``default`` (a colour is pasted into CSS)."""
    return value if _COLOR_RE.match(value or "") else default


def safe_url(value: str | None) -> str:
    """Only absolute http(s) links survive; anything else (``javascript:``, data:, relative) becomes ``#``."""
    return value if value and _URL_RE.match(value) else "#"


def printed_date(iso: str | None) -> str:
    """2021-10-21 → 2021.10.21, the seed's footer form."""
    return (iso or "").replace("-", ".")


def cover_date(iso: str | None) -> str:
    """2021-10-21 → 2021年10月21日 for the cover; a date that is not ISO is printed as given."""
    try:
        day = Date.fromisoformat(iso or "")
    except ValueError:
        return iso or ""
    return f"{day.year}年{day.month}月{day.day}日"


def running_texts(comp: Composition) -> dict[str, str]:
    """The running header and footer lines, as printed on every page after the cover."""
    brand = comp.branding
    year = (comp.date or "")[:4] or str(Date.today().year)
    contact = f"请致电 {brand.contact}" if brand.contact else ""
    right = "　".join(filter(None, [comp.number, printed_date(comp.date)]))
    return {
        "header_left": brand.name + (f"·{brand.client}" if brand.client else ""),
        "header_right": right,
        "footer_left": f"©{year} {brand.copyright}{contact}",
    }


def _logo_data_url(path: str | None) -> str | None:
    """The edition's logo as a data: URL (read once here, so no renderer ever opens a path or URL)."""
    if not path:
        return None
    file = Path(path)
    media = mimetypes.guess_type(file.name)[0]
    if media not in ("image/png", "image/jpeg", "image/svg+xml", "image/gif"):
        raise PublishError(f"logo must be PNG, JPEG, GIF or SVG: {path}", where=path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise PublishError(f"cannot read the logo: {exc}", where=path) from exc
    if len(data) > _MAX_LOGO_BYTES:
        raise PublishError(f"logo is over {_MAX_LOGO_BYTES // 2**20} MiB", where=path)
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"


@cache
def _asset(name: str) -> str:
    return (resources.files("jiance.publish") / "assets" / name).read_text(encoding="utf-8")


def _variables_css(comp: Composition) -> str:
    brand = comp.branding
    primary = safe_color(brand.primary, "#1f3a68")
    accent = safe_color(brand.accent, "#c0392b")
    return f":root {{ --primary: {primary}; --accent: {accent}; }}\n"


def running_css(comp: Composition) -> str:
    """The @page margin boxes' text as escaped CSS strings (print only)."""
    run = running_texts(comp)
    return (
        f"@page {{ @top-left {{ content: {css_string(run['header_left'])}; }}"
        f" @top-right {{ content: {css_string(run['header_right'])}; }}"
        f" @bottom-left {{ content: {css_string(run['footer_left'])}; }} }}\n"
    )


def _css(comp: Composition, variant: Variant) -> str:
    own = _asset("print.css") + running_css(comp) if variant == "print" else _asset("web.css")
    return _variables_css(comp) + _asset("base.css") + own


def _tagged(section: Section) -> list[tuple[str, Any]]:
    """Blocks of a column tagged for the template: ("article", piece) or ("opinions", [pieces])."""
    return [("opinions", b) if isinstance(b, list) else ("article", b) for b in section.blocks()]


def _clean(value: object) -> object:
    """Drop the control characters HTML forbids from untrusted values before autoescaping; values
    already marked safe (the project's CSS and chart SVGs) pass untouched."""
    if isinstance(value, markupsafe.Markup):
        return value
    return _CONTROL_RE.sub("", "" if value is None else str(value))


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("jiance.publish", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        finalize=_clean,
    )
    env.filters["safe_url"] = safe_url
    env.globals["tagged"] = _tagged
    return env


def render_html(comp: Composition, *, variant: Variant = "web", charts: Sequence[RenderedChart] = ()) -> str:
    """The bulletin as one self-contained HTML file: inline CSS, inline SVG charts, data: logo, no script."""
    template = _environment().get_template("bulletin.html.j2")
    return template.render(
        c=comp,
        variant=variant,
        css=_css(comp, variant),
        charts=list(charts),
        logo=_logo_data_url(comp.branding.logo),
        printed_date=printed_date(comp.date),
        cover_date=cover_date(comp.date),
        year=(comp.date or "")[:4] or str(Date.today().year),
    )


def render_email_html(comp: Composition, *, charts: Sequence[RenderedChart] = ()) -> str:
    """The email-safe variant: table layout, every style inline, no <style>, no script, no external
    resource; charts are left out (mail clients block SVG) and the figures box is a plain table."""
    template = _environment().get_template("email.html.j2")
    brand = comp.branding
    return template.render(
        c=comp,
        primary=safe_color(brand.primary, "#1f3a68"),
        accent=safe_color(brand.accent, "#c0392b"),
        running=running_texts(comp),
        printed_date=printed_date(comp.date),
        cover_date=cover_date(comp.date),
        chart_titles=[c.title for c in charts],
    )


def piece_text(piece: Piece) -> str:
    """All the printed text of a piece (title and paragraphs), for glyph checks."""
    return "\n".join([piece.title, *piece.paragraphs])
