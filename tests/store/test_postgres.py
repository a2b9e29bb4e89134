"""PostgreSQL as a deployment: moving a workspace's SQLite store into it (`jiance db copy`), migrations,
and several processes writing at once without losing or doubling anything."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from conftest import TEXT_SAMPLE, run_cli
from jiance.publish.issues import add_to_issue, new_issue
from jiance.store.copy import copy_store
from jiance.store.issues import issues_for
from jiance.store.postgres import PostgresStore, pg_sql
from jiance.workspace import init_workspace, open_store


def test_placeholders_become_psycopg_ones_outside_quotes() -> None:
    assert pg_sql("SELECT ? WHERE a = '?' AND b LIKE '%x' AND c = ?") == (
        "SELECT %s WHERE a = '?' AND b LIKE '%%x' AND c = %s"
    )


@pytest.fixture
def filled_workspace(tmp_path: Path, inbox: Path) -> Path:
    """An SQLite workspace with the samples imported and analysed, an issue, an editor and a token."""
    workspace = init_workspace(tmp_path / "ws")
    env = {"JIANCE_WORKSPACE": str(workspace)}
    samples = [inbox / TEXT_SAMPLE, inbox / "sample-b.pdf", inbox / "sample-c.docx"]
    assert run_cli("import", *map(str, samples), env=env).exit_code == 0
    assert run_cli("analyze", env=env).exit_code == 0
    from jiance import accounts

    with open_store(workspace) as store:
        accounts.add_user(store, "lin", "lin-pass-12345", "editor")  # type: ignore[arg-type]
        accounts.create_token(store, "lin", label="ci")  # type: ignore[arg-type]
    with open_store(workspace) as store:
        issue = new_issue(store, title="第1期", date="2026-11-30")
        add_to_issue(store, issue.id, [a.id for a in store.articles(limit=5)])
        store.set_status([store.articles(limit=1)[0].id], "accepted")
    return workspace


def test_copy_moves_everything_and_a_second_copy_adds_nothing(filled_workspace: Path, pg_url: str) -> None:
    env = {"JIANCE_WORKSPACE": str(filled_workspace)}
    first = run_cli("db", "copy", "--to", pg_url, env=env)
    assert first.exit_code == 0, first.output
    assert "articles" in first.output and "copied into" in first.output
    with open_store(filled_workspace) as sqlite, PostgresStore(pg_url) as pg:
        again = copy_store(sqlite, pg)  # type: ignore[arg-type]
        assert again.complete and [t.added for t in again.tables] == [0] * len(again.tables)
        assert {t.table for t in again.tables if t.source_rows} >= {
            "documents",
            "articles",
            "analysis",
            "users",
        }
    with open_store(filled_workspace) as sqlite, PostgresStore(pg_url) as pg:
        assert pg.count_articles() == sqlite.count_articles() > 20
        assert [s.id for s in pg.articles()] == [s.id for s in sqlite.articles()]
        assert [(s.id, s.status) for s in pg.articles()] == [(s.id, s.status) for s in sqlite.articles()]
        for stored in sqlite.articles(limit=10):
            assert pg.get_article(stored.id).article == stored.article
            assert pg.analysis(stored.id) == sqlite.analysis(stored.id)
            assert pg.get_raw(stored.document_id) == sqlite.get_raw(stored.document_id)
        for query in ["5G", "数字", "芯片 产业", "中国"]:
            assert [h.article_id for h in pg.search(query, limit=None)] == [
                h.article_id for h in sqlite.search(query, limit=None)
            ], query
        assert [i.title for i in issues_for(pg).all()] == ["第1期"]
        assert [i.article_id for i in issues_for(pg).items(1)] == [
            i.article_id for i in issues_for(sqlite).items(1)
        ]
        assert pg.integrity_check() == []
        # The copied identities continue: a new issue gets the next id, not a clash with issue 1.
        assert new_issue(pg, title="第2期", date="2026-12-07").id == 2
    # Switching the workspace to the server is a setting: the same commands now read PostgreSQL.
    server = {"JIANCE_WORKSPACE": str(filled_workspace), "JIANCE_STORE": pg_url}
    assert run_cli("db", "check", env=server).exit_code == 0
    migrated = run_cli("db", "migrate", env=server)
    assert migrated.exit_code == 0 and "schema at version 1" in migrated.output
    found = run_cli("search", "5G", env=server)
    assert found.exit_code == 0 and found.output.strip()


def _import_worker(url: str, files: list[str], queue: multiprocessing.Queue[str]) -> None:  # pragma: no cover
    """A separate process importing its files into the same database (a collector, say)."""
    from jiance.pipeline import import_paths
    from jiance.settings import Settings

    store = PostgresStore(url)
    report = import_paths([Path(f) for f in files], store, Settings())
    queue.put(",".join(r.status for r in report.results))


def test_concurrent_writers_lose_nothing(tmp_path: Path, pg_url: str, inbox: Path) -> None:
    """Three importer processes on overlapping files while editors reorder one issue from threads: every
    article once, every document once, and the issue's order is exactly the result of every move."""
    import threading

    files = sorted(str(p) for p in inbox.iterdir() if p.suffix in {".txt", ".html"})[:6]
    assert len(files) >= 4
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[str] = ctx.Queue()
    # Each process gets a rotation of the same files: they collide on the same documents and articles.
    workers = [
        ctx.Process(target=_import_worker, args=(pg_url, files[i:] + files[:i], queue)) for i in range(4)
    ]
    with PostgresStore(pg_url) as store:
        seed = store.save_import(*_seed_doc())
        assert seed.status == "imported"
        issue = new_issue(store, title="并发", date="2026-12-01")
        ids = [s.id for s in store.articles()]
        add_to_issue(store, issue.id, ids)
        for worker in workers:
            worker.start()

        def editor(n: int) -> None:
            with PostgresStore(pg_url) as mine:
                for k in range(15):
                    issues_for(mine).move(issue.id, ids[(n + k) % len(ids)], position=0)

        editors = [threading.Thread(target=editor, args=(n,)) for n in range(3)]
        for thread in editors:
            thread.start()
        for thread in editors:
            thread.join()
        for worker in workers:
            worker.join(120)
            assert worker.exitcode == 0
        statuses = [queue.get(timeout=5) for _ in workers]
        assert all(s for s in statuses)
        documents = store.documents()
        assert len({d.id for d in documents}) == len(documents) == len(files) + 1
        articles = store.articles()
        assert len({a.id for a in articles}) == len(articles) == store.count_articles()
        positions = [item.position for item in issues_for(store).items(issue.id)]
        assert sorted(positions) == list(range(len(ids)))  # dense: no move was lost half-way
        assert store.integrity_check() == []
        # Re-importing everything now adds nothing.
        from jiance.pipeline import import_paths
        from jiance.settings import Settings

        again = import_paths([Path(f) for f in files], store, Settings())
        assert {r.status for r in again.results} == {"unchanged"}


def _seed_doc() -> tuple[object, bytes, list[object]]:
    from jiance.records import Article

    from .conftest import make_doc

    raw = "并发测试".encode()
    articles = [Article("article", f"并发测试稿件{i}", [f"第{i}篇的正文，用来排序。"]) for i in range(6)]
    return make_doc(raw), raw, articles  # type: ignore[return-value]
