"""Runs INSIDE Pyodide: pytest with a plugin that records each test's outcome as JSON.

The driver writes this file into Pyodide's file system and calls `run()`. It
must import nothing from wasmwheel, and only pytest and the standard library.

Per-test timeout: Pyodide has no threads and no SIGALRM, but its interrupt
buffer raises SIGINT at the next bytecode check. The driver's main thread
writes it when a test outlives its time; our SIGINT handler turns it into a
test failure, and ignores a late interrupt that arrives after the test ended.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

Emit = Callable[[str, str], None]  # (event kind, JSON payload) -> None, provided by the driver

OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def _outcome(report: Any) -> str:
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


def run(args: list[str], workdir: str, test_timeout: float = 0.0, emit: Emit | None = None) -> str:
    """Run pytest in `workdir` with `args`; return the result as a JSON string."""
    recorder = ResultRecorder(emit, test_timeout)
    os.chdir(workdir)
    sys.path.insert(0, workdir)  # like `python -m pytest`: conftest helpers import from the root
    previous = signal.signal(signal.SIGINT, recorder.on_sigint)
    started = time.monotonic()
    try:
        exit_code = int(pytest.main(["-p", "no:cacheprovider", *args], plugins=[recorder]))
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.stdout.flush()
        sys.stderr.flush()
    return json.dumps({
        "exitCode": exit_code,
        "pytestSeconds": round(time.monotonic() - started, 3),  # pytest.main alone
        "counts": recorder.counts(),
        "tests": list(recorder.tests.values()),
    })
