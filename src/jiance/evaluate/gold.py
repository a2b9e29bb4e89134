"""Gold files and quality floors: what a correct parse looks like, and how good ours must stay.

A gold file is JSON ``{"source", "covers", "record_shape", "records": [...]}``; each record has ``kind``,
``section``, ``title``, ``subheadings`` and ``paragraphs`` (expert pieces also ``speaker``, ``headline`` and
``related_title``). ``covers`` is ``"all"`` when the file labels the whole bulletin; any other value means
only the sections that appear in its records were labelled, and the scorer narrows its view to them.

The baseline file (``evals/baseline.toml``) holds floors per corpus. Floors are the gate CI checks, so they
live in a reviewed file rather than in test code: lowering one is a visible change.
"""

from __future__ import annotations

import fnmatch
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from jiance.errors import GoldError

__all__ = [
    "Baseline",
    "Floors",
    "Gold",
    "GoldRecord",
    "check_floors",
    "gold_from_dict",
    "load_baseline",
    "load_gold",
]

_KINDS = ("article", "expert_opinion")


@dataclass(slots=True)
class GoldRecord:
    """One labelled article or expert piece, as the person who wrote the gold file saw it."""

    kind: str
    title: str
    paragraphs: list[str]
    section: str | None = None
    subheadings: list[str] = field(default_factory=list)
    speaker: str | None = None
    headline: str | None = None
    related_title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "section": self.section,
            "title": self.title,
            "subheadings": list(self.subheadings),
            "paragraphs": list(self.paragraphs),
            "speaker": self.speaker,
            "headline": self.headline,
            "related_title": self.related_title,
        }


@dataclass(slots=True)
class Gold:
    """A whole gold file: its records and how much of the bulletin they cover."""

    records: list[GoldRecord]
    covers: str = "all"
    source: str | None = None
    path: str | None = None

    @property
    def covers_all(self) -> bool:
        return self.covers.strip().lower() == "all"

    @property
    def sections(self) -> list[str]:
        """The sections the gold labels, in first-seen order (the scorer's scope when not covering all)."""
        seen: dict[str, None] = {}
        for record in self.records:
            if record.section is not None:
                seen.setdefault(record.section, None)
        return list(seen)


def _str_list(value: Any, where: str, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise GoldError(f"{key} must be a list of strings", where=where)
    return list(value)


def _opt_str(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise GoldError(f"{key} must be a string or null", where=where)
    return value


def _gold_record(raw: Any, where: str) -> GoldRecord:
    """One record, checked field by field so that a bad gold file fails with the record it is about."""
    if not isinstance(raw, Mapping):
        raise GoldError("a record must be an object", where=where)
    kind = raw.get("kind", "article")
    if kind not in _KINDS:
        raise GoldError(f"kind must be one of {', '.join(_KINDS)}, not {kind!r}", where=where)
    title = raw.get("title")
    if not isinstance(title, str):
        raise GoldError("title must be a string", where=where)
    if "paragraphs" in raw:
        paragraphs = _str_list(raw["paragraphs"], where, "paragraphs")
    elif isinstance(raw.get("body"), str):
        paragraphs = [p for p in raw["body"].split("\n") if p]
    else:
        raise GoldError("a record needs paragraphs (a list of strings) or a body", where=where)
    return GoldRecord(
        kind=kind,
        title=title,
        paragraphs=paragraphs,
        section=_opt_str(raw, "section", where),
        subheadings=_str_list(raw.get("subheadings"), where, "subheadings"),
        speaker=_opt_str(raw, "speaker", where),
        headline=_opt_str(raw, "headline", where),
        related_title=_opt_str(raw, "related_title", where),
    )


def gold_from_dict(data: Any, *, where: str | None = None) -> Gold:
    """Check and convert an already-parsed gold document (a file's JSON, or one built in a test)."""
    label = where or "<gold>"
    if not isinstance(data, Mapping):
        raise GoldError("a gold file must hold a JSON object", where=label)
    records = data.get("records")
    if not isinstance(records, list):
        raise GoldError('a gold file needs "records": a list of objects', where=label)
    covers = data.get("covers", "all")
    if not isinstance(covers, str):
        raise GoldError('"covers" must be a string ("all" or a description)', where=label)
    source = data.get("source")
    return Gold(
        records=[_gold_record(raw, f"{label}#records[{i}]") for i, raw in enumerate(records)],
        covers=covers,
        source=source if isinstance(source, str) else None,
        path=where,
    )


def load_gold(path: Path | str) -> Gold:
    """Read a gold JSON file; a file that is missing, not JSON or of the wrong shape raises GoldError."""
    where = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise GoldError(f"cannot read gold file: {exc.strerror or exc}", where=where) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GoldError(f"not a JSON file: {exc}", where=where) from exc
    return gold_from_dict(data, where=where)


class Scored(Protocol):
    """Anything that reports flat metrics by name (a ParseScore), so floors need not import the scorer."""

    def metrics(self) -> dict[str, float]: ...


@dataclass(slots=True)
class Floors:
    """Minimums and maximums for one corpus, by metric name (the keys of ``ParseScore.metrics()``)."""

    min: dict[str, float] = field(default_factory=dict)
    max: dict[str, float] = field(default_factory=dict)
    description: str = ""


@dataclass(slots=True)
class Baseline:
    """All floors: defaults, and per corpus name (exact names first, then shell-style patterns)."""

    defaults: Floors
    corpora: dict[str, Floors] = field(default_factory=dict)
    path: str | None = None

    def floors_for(self, corpus: str) -> Floors:
        """The corpus's own floors layered on the defaults; a name may match a pattern like ``sample-*``."""
        own = self.corpora.get(corpus)
        if own is None:
            # The most specific (longest) matching pattern wins, whatever the order in the file.
            matching = [pat for pat in self.corpora if fnmatch.fnmatchcase(corpus, pat)]
            own = self.corpora[max(matching, key=len)] if matching else None
        if own is None:
            return self.defaults
        return Floors(
            min={**self.defaults.min, **own.min},
            max={**self.defaults.max, **own.max},
            description=own.description,
        )


def _floors(raw: Any, where: str) -> Floors:
    if not isinstance(raw, Mapping):
        raise GoldError("floors must be a table", where=where)
    bounds: dict[str, dict[str, float]] = {}
    for key in ("min", "max"):
        table = raw.get(key, {})
        if not isinstance(table, Mapping) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in table.values()
        ):
            raise GoldError(f"{key} must be a table of numbers", where=where)
        bounds[key] = {str(k): float(v) for k, v in table.items()}
    description = raw.get("description", "")
    return Floors(min=bounds["min"], max=bounds["max"], description=str(description))


def load_baseline(path: Path | str) -> Baseline:
    """Read the floors file (TOML: ``[defaults]`` and ``[corpus."name"]`` tables with min/max)."""
    where = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise GoldError(f"cannot read baseline: {exc.strerror or exc}", where=where) from exc
    except tomllib.TOMLDecodeError as exc:
        raise GoldError(f"not a TOML file: {exc}", where=where) from exc
    corpora = data.get("corpus", {})
    if not isinstance(corpora, Mapping):
        raise GoldError("[corpus] must be a table of corpus names", where=where)
    return Baseline(
        defaults=_floors(data.get("defaults", {}), f"{where}#defaults"),
        corpora={name: _floors(raw, f"{where}#corpus.{name}") for name, raw in corpora.items()},
        path=where,
    )


def _violations(corpus: str, metrics: Mapping[str, float], floors: Floors) -> list[str]:
    found: list[str] = []
    for bound, table in (("min", floors.min), ("max", floors.max)):
        for name, limit in table.items():
            if name not in metrics:
                found.append(f"{corpus}: no metric named {name!r} (floor {bound} {limit:g})")
                continue
            value = metrics[name]
            if (bound == "min" and value < limit) or (bound == "max" and value > limit):
                op = "≥" if bound == "min" else "≤"
                found.append(f"{corpus}: {name} = {value:.4f}, floor {op} {limit:g}")
    return found


def check_floors(results: Mapping[str, Scored | Mapping[str, float]], baseline: Baseline) -> list[str]:
    """The floor violations of scored corpora, one line each; an empty list means the gate passes.

    ``results`` maps a corpus name to its score (or to flat metrics). A floor naming a metric the score
    does not have is itself a violation, so a typo in the baseline cannot silently pass.
    """
    found: list[str] = []
    for corpus, result in results.items():
        metrics = result if isinstance(result, Mapping) else result.metrics()
        found.extend(_violations(corpus, metrics, baseline.floors_for(corpus)))
    return found
