"""The bootstrap files say what they promise: exact pins, the make targets, CI running the tests."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!-]+$")


def _lock_lines() -> list[str]:
    lines = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*):", makefile, flags=re.MULTILINE))


def test_lock_pins_every_package_exactly() -> None:
    lines = _lock_lines()
    assert len(lines) > 20
    assert [line for line in lines if not PIN.match(line)] == []


def test_lock_holds_no_editable_or_local_install() -> None:
    assert not [line for line in _lock_lines() if line.startswith("-e") or " @ " in line]


def _declared(names: list[str]) -> set[str]:
    return {re.split(r"[<>=\[ ;]", name, maxsplit=1)[0].lower().replace("_", "-") for name in names}


def test_lock_covers_declared_dependencies() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = _declared(project["dependencies"] + project["optional-dependencies"]["dev"])
    pinned = {line.split("==")[0].lower().replace("_", "-") for line in _lock_lines()}
    assert wanted - pinned == set()


def test_makefile_has_the_named_targets() -> None:
    assert {"demo", "test", "bench", "lint", "fmt", "clean", "bootstrap"} <= _make_targets()


def test_makefile_installs_from_the_lock_behind_a_stamp() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install -q -r requirements.lock" in makefile
    assert "--no-deps -e ." in makefile
    assert re.search(r"^\$\(STAMP\): requirements\.lock", makefile, flags=re.MULTILINE)
    assert '-m "not slow"' in makefile


def test_make_dry_run_of_test_runs_the_checks() -> None:
    if subprocess.run(["make", "--version"], capture_output=True).returncode != 0:
        pytest.skip("make is not installed")
    plan = subprocess.run(
        ["make", "-n", "-B", "test"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for step in ("ruff check", "ruff format --check", "mypy --strict", "pytest -n"):
        assert step in plan


def test_ci_runs_make_test_strictly() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in script
    assert re.search(r"^make test\b", script, flags=re.MULTILINE)
    assert (ROOT / ".ci" / "run").stat().st_mode & 0o111


def test_setup_script_checks_before_installing() -> None:
    script = (ROOT / "scripts" / "setup-system.sh").read_text(encoding="utf-8")
    assert "set -euo pipefail" in script
    assert "dpkg -s" in script
    assert script.index("dpkg -s") < script.index("apt-get update")
    for package in ("poppler-utils", "fonts-wqy-zenhei", "fonts-noto-cjk", "python3-venv"):
        assert package in script


def test_setup_script_parses() -> None:
    subprocess.run(["bash", "-n", str(ROOT / "scripts" / "setup-system.sh")], check=True)
    subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")], check=True)
