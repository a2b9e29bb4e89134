"""Page furniture: running headers and footers, page numbers, covers and contents pages.

Furniture is found because it *repeats*, not because a bulletin's name or phone number is known: a line
whose shape (digits folded to ``#``, spaces removed) occurs on three or more pages is a running header or
footer; page-number lines are recognised by their few standard shapes; a contents page is a run of lines
that end in page numbers or dot leaders. What the furniture says (bulletin name, date, contact, copyright,
issue number) is read into :class:`~jiance.records.IssueMeta` before the lines are dropped, and every
dropped line is kept as a :class:`~jiance.records.FurnitureLine` with its reason.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from jiance.records import ContentsEntry, FurnitureLine, IssueMeta, Line

__all__ = ["Furniture", "bulletin_name", "detect_furniture", "read_issue_meta", "section_name", "shape_key"]

_PAGE_NUMBER_RES = (
    re.compile(r"^(?:page|p\.)\s*\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$", re.IGNORECASE),
    re.compile(r"^[-—–_·]\s*\d{1,4}\s*[-—–_·]$"),
    re.compile(r"^第\s*\d{1,4}\s*页(?:\s*[/，,]?\s*共\s*\d{1,4}\s*页)?$"),
    re.compile(r"^\d{1,4}\s*/\s*\d{1,4}$"),
)
_BARE_NUMBER_RE = re.compile(r"^\d{1,3}$")
_DATE_RES = (
    re.compile(r"(20\d\d|19\d\d)\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})"),
    re.compile(r"(20\d\d|19\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
)
_PHONE_RE = re.compile(
    r"(?<!\d)(?:400[-\s]?\d{3}[-\s]?\d{4}|0\d{2,3}[-\s]?\d{7,8}|0\d{2,3}-\d{3,4}-\d{4}|1[3-9]\d{9})(?!\d)"
)
_NUMBER_RE = re.compile(
    r"第\s*([0-9一二三四五六七八九十百零〇]+)\s*期|总第\s*(\d+)\s*期|No\.\s*(\d+)", re.IGNORECASE
)
_TOTAL_NUMBER_RE = re.compile(r"[（(]?总第\s*\d+\s*期[)）]?")
_YEAR_RE = re.compile(r"(?:19|20)\d\d\s*年")
_CONTENTS_HEAD_RE = re.compile(r"^(?:目\s*录|本期目录|contents)$", re.IGNORECASE)
_LEADERS = r"(?:(?:[.·…．\-—_]\s?){3,}|\s{2,}|\t)"
_CONTENTS_ENTRY_RE = re.compile(r"^(?P<title>.+?)\s*" + _LEADERS + r"\s*(?P<page>\d{1,3})?$")
_CONTENTS_LOOSE_RE = re.compile(r"^(?P<title>.*\S)\s+(?P<page>\d{1,3})$")
# An entry so long that the leaders were squeezed out: the page number glued to the title's last character.
_CONTENTS_GLUED_RE = re.compile(r"^(?P<title>.{16,}[^\d\s.%])(?P<page>\d{1,3})$")
_SECTION_PREFIX_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|\d+[、.．]\s*|[（(][一二三四五六七八九十\d]+[)）]|第[一二三四五六七八九十]+部分)"
)
_BRACKETS = "【】[]「」《》<>〔〕"


def shape_key(text: str) -> str:
    """A line's shape for repetition counting: digits folded to ``#``, whitespace removed."""
    return re.sub(r"\d+", "#", "".join(text.split()))


def section_name(text: str, sections: frozenset[str]) -> str | None:
    """The column a line announces (``产业环境``, ``一、产业环境``, ``【产业环境】``), or ``None``."""
    candidate = "".join(text.split()).strip(_BRACKETS)
    candidate = _SECTION_PREFIX_RE.sub("", candidate).strip(_BRACKETS)
    return candidate if candidate in sections else None


def is_page_number(text: str) -> bool:
    stripped = text.strip()
    return any(regex.match(stripped) for regex in _PAGE_NUMBER_RES)


def page_number_of(text: str) -> int | None:
    digits = re.findall(r"\d+", text)
    return int(digits[0]) if digits else None


@dataclass(slots=True)
class Furniture:
    """The verdict on a file's lines: which to drop (by line number) and what they told us."""

    dropped: dict[int, str] = field(default_factory=dict)  # lineno -> reason
    issue: IssueMeta = field(default_factory=IssueMeta)
    contents: list[ContentsEntry] = field(default_factory=list)
    page_of_line: dict[int, int] = field(default_factory=dict)
    contents_sections: list[str] = field(default_factory=list)

    def lines(self, source: list[Line]) -> list[FurnitureLine]:
        return [
            FurnitureLine(ln.lineno, ln.text, self.dropped[ln.lineno])
            for ln in source
            if ln.lineno in self.dropped
        ]


def _repeated_keys(lines: list[Line], protected: frozenset[str], min_repeats: int) -> set[str]:
    counts = Counter(shape_key(ln.text) for ln in lines if ln.text.strip())
    repeated = set()
    for key, count in counts.items():
        if count < min_repeats or len(key) > 90 or len(key) < 2:
            continue
        if key.strip(_BRACKETS) in protected:
            continue
        repeated.add(key)
    return repeated


def _near_page_breaks(lines: list[Line], keys: set[str]) -> set[str]:
    """When many lines repeat (a file holding the same bulletin twice), keep only those at page breaks.

    Running headers and footers sit next to page numbers or page boundaries; body text repeated by a
    duplicated document does not, and must not be dropped.
    """
    nonblank = [ln for ln in lines if ln.text.strip()]
    repeated = sum(1 for ln in nonblank if shape_key(ln.text) in keys)
    if not nonblank or repeated <= 0.15 * len(nonblank):
        return keys
    near: set[str] = set()
    for i, ln in enumerate(nonblank):
        key = shape_key(ln.text)
        if key not in keys:
            continue
        window = nonblank[max(0, i - 3) : i + 4]
        boundary = any(a.page != b.page for a, b in itertools.pairwise(window) if a.page is not None)
        if boundary or any(is_page_number(w.text) for w in window):
            near.add(key)
    return near


def _is_running_line(key: str, line: Line, keys: set[str]) -> bool:
    return key in keys and not line.block


_TRACKING_RE = re.compile(r"^持续跟踪[（(]见.{1,80}[)）]$")
_SOURCE_LINE_RE = re.compile(r"^(?:来源|信息来源|原文链接)[:：]\s*\S.{0,120}$")


def editorial_mark(text: str) -> str | None:
    """Lines a bulletin prints around an article that are not its text: the 持续跟踪 pointer to an earlier
    issue and the 来源 line (jiance's own bulletins print both; a round trip must not read them as body)."""
    if _TRACKING_RE.match(text):
        return "tracking-mark"
    if _SOURCE_LINE_RE.match(text):
        return "source-line"
    return None


_TRAILING_PAGE_RE = re.compile(r"\s+(?:第\s*\d+\s*页|\d+\s*/\s*\d+|-\s*\d+\s*-)$")


def read_issue_meta(texts: list[str], issue: IssueMeta) -> None:
    """Read bulletin name, date, contact, copyright and number from furniture and cover lines."""
    for text in texts:
        flat = text.strip()
        if issue.date is None:
            for regex in _DATE_RES:
                match = regex.search(flat)
                if match:
                    year, month, day = (int(g) for g in match.groups())
                    if 1 <= month <= 12 and 1 <= day <= 31:
                        issue.date = f"{year:04d}-{month:02d}-{day:02d}"
                        issue.date_printed = match.group(0)
                        break
        if issue.contact is None:
            phone = _PHONE_RE.search(flat)
            if phone:
                issue.contact = phone.group(0)
        if issue.copyright is None and ("©" in flat or "版权" in flat or "copyright" in flat.lower()):
            issue.copyright = _TRAILING_PAGE_RE.sub("", flat)  # a footer line may end in its page number
        if issue.number is None:
            number = _NUMBER_RE.search(flat)
            if number:
                issue.number = number.group(0).replace(" ", "")


def bulletin_name(texts: list[str]) -> str | None:
    """The bulletin's name: the shortest running or cover line once dates, issue numbers and page marks are
    taken out, that is no copyright or contact line (数字产业观察 2026.11.19 → 数字产业观察)."""
    names = []
    for text in texts:
        # A cover sets its name letter-spaced (数 字 产 业 观 察); the name is the characters.
        flat = re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", text.strip())
        if re.search(r"©|版权|copyright|电话|致电|联系|页", flat, re.IGNORECASE):
            continue
        for regex in (*_DATE_RES, _TOTAL_NUMBER_RE, _NUMBER_RE, _PHONE_RE, _YEAR_RE):
            flat = regex.sub(" ", flat)
        flat = " ".join(flat.split()).strip(" ·|-—/")
        if 4 <= len(flat) <= 30 and not re.search(r"\d", flat):
            names.append(flat)
    return min(names, key=len) if names else None


def _section_like(text: str, sections: frozenset[str], headed: bool) -> bool:
    """A column name in a contents page: a configured one, or (under a 目录 heading) a short label."""
    if section_name(text, sections):
        return True
    return headed and len(text) <= 10 and not re.search(r"\d", text)


def _contents_block(
    lines: list[Line], sections: frozenset[str], dropped: dict[int, str]
) -> tuple[int, int] | None:
    """Index range [start, end) of a contents page: a 目录 heading or a run of ≥3 page-numbered entries.

    Inside it: entries (title, leaders or spaces, page number), column names, and the first line of an
    entry whose title wraps. The page ends at the first line that is none of these.
    """
    nonblank = [i for i, ln in enumerate(lines) if ln.text.strip() and ln.lineno not in dropped]
    for pos, i in enumerate(nonblank):
        text = lines[i].text.strip()
        headed = bool(_CONTENTS_HEAD_RE.match("".join(text.split())))
        if not headed and not _CONTENTS_ENTRY_RE.match(text):
            continue
        end, entries, pending = i + 1, 0 if headed else 1, False
        for j in nonblank[pos + 1 :]:
            t = lines[j].text.strip()
            if _CONTENTS_ENTRY_RE.match(t) or (
                entries and (_CONTENTS_LOOSE_RE.match(t) or _CONTENTS_GLUED_RE.match(t)) and len(t) < 90
            ):
                entries, pending, end = entries + 1, False, j + 1
            elif _section_like(t, sections, headed) and not pending:
                continue
            elif len(t) <= 60 and not pending and not t.endswith("。"):
                pending = True
            else:
                break
        if entries >= 3:
            return i, end
    return None


def _column_label(text: str) -> bool:
    """A contents line naming a column rather than an article: two to six Han characters, nothing else."""
    flat = "".join(text.split()).strip(_BRACKETS)
    return 2 <= len(flat) <= 6 and all("\u4e00" <= c <= "\u9fff" for c in flat)


def _contents_entries(
    lines: list[Line], start: int, end: int, sections: frozenset[str]
) -> tuple[list[ContentsEntry], list[str]]:
    entries: list[ContentsEntry] = []
    found_sections: list[str] = []
    pending = ""
    for ln in lines[start:end]:
        text = ln.text.strip()
        if not text or _CONTENTS_HEAD_RE.match("".join(text.split())):
            continue
        match = (
            _CONTENTS_ENTRY_RE.match(text) or _CONTENTS_LOOSE_RE.match(text) or _CONTENTS_GLUED_RE.match(text)
        )
        label = match.group("title").strip(" .·…．-—_") if match else text
        if not pending and (section_name(label, sections) or _column_label(label)):
            found_sections.append("".join(label.split()).strip(_BRACKETS))
            continue
        if match:
            title = (pending + match.group("title")).strip(" .·…．-—_")
            page = match.group("page")
            entries.append(ContentsEntry(title=title, page=int(page) if page else None, lineno=ln.lineno))
            pending = ""
        else:
            pending += text
    return entries, found_sections


def _pages(lines: list[Line], dropped: dict[int, str]) -> dict[int, int]:
    """Page of every line: from the reader when it knows, else from the page-number furniture."""
    if any(ln.page is not None for ln in lines):
        return {ln.lineno: ln.page for ln in lines if ln.page is not None}
    pages: dict[int, int] = {}
    marks = [(ln.lineno, page_number_of(ln.text)) for ln in lines if dropped.get(ln.lineno) == "page-number"]
    marks = [(n, p) for n, p in marks if p is not None]
    if not marks:
        return pages
    idx = 0
    for ln in lines:
        while idx < len(marks) and marks[idx][0] < ln.lineno:
            idx += 1
        if idx < len(marks):
            pages[ln.lineno] = marks[idx][1]  # type: ignore[assignment]
        else:
            pages[ln.lineno] = (marks[-1][1] or 0) + 1
    return pages


def _cover_page(lines: list[Line], dropped: dict[int, str]) -> list[str]:
    """Drop a paged document's cover: a first page of a few short lines (name, number, date, publisher)."""
    pages = {ln.page for ln in lines if ln.page is not None}
    first = [ln for ln in lines if ln.page == 1 and ln.text.strip() and ln.lineno not in dropped]
    if len(pages) < 3 or not first or len(first) > 12 or any(len(ln.text.strip()) > 40 for ln in first):
        return []
    for ln in first:
        dropped[ln.lineno] = "cover"
    return [ln.text for ln in first]


def detect_furniture(
    lines: list[Line],
    sections: frozenset[str],
    *,
    protected: frozenset[str] = frozenset(),
    names: frozenset[str] = frozenset(),
) -> Furniture:
    """Decide which lines are furniture and read the issue's metadata from them.

    ``sections`` are the column names (never furniture, even though a bulletin may repeat them);
    ``protected`` adds other lines that legitimately repeat, such as the 专家观点 marker; ``names`` are the
    bulletin names the user configured (``bulletin_titles``): such a line is furniture even if it occurs once.
    """
    result = Furniture()
    keep = sections | protected
    page_lines = [ln for ln in lines if is_page_number(ln.text)]
    pages_seen = max(len(page_lines), len({ln.page for ln in lines if ln.page is not None}))
    min_repeats = 3 if pages_seen >= 3 or not pages_seen else 2
    keys = _near_page_breaks(lines, _repeated_keys(lines, keep, min_repeats))
    running_texts: list[str] = []
    for ln in lines:
        text = ln.text.strip()
        if not text:
            continue
        if is_page_number(text):
            result.dropped[ln.lineno] = "page-number"
        elif mark := editorial_mark(text):
            result.dropped[ln.lineno] = mark
        elif names and "".join(text.split()) in names:
            result.dropped[ln.lineno] = "bulletin-name"
            running_texts.append(text)
        elif _is_running_line(shape_key(text), ln, keys):
            result.dropped[ln.lineno] = "running-header-footer"
            running_texts.append(text)
    bare = [ln for ln in lines if _BARE_NUMBER_RE.match(ln.text.strip()) and ln.lineno not in result.dropped]
    if len(bare) >= 2 and [page_number_of(b.text) for b in bare] == sorted(
        page_number_of(b.text) or 0 for b in bare
    ):
        for ln in bare:
            result.dropped[ln.lineno] = "page-number"
    block = _contents_block(lines, sections, result.dropped)
    if block:
        start, end = block
        inside = [ln for ln in lines[start:end] if ln.lineno not in result.dropped]
        result.contents, result.contents_sections = _contents_entries(inside, 0, len(inside), sections)
        cover_texts = [ln.text for ln in lines[:start] if ln.text.strip()]
        for index, ln in enumerate(lines[:end]):
            if ln.text.strip() and ln.lineno not in result.dropped:
                result.dropped[ln.lineno] = "cover" if index < start else "contents"
        running_texts.extend(cover_texts)
    else:
        running_texts.extend(_cover_page(lines, result.dropped))
    read_issue_meta(running_texts, result.issue)
    result.issue.title = bulletin_name(running_texts)
    result.page_of_line = _pages(lines, result.dropped)
    return result
