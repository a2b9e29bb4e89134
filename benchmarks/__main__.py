"""``python -m benchmarks [name ...]``: run every (or the named) ``benchmarks/bench_<name>.py`` ``main()``.

A benchmark that fails is reported with its traceback and the others still run; the exit status is 1
when any failed, so a broken benchmark is noticed without a slow one ever failing the build.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback

import benchmarks

__all__ = ["available", "main"]


def available() -> list[str]:
    """Names of the benchmark modules, without their ``bench_`` prefix, sorted."""
    names = (info.name for info in pkgutil.iter_modules(benchmarks.__path__))
    return sorted(name.removeprefix("bench_") for name in names if name.startswith("bench_"))


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all when none are named); return the process exit status."""
    known = available()
    unknown = [name for name in argv if name.removeprefix("bench_") not in known]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(known)}", file=sys.stderr)
        return 2
    chosen = [name.removeprefix("bench_") for name in argv] or known
    failed = [name for name in chosen if not _run(name)]
    if failed:
        print(f"failed benchmark(s): {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _run(name: str) -> bool:
    """Import ``bench_<name>`` and call its ``main()``; print the traceback and say False if it fails."""
    print(f"== bench_{name}", flush=True)
    try:
        importlib.import_module(f"benchmarks.bench_{name}").main()
    except Exception:
        traceback.print_exc()
        return False
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
