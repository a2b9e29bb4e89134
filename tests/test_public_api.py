"""The public API is explicit: everything in ``jiance.__all__`` exists, and nothing private leaks into it."""

from __future__ import annotations

import importlib

import jiance

MODULES = [
    "jiance.errors",
    "jiance.records",
    "jiance.text",
    "jiance.settings",
    "jiance.pipeline",
    "jiance.store.issues",
    "jiance.publish.model",
    "jiance.publish.compose",
    "jiance.publish.issues",
    "jiance.publish.editions",
    "jiance.publish.build",
    "jiance.publish.html",
    "jiance.publish.pdf",
    "jiance.publish.docx",
    "jiance.publish.charts",
    "jiance.publish.markdown",
]


def test_every_name_in_all_exists() -> None:
    missing = [name for name in jiance.__all__ if not hasattr(jiance, name)]
    assert missing == []


def test_all_is_sorted_and_public() -> None:
    assert sorted(jiance.__all__) == list(jiance.__all__)
    assert not [name for name in jiance.__all__ if name.startswith("_")]


def test_modules_declare_their_public_names() -> None:
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        exported = getattr(module, "__all__", None)
        assert exported, f"{module_name} has no __all__"
        assert [n for n in exported if not hasattr(module, n)] == [], module_name


def test_parse_through_the_public_api(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "one.txt"
    path.write_text(
        "芯片产能持续紧张\n\n多家晶圆厂表示，订单已经排到明年第二季度。\n\n业内人士认为，紧张局面短期难以缓解。\n",
        encoding="utf-8",
    )
    bulletin = jiance.parse_path(path)
    assert [a.title for a in bulletin.articles] == ["芯片产能持续紧张"]
    assert bulletin.articles[0].paragraphs == [
        "多家晶圆厂表示，订单已经排到明年第二季度。",
        "业内人士认为，紧张局面短期难以缓解。",
    ]
