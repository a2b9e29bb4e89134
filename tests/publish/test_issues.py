"""The editor's issue operations (jiance.publish.issues) over a real SQLite store."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiance.errors import NotFoundError, PublishError
from jiance.publish import issues as lib
from jiance.publish.model import KeyFigure
from jiance.settings import Settings
from jiance.store.issues import issues_for
from jiance.store.sqlite import SQLiteStore

Fixture = tuple[SQLiteStore, dict[str, Path]]


def _ids(store: SQLiteStore, section: str) -> list[str]:
    return [s.id for s in store.articles(section=section) if s.article.kind == "article"]


def test_migration_4_is_recorded_and_reruns_as_a_no_op(sample_store: Fixture) -> None:
    store, _ = sample_store
    assert 4 in store.schema_versions() and store.migrate() == []


def test_new_issue_has_the_house_columns_and_no_items(sample_store: Fixture) -> None:
    store, _ = sample_store
    issue = lib.new_issue(store, "信息产业监测", date="2026-12-01", number="第1期")
    assert issue.sections == list(lib.DEFAULT_SECTIONS) and issue.items == [] and issue.status == "draft"
    with pytest.raises(PublishError):
        lib.new_issue(store, "  ")


def test_add_move_remove_keep_positions_dense(sample_store: Fixture) -> None:
    store, _ = sample_store
    issue = lib.new_issue(store, "周报", date="2026-12-01")
    a, b, c = _ids(store, "技术情报")[:3]
    report = lib.add_to_issue(store, issue.id, [a, b, c])
    assert report.added == [a, b, c] and not report.repeats
    assert lib.add_to_issue(store, issue.id, [a]).present == [a]
    lib.move_in_issue(store, issue.id, c, position=0)
    items = lib.get_issue(store, issue.id).items
    assert [(i.article_id, i.position) for i in items] == [(c, 0), (a, 1), (b, 2)]
    lib.move_in_issue(store, issue.id, a, section="企业情报")
    items = lib.get_issue(store, issue.id).items
    assert [(i.section, i.position) for i in items if i.article_id == a] == [("企业情报", 0)]
    assert [i.position for i in items if i.section == "技术情报"] == [0, 1]
    assert lib.remove_from_issue(store, issue.id, [c, "missing"]) == 1
    assert [i.article_id for i in lib.get_issue(store, issue.id).items] == [b, a]


def test_items_follow_the_issue_column_order(sample_store: Fixture) -> None:
    store, _ = sample_store
    issue = lib.new_issue(store, "周报", sections=["海外借鉴", "产业环境"])
    lib.add_to_issue(store, issue.id, _ids(store, "产业环境")[:1] + _ids(store, "海外借鉴")[:1])
    assert [i.section for i in lib.get_issue(store, issue.id).items] == ["海外借鉴", "产业环境"]


def test_unknown_ids_are_refused(sample_store: Fixture) -> None:
    store, _ = sample_store
    issue = lib.new_issue(store, "周报")
    with pytest.raises(NotFoundError):
        lib.add_to_issue(store, issue.id, ["nope"])
    with pytest.raises(NotFoundError):
        lib.get_issue(store, 999)
    with pytest.raises(NotFoundError):
        lib.move_in_issue(store, issue.id, "nope", position=0)


def test_an_article_of_an_earlier_issue_is_not_repeated(sample_store: Fixture) -> None:
    store, _ = sample_store
    first = lib.new_issue(store, "第1期", date="2026-11-01")
    article = _ids(store, "产业环境")[0]
    lib.add_to_issue(store, first.id, [article])
    second = lib.new_issue(store, "第2期", date="2026-11-08")
    report = lib.add_to_issue(store, second.id, [article])
    assert report.added == [] and [u.issue_id for u in report.repeats] == [first.id]
    assert lib.add_to_issue(store, second.id, [article], allow_repeats=True).added == [article]
    # the earlier issue itself is not "earlier" than the later one
    assert issues_for(store).earlier_uses(first.id) == []


def test_overrides_change_the_issue_not_the_article(sample_store: Fixture) -> None:
    store, _ = sample_store
    issue = lib.new_issue(store, "周报")
    article = _ids(store, "运营竞争")[0]
    original = store.get_article(article).article.title
    lib.add_to_issue(store, issue.id, [article])
    assert lib.edit_item(store, issue.id, article, title="编辑改过的标题", summary="一句话") == {
        "title": "编辑改过的标题",
        "summary": "一句话",
    }
    assert store.get_article(article).article.title == original
    assert lib.edit_item(store, issue.id, article, title=None) == {"summary": "一句话"}
    with pytest.raises(PublishError):
        lib.edit_item(store, issue.id, article, colour="red")


def test_issue_from_file_keeps_columns_and_order(sample_store: Fixture) -> None:
    store, paths = sample_store
    issue = lib.issue_from_file(store, paths["sample-b"], Settings())
    bulletin_order = [s.id for s in store.articles() if s.document_id == issue.source_document_id]
    assert [i.article_id for i in issue.items] == bulletin_order
    assert issue.title == "智联通信参考" and issue.date == "2026-06-25" and issue.number == "第6期"
    assert issue.sections == list(dict.fromkeys(i.section for i in issue.items))


def test_issue_from_a_broken_file_says_why(sample_store: Fixture, tmp_path: Path) -> None:
    store, _ = sample_store
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n1 0 obj <<")
    with pytest.raises(PublishError, match="cannot make an issue"):
        lib.issue_from_file(store, broken, Settings())


def test_highlights_figures_and_publish(sample_store: Fixture) -> None:
    store, _ = sample_store
    issue = lib.new_issue(store, "周报", date="2026-12-01")
    lib.add_to_issue(store, issue.id, _ids(store, "产业环境")[:2] + _ids(store, "技术情报")[:1])
    suggested = lib.suggest_highlights(store, lib.get_issue(store, issue.id))
    assert len(suggested) == 2  # one lead per column
    lib.set_highlights(store, issue.id, [*suggested, "  "])
    lib.set_key_figures(store, issue.id, [KeyFigure("5G基站总数", "481.2", "万个", series="5G基站数")])
    issue = lib.publish_issue(store, issue.id)
    assert issue.highlights == suggested and issue.status == "published" and issue.published_at
    assert issue.key_figures[0].series == "5G基站数"
