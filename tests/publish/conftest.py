"""Fixtures of the publishing tests: compositions of the bundled samples and a store holding them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from jiance.pipeline import parse_bytes
from jiance.publish.compose import composition_from_bulletin
from jiance.publish.model import Composition
from jiance.records import Bulletin
from jiance.samples.corpus import load_sample, sample_names
from jiance.samples.pdf import render_pdf as sample_pdf
from jiance.settings import Settings
from jiance.store.sqlite import SQLiteStore


@pytest.fixture(scope="session")
def sample_pdfs() -> dict[str, bytes]:
    """The three sample bulletins as the project's sample PDF writer prints them."""
    return {name: sample_pdf(load_sample(name)) for name in sample_names()}


@pytest.fixture(scope="session")
def sample_bulletins(sample_pdfs: dict[str, bytes]) -> dict[str, Bulletin]:
    return {name: parse_bytes(data, f"{name}.pdf") for name, data in sample_pdfs.items()}


@pytest.fixture
def compositions(sample_bulletins: dict[str, Bulletin]) -> dict[str, Composition]:
    """A fresh composition per sample (tests may change them)."""
    return {name: composition_from_bulletin(b) for name, b in sample_bulletins.items()}


@pytest.fixture(scope="session")
def _sample_db(
    tmp_path_factory: pytest.TempPathFactory, sample_pdfs: dict[str, bytes]
) -> tuple[Path, dict[str, Path]]:
    """The three sample PDFs imported once into a store file that each test copies."""
    from jiance.pipeline import import_paths

    folder = tmp_path_factory.mktemp("publish-store")
    paths = {}
    for name, data in sample_pdfs.items():
        paths[name] = folder / f"{name}.pdf"
        paths[name].write_bytes(data)
    with SQLiteStore(folder / "jiance.db") as store:
        report = import_paths(list(paths.values()), store, Settings())
        assert not report.failed
    return folder / "jiance.db", paths


@pytest.fixture
def sample_store(
    tmp_path: Path, _sample_db: tuple[Path, dict[str, Path]]
) -> Iterator[tuple[SQLiteStore, dict[str, Path]]]:
    """A store of its own with the three sample PDFs imported; yields it and the file of each sample."""
    template, paths = _sample_db
    shutil.copyfile(template, tmp_path / "jiance.db")
    with SQLiteStore(tmp_path / "jiance.db") as store:
        yield store, paths
