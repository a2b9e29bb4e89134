"""Score the title-versus-sub-heading decision alone, on files with gold sub-headings.

For every heading the splitter must decide by story continuity (no layout, no contents page), the gold
story so far is handed to the decision, so each decision is judged on its own ("teacher forcing").
Corpora: the project's samples rendered without a contents page, and the seed's first column when
``../shared`` is present (its gold lists the sub-headings). Prints errors per corpus and the mistakes.

    .venv/bin/python evals/heading_decisions.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jiance.stages.split as split
from jiance.readers.text import read_text
from jiance.samples.corpus import gold_records, load_sample, sample_names
from jiance.samples.layouts import LAYOUTS, render_text
from jiance.stages.continuity import continues, window_after
from jiance.stages.roles import piece_header
from jiance.text import fold

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"


def decisions(data: bytes, subheadings: set[str], scope: set[str] | None) -> list[tuple[str, str, str]]:
    """(gold, predicted, heading) for every continuity decision, the gold story state forced."""
    found: list[tuple[str, str, str]] = []
    original = split._Walker.heading

    def forced(self: Any, i: int) -> str:
        unit = self.units[i]
        decidable = (
            self.story is not None
            and not self.in_experts
            and self.story.kind == "article"
            and self.last_was_heading is None
            and not piece_header(unit.text)
            and window_after(self.units, i)
            and (scope is None or self.section in scope)
        )
        if not decidable:
            return str(original(self, i))
        gold = "subheading" if fold(unit.text) in subheadings else "title"
        score = continues(self.units, i, self.story, self.cohesion)
        found.append((gold, "subheading" if score > 0 else "title", unit.text.strip()))
        if gold == "title":
            self.start(i)
        else:
            self.add_subheading(i)
        return gold

    split._Walker.heading = forced  # type: ignore[method-assign]
    try:
        split.split_bulletin(read_text(data, "eval"))
    finally:
        split._Walker.heading = original  # type: ignore[method-assign]
    return found


def main() -> None:
    corpora: dict[str, list[tuple[str, str, str]]] = {}
    layout = {k: v for k, v in LAYOUTS["gb18030-no-blanks"].items() if k not in ("encoding", "newline")}
    for name in sample_names():
        sample = load_sample(name)
        subs = {fold(s) for r in gold_records(sample) for s in r["subheadings"]}
        corpora[name] = decisions(render_text(sample, **layout).encode(), subs, None)
    seed = SHARED / "seeds" / "000_8913e8f3e5978f8d.txt"
    gold = SHARED / "eval" / "seed_column1_gold.json"
    if seed.is_file() and gold.is_file():
        records = json.loads(gold.read_text(encoding="utf-8"))["records"]
        subs = {fold(s) for r in records for s in r["subheadings"]}
        corpora["seed-column1"] = decisions(seed.read_bytes(), subs, {r["section"] for r in records})
    for name, rows in corpora.items():
        wrong = [r for r in rows if r[0] != r[1]]
        print(f"{name:14} {len(wrong):2d} errors / {len(rows):3d} decisions")
        for gold_verdict, predicted, text in wrong:
            print(f"    {gold_verdict:>10} taken for {predicted:10} {text}")


if __name__ == "__main__":
    main()
