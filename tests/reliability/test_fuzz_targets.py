"""Every fuzz target replays its seeds and the rebuilt inputs of past crashes, without atheris.

``make fuzz`` runs the targets for minutes; this keeps them from rotting in between (a renamed function,
a seed the parser no longer accepts) and keeps every crash a fuzzer found fixed
(:func:`fuzz.seeds.regressions` rebuilds each from a description, so no fuzzer output is committed).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from fuzz import TARGETS
from fuzz.seeds import regressions, seeds

from jiance.errors import JianceError
from jiance.pipeline import parse_bytes
from jiance.readers.docx import read_docx
from jiance.readers.html import read_html
from jiance.readers.pdf import read_pdf
from jiance.sources.feeds import parse_feed
from jiance.text import decode_bytes


def _inputs(target: str) -> list[bytes]:
    return [*seeds(target), *regressions(target)]


@pytest.mark.parametrize("target", TARGETS)
def test_target_accepts_its_seeds_and_regressions(target: str) -> None:
    module = importlib.import_module(f"fuzz.fuzz_{target}")
    inputs = _inputs(target)
    assert inputs, "every target needs seeds"
    for data in inputs:
        module.TestOneInput(data)  # raises on anything but a project error


PARSERS: dict[str, Callable[[bytes], object]] = {
    "decode": lambda d: decode_bytes(d),
    "text": lambda d: parse_bytes(d, "seed.txt"),
    "html": lambda d: read_html(d, "seed.html"),
    "feed": lambda d: parse_feed(d, "https://example.org/feed.xml"),
    "docx": lambda d: read_docx(d, "seed.docx"),
    "pdf": lambda d: read_pdf(d, "seed.pdf"),
}


@pytest.mark.parametrize("target", TARGETS)
def test_the_first_seed_is_parsed_not_refused(target: str) -> None:
    """A valid first seed makes the fuzzer's mutations start from code paths that work, not from a refusal."""
    try:
        result = PARSERS[target](seeds(target)[0])
    except JianceError as error:
        pytest.fail(f"the {target} seed is refused: {error}")
    assert result is not None
