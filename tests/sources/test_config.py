"""[[sources]] in jiance.toml: valid tables become SourceConfig, mistakes a ConfigError naming source and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jiance.errors import ConfigError
from jiance.settings import Settings, load_settings
from jiance.sources.config import interval_seconds, load_sources, parse_sources

FEED = {"name": "news", "kind": "feed", "url": "https://example.cn/rss.xml"}


def test_a_full_page_source() -> None:
    [source] = parse_sources(
        [{"name": "ministry", "kind": "page", "url": "https://example.gov.cn/xw/", "schedule": "0 */2 * * 1-5",
          "encoding": "gbk", "section": "产业环境", "tags": ["政策"], "links": "ul.list a", "next": "a.next",
          "max_pages": 3, "timezone": "UTC", "allow_private": True, "enabled": False}]
    )  # fmt: skip
    assert (source.kind, source.links, source.max_pages, source.tags) == ("page", "ul.list a", 3, ("政策",))
    assert source.allow_private and not source.enabled
    assert source.to_record()["tags"] == ["政策"]


def test_defaults_and_intervals() -> None:
    [source] = parse_sources([FEED])
    assert (source.schedule, source.enabled, source.allow_private, source.max_pages) == ("1h", True, False, 5)
    assert interval_seconds("30m") == 1800 and interval_seconds("2h") == 7200
    assert interval_seconds("*/5 * * * *") is None


@pytest.mark.parametrize(
    ("tables", "words"),
    [
        ([{**FEED, "selektor": "a"}], ["'news'", "'selektor'"]),
        ([{**FEED, "shedule": "1h"}], ["'news'", "did you mean 'schedule'"]),
        ([FEED, FEED], ["'news'", "more than one"]),
        ([{"name": "f", "kind": "feed"}], ["'f'", "'url'"]),
        ([{"name": "box", "kind": "folder"}], ["'box'", "'path'"]),
        ([{"name": "x", "kind": "ftp", "url": "a"}], ["'x'", "'kind'"]),
        ([{**FEED, "schedule": "hourly"}], ["'news'", "schedule"]),
        ([{**FEED, "max_pages": "3"}], ["'news'", "'max_pages'", "int"]),
        ([{**FEED, "enabled": 1}], ["'news'", "'enabled'"]),
        ([{**FEED, "tags": ["a", 2]}], ["'news'", "'tags'"]),
        ([{**FEED, "timezone": "Mars/Base"}], ["'news'", "'timezone'"]),
        ([{"kind": "feed", "url": "a"}], ["source #1", "'name'"]),
    ],
)
def test_mistakes_name_the_source_and_key(tables: list[dict[str, Any]], words: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_sources(tables)
    for word in words:
        assert word in str(caught.value)


def test_load_sources_from_a_workspace(tmp_path: Path) -> None:
    (tmp_path / "jiance.toml").write_text(
        '[[sources]]\nname = "inbox"\nkind = "folder"\npath = "drop"\n\n'
        '[[sources]]\nname = "news"\nkind = "feed"\nurl = "https://example.cn/rss"\n',
        encoding="utf-8",
    )
    sources = load_sources(load_settings(tmp_path), base=tmp_path)
    assert [s.name for s in sources] == ["inbox", "news"]
    assert sources[0].path == str(tmp_path / "drop")
    assert load_sources(Settings()) == []
