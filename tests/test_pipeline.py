"""The pipeline as a library: read_source, parse_path/parse_bytes (no store) and import_paths (store)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import SEED, TEXT_SAMPLE, searchable
from jiance.errors import MissingFileError, TooLargeError, UnsupportedFormatError
from jiance.pipeline import (
    DOCX,
    HTML,
    PDF,
    TEXT,
    FileResult,
    import_paths,
    iter_input_files,
    parse_bytes,
    parse_path,
    read_source,
    split_options,
)
from jiance.settings import Settings
from jiance.workspace import open_store

# One rendering of each kind the readers handle; all must give the gold's structure.
RENDERINGS = [
    TEXT_SAMPLE,
    "sample-a__utf16-bom.txt",
    "sample-a__crlf-gbk.txt",
    "sample-a__blank-line-paragraphs.txt",
    "sample-b__seed-like.txt",
    "sample-c__narrow-30-indent.txt",
    "sample-a.pdf",
    "sample-b.docx",
    "sample-c.html",
    "sample-a__article-05.txt",
    "sample-b__article-05.html",
]


def _gold(inbox: Path, name: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads((inbox / f"{name}.gold.json").read_text("utf-8"))["records"]
    return records


@pytest.mark.parametrize("name", RENDERINGS)
def test_structure_matches_gold_in_every_format(inbox: Path, name: str) -> None:
    bulletin = parse_path(inbox / name)
    got = [(a.kind, a.section, a.title) for a in bulletin.articles]
    assert got == [(g["kind"], g["section"], g["title"]) for g in _gold(inbox, name)]
    assert all(a.paragraphs and a.provenance.path == str(inbox / name) for a in bulletin.articles)


def test_issue_title_of_a_text_dump(text_sample: Path) -> None:
    from jiance.samples.corpus import load_sample

    assert parse_path(text_sample).issue.title == load_sample("sample-a")["title"]


def test_parse_path_and_parse_bytes_agree(text_sample: Path) -> None:
    by_path = parse_path(text_sample)
    by_bytes = parse_bytes(text_sample.read_bytes(), str(text_sample))
    assert [a.to_record() for a in by_path.articles] == [a.to_record() for a in by_bytes.articles]
    assert by_path.encoding == by_bytes.encoding and by_path.issue == by_bytes.issue


@pytest.mark.parametrize(
    ("name", "media"),
    [(TEXT_SAMPLE, TEXT), ("sample-a.pdf", PDF), ("sample-a.docx", DOCX), ("sample-a.html", HTML)],
)
def test_read_source_sniffs_the_format(inbox: Path, name: str, media: str) -> None:
    source = read_source((inbox / name).read_bytes(), name)
    assert source.media_type == media
    assert source.lines and source.path == name
    if media == PDF:
        assert source.pages and source.pages > 1


def test_parse_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError) as missing:
        parse_path(tmp_path / "gone.txt")
    assert missing.value.where == str(tmp_path / "gone.txt")
    with pytest.raises(TooLargeError, match="max_file_mb"):
        parse_bytes(b"x" * (2 * 2**20), "big.txt", Settings(max_file_mb=1))
    with pytest.raises(UnsupportedFormatError) as binary:
        parse_bytes(bytes(range(256)) * 4, "blob.txt")
    assert binary.value.where == "blob.txt"


def test_settings_reach_the_splitter() -> None:
    options = split_options(Settings(sections=["甲栏", "乙栏"], expert_marker="观点"))
    assert tuple(options.sections) == ("甲栏", "乙栏") and options.expert_marker == "观点"
    assert split_options(None) == split_options(Settings())


def test_iter_input_files_walks_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for rel in ["b.txt", "a.pdf", "sub/c.docx", ".hidden/d.txt", ".e.txt", "f.gold.json", "g.png", "README"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_input_files([tmp_path])]
    assert found == ["README", "a.pdf", "b.txt", "sub/c.docx"]
    assert list(iter_input_files([tmp_path / "named.xyz"])) == [tmp_path / "named.xyz"]


def test_import_paths_is_idempotent(inbox: Path, workspace: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in (TEXT_SAMPLE, "sample-a.pdf", "sample-b.docx", "sample-c.html"):
        shutil.copy(inbox / name, folder / name)
    settings = Settings()
    seen: list[FileResult] = []
    with open_store(workspace, settings) as store:
        first = import_paths([folder], store, settings, on_file=seen.append)
        count = store.count_articles()
        second = import_paths([folder], store, settings)
        assert store.count_articles() == count
    assert seen == first.results and len(seen) == 4
    assert first.counts == {"imported": 4} and second.counts == {"unchanged": 4}
    assert sum(r.articles_new for r in first.results) == count > 0
    assert sum(r.articles_new for r in second.results) == 0
    assert [r.document_id for r in first.results] == [r.document_id for r in second.results]


def test_same_text_in_two_files_is_stored_once(text_sample: Path, workspace: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    copy.write_bytes(text_sample.read_bytes() + b"\n")  # other bytes, same articles
    settings = Settings()
    with open_store(workspace, settings) as store:
        report = import_paths([text_sample, copy], store, settings)
        assert store.count_articles() == report.results[0].articles
    assert report.counts == {"imported": 2}
    assert report.results[1].articles_new == 0 and report.results[1].articles > 0


def test_seed_bulletin_imports_and_is_searchable(workspace: Path) -> None:
    if not SEED.is_file():
        pytest.skip(f"the seed bulletin is not at {SEED} (it is read in place, never copied)")
    settings = Settings()
    with open_store(workspace, settings) as store:
        report = import_paths([SEED], store, settings)
        assert report.counts == {"imported": 1}
        assert store.count_articles() == report.results[0].articles >= 20
        hits = store.search("5G", limit=100)
        assert hits and all("5G" in hit.snippet for hit in hits)
        for hit in hits:
            assert "5G" in searchable(store.get_article(hit.article_id).article)
