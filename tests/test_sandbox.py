"""The sandbox turns every way a parser can go wrong into a JianceError, and leaves no process behind."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator

import pytest

from jiance.errors import CorruptDocumentError, EncryptedDocumentError, JianceError, ParseLimitError
from jiance.records import Line
from jiance.sandbox import limits_disabled, run_limited


def _add(a: int, b: int) -> int:
    return a + b


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def _allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def _encrypted() -> None:
    raise EncryptedDocumentError("password required", where="in-child.pdf")


def _bad_value() -> None:
    raise ValueError("xref table is broken")


def _segfault() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _lines(count: int) -> list[Line]:
    return [Line(text=f"第{i}行 信息产业", lineno=i, page=i // 50, size=10.5) for i in range(count)]


class _LocalError(EncryptedDocumentError):
    """A subclass that lives in the test module, to check the class itself comes back."""


def _local_error() -> None:
    raise _LocalError("locked")


@pytest.fixture(autouse=True)
def _no_children_left() -> Iterator[None]:
    yield
    assert multiprocessing.active_children() == []


def test_returns_the_result() -> None:
    assert run_limited(_add, 2, 3, timeout=10, memory_mb=256) == 5


def test_timeout_kills_the_child() -> None:
    started = time.monotonic()
    with pytest.raises(ParseLimitError, match=r"exceeded the 0\.5 s parse time limit") as caught:
        run_limited(_sleep, 30, timeout=0.5, memory_mb=256, where="slow.pdf")
    assert time.monotonic() - started < 5
    assert caught.value.where == "slow.pdf"


def test_memory_limit() -> None:
    with pytest.raises(ParseLimitError, match="exceeded the 256 MB memory limit"):
        run_limited(_allocate, 2048, timeout=30, memory_mb=256, where="big.pdf")


def test_memory_within_limit_is_fine() -> None:
    assert run_limited(_allocate, 64, timeout=30, memory_mb=256) == 64 * 1024 * 1024


def test_jiance_error_keeps_class_message_and_where() -> None:
    with pytest.raises(EncryptedDocumentError) as caught:
        run_limited(_encrypted, timeout=10, memory_mb=256, where="outer.pdf")
    assert caught.value.message == "password required"
    assert caught.value.where == "in-child.pdf"


def test_jiance_error_subclass_outside_errors_module() -> None:
    with pytest.raises(_LocalError) as caught:
        run_limited(_local_error, timeout=10, memory_mb=256, where="x.docx")
    assert str(caught.value) == "x.docx: locked"


def test_other_exception_becomes_corrupt_document() -> None:
    with pytest.raises(CorruptDocumentError, match="ValueError: xref table is broken") as caught:
        run_limited(_bad_value, timeout=10, memory_mb=256, where="bad.pdf")
    assert caught.value.where == "bad.pdf"


def test_segfault_becomes_parse_limit_error() -> None:
    with pytest.raises(ParseLimitError, match="parser process died with signal 11"):
        run_limited(_segfault, timeout=10, memory_mb=256)


def test_big_result_crosses_the_pipe() -> None:
    lines = run_limited(_lines, 100_000, timeout=60, memory_mb=1024)
    assert len(lines) == 100_000
    assert lines[-1] == _lines(100_000)[-1]


def test_unpicklable_result_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="cannot be sent back"):
        run_limited(lambda: lambda: None, timeout=10, memory_mb=0)


def test_fifty_calls_in_a_row() -> None:
    assert [run_limited(_add, i, 1, timeout=10, memory_mb=128) for i in range(50)] == list(range(1, 51))


def test_limits_disabled_runs_in_process_with_same_errors() -> None:
    with limits_disabled():
        assert run_limited(os.getpid, timeout=1, memory_mb=1) == os.getpid()
        with pytest.raises(CorruptDocumentError, match="ValueError"):
            run_limited(_bad_value, timeout=1, memory_mb=1, where="d.pdf")
        with pytest.raises(JianceError, match="password required"):
            run_limited(_encrypted, timeout=1, memory_mb=1)
    assert run_limited(os.getpid, timeout=10, memory_mb=0) != os.getpid()
