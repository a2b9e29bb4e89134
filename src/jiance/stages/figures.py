"""Key figures (数字情报): every quantity an article states, with its value, unit, kind and meaning.

Editors build the bulletin's figures box from these, so precision matters more than cleverness: a date,
a year, a model code (5G, M1, 倚天710) or a rank (前三, 第18位) is never a figure, and a Chinese numeral
counts only when it is itself the information (百万千瓦, 翻番, 为期半年, 六成). The rules follow the
conventions of the hand-checked gold (``shared/eval/seed_figures_gold.json``); docs/figures.md lists them.

The stage is pure: ``figures_of(article)`` reads the article's title, sub-headings and paragraphs and
returns :class:`FigureRecord` values; it never touches the store or the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jiance.records import Article, Figure
from jiance.text.numerals import chinese_to_number, parse_number, word_quantity

__all__ = [
    "FigureRecord",
    "figures_of",
    "sentences_of",
    "split_sentences",
]

KINDS = ("count", "money", "percent", "share", "change", "score", "multiple", "spec")


@dataclass(slots=True)
class FigureRecord:
    """One figure with the gold's field names, so predictions and gold compare field by field."""

    raw: str
    value: float | None
    unit: str | None
    kind: str
    sentence: str
    value_min: float | None = None
    value_max: float | None = None
    multiplier_applied: bool = False
    subject: str | None = None
    entity: str | None = None
    period: str | None = None
    change: dict[str, str | None] | None = None
    span: tuple[int, int] | None = None  # character offsets of raw inside sentence

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict in the gold's shape (the span becomes a two-item list)."""
        return {
            "raw": self.raw,
            "value": self.value,
            "value_min": self.value_min,
            "value_max": self.value_max,
            "unit": self.unit,
            "multiplier_applied": self.multiplier_applied,
            "kind": self.kind,
            "subject": self.subject,
            "entity": self.entity,
            "period": self.period,
            "change": self.change,
            "sentence": self.sentence,
            "span": list(self.span) if self.span else None,
        }

    def to_figure(self) -> Figure:
        """The shared :class:`jiance.records.Figure` record, for code that stores figures."""
        return Figure(
            raw=self.raw,
            value=self.value,
            unit=self.unit,
            kind=self.kind,
            sentence=self.sentence,
            value_min=self.value_min,
            value_max=self.value_max,
            subject=self.subject,
            entity=self.entity,
            period=self.period,
            change=self.change,
            span=self.span,
        )


# ---------------------------------------------------------------- sentences

_ENDS = "。！？!?"
_OPEN_QUOTES = "“「『"
_CLOSE_QUOTES = "”」』"


def split_sentences(text: str) -> list[str]:
    """Split a paragraph at 。！？!? outside “…”, so a quotation and its attribution stay one sentence."""
    sentences: list[str] = []
    depth = 0
    start = 0
    for index, char in enumerate(text):
        if char in _OPEN_QUOTES:
            depth += 1
        elif char in _CLOSE_QUOTES:
            depth = max(0, depth - 1)
        elif char in _ENDS and depth == 0:
            end = index + 1
            while end < len(text) and text[end] in _ENDS + _CLOSE_QUOTES:
                end += 1
            if end > start and text[start:end].strip():
                sentences.append(text[start:end].strip())
            start = end
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


def sentences_of(article: Article) -> list[str]:
    """The article's sentences in reading order: title, sub-headings not printed as paragraphs, paragraphs."""
    sentences = [article.title.strip()] if article.title.strip() else []
    paragraphs = [p.strip() for p in article.paragraphs]
    sentences.extend(h.strip() for h in article.subheadings if h.strip() and h.strip() not in paragraphs)
    for paragraph in paragraphs:
        sentences.extend(split_sentences(paragraph))
    return sentences


# ---------------------------------------------------------------- candidates

_MONEY_UNITS = ("瑞典克朗", "人民币", "美元", "欧元", "日元", "韩元", "英镑", "港元", "港币", "卢布", "元")
_PERCENT_UNITS = ("个百分点", "百分点", "%", "％", "‰")
_SPEC_UNITS = (
    "GB/s", "MB/s", "TB/s", "Gbps", "Mbps", "Tbps", "Gb/s", "EFLOPS", "PFLOPS", "TFLOPS", "TOPS", "GHz",
    "MHz", "kHz", "Hz", "kWh", "MWh", "GWh", "Wh", "mAh", "kW", "MW", "GW", "nm", "mm", "cm", "km", "GB",
    "TB", "MB", "PB", "W", "V", "纳米", "毫米", "厘米", "千瓦时", "万千瓦", "千瓦", "兆瓦", "瓦", "伏",
    "英寸", "公里", "千米", "米", "吨", "公斤", "千克", "克", "平方米", "平方公里", "亩", "毫升", "升",
    "小时", "分钟", "秒", "个季度", "个月", "核", "线程", "量子比特", "比特", "帧", "度", "摄氏度", "℃",
)  # fmt: skip
_COUNT_UNITS = (
    "个", "家", "款", "辆", "户", "台", "部", "件", "项", "人次", "人", "名", "只", "颗", "片", "块", "张",
    "条", "套", "座", "栋", "次", "场", "起", "篇", "份", "种", "批", "所", "支", "架", "艘", "枚", "例",
    "笔", "单", "卡", "位", "处", "轮", "代", "层", "行", "户次", "位数",
)  # fmt: skip
_SCORE_UNITS = ("分",)
_MULTIPLE_UNITS = ("倍",)
_DURATION_UNITS = ("年", "天", "周")  # figures only after 为期/至少/连续 … (see _duration_ok)

_UNITS = sorted(
    (*_MONEY_UNITS, *_PERCENT_UNITS, *_SPEC_UNITS, *_COUNT_UNITS, *_SCORE_UNITS, *_MULTIPLE_UNITS,
     *_DURATION_UNITS),
    key=len,
    reverse=True,
)  # fmt: skip
_UNIT_ALT = "|".join(re.escape(u) for u in _UNITS)
_MULT_ALT = "万亿|千亿|百亿|十亿|亿|千万|百万|十万|万"
_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_RANGE_SEP = r"[-–—~～至到]"

_ARABIC_RE = re.compile(
    rf"(?P<a>{_NUM})(?:(?P<sep>{_RANGE_SEP})(?P<b>{_NUM}))?(?P<duo>多)?(?P<mult>{_MULT_ALT})?"
    rf"(?P<unit>{_UNIT_ALT})?"
)
_CN_DIGIT = "零〇一二两三四五六七八九十百千"
_CN_RE = re.compile(
    rf"(?P<word>翻一番|翻两番|翻番|翻倍|一半)"
    rf"|(?P<mag>上千万|上万|上亿|上千亿|百万|千万|千亿|百亿|万亿)(?P<munit>{_UNIT_ALT})"
    rf"|(?P<cn>[{_CN_DIGIT}]+)(?P<cmult>万亿|亿|万)?(?P<cunit>成|倍|个季度|个月|年|次|天|周|个|项)"
    rf"|(?P<half>半)(?P<hunit>年|个月)"
)
_LATIN_BEFORE = re.compile(r"[A-Za-z][A-Za-z.\-]* ?$")
_DURATION_CUES = ("为期", "至少", "连续", "长达", "持续", "历时", "用时", "仅用", "每")
_RELATIVE_BEFORE = ("前", "近", "这", "过去", "未来", "后", "头", "上", "每隔")
_RANK_BEFORE = ("第", "前", "Top", "TOP", "top")
_RANK_AFTER = ("强", "名", "位", "大", "佳", "号", "期", "届", "版", "代", "级")
_VERB_BEFORE = ("达", "为", "是", "超", "至", "到", "约", "近", "破", "过", "共", "计", "值", "分", "：", ":")
_GLUED_NOUN = re.compile(r"[\u4e00-\u9fff]{1,6}")
_NOUN_STOP = "的和与及或在是为了、，。；：等"


def _after(text: str, end: int) -> str:
    return text[end : end + 6]


def _before(text: str, start: int) -> str:
    return text[max(0, start - 6) : start]


def _excluded_arabic(sentence: str, m: re.Match[str]) -> bool:
    """True for dates, years, model codes, ranks and list names, which the conventions exclude."""
    start, end = m.start(), m.end()
    before, after = _before(sentence, start), _after(sentence, end)
    unit, mult = m.group("unit"), m.group("mult")
    number = m.group("a")
    if start > 0 and (sentence[start - 1] in ".+＋/×" or sentence[start - 1].isdigit()):
        return True
    if start > 0 and sentence[start - 1].isascii() and sentence[start - 1].isalpha():
        return True  # glued to a name: SPECint2017, ARMv9, M1
    if _LATIN_BEFORE.search(before) and not (unit or mult):
        return True
    if before.endswith(_RANK_BEFORE) or (after.startswith(_RANK_AFTER) and not unit):
        return True
    if unit in (None, "位", "名", "代", "期") and after.startswith(
        ("月", "日", "号", "时", "点", "：", ":", "世纪")
    ):
        return True
    if unit is None and not mult and re.match(r"[A-Za-z+＋]", after):
        return True  # 5G, 4K, 8+1, WiFi6 … (units such as nm and GB matched already)
    if unit in ("名", "位") and before.endswith(_RANK_BEFORE):
        return True
    if unit is None and not mult and re.fullmatch(r"(19|20)\d\d", number):
        return True  # a year, also inside a name (2021云栖大会)
    if unit == "年":
        return not _duration_ok(before) or bool(re.fullmatch(r"(19|20)\d\d", number))
    if unit in ("个月", "个季度", "天", "周") and before.endswith(_RELATIVE_BEFORE):
        return True
    return unit == "次" and before.endswith("第")


def _duration_ok(before: str) -> bool:
    """A duration is a figure only when the text states it as one (为期半年, 至少三年, 连续两个季度)."""
    return before.endswith(_DURATION_CUES)


def _bare_ok(sentence: str, m: re.Match[str]) -> bool:
    """A bare number (no multiplier, no unit) is a figure only after a verb such as 达/为 (得分0.73)."""
    before = _before(sentence, m.start())
    if "." in m.group("a") and before.endswith(_VERB_BEFORE):
        return True
    return before.endswith(_VERB_BEFORE) and not re.match(r"[\u4e00-\u9fffA-Za-z]", _after(sentence, m.end()))


@dataclass(slots=True)
class _Hit:
    raw: str
    start: int
    end: int
    value: float | None
    value_min: float | None
    value_max: float | None
    unit: str | None
    multiplied: bool


def _arabic_hits(sentence: str) -> Iterator[_Hit]:
    for m in _ARABIC_RE.finditer(sentence):
        if _excluded_arabic(sentence, m):
            continue
        unit, mult = m.group("unit"), m.group("mult")
        if unit is None and not mult and not _bare_ok(sentence, m):
            continue
        end = m.end()
        raw = m.group()
        if unit is None and mult:
            noun = _GLUED_NOUN.match(sentence, end)
            if noun:
                text = noun.group()
                cut = next((i for i, c in enumerate(text) if c in _NOUN_STOP), len(text))
                raw += text[:cut]
                end += cut
        mult_text = (m.group("duo") or "") + (mult or "")
        a = parse_number(m.group("a") + mult_text)
        if m.group("b"):
            b = parse_number(m.group("b") + mult_text)
            yield _Hit(raw, m.start(), end, None, a, b, unit, bool(mult))
        else:
            yield _Hit(raw, m.start(), end, a, None, None, unit, bool(mult))


_CN_EXCLUDE_BEFORE = ("第", "前", "近", "这", "那", "头", "数", "几", "过去", "未来", "后", "每", "上")
_CN_EXCLUDE_AFTER = ("大", "级", "点", "是", "批")


def _chinese_hits(sentence: str) -> Iterator[_Hit]:
    for m in _CN_RE.finditer(sentence):
        before = _before(sentence, m.start())
        if (m.start() > 0 and sentence[m.start() - 1] in "“") and m.group("mag"):
            continue
        if m.group("word"):
            quantity = word_quantity(m.group("word"))
            if quantity:
                yield _Hit(m.group(), m.start(), m.end(), quantity[0], None, None, quantity[1], False)
        elif m.group("mag"):
            value = parse_number(m.group("mag").removeprefix("上"))
            yield _Hit(m.group(), m.start(), m.end(), value, None, None, m.group("munit"), True)
        elif m.group("half"):
            if _duration_ok(before):
                unit = m.group("hunit")
                yield _Hit(m.group(), m.start(), m.end(), 0.5, None, None, unit, False)
        else:
            yield from _chinese_numeral_hit(sentence, m, before)


def _chinese_numeral_hit(sentence: str, m: re.Match[str], before: str) -> Iterator[_Hit]:
    unit = m.group("cunit")
    if before.endswith(_CN_EXCLUDE_BEFORE) or _after(sentence, m.end()).startswith(_CN_EXCLUDE_AFTER):
        return
    if unit in ("年", "个月", "个季度", "天", "周", "次", "个", "项") and not _duration_ok(before):
        return
    value = chinese_to_number(m.group("cn") + (m.group("cmult") or ""))
    if value is None:
        return
    yield _Hit(m.group(), m.start(), m.end(), value, None, None, unit, bool(m.group("cmult")))


# ---------------------------------------------------------------- meaning

_UP = ("增长", "增加", "提高", "提升", "上涨", "上升", "增速", "增幅", "涨幅", "多增", "扩大", "增")
_DOWN = ("下降", "减少", "降低", "下滑", "下跌", "回落", "缩小", "减", "降", "跌")
_BASES = (
    ("与去年同期相比", "同比"),
    ("同比", "同比"),
    ("环比", "环比"),
    ("两年平均", "两年平均"),
    ("年均", "年均"),
    ("年复合增长率", "年复合增长率"),
    ("CAGR", "CAGR"),
    ("较上年", "较上年"),
    ("较去年", "较去年"),
    ("比上年", "比上年"),
)
_SHARE = ("占比", "份额", "比重", "占")
_CLAUSE_BREAK = re.compile(r"[，,；;：:。！？!?（）()—]|和|及")


def _clause_before(sentence: str, start: int) -> str:
    """Text from the last clause break to the figure: where its verb, basis and subject are printed."""
    head = sentence[:start]
    cut = max((m.end() for m in re.finditer(r"[，,；;。！？!?]", head)), default=0)
    return head[cut:]


def _direction(clause: str) -> str | None:
    """up/down from the change verb nearest the figure, if the clause has one."""
    best: tuple[int, str] | None = None
    for words, direction in ((_UP, "up"), (_DOWN, "down")):
        for word in words:
            at = clause.rfind(word)
            if at >= 0 and (best is None or at > best[0]):
                best = (at, direction)
    return best[1] if best else None


def _basis(clause: str, sentence_head: str) -> str | None:
    """The comparison basis as worded; a rate listed after a 同比 one in the same sentence shares it."""
    for text in (clause, sentence_head):
        found = [(text.rfind(word), basis) for word, basis in _BASES if word in text]
        if found:
            return max(found)[1]
    return None


def _kind(hit: _Hit, clause: str) -> str:
    unit = hit.unit or ""
    if unit in _MONEY_UNITS:
        return "money"
    if unit in _SCORE_UNITS:
        return "score"
    changing = _direction(clause) is not None
    if unit in _PERCENT_UNITS or unit == "成":
        if unit in ("个百分点", "百分点") or changing:
            return "change"
        return "share" if any(w in clause for w in _SHARE) else "percent"
    if unit == "倍":
        return "change" if changing and hit.raw not in ("翻番", "翻倍") else "multiple"
    if hit.raw == "一半":
        return "multiple"
    if unit in _SPEC_UNITS or unit in _DURATION_UNITS:
        return "spec"
    return "count"


_PERIOD_RE = re.compile(
    r"(?:今年|去年|明年|全年|\d{4}年)?(?:前三季度|前\d+个月|[一二三四1-4]季度|第[一二三四1-4]季度|上半年|下半年"
    r"|\d+[—\-–~]\d+月|\d+月份|截至\d+月底|截至\d+月末|截至\d+年底|\d+月)"
    r"|截至\d+月底|截至\d+月末|今年底|年底|两年多来|去年同期|今年|去年|全年|\d{4}年"
)
_NATIONAL = ("全国", "我国", "国内", "规模以上", "全社会")
_LOCAL = ("我省", "全省", "本省", "我市", "全市", "本市")
_ORG_RE = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,8}?(?:集团|公司|银行|研究院|部|局|厅)")
_SPEAKER_TITLE = re.compile(r"^(?:新闻发言人|副?局长|副?厅长|副?部长|有关负责人|负责人|主任|司长|、)")
_GOVERNMENT = re.compile(r"(?:部|委|局|国新办|国务院|署)$")
_REGION_IN_TITLE = re.compile(r"^([\u4e00-\u9fff]{2,3}(?:省|市|自治区))")
_SUBJECT_TRIM_TAIL = re.compile(
    r"(?:同比|环比|两年平均|年均|累计|分别|均|已|将|有望|预计|达到|达|为|是|超过|超|突破|约|近|接近|增长|下降|"
    r"增加|减少|提升至|提升|提高|上调至|至|了|完成|实现|共有|共|在|的|有|于|不低于|保持在|以上)+$"
)
_SUBJECT_TRIM_HEAD = re.compile(
    r"^(?:其中|目前|同时|此外|另外|截至目前|从\S{1,4}看|我省|全省|全国|我国|国内)+"
)


def _period(sentence: str, start: int) -> str | None:
    """The nearest time expression before the figure in its ；-segment (前三季度, 截至9月底, 2020年)."""
    head = sentence[:start]
    head = head[max(head.rfind("；"), head.rfind(";")) + 1 :]
    found = list(_PERIOD_RE.finditer(head))
    return found[-1].group() if found else None


def _subject(clause: str, period: str | None) -> str | None:
    """What is measured: the clause before the figure minus its verb, qualifiers and time words."""
    text = clause
    if period and period in text:
        text = text[text.rfind(period) + len(period) :]
    text = _SUBJECT_TRIM_HEAD.sub("", text)
    text = _SUBJECT_TRIM_TAIL.sub("", text)
    return text or None


def _owner_orgs(text: str) -> list[str]:
    """Organisations named in text, leaving out a speaker's employer (工信部新闻发言人、…局局长X介绍)."""
    return [m.group() for m in _ORG_RE.finditer(text) if not _SPEAKER_TITLE.match(text[m.end() :])]


def _article_entity(article: Article) -> str | None:
    """Who an article is about when a sentence names no one: a region in the title, a title's 'X：'
    (a ministry reporting national statistics stands for 中国), or the company its lead sentence names."""
    region = _REGION_IN_TITLE.match(article.title)
    if region:
        return region.group(1)
    head, sep, _ = article.title.partition("：")
    if sep and 1 < len(head) <= 8:
        return "中国" if _GOVERNMENT.search(head) else head
    lead = split_sentences(article.paragraphs[0])[:1] if article.paragraphs else []
    orgs = [o for o in _owner_orgs(lead[0]) if o.endswith(("集团", "公司"))] if lead else []
    return orgs[0] if orgs else None


def _entity(sentence: str, start: int, default: str | None) -> str | None:
    """The owner of a figure: the article's region for 我省…, 中国 for national statistics, else an
    organisation named before it, else the article's own subject."""
    head = sentence[:start]
    if default and any(word in sentence for word in _LOCAL):
        return default
    national = [w for w in _NATIONAL if w in head and f"占{w}" not in head]
    if national:
        return "中国"
    orgs = [o for o in _owner_orgs(head) if not _GOVERNMENT.search(o) or default != "中国"]
    if orgs:
        return orgs[-1]
    return default


def _meaning(hit: _Hit, sentence: str, default_entity: str | None) -> FigureRecord:
    clause = _clause_before(sentence, hit.start)
    kind = _kind(hit, clause)
    change = None
    direction = _direction(clause)
    if kind == "change" or (kind == "money" and direction and _basis(clause, "")):
        change = {"direction": direction, "basis": _basis(clause, sentence[: hit.start])}
    period = _period(sentence, hit.start)
    return FigureRecord(
        raw=hit.raw,
        value=hit.value,
        unit=hit.unit,
        kind=kind,
        sentence=sentence,
        value_min=hit.value_min,
        value_max=hit.value_max,
        multiplier_applied=hit.multiplied,
        subject=_subject(clause, period),
        entity=_entity(sentence, hit.start, default_entity),
        period=period,
        change=change,
        span=(hit.start, hit.end),
    )


def _sentence_figures(sentence: str, default_entity: str | None) -> list[FigureRecord]:
    """Figures of one sentence in reading order; Arabic and Chinese matches never overlap."""
    compact = re.sub(r"(?<=[\d.])\s+(?=[\u4e00-\u9fff%])|(?<=[\d])\s+(?=[\d])", "", sentence)
    hits = list(_arabic_hits(compact))
    taken = [(h.start, h.end) for h in hits]
    for hit in _chinese_hits(compact):
        if all(hit.end <= s or hit.start >= e for s, e in taken):
            hits.append(hit)
    hits.sort(key=lambda h: h.start)
    return [_meaning(hit, compact, default_entity) for hit in hits]


def figures_of(article: Article) -> list[FigureRecord]:
    """Every figure in an article, in reading order, each with the sentence it was read from.

    Titles and sub-headings are sentences of their own, so a figure printed in a title is reported
    there as well as in the body, as the gold counts it.
    """
    default_entity = _article_entity(article)
    figures: list[FigureRecord] = []
    for sentence in sentences_of(article):
        figures.extend(_sentence_figures(sentence, default_entity))
    return figures
