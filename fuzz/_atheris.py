"""``python -m fuzz._atheris <target> <corpus> [libFuzzer flags]``: one target under atheris (the runner's child).

Kept apart from :mod:`fuzz.__main__` because ``atheris.Fuzz()`` never returns: it exits the process when
the time is up or an input crashes the target.
"""

from __future__ import annotations

import importlib
import sys

import atheris


def main(argv: list[str]) -> None:
    target, flags = argv[1], argv[2:]
    # Everything the target imports (jiance and the parsing libraries) is instrumented for coverage.
    with atheris.instrument_imports():
        module = importlib.import_module(f"fuzz.fuzz_{target}")
    atheris.Setup([argv[0], *flags], module.TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
