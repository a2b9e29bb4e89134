"""SIGKILL at random points after a reported commit, on SQLite and PostgreSQL: nothing the child reported
committed is lost, nothing is stored twice, the store's integrity check is clean, and no alert goes out
twice. The child and the campaign are in :mod:`tests.reliability.crash_child`; the default run uses small
campaigns, ``-m slow`` (and ``make soak``) the full 10,000 articles × 200 kills."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.reliability.crash_child import (
    MODES,
    CampaignResult,
    number_of,
    record_campaign,
    run_campaign,
    synthetic_articles,
)

FAST = {"import": (1000, 15), "collect": (300, 10), "alerts": (300, 10)}
SOAK = (10_000, 200)


@pytest.fixture(scope="module")
def postgres(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The session's PostgreSQL server (``pg_server`` in tests/conftest.py), else one of our own."""
    try:
        yield request.getfixturevalue("pg_server")
        return
    except pytest.FixtureLookupError:
        pass
    from tests import pgserver

    server = pgserver.from_environment() or pgserver.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> Iterator[tuple[str, str | None]]:
    """``(name, store URL)``: SQLite is the workspace's default file, PostgreSQL a fresh database."""
    if request.param == "sqlite":
        yield "sqlite", None
        return
    server = request.getfixturevalue("postgres")
    url = server.new_database()
    try:
        yield "postgresql", url
    finally:
        server.drop_database(url)


def test_synthetic_articles_are_distinct_and_parse_as_one_article_each() -> None:
    """The campaign counts articles by their number; that only works if each file is one article whose
    title gives its number back, and no two texts are equal."""
    from jiance.pipeline import parse_bytes

    made = synthetic_articles(120)
    assert len({a.text() for a in made}) == 120
    for article in made[::17]:
        parsed = parse_bytes(article.text().encode(), f"{article.number}.txt").articles
        assert [number_of(p.title) for p in parsed] == [article.number]
        assert list(parsed[0].paragraphs) == list(article.paragraphs)


def _campaign(
    mode: str, backend: tuple[str, str | None], root: Path, articles: int, kills: int
) -> CampaignResult:
    name, url = backend
    result = run_campaign(mode, root, articles=articles, kills=kills, backend=name, store_url=url)
    slow = "-m slow " if articles == SOAK[0] else ""
    test = "test_sigkill_soak" if slow else "test_sigkill_loses_and_doubles_nothing"
    record_campaign(
        result,
        f".venv/bin/pytest -q -p no:randomly {slow}tests/reliability/test_crash.py -k '{test} and {mode} and {name}'",
    )
    return result


def _assert_clean(result: CampaignResult, kills: int) -> None:
    assert result.store == {"sqlite": "SQLiteStore", "postgresql": "PostgresStore"}[result.backend]
    assert result.failures == []
    assert result.kills == kills, "every planned kill happened before the child finished"
    assert result.lost == [], f"{len(result.lost)} reported commits are not in the store"
    assert result.duplicated == 0
    assert result.stored == result.distinct_ids == result.articles
    assert result.integrity == []
    # a kill between a commit and its line costs at most that one line
    assert result.articles - result.kills <= result.reported <= result.articles
    if result.mode == "alerts":
        figures = result.alerts
        assert figures["alerts sent twice"] == 0
        assert figures["alert hits twice"] == 0 and figures["alert hits"] == result.articles
        assert figures["outbox keys enqueued twice"] == 0 and figures["outbox rows not sent"] == 0
        assert figures["articles never alerted"] == 0
        assert figures["messages received"] == figures["outbox rows"]


@pytest.mark.parametrize("mode", MODES)
def test_sigkill_loses_and_doubles_nothing(
    mode: str, backend: tuple[str, str | None], tmp_path: Path
) -> None:
    articles, kills = FAST[mode]
    _assert_clean(_campaign(mode, backend, tmp_path, articles, kills), kills)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_sigkill_soak(mode: str, backend: tuple[str, str | None], tmp_path: Path) -> None:
    articles, kills = SOAK
    _assert_clean(_campaign(mode, backend, tmp_path, articles, kills), kills)
