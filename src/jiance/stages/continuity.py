"""Story continuity: does the text after a heading continue the current article or start a new one?

When neither layout nor a contents page decides, a heading is judged by lexical cohesion (in the manner of
TextTiling): character bigrams and Latin words weighted by rarity in this bulletin, compared between the
text after the heading, the story's lead and the paragraphs just before, plus a few cues of how Chinese
news opens a story. The weights, and how they were fitted and checked, are in docs/parsing.md.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from jiance.records import ARTICLE, ArticleKind
from jiance.stages.roles import Unit
from jiance.text.normalize import fold

__all__ = [
    "BACK_REFERENCE",
    "COLON_TITLE",
    "Cohesion",
    "Story",
    "continues",
    "heading_features",
    "tokens_of",
    "window_after",
]

BACK_REFERENCE = re.compile(
    r"^(?:会上|会议|本届|此次|该|上述|同时|此外|另外|其中|与此同时|对此|不过|但|而|他|她|其|这|据悉|据介绍|记者获悉)"
)
COLON_TITLE = re.compile(r"^[^：:]{2,14}[：:]")
_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9.+\-]*")


@dataclass(slots=True)
class Story:
    """The article being assembled."""

    title_unit: Unit
    index: int
    section: str | None
    kind: ArticleKind = ARTICLE
    paragraphs: list[str] = field(default_factory=list)
    subheadings: list[str] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)
    speaker: str | None = None
    headline: str | None = None
    related_title: str | None = None
    tokens: set[str] = field(default_factory=set)


_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]{2,}")


def tokens_of(text: str) -> set[str]:
    """Salient units for cohesion: Han character bigrams and Latin words of the folded text."""
    folded = fold(text)
    grams = {run[i : i + 2] for run in _HAN_RUN.findall(folded) for i in range(len(run) - 1)}
    grams.update(w for w in _LATIN_WORD.findall(folded) if len(w) >= 2)
    return grams


class Cohesion:
    """IDF-weighted overlap between text spans of one bulletin."""

    def __init__(self, units: Sequence[Unit]) -> None:
        self.tokens = [tokens_of(u.text) for u in units]
        df: Counter[str] = Counter()
        for toks in self.tokens:
            df.update(toks)
        n = max(1, len(units))
        self.idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}

    def vector(self, indices: Iterable[int]) -> dict[str, float]:
        """IDF-weighted bag of tokens of some units."""
        vec: dict[str, float] = {}
        for j in indices:
            for t in self.tokens[j]:
                vec[t] = vec.get(t, 0.0) + self.idf.get(t, 0.0)
        return vec

    @staticmethod
    def cosine(a: dict[str, float], b: dict[str, float]) -> float:
        if len(a) > len(b):
            a, b = b, a
        dot = sum(w * b.get(t, 0.0) for t, w in a.items())
        norm = math.sqrt(sum(w * w for w in a.values())) * math.sqrt(sum(w * w for w in b.values()))
        return dot / norm if norm else 0.0

    def weight(self, toks: set[str]) -> float:
        return sum(self.idf.get(t, 0.0) for t in toks)

    def share(self, part: set[str], whole: set[str]) -> float:
        total = self.weight(part)
        return self.weight(part & whole) / total if total else 0.0


def _window(units: list[Unit], indices: Iterable[int], limit: int = 3) -> list[int]:
    """Up to ``limit`` body units taken from ``indices`` in order, stopping at the first non-body unit."""
    taken: list[int] = []
    for j in indices:
        if not 0 <= j < len(units) or units[j].role != "body":
            break
        taken.append(j)
        if len(taken) >= limit:
            break
    return taken


def window_after(units: list[Unit], i: int) -> list[int]:
    """The body window after heading ``i``, looking past one heading right under it."""
    j = i + 1
    if j < len(units) and units[j].role == "heading":
        j += 1
    return _window(units, range(j, len(units)))


def heading_features(units: list[Unit], i: int, story: Story, cohesion: Cohesion) -> dict[str, float]:
    """What speaks for the heading at ``i`` continuing ``story`` or starting a new one (see _WEIGHTS)."""
    after = window_after(units, i)
    lead = [story.index, *story.indices[:2]]
    before = _window(units, range(i - 1, -1, -1))
    next_vec = cohesion.vector(after)
    opening = units[after[0]].text if after else ""
    heading = units[i].text.strip()
    return {
        "cohesion": cohesion.cosine(cohesion.vector(lead), next_vec)
        + cohesion.cosine(cohesion.vector(before), next_vec),
        "echo": cohesion.share(cohesion.tokens[i], story.tokens),
        "colon": float(bool(COLON_TITLE.match(heading))),
        "back_reference": float(bool(BACK_REFERENCE.match(opening))),
        "long": float(len(heading) >= 18),
        "subheadings": float(min(len(story.subheadings), 3)),
        "restates": _restatement(opening, story),
    }


def _restatement(opening: str, story: Story) -> float:
    """How much of the next text's first sentence repeats a sentence of the story's lead.

    A new article about the same event re-tells the event in its lead (who, where, when); a section of
    the same article does not repeat what its lead already said.
    """
    if not story.paragraphs:
        return 0.0
    first = tokens_of(opening.split("。")[0][:40])
    if len(first) < 8:
        return 0.0
    lead_sentences = [sentence for p in story.paragraphs[:2] for sentence in p.split("。") if sentence]
    share = max((len(first & tokens_of(sentence)) / len(first) for sentence in lead_sentences), default=0.0)
    return max(0.0, share - 0.5) * 10  # sections echo a lead (up to half its words); re-tellings copy it


# Fitted on the seed's first column and other columns (82 decisions) together with the project's sample
# bulletins rendered without a contents page (see docs/parsing.md); positive means "sub-heading".
_WEIGHTS = {
    "cohesion": 10.0,
    "echo": 1.0,
    "colon": -0.8,
    "back_reference": 0.4,
    "long": -0.6,
    "subheadings": 0.1,
    "restates": -1.0,
}
_BIAS = -0.8


def continues(units: list[Unit], i: int, story: Story, cohesion: Cohesion) -> float:
    """Evidence that the heading at ``i`` continues ``story`` (> 0) rather than starting a new one (< 0).

    Cohesion of the text after the heading with the story's lead (title and first paragraphs) and with the
    paragraphs right before it, the share of the heading's own words the story already used, the shape of
    the heading, and cues in the next paragraph's first sentence.
    """
    if not window_after(units, i):
        return 1.0
    features = heading_features(units, i, story, cohesion)
    return _BIAS + sum(_WEIGHTS[name] * value for name, value in features.items())
