"""``python -m tests.reliability.report [--readme README.md] [--check]``: the README's reliability section.

Reads what :func:`tests.reliability.figures.record` wrote and replaces the text between
``<!-- reliability:start -->`` and ``<!-- reliability:end -->`` with one table per suite: each measured
case, its figures, and the command that reproduces them. ``--check`` only says whether the section is
present and every suite it lists was measured.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tests.reliability.figures import load_all

START, END = "<!-- reliability:start -->", "<!-- reliability:end -->"

__all__ = ["END", "START", "main", "render"]


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def render(data: dict[str, dict[str, Any]]) -> str:
    """Markdown tables, one per suite, cases sorted by name."""
    lines: list[str] = []
    for suite, cases in sorted(data.items()):
        lines += [f"#### {suite}", "", "| case | figures | reproduce |", "|---|---|---|"]
        for name, case in sorted(cases.items()):
            figures = "; ".join(f"{k} = {_value(v)}" for k, v in case["figures"].items())
            command = f"`{case['command']}`" if case.get("command") else ""
            lines.append(f"| {name} | {figures} | {command} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readme", type=Path, default=Path(__file__).resolve().parents[2] / "README.md")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = args.readme.read_text("utf-8")
    if START not in text or END not in text:
        print(f"{args.readme}: no reliability markers", file=sys.stderr)
        return 1
    data = load_all()
    if not data:
        print("no reliability figures recorded yet: run the suite first (make reliability)", file=sys.stderr)
        return 1
    if args.check:
        return 0
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    args.readme.write_text(f"{head}{START}\n{render(data)}{END}{tail}", "utf-8")
    print(f"{args.readme}: reliability section rewritten from {len(data)} suites")
    return 0


if __name__ == "__main__":
    sys.exit(main())
