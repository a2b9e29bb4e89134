"""Score a parse against gold: did the splitter find every article, in the right column, with its text intact?

The scorer compares the records of ``jiance parse`` (plain dicts, the JSONL contract) with a gold file and
reports the numbers a parser developer steers by, plus the evidence needed to fix a regression:

* titles: precision, recall and F1 of folded titles (expert pieces are matched by speaker + headline);
* column accuracy: of the matched records, the share filed under the gold section;
* body similarity: 1 − normalised Levenshtein distance of folded bodies, mean and min;
* paragraph boundaries: F1 of the offsets where paragraphs end, after aligning predicted text onto gold;
* sub-headings: micro precision/recall/F1 of folded sub-headings;
* furniture leaks: predicted titles or paragraphs that carry page furniture found in the source text;
* expert pieces: precision/recall by speaker + headline and the accuracy of their related title.

Everything compares *folded* text (:func:`jiance.text.fold`: NFKC, lower case, whitespace removed), so
width, case and re-flow differences are not errors; wrong characters, merged or split articles are.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jiance.evaluate.gold import Gold, GoldRecord, gold_from_dict
from jiance.text import fold

__all__ = [
    "FurnitureText",
    "Leak",
    "ParseScore",
    "Ratio",
    "detect_furniture",
    "edit_similarity",
    "levenshtein",
    "render_score",
    "score_file",
    "score_parse",
]

EXPERT = "expert_opinion"
# Headings that structure the bulletin and repeat on purpose; they are not page furniture.
_STRUCTURAL_HEADINGS = frozenset({fold("专家观点")})
_MIN_FURNITURE_CHARS = 4
_REPEATS = 3
_WORST = 5
_DIGITS_RE = re.compile(r"\d+")
_PAGE_NUMBER_RES = (
    re.compile(r"^(page|p\.?)\s*\d+(\s*(of|/)\s*\d+)?$", re.IGNORECASE),
    re.compile(r"^[-–—]\s*\d+\s*[-–—]$"),
    re.compile(r"^第\s*\d+\s*页(\s*[/，,]?\s*共\s*\d+\s*页)?$"),
    re.compile(r"^\d{1,4}(\s*/\s*\d{1,4})?$"),
)
_CONTENTS_RE = re.compile(r"^\S.*?(\.{3,}|…{2,}|·{3,}|．{3,}|_{3,}|\s{4,})\s*\d{1,4}$")
_CONTENTS_HEADING_RE = re.compile(r"^目\s*录$")


# --- edit distance ---------------------------------------------------------------------------------


def levenshtein(a: str, b: str) -> int:
    """Levenshtein distance by Hyyrö's bit-parallel algorithm on Python integers.

    One pass over ``b`` with whole-word bit operations on a ``len(a)``-bit integer: O(len(b) · len(a)/64)
    machine work, about a millisecond for two 5,000-character bodies, where a plain DP table is 25M cells.
    """
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    m = len(a)
    if not b:
        return m
    peq: dict[str, int] = {}
    for i, ch in enumerate(a):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    full = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = full, 0, m
    for ch in b:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & full)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = mh | (~(xv | ph) & full)
        mv = ph & xv
    return score


def edit_similarity(a: str, b: str) -> float:
    """1 − Levenshtein distance / length of the longer string; 1.0 for two empty strings."""
    longest = max(len(a), len(b))
    return 1.0 if longest == 0 else 1.0 - levenshtein(a, b) / longest


# --- result records --------------------------------------------------------------------------------


@dataclass(slots=True)
class Ratio:
    """Precision/recall/F1 from counts, so micro-averages can be summed before they are divided."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        # Nothing predicted is vacuously precise; recall then carries the failure.
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Ratio) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def to_dict(self) -> dict[str, float | int]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass(slots=True)
class FurnitureText:
    """A line of the source that is page furniture, with the key it is searched by in predicted text."""

    text: str
    key: str  # folded, digit runs as '#'
    reason: str  # repeated, page-number, contents


@dataclass(slots=True)
class Leak:
    """A predicted title or paragraph that carries page furniture."""

    title: str
    field: str  # "title" or "paragraph"
    index: int  # paragraph index (0 for the title)
    furniture: str
    reason: str
    line_start: int | None = None


@dataclass(slots=True)
class RecordDiff:
    """How one matched record differs from its gold: the developer's starting point for a fix."""

    title: str
    similarity: float
    gold_chars: int
    predicted_chars: int
    first_difference: int | None
    gold_context: str
    predicted_context: str
    boundaries_missing: int
    boundaries_extra: int
    line_start: int | None = None


@dataclass(slots=True)
class ParseScore:
    """Every metric of one scored parse, and the diagnostics behind them."""

    titles: Ratio
    column_accuracy: float
    body_similarity: float
    body_similarity_min: float
    paragraphs: Ratio
    subheadings: Ratio
    furniture_leaks: int
    experts: Ratio
    related_title_accuracy: float
    gold_records: int
    predicted_records: int
    matched_records: int
    scope: list[str] | None = None  # sections scored when the gold covers only some
    missed: list[dict[str, Any]] = field(default_factory=list)
    spurious: list[dict[str, Any]] = field(default_factory=list)
    wrong_section: list[dict[str, Any]] = field(default_factory=list)
    worst_bodies: list[RecordDiff] = field(default_factory=list)
    subheading_errors: list[dict[str, Any]] = field(default_factory=list)
    leaks: list[Leak] = field(default_factory=list)
    related_title_errors: list[dict[str, Any]] = field(default_factory=list)
    furniture: list[FurnitureText] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        """The flat headline numbers, by the names the floors file uses."""
        return {
            "title_precision": self.titles.precision,
            "title_recall": self.titles.recall,
            "title_f1": self.titles.f1,
            "column_accuracy": self.column_accuracy,
            "body_similarity": self.body_similarity,
            "body_similarity_min": self.body_similarity_min,
            "paragraph_precision": self.paragraphs.precision,
            "paragraph_recall": self.paragraphs.recall,
            "paragraph_f1": self.paragraphs.f1,
            "subheading_precision": self.subheadings.precision,
            "subheading_recall": self.subheadings.recall,
            "subheading_f1": self.subheadings.f1,
            "furniture_leaks": float(self.furniture_leaks),
            "expert_precision": self.experts.precision,
            "expert_recall": self.experts.recall,
            "expert_f1": self.experts.f1,
            "related_title_accuracy": self.related_title_accuracy,
            "gold_records": float(self.gold_records),
            "predicted_records": float(self.predicted_records),
            "matched_records": float(self.matched_records),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: metrics, counts, the ratios with their counts, and every diagnostic list."""
        return {
            "metrics": self.metrics(),
            "titles": self.titles.to_dict(),
            "paragraphs": self.paragraphs.to_dict(),
            "subheadings": self.subheadings.to_dict(),
            "experts": self.experts.to_dict(),
            "scope": self.scope,
            "missed": self.missed,
            "spurious": self.spurious,
            "wrong_section": self.wrong_section,
            "worst_bodies": [asdict(d) for d in self.worst_bodies],
            "subheading_errors": self.subheading_errors,
            "leaks": [asdict(leak) for leak in self.leaks],
            "related_title_errors": self.related_title_errors,
            "furniture": [asdict(f) for f in self.furniture],
        }


# --- records as the scorer sees them ---------------------------------------------------------------


@dataclass(slots=True)
class _Rec:
    kind: str
    title: str
    paragraphs: list[str]
    section: str | None
    subheadings: list[str]
    speaker: str | None = None
    headline: str | None = None
    related_title: str | None = None
    line_start: int | None = None

    @property
    def key(self) -> str:
        """Articles match by title; expert pieces by speaker + headline when both are known."""
        if self.kind == EXPERT and self.speaker and self.headline:
            return f"{fold(self.speaker)}\x1f{fold(self.headline)}"
        return fold(self.title)


def _predicted(raw: Mapping[str, Any]) -> _Rec:
    """A ``jiance parse`` record (body joined by newlines) or any dict with ``paragraphs``."""
    if "paragraphs" in raw and raw["paragraphs"] is not None:
        paragraphs = [str(p) for p in raw["paragraphs"]]
    else:
        body = raw.get("body") or ""
        paragraphs = [p for p in str(body).split("\n") if p.strip()]
    source = raw.get("source") or {}
    return _Rec(
        kind=str(raw.get("kind") or "article"),
        title=str(raw.get("title") or ""),
        paragraphs=paragraphs,
        section=raw.get("section"),
        subheadings=[str(s) for s in raw.get("subheadings") or []],
        speaker=raw.get("speaker"),
        headline=raw.get("headline"),
        related_title=raw.get("related_title"),
        line_start=source.get("line_start") if isinstance(source, Mapping) else None,
    )


def _from_gold(record: GoldRecord) -> _Rec:
    return _Rec(
        kind=record.kind,
        title=record.title,
        paragraphs=list(record.paragraphs),
        section=record.section,
        subheadings=list(record.subheadings),
        speaker=record.speaker,
        headline=record.headline,
        related_title=record.related_title,
    )


def _as_gold(gold: Gold | Sequence[Mapping[str, Any]]) -> Gold:
    if isinstance(gold, Gold):
        return gold
    return gold_from_dict({"covers": "all", "records": list(gold)})


# --- matching --------------------------------------------------------------------------------------


def _match(predicted: list[_Rec], gold: list[_Rec], kind_is_expert: bool) -> list[tuple[int, int]]:
    """Pairs (predicted index, gold index) with equal keys, first come first served; kinds kept apart."""
    pool: dict[str, list[int]] = {}
    for gi, rec in enumerate(gold):
        if (rec.kind == EXPERT) == kind_is_expert:
            pool.setdefault(rec.key, []).append(gi)
    pairs: list[tuple[int, int]] = []
    for pi, rec in enumerate(predicted):
        if (rec.kind == EXPERT) != kind_is_expert:
            continue
        waiting = pool.get(rec.key)
        if waiting:
            pairs.append((pi, waiting.pop(0)))
    return pairs


def _boundaries(paragraphs: Iterable[str]) -> tuple[str, list[int]]:
    """The folded body without boundaries, and the offsets where each paragraph but the last ends."""
    parts = [f for f in (fold(p) for p in paragraphs) if f]
    offsets: list[int] = []
    total = 0
    for part in parts[:-1]:
        total += len(part)
        offsets.append(total)
    return "".join(parts), offsets


def _map_offsets(gold_text: str, pred_text: str, offsets: list[int]) -> list[int | None]:
    """Predicted boundary offsets in gold coordinates, through the matching blocks of the two texts.

    A boundary inside text the gold does not have maps to ``None`` (it cannot be right).
    """
    if gold_text == pred_text:
        return list(offsets)
    blocks = difflib.SequenceMatcher(None, gold_text, pred_text, autojunk=False).get_matching_blocks()
    starts = [b.b for b in blocks]
    mapped: list[int | None] = []
    for off in offsets:
        i = bisect.bisect_right(starts, off) - 1
        # A boundary at the very start of a block belongs to it too; try the block before as well.
        hit: int | None = None
        for j in (i, i - 1):
            if 0 <= j < len(blocks) and blocks[j].size and blocks[j].b <= off <= blocks[j].b + blocks[j].size:
                hit = blocks[j].a + off - blocks[j].b
                break
        mapped.append(hit)
    return mapped


def _boundary_ratio(gold: _Rec, pred: _Rec) -> tuple[Ratio, str, str]:
    gold_text, gold_offsets = _boundaries(gold.paragraphs)
    pred_text, pred_offsets = _boundaries(pred.paragraphs)
    truth = set(gold_offsets)
    found = {m for m in _map_offsets(gold_text, pred_text, pred_offsets) if m is not None}
    unmapped = len(pred_offsets) - len(found)
    tp = len(found & truth)
    return Ratio(tp=tp, fp=len(found) - tp + unmapped, fn=len(truth) - tp), gold_text, pred_text


def _subheading_ratio(gold: _Rec, pred: _Rec) -> tuple[Ratio, list[str], list[str]]:
    want = Counter(fold(s) for s in gold.subheadings)
    got = Counter(fold(s) for s in pred.subheadings)
    tp = sum((want & got).values())
    missing = sorted((want - got).elements())
    extra = sorted((got - want).elements())
    return Ratio(tp=tp, fp=len(extra), fn=len(missing)), missing, extra


def _first_difference(a: str, b: str) -> int | None:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def _diff(gold: _Rec, pred: _Rec, gold_text: str, pred_text: str, sim: float, bounds: Ratio) -> RecordDiff:
    at = _first_difference(gold_text, pred_text)
    lo = max(0, (at or 0) - 12)
    return RecordDiff(
        title=gold.title,
        similarity=sim,
        gold_chars=len(gold_text),
        predicted_chars=len(pred_text),
        first_difference=at,
        gold_context=gold_text[lo : lo + 48] if at is not None else "",
        predicted_context=pred_text[lo : lo + 48] if at is not None else "",
        boundaries_missing=bounds.fn,
        boundaries_extra=bounds.fp,
        line_start=pred.line_start,
    )


# --- furniture -------------------------------------------------------------------------------------


def _furniture_key(text: str) -> str:
    return _DIGITS_RE.sub("#", fold(text))


def _is_page_number(line: str) -> bool:
    return any(rx.match(line) for rx in _PAGE_NUMBER_RES)


def detect_furniture(source_text: str, *, keep: Iterable[str] = ()) -> list[FurnitureText]:
    """Page furniture of a source text: repeated lines, page numbers and contents lines.

    A stripped line whose digit-normalised form repeats at least three times is a running header or
    footer; page-number lines and contents lines (a title, a leader, a page number; or the 目录 heading)
    are furniture wherever they occur. ``keep`` holds text known to be content (gold titles, paragraphs
    and section names): a furniture key found in it is dropped, so that labelled content never counts.
    """
    lines = [line.strip() for line in source_text.replace("\r\n", "\n").split("\n")]
    counts = Counter(_furniture_key(line) for line in lines if line)
    keep_keys = [_furniture_key(text) for text in keep]
    found: dict[str, FurnitureText] = {}
    for line in lines:
        if not line:
            continue
        key = _furniture_key(line)
        if key in found or key in _STRUCTURAL_HEADINGS:
            continue
        if _is_page_number(line):
            reason = "page-number"
        elif _CONTENTS_RE.match(line) or _CONTENTS_HEADING_RE.match(line):
            reason = "contents"
        elif counts[key] >= _REPEATS:
            reason = "repeated"
        else:
            continue
        if any(key == k or (len(key) >= _MIN_FURNITURE_CHARS and key in k) for k in keep_keys):
            continue
        found[key] = FurnitureText(text=line, key=key, reason=reason)
    return list(found.values())


def _leak_in(text: str, furniture: list[FurnitureText]) -> FurnitureText | None:
    stripped = text.strip()
    key = _furniture_key(stripped)
    for item in furniture:
        if len(item.key) >= _MIN_FURNITURE_CHARS and item.key in key:
            return item
    if stripped and _is_page_number(stripped):
        return FurnitureText(text=stripped, key=key, reason="page-number")
    return None


def _leaks(predicted: list[_Rec], furniture: list[FurnitureText]) -> list[Leak]:
    leaks: list[Leak] = []
    for rec in predicted:
        fields = [("title", 0, rec.title)] + [("paragraph", i, p) for i, p in enumerate(rec.paragraphs)]
        for name, index, text in fields:
            item = _leak_in(text, furniture)
            if item is not None:
                leaks.append(Leak(rec.title, name, index, item.text, item.reason, rec.line_start))
    return leaks


# --- the scorer ------------------------------------------------------------------------------------


def _in_scope(predicted: list[_Rec], matched: set[int], scope: set[str] | None) -> list[int]:
    """Indices of predictions that are scored: all, or those in the gold's sections or matching a gold."""
    return [i for i, rec in enumerate(predicted) if scope is None or i in matched or rec.section in scope]


def _gold_content(gold: list[_Rec]) -> list[str]:
    texts: list[str] = []
    for rec in gold:
        texts.append(rec.title)
        texts.extend(rec.paragraphs)
        if rec.section:
            texts.append(rec.section)
    return texts


@dataclass(slots=True)
class _Tally:
    """Running sums over matched records."""

    paragraphs: Ratio = field(default_factory=Ratio)
    subheadings: Ratio = field(default_factory=Ratio)
    sims: list[float] = field(default_factory=list)
    same_section: int = 0
    diffs: list[RecordDiff] = field(default_factory=list)
    subheading_errors: list[dict[str, Any]] = field(default_factory=list)
    wrong_section: list[dict[str, Any]] = field(default_factory=list)


def _compare(tally: _Tally, gold: _Rec, pred: _Rec) -> None:
    bounds, gold_text, pred_text = _boundary_ratio(gold, pred)
    sim = edit_similarity(gold_text, pred_text)
    tally.paragraphs.add(bounds)
    tally.sims.append(sim)
    tally.diffs.append(_diff(gold, pred, gold_text, pred_text, sim, bounds))
    subs, missing, extra = _subheading_ratio(gold, pred)
    tally.subheadings.add(subs)
    if missing or extra:
        tally.subheading_errors.append({"title": gold.title, "missing": missing, "extra": extra})
    if (gold.section or None) == (pred.section or None):
        tally.same_section += 1
    else:
        tally.wrong_section.append(
            {"title": gold.title, "gold_section": gold.section, "predicted_section": pred.section}
        )


def _related_titles(
    pairs: list[tuple[int, int]], pred: list[_Rec], gold: list[_Rec]
) -> tuple[float, list[dict[str, Any]]]:
    checked, errors = 0, []
    for pi, gi in pairs:
        want = gold[gi].related_title
        if want is None:
            continue
        checked += 1
        got = pred[pi].related_title
        if fold(want) != fold(got or ""):
            errors.append(
                {"speaker": gold[gi].speaker, "headline": gold[gi].headline, "gold": want, "predicted": got}
            )
    return (1.0 - len(errors) / checked if checked else 1.0), errors


def _describe(rec: _Rec) -> dict[str, Any]:
    described: dict[str, Any] = {"kind": rec.kind, "section": rec.section, "title": rec.title}
    if rec.kind == EXPERT:
        described.update(speaker=rec.speaker, headline=rec.headline)
    if rec.line_start is not None:
        described["line_start"] = rec.line_start
    return described


def score_parse(
    predicted: Sequence[Mapping[str, Any]],
    gold: Gold | Sequence[Mapping[str, Any]],
    *,
    source_text: str | None = None,
) -> ParseScore:
    """Score predicted ``jiance parse`` records against gold records (a :class:`Gold` or plain dicts).

    Plain dict gold is taken to cover the whole bulletin. With a :class:`Gold` that covers only some
    sections, only predictions in those sections are scored — plus any prediction that carries a gold
    title under another section, which counts as a column error rather than a miss. ``source_text`` (the
    decoded source) enables the furniture-leak count; without it the count is 0 and no furniture listed.
    """
    gold_doc = _as_gold(gold)
    gold_recs = [_from_gold(r) for r in gold_doc.records]
    pred_recs = [_predicted(r) for r in predicted]
    scope = None if gold_doc.covers_all else set(gold_doc.sections)

    title_pairs = _match(pred_recs, gold_recs, kind_is_expert=False)
    expert_pairs = _match(pred_recs, gold_recs, kind_is_expert=True)
    matched_pred = {pi for pi, _ in title_pairs + expert_pairs}
    matched_gold = {gi for _, gi in title_pairs + expert_pairs}
    scored = _in_scope(pred_recs, matched_pred, scope)

    tally = _Tally()
    for pi, gi in title_pairs + expert_pairs:
        _compare(tally, gold_recs[gi], pred_recs[pi])

    def ratio(pairs: list[tuple[int, int]], expert: bool) -> Ratio:
        n_pred = sum(1 for i in scored if (pred_recs[i].kind == EXPERT) == expert)
        n_gold = sum(1 for r in gold_recs if (r.kind == EXPERT) == expert)
        return Ratio(tp=len(pairs), fp=n_pred - len(pairs), fn=n_gold - len(pairs))

    furniture = (
        detect_furniture(source_text, keep=_gold_content(gold_recs) + [r.section or "" for r in pred_recs])
        if source_text is not None
        else []
    )
    leaks = _leaks(pred_recs, furniture)
    related_accuracy, related_errors = _related_titles(expert_pairs, pred_recs, gold_recs)
    n_matched = len(matched_pred)
    no_match_value = 1.0 if not gold_recs else 0.0
    return ParseScore(
        titles=ratio(title_pairs, expert=False),
        column_accuracy=tally.same_section / n_matched if n_matched else no_match_value,
        body_similarity=sum(tally.sims) / len(tally.sims) if tally.sims else no_match_value,
        body_similarity_min=min(tally.sims) if tally.sims else no_match_value,
        paragraphs=tally.paragraphs,
        subheadings=tally.subheadings,
        furniture_leaks=len(leaks),
        experts=ratio(expert_pairs, expert=True),
        related_title_accuracy=related_accuracy,
        gold_records=len(gold_recs),
        predicted_records=len(scored),
        matched_records=n_matched,
        scope=sorted(scope) if scope is not None else None,
        missed=[_describe(r) for gi, r in enumerate(gold_recs) if gi not in matched_gold],
        spurious=[_describe(pred_recs[i]) for i in scored if i not in matched_pred],
        wrong_section=tally.wrong_section,
        worst_bodies=sorted(
            (d for d in tally.diffs if d.similarity < 1.0 or d.boundaries_missing or d.boundaries_extra),
            key=lambda d: (d.similarity, -(d.boundaries_missing + d.boundaries_extra)),
        )[:_WORST],
        subheading_errors=tally.subheading_errors,
        related_title_errors=related_errors,
        leaks=leaks,
        furniture=furniture,
    )


def score_file(path: Path, gold: Gold) -> ParseScore:
    """Parse a file with the real pipeline and score it, furniture read from the same source lines.

    This is what ``jiance eval parse GOLD PATH`` runs; the source text for furniture detection is the
    reader's own lines (text dump, PDF page lines, DOCX blocks), so it sees what the splitter saw.
    """
    from jiance.pipeline import parse_bytes, read_source  # the scorer itself must not need the parser

    data = path.read_bytes()
    bulletin = parse_bytes(data, str(path))
    source = read_source(data, str(path))
    source_text = "\n".join(line.text for line in source.lines)
    return score_parse([a.to_record() for a in bulletin.articles], gold, source_text=source_text)


def _pct(x: float) -> str:
    return f"{100 * x:6.2f}%"


def render_score(score: ParseScore) -> str:
    """A compact report for people: headline metrics, then what to look at first."""
    t, p, s, e = score.titles, score.paragraphs, score.subheadings, score.experts
    lines = [
        f"records   gold {score.gold_records}  predicted {score.predicted_records}  matched {score.matched_records}"
        + (f"  (scope: {', '.join(score.scope)})" if score.scope else ""),
        f"titles    P {_pct(t.precision)}  R {_pct(t.recall)}  F1 {_pct(t.f1)}",
        f"columns   accuracy {_pct(score.column_accuracy)}",
        f"bodies    similarity mean {_pct(score.body_similarity)}  min {_pct(score.body_similarity_min)}",
        f"paragraph boundaries  P {_pct(p.precision)}  R {_pct(p.recall)}  F1 {_pct(p.f1)}",
        f"subheads  P {_pct(s.precision)}  R {_pct(s.recall)}  F1 {_pct(s.f1)}",
        f"experts   P {_pct(e.precision)}  R {_pct(e.recall)}  related title {_pct(score.related_title_accuracy)}",
        f"furniture leaks {score.furniture_leaks} (from {len(score.furniture)} furniture lines)",
    ]
    lines += [f"  missed   [{m['section']}] {m['title']}" for m in score.missed[:10]]
    lines += [
        f"  spurious [{m['section']}] {m['title']} (line {m.get('line_start')})" for m in score.spurious[:10]
    ]
    lines += [
        f"  column   {w['title']}: {w['predicted_section']} ≠ gold {w['gold_section']}"
        for w in score.wrong_section[:10]
    ]
    for d in score.worst_bodies:
        lines.append(
            f"  body     {_pct(d.similarity)} {d.title} (boundaries −{d.boundaries_missing} +{d.boundaries_extra})"
        )
        if d.first_difference is not None:
            lines.append(f"           gold …{d.gold_context}…")
            lines.append(f"           got  …{d.predicted_context}…")
    lines += [
        f"  leak     {leak.field} of {leak.title!r}: {leak.furniture!r} ({leak.reason})"
        for leak in score.leaks[:10]
    ]
    return "\n".join(lines)
