"""Scoring the entities stage against hand-checked gold: persons, their roles, organisations.

Two gold shapes are read: the seed's column gold (``shared/eval/seed_entities_column1_gold.json``, read at
run time, never copied) and the project's own sample gold (``evals/entities_samples_gold.json``). Both are
reduced to one :class:`EntityGold`, and :func:`score_entities` compares a corpus' predictions with it:

- person precision and recall by name (anonymous persons such as 张女士 are not persons);
- role accuracy: the share of gold roles of found persons that a predicted role matches (same title, and
  the same organisation, an alias of it, its resolved form, or its tail as printed in a 、-chain);
- organisation recall: a gold organisation counts as found when any predicted name or alias equals its
  name or one of its aliases;
- organisation precision: the share of predicted organisations one of whose forms is a gold organisation's
  name or alias. It is only meaningful where the gold lists every organisation of its units (the seed
  column and the ``written`` set of the sample gold); internal units the gold keeps only in roles count
  as wrong.

The sample gold has two held-out sets: ``articles`` (units of the bundled samples, found by title) and
``written`` (short articles written for the gold file itself, text included).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jiance.errors import GoldError
from jiance.records import Article
from jiance.stages.entities import AliasIndex, EntityRecord, entities_of

__all__ = [
    "EntityGold",
    "EntityScore",
    "GoldPerson",
    "check_entity_floors",
    "load_sample_gold",
    "load_seed_gold",
    "load_written_gold",
    "predict",
    "sample_articles",
    "score_column_gold",
    "score_entities",
    "score_sample_gold_file",
    "score_written_gold_file",
    "written_articles",
]


@dataclass(slots=True)
class GoldPerson:
    name: str
    roles: list[dict[str, str | None]] = field(default_factory=list)


@dataclass(slots=True)
class EntityGold:
    """What a perfect entities stage finds in a corpus: persons with roles, organisations with aliases."""

    persons: list[GoldPerson]
    organizations: list[set[str]]  # each: the name and its aliases


@dataclass(slots=True)
class EntityScore:
    person_precision: float
    person_recall: float
    role_accuracy: float
    org_recall: float
    org_precision: float = 1.0
    missed_persons: list[str] = field(default_factory=list)
    spurious_persons: list[str] = field(default_factory=list)
    missed_orgs: list[str] = field(default_factory=list)
    wrong_roles: list[str] = field(default_factory=list)
    spurious_orgs: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        return {
            "person_precision": self.person_precision,
            "person_recall": self.person_recall,
            "role_accuracy": self.role_accuracy,
            "org_recall": self.org_recall,
            "org_precision": self.org_precision,
        }


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GoldError(f"cannot read entity gold: {exc}", where=str(path)) from exc
    return data


def _gold_from(persons: Iterable[dict[str, Any]], orgs: Iterable[dict[str, Any]]) -> EntityGold:
    return EntityGold(
        [GoldPerson(p["name"], list(p.get("roles", []))) for p in persons],
        [{o["name"], *o.get("aliases", [])} for o in orgs],
    )


def load_seed_gold(path: Path) -> EntityGold:
    """The seed column gold; its ``anonymous`` list is left out, since those are not named persons."""
    data = _read_json(path)
    return _gold_from(data["persons"], data["organizations"])


def load_sample_gold(path: Path) -> tuple[EntityGold, list[dict[str, Any]]]:
    """The project's own gold: the pooled gold and the labelled units (sample, kind, title) to predict on."""
    data = _read_json(path)
    units = data["articles"]
    persons = [p for u in units for p in u.get("persons", [])]
    orgs = [o for u in units for o in u.get("organizations", [])]
    return _gold_from(persons, orgs), units


def load_written_gold(path: Path) -> tuple[EntityGold, list[dict[str, Any]]]:
    """The ``written`` set of the sample gold: pooled gold and the units, whose text the file holds."""
    units = _read_json(path).get("written", [])
    persons = [p for u in units for p in u.get("persons", [])]
    orgs = [o for u in units for o in u.get("organizations", [])]
    return _gold_from(persons, orgs), units


def written_articles(units: list[dict[str, Any]]) -> list[Article]:
    """Articles of the ``written`` units, built from the title and paragraphs stored with their gold."""
    return [Article(kind="article", title=u["title"], paragraphs=list(u["paragraphs"])) for u in units]


def sample_articles(units: list[dict[str, Any]]) -> list[Article]:
    """The sample articles a gold file labels, rebuilt from the bundled samples by their printed title."""
    from jiance.samples.corpus import gold_records, load_sample

    articles: list[Article] = []
    for unit in units:
        records = [r for r in gold_records(load_sample(unit["sample"])) if r["title"] == unit["title"]]
        if not records:
            raise GoldError(f"no article titled {unit['title']!r}", where=unit["sample"])
        rec = records[0]
        articles.append(
            Article(
                kind=rec["kind"],
                title=rec["title"],
                paragraphs=list(rec["paragraphs"]),
                section=rec["section"],
                subheadings=list(rec["subheadings"]),
                speaker=rec.get("speaker"),
                headline=rec.get("headline"),
            )
        )
    return articles


def predict(articles: Iterable[Article], aliases: AliasIndex) -> list[EntityRecord]:
    """Entities of every article, pooled: what the scorer compares with a corpus' gold."""
    return [entity for article in articles for entity in entities_of(article, aliases)]


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def _org_matches(pred: str | None, gold: dict[str, str | None], aliases: AliasIndex) -> bool:
    targets = {gold.get("org"), gold.get("org_resolved")} - {None}
    if pred is None or not targets:
        return pred is None and not targets
    entry = aliases.resolve(pred)
    forms = {pred, *(entry.aliases if entry else []), *([entry.name] if entry else [])}
    for target in targets:
        assert target is not None
        target_entry = aliases.resolve(target)
        target_forms = {target, *(target_entry.aliases if target_entry else [])}
        if forms & target_forms or any(target.endswith(f) and len(f) >= 3 for f in forms):
            return True
    return False


def score_entities(predicted: list[EntityRecord], gold: EntityGold, aliases: AliasIndex) -> EntityScore:
    """Compare pooled predictions with a corpus' gold (see the module docstring for the metrics)."""
    pred_people: dict[str, list[dict[str, str | None]]] = {}
    for entity in predicted:
        if entity.type == "person":
            pred_people.setdefault(entity.name, []).extend(r.to_record() for r in entity.roles)
    gold_names = {p.name for p in gold.persons}
    hits = gold_names & set(pred_people)
    total_roles = right_roles = 0
    wrong: list[str] = []
    for person in gold.persons:
        if person.name not in hits:
            continue
        for role in person.roles:
            total_roles += 1
            if any(
                p["title"] == role["title"] and _org_matches(p["org"], role, aliases)
                for p in pred_people[person.name]
            ):
                right_roles += 1
            else:
                wrong.append(
                    f"{person.name}: {role.get('org')}/{role['title']} not in {pred_people[person.name]}"
                )
    pred_orgs = [e for e in predicted if e.type == "organization"]
    forms = {f for e in pred_orgs for f in (e.name, *e.aliases, *e.forms)}
    missed_orgs = [sorted(o)[0] for o in gold.organizations if not o & forms]
    gold_forms = set().union(*gold.organizations) if gold.organizations else set()
    spurious_orgs = sorted({e.name for e in pred_orgs if not {e.name, *e.aliases, *e.forms} & gold_forms})
    pred_org_names = {e.name for e in pred_orgs}
    return EntityScore(
        person_precision=_ratio(len(hits), len(pred_people)),
        person_recall=_ratio(len(hits), len(gold_names)),
        role_accuracy=_ratio(right_roles, total_roles),
        org_recall=_ratio(len(gold.organizations) - len(missed_orgs), len(gold.organizations)),
        org_precision=_ratio(len(pred_org_names) - len(spurious_orgs), len(pred_org_names)),
        missed_persons=sorted(gold_names - hits),
        spurious_persons=sorted(set(pred_people) - gold_names),
        missed_orgs=missed_orgs,
        wrong_roles=wrong,
        spurious_orgs=spurious_orgs,
    )


def check_entity_floors(score: EntityScore, floors_path: Path, corpus: str) -> list[str]:
    """Metrics of ``score`` below the floors of ``corpus`` in ``evals/entities_floors.toml``; empty = pass."""
    try:
        floors = tomllib.loads(floors_path.read_text(encoding="utf-8"))["corpus"][corpus]["min"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise GoldError(f"no entity floors for {corpus!r}: {exc}", where=str(floors_path)) from exc
    metrics = score.metrics()
    return [
        f"{name} {metrics[name]:.3f} < {floor}" for name, floor in floors.items() if metrics[name] < floor
    ]


def score_column_gold(gold_path: Path, bulletin: Path) -> EntityScore:
    """Score the stage on a bulletin's first column against gold of that column (the seed's shape)."""
    from jiance.pipeline import parse_path
    from jiance.stages.entities import load_aliases

    aliases = load_aliases()
    parsed = parse_path(bulletin).articles
    first = next((a.section for a in parsed if a.section), None)
    articles = [a for a in parsed if a.section == first and a.kind == "article"]
    return score_entities(predict(articles, aliases), load_seed_gold(gold_path), aliases)


def score_sample_gold_file(gold_path: Path) -> EntityScore:
    """Score the stage on our own labelled sample units (the held-out set)."""
    from jiance.stages.entities import load_aliases

    aliases = load_aliases()
    gold, units = load_sample_gold(gold_path)
    return score_entities(predict(sample_articles(units), aliases), gold, aliases)


def score_written_gold_file(gold_path: Path) -> EntityScore:
    """Score the stage on the ``written`` set of the sample gold (the second held-out set)."""
    from jiance.stages.entities import load_aliases

    aliases = load_aliases()
    gold, units = load_written_gold(gold_path)
    return score_entities(predict(written_articles(units), aliases), gold, aliases)
