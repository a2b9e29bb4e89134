"""Figures the reliability suite measures, written where the README's reliability section is built from.

Every test of the suite that measures something calls :func:`record` with the figures it measured (counts,
worst times, bytes read, rates). They land in ``test-output/reliability/<suite>.json`` (one file per
suite, merged across tests and xdist workers by key), and ``python -m tests.reliability.report`` turns
the files into the README section between its markers, so no figure there is typed by hand.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["FIGURES_DIR", "load_all", "record"]

FIGURES_DIR = Path(
    os.environ.get(
        "JIANCE_RELIABILITY_DIR", Path(__file__).resolve().parents[2] / "test-output" / "reliability"
    )
)


def record(suite: str, name: str, figures: dict[str, Any], *, command: str | None = None) -> None:
    """Store ``figures`` (JSON values) under ``name`` in the suite's file; ``command`` reproduces them.

    A lock file serialises writers (two xdist workers may finish tests of one suite at once).
    """
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    target = FIGURES_DIR / f"{suite}.json"
    with open(FIGURES_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data: dict[str, Any] = json.loads(target.read_text("utf-8")) if target.exists() else {}
        data[name] = {
            "figures": figures,
            "command": command,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), "utf-8")
        tmp.replace(target)


def load_all(directory: Path = FIGURES_DIR) -> dict[str, dict[str, Any]]:
    """``{suite: {name: {"figures", "command", "measured_at"}}}`` of every recorded suite."""
    if not directory.is_dir():
        return {}
    return {path.stem: json.loads(path.read_text("utf-8")) for path in sorted(directory.glob("*.json"))}
