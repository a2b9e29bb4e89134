"""Same-event clusters: articles that report one event or speech in different words.

A bulletin often carries two write-ups of one press conference or speech, from different outlets. They
share few runs of text (so :mod:`jiance.stages.dedup` rightly keeps them apart) but they share the
*particulars*: the speaker's name, the organisation and the meeting, the same figures with the same units,
the date, and terms too rare in the batch to be a coincidence. Each shared particular is evidence with a
weight; a pair of articles is linked when the evidence is strong and of at least two kinds (so one shared
name, or one shared figure, never suffices), and links are merged with union-find. Each article gets an
:class:`EventInfo` whose ``reasons`` list the shared items, so an editor can see why two pieces were put
together and undo it.

Entities and figures come from their own stages when the pipeline passes them; otherwise a small internal
pattern finds people (a title followed by a name and a speech verb), organisations and meetings (a run
of Chinese ending in an organisation word, Latin acronyms), numbers with units and dates.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jiance.records import Article, Entity, Figure
from jiance.text import fold

__all__ = [
    "EventInfo",
    "Evidence",
    "article_evidence",
    "candidate_cap",
    "cluster_events",
    "event_links",
    "events",
    "item_weights",
    "link_pair",
    "person_names",
    "posting_kind",
    "share_names",
]

WEIGHTS = {
    "person": 3.0,
    "organization": 1.5,
    "acronym": 0.75,
    "figure": 1.5,
    "date": 1.5,
    "day": 0.5,
    "term": 0.5,
}
"""What one shared item of each kind is worth, before the rarity factor."""
LINK_SCORE = 7.0
LINK_KINDS = 2
"""A pair is one event when its shared evidence scores at least this, over at least this many kinds."""
TERM_CAP = 3.0
"""Rare terms alone may add at most this much, so two long articles on one topic are not enough."""

_PERSON = re.compile(
    r"(?:部长|局长|司长|行长|主任|主席|总裁|董事长|总经理|院士|发言人|秘书长|理事长|会长|院长|所长|"
    r"首席科学家|首席执行官|负责人|总工程师|教授|书记|市长|省长|创始人|总监|分析师|CEO)"
    r"([\u4e00-\u9fff]{2,3}?)(?=介绍|表示|说|指出|认为|称|强调|透露|坦言|提出|在|：|:|，|,|、)"
)
_SPEAKER_TITLE = re.compile(r"([\u4e00-\u9fff]{2,3})[：:]")
_ORG = re.compile(
    r"[\u4e00-\u9fff]{2,12}?(?:委员会|部|委|局|署|办|银行|集团|公司|协会|联盟|研究院|研究所|中心|大学|"
    r"交易所|发布会|国际会议|论坛|峰会|博览会)"
)
_ORG_END = re.compile(r"[部委局办院所会司行厂网云社]$")  # 工信部：… is an organisation speaking
_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z]{3,6}(?![A-Za-z])")
_FIGURE = re.compile(
    r"(\d+(?:\.\d+)?)\s*((?:万亿|亿|万|千)?(?:美元|元|户|人|辆|款|项|台|座|部|个|家|吨|公里|千瓦)"
    r"|%|GW|GHz|MHz|nm|纳米|倍|万亿|亿|万)"
)
_DATE = re.compile(r"(?:(\d{1,2})月)?(\d{1,2})日")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{4,}")
_KIND_CLASS = {"acronym": "organization", "day": "date"}
_COMMON_ACRONYMS = frozenset({"CEO", "CPU", "GPU", "APP", "VR", "AR", "XR", "AI", "IT", "ICT"})


@dataclass(slots=True)
class Evidence:
    """The particulars of one article that another report of the same event would share."""

    items: dict[str, set[str]] = field(default_factory=dict)  # kind -> normalised items

    def add(self, kind: str, item: str) -> None:
        self.items.setdefault(kind, set()).add(item)


@dataclass(slots=True)
class EventInfo:
    """An article's event: the id of its cluster (its smallest article id) and why it is in it."""

    event_id: str
    reasons: list[str] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "reasons": list(self.reasons)}


def _text(article: Article) -> str:
    return fold(f"{article.title}\n{article.body}")


def _people(article: Article, text: str) -> set[str]:
    """Names after a title and before a speech verb, plus an expert piece's speaker."""
    names = {match.group(1) for match in _PERSON.finditer(text)}
    if article.speaker:
        names.add(fold(article.speaker)[-3:])
    title = _SPEAKER_TITLE.match(fold(article.title))
    if title and not _ORG_END.search(title.group(1)) and title.group(1) in text[len(article.title) :]:
        names.add(title.group(1))
    return names


def _organisations(text: str) -> set[str]:
    """Organisation and meeting names: the shortest plausible head of each match, and acronyms."""
    found = {match.group(0)[-8:] for match in _ORG.finditer(text)}
    return {name for name in found if len(name) >= 3}


def _acronyms(text: str) -> set[str]:
    """Latin acronyms (BIS, ECMO): names too, but short ones recur by chance, so they weigh less."""
    return {acronym for acronym in _ACRONYM.findall(text.upper()) if acronym not in _COMMON_ACRONYMS}


def _figures(text: str) -> set[str]:
    """Numbers with units, as ``value unit``; bare numbers and tiny counts say nothing about an event."""
    out = set()
    for number, unit in _FIGURE.findall(text):
        value = float(number)
        if value >= 10 or "." in number or unit == "%":
            out.add(f"{value:g}{unit}")
    return out


def _dates(text: str) -> tuple[set[str], set[str]]:
    """``M月D日`` dates, and days of the month alone (a second report says 19日 for 10月19日)."""
    full, days = set(), set()
    for month, day in _DATE.findall(text):
        days.add(f"{int(day)}日")
        if month:
            full.add(f"{int(month)}月{int(day)}日")
    return full, days


def _terms(text: str) -> set[str]:
    """Every 4-character window of the Chinese runs: a rare one shared by two articles is a shared name."""
    return {run[i : i + 4] for run in _CJK_RUN.findall(text) for i in range(len(run) - 3)}


def article_evidence(
    article: Article, entities: Sequence[Entity] | None = None, figures: Sequence[Figure] | None = None
) -> Evidence:
    """The particulars of one article, from the entity and figure stages when given, else from patterns."""
    text = _text(article)
    evidence = Evidence()
    if entities is not None:
        for entity in entities:
            kind = "person" if entity.type == "person" else "organization"
            evidence.add(kind, fold(entity.name))
    else:
        for name in _people(article, text):
            evidence.add("person", name)
        for name in _organisations(text):
            evidence.add("organization", name)
        for name in _acronyms(text):
            evidence.add("acronym", name)
    if figures is not None:
        for figure in figures:
            if figure.value is not None and figure.unit:
                evidence.add("figure", f"{figure.value:g}{figure.unit}")
    else:
        for item in _figures(text):
            evidence.add("figure", item)
    full, days = _dates(text)
    for item in full:
        evidence.add("date", item)
    for item in days:
        evidence.add("day", item)
    for item in _terms(text):
        evidence.add("term", item)
    return evidence


def _rarity(df: int, total: int) -> float:
    """1 for an item two articles share, falling towards 0 as more of the batch has it."""
    if total <= 2:
        return 1.0
    return max(0.0, math.log(total / df) / math.log(total / 2))


def _candidate_pairs(
    evidence: Sequence[Evidence], df: Counter[tuple[str, str]], total: int
) -> set[tuple[int, int]]:
    """Pairs that share at least one uncommon person, organisation, meeting, figure, date or place.

    A link needs such an item (rare terms alone never link), so only articles that share one are compared:
    near-linear instead of every pair. An item found in more than ``2·√n`` articles does not make
    candidates; a pair whose only non-term evidence is that common is not looked for.
    """
    cap = candidate_cap(total)
    postings: dict[tuple[str, str], list[int]] = {}
    for i, ev in enumerate(evidence):
        for kind, items in ev.items.items():
            if not posting_kind(kind):
                continue
            for item in items:
                if 2 <= df[(kind, item)] <= cap:
                    postings.setdefault((kind, item), []).append(i)
    return {pair for members in postings.values() for pair in itertools.combinations(members, 2)}


def candidate_cap(total: int) -> int:
    """An item in more than this many of ``total`` articles is too common to make candidates."""
    return max(20, int(2 * math.sqrt(total)))


def posting_kind(kind: str) -> bool:
    """Whether items of ``kind`` make candidates (rare terms and weightless kinds never do)."""
    return kind != "term" and WEIGHTS.get(kind, 0.0) > 0


def link_pair(
    first: Evidence, second: Evidence, weights: dict[tuple[str, str], float]
) -> tuple[float, list[str]] | None:
    """``(score, reasons)`` when two articles' shared evidence makes them one event, else None.

    ``weights`` needs only the items the two share (a distributed run looks those up).
    """
    score, reasons = _pair_score(first, second, weights)
    kinds = {_KIND_CLASS.get(reason.split("：", 1)[0], reason.split("：", 1)[0]) for reason in reasons}
    if score >= LINK_SCORE and len(kinds - {"term"}) >= 1 and len(kinds) >= LINK_KINDS:
        return round(score, 2), reasons
    return None


def event_links(evidence: Sequence[Evidence]) -> list[tuple[int, int, float, list[str]]]:
    """Linked pairs ``(i, j, score, reasons)``: enough shared, rare evidence of at least two kinds."""
    df: Counter[tuple[str, str]] = Counter(
        (kind, item) for ev in evidence for kind, items in ev.items.items() for item in items
    )
    total = len(evidence)
    weights = item_weights(df, total)
    links = []
    for i, j in sorted(_candidate_pairs(evidence, df, total)):
        linked = link_pair(evidence[i], evidence[j], weights)
        if linked is not None:
            links.append((i, j, *linked))
    return links


def _pair_score(
    first: Evidence, second: Evidence, weights: dict[tuple[str, str], float]
) -> tuple[float, list[str]]:
    """Weighted shared evidence of two articles and the reasons, ``kind：item`` (rare terms summarised)."""
    score, reasons, terms = 0.0, [], []
    shared_dates = first.items.get("date", set()) & second.items.get("date", set())
    for kind, items in first.items.items():
        other = second.items.get(kind)
        if not other:
            continue
        shared = items & other
        if kind == "day" and shared_dates:
            shared -= {date.split("月", 1)[1] for date in shared_dates}
        for item in shared:
            weight = weights.get((kind, item), 0.0)
            if weight <= 0:
                continue
            if kind == "term":
                terms.append((weight, item))
            else:
                score += weight
                reasons.append(f"{kind}：{item}")
    reasons.sort()
    if terms:
        score += min(TERM_CAP, sum(weight for weight, _ in terms))
        top = [item for _, item in sorted(terms, key=lambda t: (-t[0], t[1]))[:5]]
        reasons.append(f"term：{'、'.join(top)}（{len(terms)}）")
    return score, reasons


def item_weights(df: Counter[tuple[str, str]], total: int) -> dict[tuple[str, str], float]:
    """Each item's weight once for the batch: its kind's weight times its rarity."""
    return {(kind, item): WEIGHTS[kind] * _rarity(count, total) for (kind, item), count in df.items()}


def person_names(article: Article) -> set[str]:
    """The people the pattern finds in one article: what :func:`share_names` looks for batch-wide."""
    return _people(article, _text(article))


def _share_names(articles: Sequence[Article], evidence: Sequence[Evidence]) -> None:
    """A person named with a title in one article is the same person when another says the name bare.

    A second report often introduces 罗俊杰 with a different title or none, so the names the pattern
    found anywhere in the batch are looked up in every article's text.
    """
    names = {name for ev in evidence for name in ev.items.get("person", set())}
    share_names(articles, evidence, names)


def share_names(articles: Sequence[Article], evidence: Sequence[Evidence], names: Iterable[str]) -> None:
    """Add to each article's evidence every one of ``names`` its text contains (the batch's people)."""
    by_start: dict[str, set[str]] = {}
    for name in names:
        by_start.setdefault(name[:2], set()).add(name)
    for article, ev in zip(articles, evidence, strict=True):
        text = _text(article)
        # One pass over the text, looking up names by their first two characters: linear in the batch.
        for i in range(len(text) - 1):
            for name in by_start.get(text[i : i + 2], ()):
                if text.startswith(name, i):
                    ev.add("person", name)


def events(
    articles: Sequence[Article],
    *,
    entities: Mapping[str, Sequence[Entity]] | None = None,
    figures: Mapping[str, Sequence[Figure]] | None = None,
) -> dict[str, EventInfo]:
    """Map each article id to its event: same id for articles reporting one event, with the reasons.

    ``entities`` and ``figures`` are the entity and figure stages' results by article id; an article
    missing from them (or both absent) falls back to the internal patterns, so the stage runs alone.
    """
    evidence = [
        article_evidence(
            article,
            None if entities is None else entities.get(article.id),
            None if figures is None else figures.get(article.id),
        )
        for article in articles
    ]
    _share_names(articles, evidence)
    return cluster_events([article.id for article in articles], event_links(evidence))


def cluster_events(
    ids: Sequence[str], links: Iterable[tuple[int, int, float, list[str]]]
) -> dict[str, EventInfo]:
    """Union-find over linked index pairs: each cluster is named by its smallest id, reasons per article."""
    parent = {key: key for key in ids}
    reasons: dict[str, list[str]] = {key: [] for key in ids}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for i, j, _score, why in links:
        reasons[ids[i]].extend(f"{item}（与 {ids[j]}）" for item in why)
        reasons[ids[j]].extend(f"{item}（与 {ids[i]}）" for item in why)
        root_i, root_j = find(ids[i]), find(ids[j])
        if root_i != root_j:
            parent[max(root_i, root_j)] = min(root_i, root_j)
    return {key: EventInfo(find(key), reasons[key]) for key in ids}
