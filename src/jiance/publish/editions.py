"""Editions (特殊定制): one issue, many clients, each seeing its own columns, topics and branding.

An :class:`Edition` is a client profile read from ``editions.toml`` (:func:`load_editions`); applying it
to a :class:`~jiance.publish.model.Composition` (:func:`apply_edition`) gives a new composition that keeps
only what the client asked for, in the client's column order, signed with the client's branding. The
renderers never see an edition, only the composition it produced, so every output format filters alike.

Nothing is dropped silently: every piece an edition leaves out gets a line in ``Composition.notes`` with
the rule that removed it, so the editor can check a client's edition before it is sent. A mistake in
``editions.toml`` must never make a client's edition quietly empty or unbranded, so every problem is a
:class:`~jiance.errors.ConfigError` naming the file and the key (``editions.carrier.branding.primary``).
docs/editions.md describes the file and the filter rules.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jiance.errors import ConfigError
from jiance.publish.compose import assign_anchors
from jiance.publish.model import Branding, Composition, KeyFigure, Piece, Section
from jiance.records import EXPERT_OPINION
from jiance.text import fold

__all__ = [
    "DEFAULT_EDITION",
    "EDITIONS_FILE",
    "ArticleFacts",
    "Edition",
    "apply_edition",
    "default_edition",
    "edition_named",
    "load_editions",
    "parse_editions",
]

EDITIONS_FILE = "editions.toml"
DEFAULT_EDITION = "default"
"""The edition that always exists: no filters, the house branding (``[editions.default]`` may restyle it)."""

_COLOUR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")


@dataclass(slots=True)
class Edition:
    """One client's profile: which columns, which articles, how many, and how the edition is signed.

    ``include_columns`` both selects and orders columns; ``column_order`` only orders (its columns first).
    Include criteria (``topics``, ``keywords``, ``entities``) keep an article when any one matches; when
    none is given every article is kept. Exclude criteria drop an article when any one matches, and win
    over the include criteria. ``max_per_column`` caps a column's articles; 专家观点 pieces follow theirs.
    """

    name: str
    title: str = ""
    include_columns: list[str] = field(default_factory=list)
    exclude_columns: list[str] = field(default_factory=list)
    column_order: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    exclude_topics: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    exclude_keywords: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    exclude_entities: list[str] = field(default_factory=list)
    max_per_column: int | None = None
    branding: Branding = field(default_factory=Branding)
    empty_message: str | None = None

    @property
    def display(self) -> str:
        """The name an editor sees in notes and lists: the title when set, else the key."""
        return self.title or self.name

    @property
    def filters_articles(self) -> bool:
        """True when the edition has an include criterion, i.e. an article must earn its place."""
        return bool(self.topics or self.keywords or self.entities)


@dataclass(slots=True)
class ArticleFacts:
    """What analysis found in one article: its topic tags and entity names (aliases resolved upstream).

    The edition filters read only these, so the analysis stages stay out of publishing and a test (or a
    caller with its own tagger) can hand in facts directly.
    """

    tags: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)


def default_edition() -> Edition:
    """The built-in edition every workspace has: everything, in the issue's order, house branding."""
    return Edition(name=DEFAULT_EDITION, title="标准版")


def edition_named(editions: Mapping[str, Edition], name: str) -> Edition:
    """The edition called ``name``; "default" exists even when the file does not define it."""
    if name in editions:
        return editions[name]
    if name == DEFAULT_EDITION:
        return default_edition()
    known = sorted({*editions, DEFAULT_EDITION})
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known editions: {', '.join(known)}"
    raise ConfigError(f"unknown edition {name!r}{hint}", where=EDITIONS_FILE)


# ---------------------------------------------------------------------------------------------- loading

_STR = "a string"
_STR_LIST = "a list of non-empty strings"
_EDITION_KEYS: dict[str, tuple[str, str]] = {  # TOML key -> (Edition field, expected kind)
    "title": ("title", _STR),
    "columns": ("include_columns", _STR_LIST),
    "exclude_columns": ("exclude_columns", _STR_LIST),
    "column_order": ("column_order", _STR_LIST),
    "topics": ("topics", _STR_LIST),
    "exclude_topics": ("exclude_topics", _STR_LIST),
    "keywords": ("keywords", _STR_LIST),
    "exclude_keywords": ("exclude_keywords", _STR_LIST),
    "entities": ("entities", _STR_LIST),
    "exclude_entities": ("exclude_entities", _STR_LIST),
    "max_per_column": ("max_per_column", "an integer"),
    "empty_message": ("empty_message", _STR),
    "branding": ("branding", "a table"),
}
_BRANDING_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Branding))


def _unknown_key(key: str, known: Iterable[str], keypath: str, where: str) -> ConfigError:
    names = list(known)
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(names)}"
    return ConfigError(f"{keypath}: unknown key {key!r}{hint}", where=where)


def _wrong_type(keypath: str, wanted: str, value: Any, where: str) -> ConfigError:
    return ConfigError(f"{keypath}: must be {wanted}, got {type(value).__name__} {value!r}", where=where)


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _edition_value(key: str, value: Any, keypath: str, where: str) -> Any:
    """The checked value of one edition key (not ``branding``): right type, and a cap of at least 1."""
    wanted = _EDITION_KEYS[key][1]
    if wanted == _STR_LIST:
        if not _is_str_list(value):
            raise _wrong_type(keypath, wanted, value, where)
        return [v.strip() for v in value]
    if wanted == _STR:
        if not isinstance(value, str):
            raise _wrong_type(keypath, wanted, value, where)
        return value
    if not isinstance(value, int) or isinstance(value, bool):  # max_per_column; bool is an int in Python
        raise _wrong_type(keypath, wanted, value, where)
    if value < 1:
        raise ConfigError(
            f"{keypath}: must be at least 1 (leave it out for no cap), got {value}", where=where
        )
    return value


def _logo_path(value: str, keypath: str, where: str, base: Path) -> str:
    """The logo as an absolute path: relative paths are taken from the editions.toml folder."""
    path = Path(value).expanduser()
    path = (path if path.is_absolute() else base / path).resolve()
    if path.suffix.lower() not in _LOGO_SUFFIXES:
        raise ConfigError(f"{keypath}: logo must be a PNG, JPEG or SVG file, got {value!r}", where=where)
    if not path.is_file():
        raise ConfigError(f"{keypath}: logo file {str(path)!r} does not exist", where=where)
    return str(path)


def _branding_value(key: str, value: Any, keypath: str, where: str, base: Path) -> str:
    if not isinstance(value, str):
        raise _wrong_type(keypath, _STR, value, where)
    if key in ("primary", "accent") and not _COLOUR_RE.match(value):
        raise ConfigError(f"{keypath}: colour must be #rgb or #rrggbb, got {value!r}", where=where)
    if key == "name" and not value.strip():
        raise ConfigError(f"{keypath}: the bulletin's name must not be empty", where=where)
    if key == "logo":
        return _logo_path(value, keypath, where, base)
    return value


def _branding(table: Any, keypath: str, where: str, base: Path) -> Branding:
    """The house branding with the table's keys laid over it."""
    if not isinstance(table, dict):
        raise _wrong_type(keypath, "a table", table, where)
    values: dict[str, str] = {}
    for key, value in table.items():
        if key not in _BRANDING_KEYS:
            raise _unknown_key(key, _BRANDING_KEYS, keypath, where)
        values[key] = _branding_value(key, value, f"{keypath}.{key}", where, base)
    return Branding(**values)


def _edition(name: str, table: Any, where: str, base: Path) -> Edition:
    keypath = f"editions.{name}"
    if not isinstance(table, dict):
        raise _wrong_type(keypath, f"a table ([{keypath}])", table, where)
    if not name.strip():
        raise ConfigError(f"{keypath}: an edition needs a non-empty name", where=where)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _EDITION_KEYS:
            raise _unknown_key(key, _EDITION_KEYS, keypath, where)
        if key == "branding":
            values["branding"] = _branding(value, f"{keypath}.branding", where, base)
        else:
            values[_EDITION_KEYS[key][0]] = _edition_value(key, value, f"{keypath}.{key}", where)
    edition = Edition(name=name, **values)
    if name == DEFAULT_EDITION and not edition.title:
        edition.title = default_edition().title
    return edition


def parse_editions(data: Mapping[str, Any], *, where: str, base: Path) -> dict[str, Edition]:
    """Editions from a parsed editions.toml; ``where`` names the file in errors, ``base`` resolves logos."""
    for key in data:
        if key != "editions":
            raise _unknown_key(key, ["editions"], "editions.toml", where)
    tables = data.get("editions", {})
    if not isinstance(tables, dict):
        raise _wrong_type("editions", "a table of editions ([editions.NAME])", tables, where)
    return {name: _edition(name, table, where, base) for name, table in tables.items()}


def load_editions(path: Path) -> dict[str, Edition]:
    """The editions ``path`` defines, by name; a missing file defines none (see :func:`edition_named`)."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", where=str(path)) from exc
    return parse_editions(data, where=str(path), base=path.resolve().parent)


# --------------------------------------------------------------------------------------------- applying

_NO_FACTS = ArticleFacts()


def _folded_set(values: Iterable[str]) -> set[str]:
    return {fold(v) for v in values}


def _first_in(wanted: Sequence[str], have: set[str]) -> str | None:
    """The first of ``wanted`` (as written in the edition) whose folded form is in ``have``."""
    return next((w for w in wanted if fold(w) in have), None)


def _first_keyword(keywords: Sequence[str], piece: Piece) -> str | None:
    """The first keyword found in the piece's folded title or paragraphs (width and case do not matter)."""
    texts = [fold(piece.title), *(fold(p) for p in piece.paragraphs)]
    return next((k for k in keywords if any(fold(k) in text for text in texts)), None)


def _exclusion(piece: Piece, edition: Edition, facts: ArticleFacts) -> str | None:
    """Why an exclude criterion drops the piece, or None."""
    if topic := _first_in(edition.exclude_topics, _folded_set(facts.tags)):
        return f"排除主题「{topic}」"
    if keyword := _first_keyword(edition.exclude_keywords, piece):
        return f"排除关键词「{keyword}」"
    if entity := _first_in(edition.exclude_entities, _folded_set(facts.entities)):
        return f"排除实体「{entity}」"
    return None


def _included(piece: Piece, edition: Edition, facts: ArticleFacts) -> bool:
    """True when no include criterion is given or any one of them matches."""
    if not edition.filters_articles:
        return True
    return bool(
        _first_in(edition.topics, _folded_set(facts.tags))
        or _first_keyword(edition.keywords, piece)
        or _first_in(edition.entities, _folded_set(facts.entities))
    )


def _article_reason(piece: Piece, edition: Edition, facts: ArticleFacts) -> str | None:
    """Why the edition drops an article (exclusions first: they win), or None when it keeps it."""
    if reason := _exclusion(piece, edition, facts):
        return reason
    if not _included(piece, edition, facts):
        return "未命中本版主题、关键词或实体"
    return None


def _column_reason(name: str, edition: Edition) -> str | None:
    """Why the edition leaves out a whole column, or None."""
    if fold(name) in _folded_set(edition.exclude_columns):
        return f"排除栏目「{name}」"
    if edition.include_columns and fold(name) not in _folded_set(edition.include_columns):
        return f"栏目「{name}」不在本版"
    return None


def _ordered(sections: Sequence[Section], edition: Edition) -> list[Section]:
    """Sections ranked by ``column_order``, then ``include_columns``, then the issue's own order."""
    ranking = [fold(n) for n in [*edition.column_order, *edition.include_columns]]

    def rank(indexed: tuple[int, Section]) -> tuple[int, int]:
        index, section = indexed
        key = fold(section.name)
        return (ranking.index(key), index) if key in ranking else (len(ranking), index)

    return [s for _, s in sorted(enumerate(sections), key=rank)]


def _leads(section: Section, titles: Mapping[str, Piece]) -> dict[int, Piece]:
    """For each 专家观点 piece (by id), the article it follows: its related title, else the one before it."""
    leads: dict[int, Piece] = {}
    previous: Piece | None = None
    for piece in section.pieces:
        if piece.kind != EXPERT_OPINION:
            previous = piece
            continue
        lead = (titles.get(fold(piece.related_title)) if piece.related_title else None) or previous
        if lead is not None:
            leads[id(piece)] = lead
    return leads


class _Decisions:
    """The edition's verdict on every piece: the reason a piece is dropped, by ``id(piece)``."""

    def __init__(self, edition: Edition, facts: Mapping[str, ArticleFacts]) -> None:
        self.edition = edition
        self.facts = facts
        self.dropped: dict[int, str] = {}

    def facts_of(self, piece: Piece) -> ArticleFacts:
        return self.facts.get(piece.article_id, _NO_FACTS)

    def judge_articles(self, section: Section, leads: Mapping[int, Piece]) -> None:
        """Articles (and 专家观点 pieces that follow no article) on their own merits, then the cap."""
        kept = 0
        for piece in section.pieces:
            if id(piece) in leads:
                continue
            reason = _article_reason(piece, self.edition, self.facts_of(piece))
            if reason is None and piece.kind != EXPERT_OPINION:
                kept += 1
                cap = self.edition.max_per_column
                reason = f"超出每栏 {cap} 篇上限" if cap is not None and kept > cap else None
            if reason is not None:
                self.dropped[id(piece)] = reason

    def judge_opinions(self, section: Section, leads: Mapping[int, Piece]) -> None:
        """A 专家观点 piece goes with its article; if the article stays, only exclusions can drop it."""
        for piece in section.pieces:
            lead = leads.get(id(piece))
            if lead is None or id(piece) in self.dropped:  # its column went: that is the reason to give
                continue
            if id(lead) in self.dropped:
                self.dropped[id(piece)] = f"随文章《{lead.title}》删去"
            elif reason := _exclusion(piece, self.edition, self.facts_of(piece)):
                self.dropped[id(piece)] = reason


def _judge(sections: Sequence[Section], edition: Edition, facts: Mapping[str, ArticleFacts]) -> _Decisions:
    decisions = _Decisions(edition, facts)
    titles = {fold(p.title): p for s in sections for p in s.pieces if p.kind != EXPERT_OPINION}
    leads = {index: _leads(s, titles) for index, s in enumerate(sections)}
    for index, section in enumerate(sections):
        if column := _column_reason(section.name, edition):
            decisions.dropped.update({id(p): column for p in section.pieces})
        else:
            decisions.judge_articles(section, leads[index])
    for index, section in enumerate(sections):
        decisions.judge_opinions(section, leads[index])
    return decisions


def _missing_columns(sections: Sequence[Section], edition: Edition) -> list[str]:
    """Notes for columns the edition names that the issue lacks: a typo would otherwise empty a column."""
    have = _folded_set(s.name for s in sections)
    named = dict.fromkeys([*edition.include_columns, *edition.column_order])
    return [f"栏目「{name}」本期没有" for name in named if fold(name) not in have]


def _kept_figures(figures: Sequence[KeyFigure], dropped_ids: set[str]) -> tuple[list[KeyFigure], list[str]]:
    """The figures box without the figures of dropped articles, which the client must not see either."""
    kept = [copy.copy(f) for f in figures if f.article_id not in dropped_ids]
    notes = [f"关键数字随文章删去: {f.label}" for f in figures if f.article_id in dropped_ids]
    return kept, notes


def _empty_note(edition: Edition, dropped: int) -> str:
    if edition.empty_message:
        return edition.empty_message
    return f"本版（{edition.display}）没有可印的内容：{dropped} 篇全部被本版条件删去"


def _filtered_sections(sections: Sequence[Section], keep: Callable[[Piece], bool]) -> list[Section]:
    """New sections holding copies of the kept pieces; columns left empty are gone."""
    out = [Section(s.name, [copy.deepcopy(p) for p in s.pieces if keep(p)]) for s in sections]
    return [s for s in out if s.pieces]


def apply_edition(
    composition: Composition, edition: Edition, facts: Mapping[str, ArticleFacts]
) -> Composition:
    """A new composition holding what ``edition`` keeps of ``composition`` (which is left untouched).

    ``facts`` gives each article's tags and entities by article id; an article without facts matches no
    topic or entity filter. Every dropped piece is explained in ``notes``; anchors are assigned afresh.
    """
    sections = _ordered(composition.sections, edition)
    decisions = _judge(sections, edition, facts)
    pieces = [p for s in sections for p in s.pieces]
    notes = [f"{decisions.dropped[id(p)]}: {p.title}" for p in pieces if id(p) in decisions.dropped]
    kept_sections = _filtered_sections(sections, lambda p: id(p) not in decisions.dropped)
    dropped_ids = {p.article_id for p in pieces if id(p) in decisions.dropped}
    figures, figure_notes = _kept_figures(composition.key_figures, dropped_ids)
    assign_anchors(kept_sections)
    result = dataclasses.replace(
        composition,
        edition=edition.name,
        branding=dataclasses.replace(edition.branding),
        sections=kept_sections,
        highlights=list(composition.highlights),
        key_figures=figures,
        charts=copy.deepcopy(composition.charts),
        notes=[*composition.notes, *_missing_columns(sections, edition), *notes, *figure_notes],
    )
    if result.empty:
        result.notes.append(_empty_note(edition, len(notes)))
    return result
