"""Run a parser of untrusted input in a child process with a time and a memory limit.

A hostile or broken PDF/DOCX can make a parser loop forever, eat all memory or crash the interpreter in C
code. :func:`run_limited` forks a child that applies ``RLIMIT_AS``/``RLIMIT_CPU`` to itself, runs the
parser and pipes the pickled result back; the parent waits on a wall-clock deadline and kills the child
when it passes. Whatever happens in the child comes back as a result or as a :class:`~jiance.errors.JianceError`:

* a ``JianceError`` raised in the child is re-raised as the same class, with its message and ``where``;
* a timeout, a ``MemoryError`` or death by a signal becomes :class:`~jiance.errors.ParseLimitError`;
* any other exception becomes :class:`~jiance.errors.CorruptDocumentError` naming the exception type.

The child is always joined, so a loop over thousands of files leaves no processes or zombies behind.
``fork`` is used (not ``spawn``) because the parser and its arguments need not be importable or picklable,
only the result, and because a fork costs milliseconds where a fresh interpreter costs a second.
"""

from __future__ import annotations

import contextlib
import contextvars
import faulthandler
import importlib
import math
import multiprocessing
import os
import pickle
import resource
import signal
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from jiance.errors import CorruptDocumentError, JianceError, ParseLimitError

__all__ = ["limits_disabled", "run_limited"]

T = TypeVar("T")

_DISABLED: contextvars.ContextVar[bool] = contextvars.ContextVar("jiance_sandbox_disabled", default=False)
# Exit status a child uses when even reporting its MemoryError failed (the pipe needs memory too).
_EXIT_OUT_OF_MEMORY = 86
# How long a child that has sent its result may take to exit before we kill it.
_EXIT_GRACE_SECONDS = 5.0


@contextlib.contextmanager
def limits_disabled() -> Iterator[None]:
    """Run parsers in-process without limits inside this block, so a debugger or profiler can see them.

    Errors are translated exactly as in the child, so callers behave the same either way.
    """
    token = _DISABLED.set(True)
    try:
        yield
    finally:
        _DISABLED.reset(token)


def run_limited(
    func: Callable[..., T], *args: Any, timeout: float, memory_mb: int, where: str | None = None
) -> T:
    """Return ``func(*args)`` computed in a child process limited to ``timeout`` seconds and ``memory_mb``.

    ``timeout=0`` or ``memory_mb=0`` lifts that limit. The memory limit is the parser's own budget: it is
    counted on top of the address space the child inherits from the parent at fork time, so a parent that
    has already loaded lxml and pdfminer does not eat into it. ``where`` names the file in the errors the
    sandbox itself raises (and in a child's ``JianceError`` that carried none).
    """
    if _DISABLED.get():
        return _run_in_process(func, args, memory_mb, where)
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child_main, args=(sender, func, args, timeout, memory_mb), daemon=True)
    child.start()
    sender.close()  # only the child writes; closing our copy lets a dead child show up as EOF
    try:
        message, timed_out = _receive(receiver, timeout)
    finally:
        receiver.close()
        exitcode = _reap(child, still_working=timed_out)
    if message is None:
        raise _death_error(exitcode, timed_out, timeout, memory_mb, where)
    if message[0] == "ok":
        return message[1]  # type: ignore[no-any-return]
    raise _error_from(message, memory_mb, where)


def _run_in_process(func: Callable[..., T], args: tuple[Any, ...], memory_mb: int, where: str | None) -> T:
    """The debugging path of :func:`limits_disabled`: same error translation, no process, no limits."""
    try:
        return func(*args)
    except Exception as exc:
        raise _error_from(_describe(exc), memory_mb, where) from exc


def _child_main(
    sender: Connection, func: Callable[..., Any], args: tuple[Any, ...], timeout: float, memory_mb: int
) -> None:
    """Body of the child: limit ourselves, run the parser, send back one pickled message, exit."""
    faulthandler.disable()  # a parser crash is reported by the parent; no C traceback noise per file
    _apply_limits(timeout, memory_mb)
    try:
        message: tuple[Any, ...] = ("ok", func(*args))
    except BaseException as exc:  # even SystemExit must reach the parent as a message
        message = _describe(exc)
    try:
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        payload = pickle.dumps(("memory",))
    except Exception as exc:
        payload = pickle.dumps(("unpicklable", f"{type(exc).__name__}: {exc}"))
    try:
        sender.send_bytes(payload)
    except MemoryError:
        os._exit(_EXIT_OUT_OF_MEMORY)
    finally:
        sender.close()


def _apply_limits(timeout: float, memory_mb: int) -> None:
    """Set the child's address-space and CPU limits; the CPU limit is a backstop to the parent's deadline."""
    if memory_mb > 0:
        limit = _mapped_bytes() + memory_mb * 1024 * 1024
        _lower_limit(resource.RLIMIT_AS, limit)
    if timeout > 0:
        _lower_limit(resource.RLIMIT_CPU, math.ceil(timeout) + 1)


def _lower_limit(kind: int, value: int) -> None:
    """Lower both soft and hard limits to ``value`` (never raise them above what we were given)."""
    _soft, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, value))


def _mapped_bytes() -> int:
    """The address space this process already maps (VmSize), read from /proc/self/statm."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def _describe(exc: BaseException) -> tuple[Any, ...]:
    """Turn an exception into a plain, always-picklable message: class names and strings only."""
    if isinstance(exc, JianceError):
        lineage = [
            (cls.__module__, cls.__qualname__) for cls in type(exc).__mro__ if issubclass(cls, JianceError)
        ]
        return ("jiance", lineage, exc.message, exc.where)
    if isinstance(exc, MemoryError):
        return ("memory",)
    return ("error", type(exc).__name__, str(exc))


def _receive(receiver: Connection, timeout: float) -> tuple[tuple[Any, ...] | None, bool]:
    """Wait for the child's message until the deadline: ``(message, timed_out)``; no message if it died."""
    try:
        if not receiver.poll(timeout if timeout > 0 else None):
            return None, True
        message: tuple[Any, ...] = pickle.loads(receiver.recv_bytes())
    except (EOFError, OSError):
        return None, False
    return message, False


def _reap(child: BaseProcess, *, still_working: bool) -> int | None:
    """Make sure the child is gone and waited for (kill it if it is still running); return its exit code.

    A child past its deadline is killed at once; one that answered or died gets a moment to exit.
    """
    child.join(0 if still_working else _EXIT_GRACE_SECONDS)
    if child.is_alive():
        child.kill()
        child.join()
    exitcode = child.exitcode
    child.close()
    return exitcode


def _death_error(
    exitcode: int | None, timed_out: bool, timeout: float, memory_mb: int, where: str | None
) -> ParseLimitError:
    """Name the limit a child that sent no message ran into: the deadline, a signal, or an odd exit."""
    if timed_out or exitcode == -signal.SIGXCPU:
        return ParseLimitError(f"exceeded the {timeout:g} s parse time limit", where=where)
    if exitcode == _EXIT_OUT_OF_MEMORY:
        return ParseLimitError(f"exceeded the {memory_mb} MB memory limit", where=where)
    if exitcode is not None and exitcode < 0:
        return ParseLimitError(
            f"parser process died with signal {-exitcode} ({_signal_name(-exitcode)})", where=where
        )
    return ParseLimitError(f"parser process exited with status {exitcode} and no result", where=where)


def _signal_name(number: int) -> str:
    """SIGSEGV for 11; a bare question mark for numbers this platform does not name."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return "?"


def _error_from(message: tuple[Any, ...], memory_mb: int, where: str | None) -> Exception:
    """Build the exception a child's message describes, for the caller to raise at the call site."""
    kind = message[0]
    if kind == "jiance":
        return _rebuild(message[1], message[2], message[3] or where)
    if kind == "memory":
        return ParseLimitError(f"exceeded the {memory_mb} MB memory limit", where=where)
    if kind == "unpicklable":
        return TypeError(f"the parser's result cannot be sent back from the sandbox: {message[1]}")
    return CorruptDocumentError(f"parser failed with {message[1]}: {message[2]}", where=where)


def _rebuild(lineage: list[tuple[str, str]], text: str, where: str | None) -> JianceError:
    """The child's error class, found by module and name; its nearest importable ancestor if need be."""
    for module_name, qualname in lineage:
        try:
            cls = getattr(importlib.import_module(module_name), qualname)
            error = cls(text, where=where)
        except (ImportError, AttributeError, TypeError):
            continue
        if isinstance(error, JianceError):
            return error
    return JianceError(text, where=where)
