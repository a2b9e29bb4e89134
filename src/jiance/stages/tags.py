"""Topic tags: an editable taxonomy of keyword-group rules, plus a statistical fallback.

Editors must be able to read and change why an article got a tag, so the rules are plain word groups in a
TOML file (``data/taxonomy.toml`` ships an ICT taxonomy): a group matches when any of its plain words
occurs, every ``+word`` occurs and no ``!word`` occurs; ``/regex/`` words are allowed. Words in the title
weigh more than words in the body. Articles no rule catches can still get a tag from the terms most
associated with each tag in articles the rules did catch (:func:`learn_profiles`); such tags are marked
``via="statistical"`` so nobody mistakes them for a rule decision.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from jiance.errors import ConfigError
from jiance.records import Article
from jiance.text import fold

__all__ = [
    "Tag",
    "TagMatch",
    "TagScore",
    "Taxonomy",
    "Word",
    "WordGroup",
    "explain",
    "folded_texts",
    "learn_profiles",
    "load_taxonomy",
    "parse_taxonomy",
    "rule_tags_on",
    "score_tags",
    "tags_of",
]

TITLE_WEIGHT = 3.0
BODY_WEIGHT = 1.0
BODY_CAP = 3  # body occurrences counted per word: one word repeated cannot carry a tag alone
DEFAULT_MIN_SCORE = 3.0
STATISTICAL_MIN_SCORE = 1.0
_LATIN = re.compile(r"[0-9a-z]")


@dataclass(slots=True, frozen=True)
class Word:
    """One word of a group as the user wrote it, compiled to a folded pattern."""

    text: str  # as written, with its + / ! marker, for explanations
    mode: Literal["any", "all", "none"]
    pattern: re.Pattern[str]


@dataclass(slots=True, frozen=True)
class WordGroup:
    """One rule: plain words (any), ``+`` words (all) and ``!`` words (none)."""

    words: tuple[Word, ...]

    def describe(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(slots=True)
class Tag:
    """A topic: stable id, the name editors see, its rules and its learnt statistical profile."""

    id: str
    display: str
    groups: list[WordGroup]
    exclude: list[Word] = field(default_factory=list)
    min_score: float = DEFAULT_MIN_SCORE
    profile: dict[str, float] = field(default_factory=dict)  # term -> association weight


@dataclass(slots=True)
class Taxonomy:
    """All tags, in file order, and where they were loaded from (for messages)."""

    tags: list[Tag]
    source: str = "<memory>"


@dataclass(slots=True)
class TagMatch:
    """A tag given to an article: its score and the readable rule (or terms) that decided it."""

    tag: str
    display: str
    score: float
    rule: str
    via: Literal["rule", "statistical"] = "rule"

    def to_record(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "display": self.display,
            "score": round(self.score, 3),
            "rule": self.rule,
            "via": self.via,
        }


@dataclass(slots=True)
class _Hit:
    """Where one word occurred: counts in title and body."""

    word: Word
    title: int
    body: int


def _compile(word: str, where: str) -> Word:
    """Compile one written word; Latin words get letter/digit boundaries so ``AR`` does not match ``ARM``."""
    mode: Literal["any", "all", "none"] = "any"
    text = word.strip()
    if text[:1] in "+!" and len(text) > 1:
        mode = "all" if text[0] == "+" else "none"
        text = text[1:]
    if len(text) > 2 and text.startswith("/") and text.endswith("/"):
        try:
            return Word(word, mode, re.compile(text[1:-1], re.IGNORECASE))
        except re.error as exc:
            raise ConfigError(f"bad regex {word!r}: {exc}", where=where) from exc
    folded = re.escape(fold(text))
    if _LATIN.match(fold(text)[:1]):
        folded = r"(?<![0-9a-z])" + folded
    if _LATIN.match(fold(text)[-1:]):
        folded += r"(?![0-9a-z])"
    return Word(word, mode, re.compile(folded))


def _tag_from(entry: dict[str, Any], where: str) -> Tag:
    """One ``[[tag]]`` table, checked, so a typo in the file names the tag it is in."""
    if "id" not in entry or "groups" not in entry:
        raise ConfigError(f"a [[tag]] needs 'id' and 'groups': {entry!r}", where=where)
    groups = [WordGroup(tuple(_compile(w, where) for w in group)) for group in entry["groups"]]
    if any(not group.words for group in groups):
        raise ConfigError(f"tag {entry['id']!r} has an empty group", where=where)
    return Tag(
        id=str(entry["id"]),
        display=str(entry.get("display", entry["id"])),
        groups=groups,
        exclude=[_compile(w, where) for w in entry.get("exclude", [])],
        min_score=float(entry.get("min_score", DEFAULT_MIN_SCORE)),
    )


def parse_taxonomy(text: str, *, where: str = "<memory>") -> Taxonomy:
    """A taxonomy from TOML text, so tests and tools can build one without a file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"taxonomy is not valid TOML: {exc}", where=where) from exc
    return Taxonomy([_tag_from(entry, where) for entry in data.get("tag", [])], source=where)


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """The user's taxonomy file, or the shipped ICT taxonomy when ``path`` is None."""
    if path is None:
        entry = resources.files("jiance.data") / "taxonomy.toml"
        return parse_taxonomy(entry.read_text(encoding="utf-8"), where="jiance/data/taxonomy.toml")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read taxonomy: {exc.strerror}", where=str(path)) from exc
    return parse_taxonomy(text, where=str(path))


def _texts(article: Article) -> tuple[str, str]:
    """Folded title and body; an expert piece's headline counts as title, its related title does not."""
    title = article.headline or article.title
    return fold(title), fold(article.body)


def _hit(word: Word, title: str, body: str) -> _Hit:
    return _Hit(word, len(word.pattern.findall(title)), len(word.pattern.findall(body)))


def _group_hits(group: WordGroup, title: str, body: str) -> list[_Hit] | None:
    """The hits of a matching group, or None when the group does not match."""
    hits = [_hit(w, title, body) for w in group.words]
    found = [h for h in hits if h.title or h.body]
    if any(h.word.mode == "none" for h in found):
        return None
    if any(h.word.mode == "all" and not (h.title or h.body) for h in hits):
        return None
    has_plain = any(w.mode == "any" for w in group.words)
    if has_plain and not any(h.word.mode == "any" for h in found):
        return None
    return [h for h in found if h.word.mode != "none"]


def _score(hits: list[_Hit]) -> float:
    return sum(TITLE_WEIGHT * min(h.title, 1) + BODY_WEIGHT * min(h.body, BODY_CAP) for h in hits)


def _describe(hits: list[_Hit]) -> str:
    parts = []
    for h in hits:
        where = [f"title×{h.title}"] if h.title else []
        where += [f"body×{h.body}"] if h.body else []
        parts.append(f"{h.word.text} ({', '.join(where)})")
    return "; ".join(parts)


def _rule_match(tag: Tag, title: str, body: str) -> tuple[float, list[tuple[WordGroup, list[_Hit]]]]:
    """Total score of a tag over its matching groups (a word counted once), and the groups that matched."""
    if any(_hit(w, title, body).title or _hit(w, title, body).body for w in tag.exclude):
        return 0.0, []
    matched = []
    for group in tag.groups:
        hits = _group_hits(group, title, body)
        if hits is not None:
            matched.append((group, hits))
    unique = {h.word.pattern.pattern: h for _, hits in matched for h in hits}
    return _score(list(unique.values())), matched


def folded_texts(article: Article) -> tuple[str, str]:
    """The (title, body) the rules are matched on, folded once: a caller matching many rules against one
    article (alerts) folds it once and calls :func:`rule_tags_on` per rule."""
    return _texts(article)


def _rule_tags(article: Article, taxonomy: Taxonomy) -> list[TagMatch]:
    return rule_tags_on(*_texts(article), taxonomy)


def rule_tags_on(title: str, body: str, taxonomy: Taxonomy) -> list[TagMatch]:
    """Rule matches only (no statistical fallback), on an already folded title and body, best first."""
    result = []
    for tag in taxonomy.tags:
        score, matched = _rule_match(tag, title, body)
        if matched and score >= tag.min_score:
            rule = " | ".join(f"[{g.describe()}] {_describe(h)}" for g, h in matched)
            result.append(TagMatch(tag.id, tag.display, score, rule, "rule"))
    return sorted(result, key=lambda m: -m.score)


def _bigrams(text: str) -> Counter[str]:
    """Character bigrams of folded text, skipping punctuation: the fallback's terms need no segmenter."""
    chars = "".join(ch for ch in text if ch.isalnum())
    return Counter(chars[i : i + 2] for i in range(len(chars) - 1))


def _statistical_tags(article: Article, taxonomy: Taxonomy) -> list[TagMatch]:
    """Tags whose learnt profile the article's terms resemble most (at most two, each over a floor)."""
    if not any(tag.profile for tag in taxonomy.tags):
        return []  # nothing learnt: do not count the bigrams of a whole article for nothing
    title, body = _texts(article)
    terms = _bigrams(title) + _bigrams(title) + _bigrams(body)
    total = sum(terms.values()) or 1
    scored = []
    for tag in taxonomy.tags:
        if not tag.profile:
            continue
        contributions = {t: tag.profile[t] * n for t, n in terms.items() if t in tag.profile}
        score = 100.0 * sum(contributions.values()) / total
        if score >= STATISTICAL_MIN_SCORE:
            top = sorted(contributions, key=lambda t: -contributions[t])[:5]
            scored.append(TagMatch(tag.id, tag.display, score, "terms " + " ".join(top), "statistical"))
    return sorted(scored, key=lambda m: -m.score)[:2]


def tags_of(article: Article, taxonomy: Taxonomy) -> list[TagMatch]:
    """The article's tags, best first: rule matches, or the statistical fallback when no rule matches."""
    matches = _rule_tags(article, taxonomy)
    return matches if matches else _statistical_tags(article, taxonomy)


def learn_profiles(taxonomy: Taxonomy, articles: Iterable[Article], *, top: int = 60) -> Taxonomy:
    """A copy of ``taxonomy`` whose tags carry the bigrams most associated with them in ``articles``.

    Association is a smoothed log-odds of a bigram's share in the tag's rule-matched articles against its
    share in all articles; only positive, well-supported terms are kept so the fallback stays cautious.
    """
    # One pass, counting only: the articles' bigram sets are not kept (100k articles would need GBs).
    background: Counter[str] = Counter()
    inside: dict[str, Counter[str]] = {tag.id: Counter() for tag in taxonomy.tags}
    members: Counter[str] = Counter()
    total = 0
    for article in articles:
        terms = set(_bigrams(" ".join(_texts(article))))
        background.update(terms)
        total += 1
        for tag_id in {m.tag for m in _rule_tags(article, taxonomy)}:
            inside[tag_id].update(terms)
            members[tag_id] += 1
    tags = []
    for tag in taxonomy.tags:
        weights = {
            t: math.log((n + 0.5) / (members[tag.id] + 1) / ((background[t] + 0.5) / (total + 1)))
            for t, n in inside[tag.id].items()
            if n >= 2
        }
        best = sorted((t for t in weights if weights[t] > 0), key=lambda t: -weights[t])[:top]
        tags.append(replace(tag, profile={t: weights[t] for t in best}))
    return Taxonomy(tags, source=taxonomy.source)


def explain(article: Article, taxonomy: Taxonomy) -> str:
    """A readable account of every tag: which groups matched which words where, and the final decision.

    This is what ``jiance tags explain ID`` prints, so an editor can fix the taxonomy instead of guessing.
    """
    title, body = _texts(article)
    given = {m.tag: m for m in tags_of(article, taxonomy)}
    lines = [f"{article.title}  ({article.id})", f"taxonomy: {taxonomy.source}"]
    for tag in taxonomy.tags:
        score, matched = _rule_match(tag, title, body)
        verdict = "TAGGED" if tag.id in given else "no"
        lines.append(f"- {tag.display} [{tag.id}]: {verdict}, rule score {score:g} (min {tag.min_score:g})")
        vetoes = [w.text for w in tag.exclude if _hit(w, title, body).title or _hit(w, title, body).body]
        if vetoes:
            lines.append(f"    vetoed by exclude: {', '.join(vetoes)}")
        for group, hits in matched:
            lines.append(f"    group [{group.describe()}]: {_describe(hits)}")
        if tag.id in given and given[tag.id].via == "statistical":
            lines.append(f"    statistical fallback: {given[tag.id].rule} (score {given[tag.id].score:.2f})")
    return "\n".join(lines)


@dataclass(slots=True)
class TagScore:
    """Micro-averaged precision and recall of predicted tag sets against gold, with the raw counts."""

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_tags(pairs: Iterable[tuple[Iterable[str], Iterable[str]]]) -> TagScore:
    """Score ``(predicted ids, gold ids)`` pairs, so the taxonomy's quality is a number a floor can hold."""
    tp = fp = fn = 0
    for predicted, gold in pairs:
        got, want = set(predicted), set(gold)
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    return TagScore(tp, fp, fn)
