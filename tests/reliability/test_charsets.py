"""Charsets: GB2312-, GBK- and GB18030-only characters × encodings × declared labels × lengths.

Every case goes through a real entry point, with the label where that entry point reads it: the HTTP
``charset`` a fetcher passes to :func:`jiance.sources.feeds.parse_feed`, a feed's XML declaration, an HTML
page's ``<meta charset>`` read on import (:func:`jiance.pipeline.read_source`), or no label at all (a
plain-text bulletin on import). A case ends in one of three ways: the decoded text equals the original
(a round trip), the entry point raises a project error (flagged: the user is told), or the text differs
and nobody said so — silent mojibake, which must never happen.

Representable means the text survives its codec *and* reads back the same under the GB 18030 mapping
that every GB label is decoded with (Python's own ``gb2312`` codec maps A1A4 to U+30FB where GB 18030,
GBK and the WHATWG decoder say U+00B7; such a text is not representable in gb2312, by the standard).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

import pytest
from tests.reliability.figures import record

from jiance.errors import InputError
from jiance.pipeline import read_source
from jiance.sources.feeds import parse_feed

# Texts written for this test. Each class adds characters the narrower charsets lack.
BASE = "本周电子信息制造业运行平稳，集成电路产量同比增长，出口交货值稳中有升。"
SAMPLES = {
    "gb2312": BASE + "数据显示，通信设备行业营业收入继续增长。",
    # 镕 喆 堃 昇 are in GBK but not GB2312; € is at GB 18030 A2E3.
    "gbk": BASE + "朱镕基、王喆、李堃与张昇出席会议，报价以€计。",
    # 㐀 (CJK Ext-A), 𠀀 (Ext-B) and ・ (U+30FB) exist only in GB 18030's four-byte area.
    "gb18030": BASE + "扩展字㐀与𠀀见于古籍，片假名中点・亦可编码。",
}
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "gb2312", "gbk", "gb18030", "big5")
RIGHT_LABEL = {"utf-8-sig": "utf-8", "utf-16": "utf-16"}
# Wrong labels that misconfigured servers and page templates really send: the HTTP default ISO-8859-1 and
# its Windows twin, a GB label on UTF-8 pages and the reverse, and the other East Asian code pages.
WRONG_LABELS = ("utf-8", "gbk", "big5", "iso-8859-1", "windows-1252", "shift_jis", "euc-kr")
_SAME_FAMILY = {
    "utf-8": {"utf-8"},
    "utf-8-sig": {"utf-8"},
    "gb2312": {"gbk"},
    "gbk": {"gbk"},
    "gb18030": {"gbk"},
}


def wrong_labels(encoding: str) -> list[str]:
    return [label for label in WRONG_LABELS if label not in _SAME_FAMILY.get(encoding, {encoding})]


_GB = {"gb2312", "gbk", "gb18030"}
COMMAND = ".venv/bin/pytest -q -p no:randomly tests/reliability/test_charsets.py"


def make_text(sample: str, length: str) -> str:
    """The sample cut or repeated to a length class: 10 characters, one paragraph, 50 KB of paragraphs."""
    if length == "short":
        return sample[:4] + sample[-6:]  # keeps the charset-specific characters at the end
    if length == "paragraph":
        return sample
    lines, size = [], 0
    while size < 50_000:
        line = f"第{len(lines) + 1}段：{sample}"
        lines.append(line)
        size += len(line.encode("utf-8")) + 1
    return "\n".join(lines)


def representable(text: str, encoding: str) -> bool:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return False
    if data.decode(encoding) != text:
        return False
    return encoding not in _GB or data.decode("gb18030") == text


def _xml(text: str, declaration: str) -> str:
    items = "".join(f"<p>{escape(line)}</p>" for line in text.split("\n"))
    return (
        f'{declaration}<rss version="2.0"><channel><title>t</title><item><title>i</title>'
        f"<link>https://example.org/a</link><description>{escape(items)}</description></item>"
        "</channel></rss>"
    )


def via_http(text: str, encoding: str, label: str | None) -> str:
    """A feed whose charset came in the Content-Type header (the collector passes it as declared)."""
    data = _xml(text, "").encode(encoding)
    return parse_feed(data, "https://example.org/feed", declared_charset=label).entries[0].summary_text


def via_xml(text: str, encoding: str, label: str | None) -> str:
    """A feed that names its encoding in its XML declaration, and nothing in the header."""
    declaration = f'<?xml version="1.0" encoding="{label}"?>' if label else '<?xml version="1.0"?>'
    data = _xml(text, declaration).encode(encoding)
    return parse_feed(data, "https://example.org/feed").entries[0].summary_text


FILLER = "".join(
    f"<h2>Section {n}</h2><p>Plain ASCII filler paragraph number {n} of the page.</p>" for n in range(3)
)


def via_meta(text: str, encoding: str, label: str | None) -> str:
    """An HTML bulletin imported from disk, its charset in ``<meta charset>`` (or missing)."""
    meta = f'<meta charset="{label}">' if label else ""
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in text.split("\n"))
    page = f"<!doctype html><html><head>{meta}<title>t</title></head><body>{paragraphs}{FILLER}</body></html>"
    lines = read_source(page.encode(encoding), "page.html").lines
    return "\n".join(line.text for line in lines[: text.count("\n") + 1])


def via_text(text: str, encoding: str, label: str | None) -> str:
    """A plain-text bulletin imported from disk: no label anywhere, only the bytes."""
    assert label is None
    return "\n".join(line.text for line in read_source(text.encode(encoding), "bulletin.txt").lines)


ENTRY_POINTS: dict[str, Callable[[str, str, str | None], str]] = {
    "http-charset": via_http,
    "xml-declaration": via_xml,
    "meta-charset": via_meta,
    "no-label-text": via_text,
}


@dataclass
class Outcome:
    kind: str  # round-trip | flagged | silent-mojibake
    case: str


def run_case(entry: str, sample: str, encoding: str, label_state: str, length: str) -> list[Outcome]:
    """Run one cell of the matrix (every wrong label, for ``wrong``); none if the text is not representable."""
    text = make_text(SAMPLES[sample], length)
    if not representable(text, encoding):
        return []
    labels: list[str | None] = {
        "right": [RIGHT_LABEL.get(encoding, encoding)],
        "wrong": list(wrong_labels(encoding)),
        "missing": [None],
    }[label_state]
    outcomes = []
    for label in labels:
        case = f"{entry}/{sample}/{encoding}/{label_state}/{length}/{label}"
        try:
            decoded = ENTRY_POINTS[entry](text, encoding, label)
        except InputError:
            outcomes.append(Outcome("flagged", case))
            continue
        outcomes.append(Outcome("round-trip" if decoded == text else "silent-mojibake", case))
    return outcomes


LABEL_STATES = {
    "http-charset": ("right", "wrong", "missing"),
    "xml-declaration": ("right", "wrong"),  # missing: the same bytes as http-charset/missing
    "meta-charset": ("right", "wrong", "missing"),
    "no-label-text": ("missing",),
}


@pytest.mark.parametrize("length", ["short", "paragraph", "50kb"])
@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_no_silent_mojibake(entry: str, length: str) -> None:
    outcomes = [
        outcome
        for sample in SAMPLES
        for encoding in ENCODINGS
        for state in LABEL_STATES[entry]
        for outcome in run_case(entry, sample, encoding, state, length)
    ]
    counts = Counter(o.kind for o in outcomes)
    by_label = {
        state: sum(1 for o in outcomes if o.case.split("/")[3] == state and o.kind == "round-trip")
        / max(1, sum(1 for o in outcomes if o.case.split("/")[3] == state))
        for state in LABEL_STATES[entry]
    }
    record(
        "charsets",
        f"{entry} {length}",
        {
            "cases": len(outcomes),
            "round_trip_rate": round(counts["round-trip"] / len(outcomes), 3),
            **{f"round_trip_rate_{state}_label": round(rate, 3) for state, rate in by_label.items()},
            "flagged": counts["flagged"],
            "silent_mojibake": counts["silent-mojibake"],
        },
        command=f"{COMMAND} -k '{entry} and {length}'",
    )
    assert [o.case for o in outcomes if o.kind == "silent-mojibake"] == []
    # With the right label, or none, every representable text comes back exactly.
    assert [o.case for o in outcomes if o.case.split("/")[3] != "wrong" and o.kind != "round-trip"] == []


def test_bom_beats_a_wrong_label() -> None:
    """A UTF-8 or UTF-16 byte-order mark outranks any label, at every entry point that sees one."""
    text = make_text(SAMPLES["gb18030"], "paragraph")
    for entry in ("http-charset", "xml-declaration", "meta-charset"):
        for encoding in ("utf-8-sig", "utf-16"):
            assert ENTRY_POINTS[entry](text, encoding, "big5") == text, (entry, encoding)


# Short non-Chinese texts under their right labels: the second opinion must not overrule those.
FOREIGN = {
    "euc-kr": "서울에서 열린 회의는 반도체 수출 동향을 논의했다.",
    "shift_jis": "東京で開かれた会議では、半導体の輸出動向が議論された。",
    "euc-jp": "会議では半導体の輸出が議論された。",
    "iso-8859-1": "Réunion à Genève : les exportations de semi-conducteurs progressent, déjà été.",
    "windows-1252": "Les données « publiées » ce trimestre – en hausse.",
}


@pytest.mark.parametrize("encoding", list(FOREIGN))
def test_a_right_label_on_foreign_text_is_kept(encoding: str) -> None:
    text = FOREIGN[encoding]
    for entry in ("http-charset", "xml-declaration", "meta-charset"):
        assert ENTRY_POINTS[entry](text, encoding, encoding) == text, entry
