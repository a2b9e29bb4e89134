"""The project's own sample bulletins: loading them and deriving their gold records.

The samples are bulletins the project wrote itself (``samples/data/*.json``), so they can ship with the
package, feed ``make demo`` and serve as gold for the splitter without any third-party text. Every renderer
(text layouts, PDF, DOCX, HTML) reads the same JSON shape, and :func:`gold_records` states what a perfect
parser should recover from any of those renderings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

from jiance.errors import ConfigError

__all__ = [
    "EXPERT_LABEL",
    "Sample",
    "article_record",
    "check_sample",
    "expert_title",
    "gold_records",
    "iter_articles",
    "load_sample",
    "sample_articles_text",
    "sample_names",
]

Sample = dict[str, Any]
"""A sample bulletin as stored in JSON: name, title, number, date, publisher, contact, copyright, sections."""

EXPERT_LABEL = "专家观点"
"""The line that opens an expert-opinion block after an article, as real bulletins print it."""

_BLOCK_KINDS = frozenset({"paragraph", "subheading"})
_TOP_KEYS = ("name", "title", "number", "date", "publisher", "contact", "copyright", "sections")


def _data_dir() -> Any:
    """The packaged data folder; a Traversable so the samples also load from a wheel or zip."""
    return resources.files("jiance.samples") / "data"


def sample_names() -> list[str]:
    """Names of the bundled samples (file stems), sorted, so callers can iterate them reproducibly."""
    return sorted(
        entry.name.removesuffix(".json") for entry in _data_dir().iterdir() if entry.name.endswith(".json")
    )


def load_sample(name: str) -> Sample:
    """Load one bundled sample by name; an unknown name is a configuration mistake, so it says which exist."""
    entry = _data_dir() / f"{name}.json"
    if not entry.is_file():
        raise ConfigError(f"no sample named {name!r}; known: {', '.join(sample_names())}", where=name)
    sample: Sample = json.loads(entry.read_text(encoding="utf-8"))
    return sample


def iter_articles(sample: Sample) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(section name, article)`` in reading order."""
    for section in sample["sections"]:
        for article in section["articles"]:
            yield section["name"], article


def expert_title(piece: dict[str, Any]) -> str:
    """The printed title line of an expert piece: ``speaker：headline``."""
    return f"{piece['speaker']}：{piece['headline']}"


def article_record(article: dict[str, Any], section: str | None) -> dict[str, Any]:
    """Gold for one article: every block in order as a paragraph, sub-headings also listed on their own."""
    return {
        "kind": "article",
        "section": section,
        "title": article["title"],
        "subheadings": [b["text"] for b in article["blocks"] if b["kind"] == "subheading"],
        "paragraphs": [b["text"] for b in article["blocks"]],
    }


def _expert_records(article: dict[str, Any], section: str) -> list[dict[str, Any]]:
    return [
        {
            "kind": "expert_opinion",
            "section": section,
            "title": expert_title(piece),
            "speaker": piece["speaker"],
            "headline": piece["headline"],
            "related_title": article["title"],
            "subheadings": [],
            "paragraphs": list(piece["paragraphs"]),
        }
        for piece in article.get("experts", [])
    ]


def gold_records(sample: Sample) -> list[dict[str, Any]]:
    """What a perfect splitter recovers from any rendering of ``sample``, in the shape of the seed gold.

    Each article is followed by the expert pieces printed after it, in order.
    """
    records: list[dict[str, Any]] = []
    for section, article in iter_articles(sample):
        records.append(article_record(article, section))
        records.extend(_expert_records(article, section))
    return records


def sample_articles_text() -> list[tuple[str, str]]:
    """``(title, body)`` for every article and expert piece of every sample, body = paragraphs by newline.

    Other engineers build synthetic benchmark corpora from these, so the text is the project's own.
    """
    pairs = []
    for name in sample_names():
        for record in gold_records(load_sample(name)):
            pairs.append((record["title"], "\n".join(record["paragraphs"])))
    return pairs


def check_sample(sample: Sample) -> list[str]:
    """Problems with a sample's shape (empty when it is valid), so a hand-edited JSON fails loudly in tests."""
    problems = [f"missing key {key!r}" for key in _TOP_KEYS if key not in sample]
    if problems:
        return problems
    for section, article in iter_articles(sample):
        where = f"{section}/{article.get('title', '?')}"
        if not article.get("title") or not article.get("blocks"):
            problems.append(f"{where}: an article needs a title and blocks")
        for block in article.get("blocks", []):
            if block.get("kind") not in _BLOCK_KINDS or not block.get("text"):
                problems.append(f"{where}: bad block {block!r}")
        for piece in article.get("experts", []):
            if not (piece.get("speaker") and piece.get("headline") and piece.get("paragraphs")):
                problems.append(f"{where}: bad expert piece {piece!r}")
    return problems
