"""Runs INSIDE Pyodide: pytest with a plugin that records each test's outcome as JSON.

The driver writes this file into Pyodide's file system and calls `run()`. It
must import nothing from wasmwheel, and only pytest and the standard library.

Per-test timeout: Pyodide has no threads and no SIGALRM, but its interrupt
buffer raises SIGINT at the next bytecode check. The driver's main thread
writes it when a test outlives its time; our SIGINT handler turns it into a
test failure, and ignores a late interrupt that arrives after the test ended.

Unsupported in Pyodide: a test that fails because Pyodide lacks threads,
processes, sockets or signals is reported as "unsupported" (pytest sees a
skip naming the reason), not as a failure. A few calls that would not fail
but kill the whole runtime (listen() and socketpair() in Node, a signal sent
to this process) are made to raise instead while the tests run.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from types import FrameType
from typing import Any

import pytest

Emit = Callable[[str, str], None]  # (event kind, JSON payload) -> None, provided by the driver

OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed", "unsupported")
UNSUPPORTED_ATTR = "wasmwheel_unsupported"  # set on a report: which capability was missing


class Unsupported(OSError):
    """Raised by the guards instead of a call that would end the Pyodide runtime."""

    def __init__(self, kind: str, what: str) -> None:
        super().__init__(errno.ENOSYS, f"{what} is not supported in Pyodide (wasmwheel guard)")
        self.kind = kind


_NO_PROCESS_MODULES = {"_multiprocessing", "_posixsubprocess", "_posixshmem"}
_UNREACHABLE = {errno.EHOSTUNREACH, errno.ENETUNREACH}


def _kind_of(exc: BaseException) -> str | None:
    text = str(exc)
    if isinstance(exc, Unsupported):
        return exc.kind
    if isinstance(exc, RuntimeError) and "can't start new thread" in text:
        return "threads"
    if isinstance(exc, RuntimeError) and "stack switching not supported" in text:
        return "stack switching"  # asyncio.run & co. without JSPI (Node)
    if isinstance(exc, ModuleNotFoundError) and exc.name in _NO_PROCESS_MODULES:
        return "subprocess"
    if isinstance(exc, NotImplementedError) and "multiprocessing" in text:
        return "subprocess"
    if isinstance(exc, AttributeError) and text.startswith(("module 'signal' has no attribute",)):
        return "signals"  # alarm, setitimer, pthread_kill, ...
    if isinstance(exc, AttributeError) and text.startswith("module 'socket' has no attribute"):
        return "sockets"  # AF_UNIX, ...
    if isinstance(exc, OSError):
        if "does not support processes" in text:
            return "subprocess"
        if exc.errno in _UNREACHABLE:
            return "sockets"
        if exc.errno == errno.ENOSYS:
            return "system calls"  # fork, exec, wait and other stubs
    return None


def unsupported_kind(exc: BaseException) -> str | None:
    """What Pyodide lacks that made `exc` happen (threads, subprocess, ...); None if nothing.

    Follows the exception's causes: libraries often wrap the OSError in their own error.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = _kind_of(current)
        if kind:
            return kind
        current = current.__cause__ or current.__context__
    return None


@contextmanager
def pyodide_guards() -> Iterator[None]:
    """Make the calls that end the runtime (rather than fail) raise `Unsupported` meanwhile."""
    real_listen, real_socketpair = socket.socket.listen, socket.socketpair
    real_kill, real_raise = os.kill, signal.raise_signal

    def listen(self: socket.socket, *args: Any) -> None:
        raise Unsupported("sockets", "socket.listen()")

    def socketpair(*args: Any, **kwargs: Any) -> Any:
        raise Unsupported("sockets", "socket.socketpair()")

    def kill(pid: int, sig: int) -> None:
        if pid in (0, os.getpid()) and sig != 0:
            raise Unsupported("signals", f"sending signal {sig} to this process")
        real_kill(pid, sig)

    def raise_signal(sig: int) -> None:
        if signal.getsignal(sig) == signal.SIG_DFL and sig != signal.SIGINT:
            raise Unsupported("signals", f"raising signal {sig} with no handler")
        real_raise(sig)

    socket.socket.listen = listen  # type: ignore[method-assign,assignment]
    socket.socketpair = socketpair
    os.kill, signal.raise_signal = kill, raise_signal
    try:
        yield
    finally:
        socket.socket.listen = real_listen  # type: ignore[method-assign]
        socket.socketpair = real_socketpair
        os.kill, signal.raise_signal = real_kill, real_raise


def _outcome(report: Any) -> str:
    if getattr(report, UNSUPPORTED_ATTR, None):
        return "unsupported"
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if report.failed:
        return "failed" if report.when == "call" else "error"
    return str(report.outcome)


def _longrepr(report: Any) -> str:
    if report.longrepr is None:
        return ""
    if isinstance(report.longrepr, tuple):  # skips: (path, line, reason)
        return str(report.longrepr[2])
    return str(report.longreprtext)


class ResultRecorder:
    """One entry per test (setup decides, call overrides, a failing teardown makes an error),
    plus one per collection error."""

    def __init__(self, emit: Emit | None = None, test_timeout: float = 0.0) -> None:
        self.emit = emit
        self.test_timeout = test_timeout
        self.tests: dict[str, dict[str, Any]] = {}
        self.current: str | None = None
        self.started = 0.0

    def _send(self, kind: str, payload: dict[str, Any]) -> None:
        if self.emit is not None:
            self.emit(kind, json.dumps(payload))

    # -- per-test timeout -------------------------------------------------
    def on_sigint(self, signum: int, frame: FrameType | None) -> None:
        if self.current is None:
            return  # a late interrupt for a test that already ended
        elapsed = time.monotonic() - self.started
        if self.test_timeout and elapsed >= self.test_timeout * 0.99:
            pytest.fail(f"Timeout: {self.current} ran longer than {self.test_timeout:g}s "
                        "(wasmwheel test-timeout)", pytrace=False)
        raise KeyboardInterrupt

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: Any) -> Any:
        # "start" lets the driver arm the timeout and name the test if the run hangs
        self.current, self.started = item.nodeid, time.monotonic()
        self._send("start", {"nodeid": item.nodeid, "timeout": self.test_timeout})
        try:
            return (yield)
        finally:
            self.current = None
            self._send("end", {"nodeid": item.nodeid, "result": self.tests.get(item.nodeid)})

    # -- unsupported in Pyodide -------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Any:
        report = yield
        if report.failed and call.excinfo is not None and call.when in ("setup", "call") \
                and not hasattr(report, "wasxfail"):
            kind = unsupported_kind(call.excinfo.value)
            if kind:
                # a skip to pytest (the exit code counts only real failures), ours to report
                error = f"{type(call.excinfo.value).__name__}: {call.excinfo.value}"
                path, line, _ = item.location
                report.outcome = "skipped"
                report.longrepr = (path, (line or 0) + 1,
                                   f"unsupported in Pyodide ({kind}): {error}")
                setattr(report, UNSUPPORTED_ATTR, kind)
        return report

    # -- recording --------------------------------------------------------
    def pytest_runtest_logreport(self, report: Any) -> None:
        entry: dict[str, Any] = self.tests.setdefault(report.nodeid, {
            "nodeid": report.nodeid, "outcome": "passed", "when": report.when,
            "duration": 0.0, "longrepr": ""})
        entry["duration"] = round(entry["duration"] + report.duration, 6)
        outcome = _outcome(report)
        # setup sets the outcome, call overrides it, a failing teardown only turns a
        # non-failure into an error (pytest counts it as both "passed" and "error")
        if report.when != "teardown" or (report.failed and entry["outcome"] not in ("failed", "error")):
            entry["outcome"], entry["when"] = outcome, report.when
        if outcome == "unsupported":
            entry["unsupported"] = getattr(report, UNSUPPORTED_ATTR)
        text = _longrepr(report)
        if text:
            entry["longrepr"] = (entry["longrepr"] + "\n" + text).strip()

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            nodeid = report.nodeid or "."
            entry = {"nodeid": nodeid, "outcome": "error", "when": "collect",
                     "duration": 0.0, "longrepr": _longrepr(report)}
            self.tests[nodeid] = entry
            self._send("end", {"nodeid": nodeid, "result": entry})

    def unsupported_kinds(self) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for entry in self.tests.values():
            if entry["outcome"] == "unsupported":
                kinds[entry["unsupported"]] = kinds.get(entry["unsupported"], 0) + 1
        return kinds

    def counts(self) -> dict[str, int]:
        totals = dict.fromkeys(OUTCOMES, 0)
        for entry in self.tests.values():
            totals[entry["outcome"]] += 1
        return totals


def check_imports(names: list[str]) -> str | None:
    """Import the wheel's top-level modules; return the traceback of the first failure."""
    for name in names:
        try:
            __import__(name)
        except BaseException as exc:  # noqa: BLE001 - SystemExit at import is a failure too
            tb = exc.__traceback__.tb_next if exc.__traceback__ else None  # start at the import
            frames = traceback.format_exception(type(exc), exc, tb)
            return f"import {name} failed:\n{''.join(frames)}"
    return None


def run(args: list[str], workdir: str, test_timeout: float = 0.0, emit: Emit | None = None,
        guards: bool = False) -> str:
    """Run pytest in `workdir` with `args`; return the result as a JSON string.

    The guards are always on inside Pyodide; `guards` turns them on elsewhere (tests).
    """
    recorder = ResultRecorder(emit, test_timeout)
    os.chdir(workdir)
    sys.path.insert(0, workdir)  # like `python -m pytest`: conftest helpers import from the root
    previous = signal.signal(signal.SIGINT, recorder.on_sigint)
    started = time.monotonic()
    try:
        with pyodide_guards() if sys.platform == "emscripten" or guards else nullcontext():
            exit_code = int(pytest.main(["-p", "no:cacheprovider", *args], plugins=[recorder]))
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.stdout.flush()
        sys.stderr.flush()
    return json.dumps({
        "exitCode": exit_code,
        "pytestSeconds": round(time.monotonic() - started, 3),  # pytest.main alone
        "counts": recorder.counts(),
        "unsupportedKinds": recorder.unsupported_kinds(),
        "tests": list(recorder.tests.values()),
    })
