"""``python -m fuzz [target ...]``: run every (or the named) fuzz target with atheris for FUZZ_SECONDS each.

Each target runs in its own process (atheris never returns from its loop) with its corpus under
``.fuzz/corpus/<target>/`` (seeded from :mod:`fuzz.seeds`, grown by every run), so the next run starts where
this one stopped. Inputs that crash a target, or hang past ``FUZZ_TIMEOUT`` seconds, are written to
``.fuzz/crashes/``. The runner prints one row per target (executions, corpus size, crashes), records the
figures with ``record("fuzz", ...)`` and exits 1 when any target crashed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from fuzz import TARGETS

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".fuzz"
CRASHES = STATE / "crashes"
_RUNS_RE = re.compile(r"Done (\d+) runs in (\d+) second")
_STAT_RE = re.compile(r"^#(\d+)\s", re.MULTILINE)


@dataclass(slots=True)
class TargetRun:
    target: str
    seconds: int
    executions: int
    corpus: int
    crashes: list[Path]
    exit_code: int


def _seed_corpus(target: str) -> Path:
    """The target's corpus folder, with the seeds written into it (once; later runs keep what they found)."""
    from fuzz.seeds import seeds

    corpus = STATE / "corpus" / target
    corpus.mkdir(parents=True, exist_ok=True)
    for number, seed in enumerate(seeds(target)):
        path = corpus / f"seed-{number}"
        if not path.exists():
            path.write_bytes(seed)
    return corpus


def run_target(target: str, seconds: int, timeout: int) -> TargetRun:
    """Fuzz one target in a child process for ``seconds``; its crash artifacts land in .fuzz/crashes/."""
    corpus = _seed_corpus(target)
    CRASHES.mkdir(parents=True, exist_ok=True)
    before = set(CRASHES.iterdir())
    command = [
        sys.executable,
        "-m",
        "fuzz._atheris",
        target,
        str(corpus),
        f"-max_total_time={seconds}",
        f"-timeout={timeout}",
        f"-artifact_prefix={CRASHES}/{target}-",
        "-rss_limit_mb=2048",
        "-max_len=262144",
        "-print_final_stats=1",
    ]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, errors="replace", check=False)
    log = proc.stderr + proc.stdout
    (STATE / f"{target}.log").write_text(log, encoding="utf-8")
    runs = _RUNS_RE.search(log)
    stats = _STAT_RE.findall(log)
    executions = int(runs.group(1)) if runs else int(stats[-1]) if stats else 0
    crashes = sorted(set(CRASHES.iterdir()) - before)
    if proc.returncode != 0 and not crashes:
        # a crash atheris could not write an artifact for (the child died): keep the log as the finding
        crash_log = CRASHES / f"{target}-exit-{proc.returncode}.log"
        crash_log.write_text(log, encoding="utf-8")
        crashes = [crash_log]
    return TargetRun(target, seconds, executions, len(list(corpus.iterdir())), crashes, proc.returncode)


def _table(runs: list[TargetRun]) -> str:
    rows = [("target", "seconds", "executions", "corpus", "crashes")]
    rows += [
        (r.target, str(r.seconds), f"{r.executions:,}", str(r.corpus), str(len(r.crashes))) for r in runs
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows
    )


def main(argv: list[str]) -> int:
    names = argv or list(TARGETS)
    unknown = [name for name in names if name not in TARGETS]
    if unknown:
        print(f"unknown fuzz target(s): {', '.join(unknown)}; known: {', '.join(TARGETS)}", file=sys.stderr)
        return 2
    seconds = int(os.environ.get("FUZZ_SECONDS", "60"))
    timeout = int(os.environ.get("FUZZ_TIMEOUT", "10"))
    runs = []
    for name in names:
        print(f"fuzzing {name} for {seconds} s ...", flush=True)
        runs.append(run_target(name, seconds, timeout))
    print(_table(runs))
    from tests.reliability.figures import record

    for run in runs:
        record(
            "fuzz",
            run.target,
            {
                "seconds": run.seconds,
                "executions": run.executions,
                "corpus_files": run.corpus,
                "crashes": len(run.crashes),
            },
            command=f"FUZZ_SECONDS={seconds} .venv/bin/python -m fuzz {run.target}",
        )
    for run in runs:
        for crash in run.crashes:
            print(f"crash: {run.target}: {crash.relative_to(ROOT)} (log: .fuzz/{run.target}.log)")
    return 1 if any(run.crashes for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
