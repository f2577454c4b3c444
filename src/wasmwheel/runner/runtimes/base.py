"""What every runtime shares: the Runtime interface, running the driver process, reading its result.

A runtime turns a prepared job directory into a TestReport. Node runs the
driver directly (node.py); the browser runtimes serve the job from a loopback
server to Chromium or Firefox (browser.py). Both return the same result JSON.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from wasmwheel.config.pins import Target
from wasmwheel.errors import TestRunError
from wasmwheel.runner.job import Job
from wasmwheel.runner.report import TestReport

Echo = Callable[[bytes], None]
Outcome = TestReport | TestRunError  # what one runtime gave: a report, or why there is none
GRACE_SECONDS = 15.0  # the driver enforces the run timeout itself; the host waits a little longer
TAIL_BYTES = 4000

_WHAT = {
    "install": "Pyodide could not install the wheels",
    "import": "the wheel under test does not import",
    "timeout": "the run timed out",
}
_HINTS = {
    "install": "Pyodide's loader refused a wheel (its message is above); check that the wheel was "
               "built for this target and that its dependencies are pure Python or passed as wheels",
    "import": "the wheel under test does not import inside Pyodide: a missing symbol points at the "
              "build (link flags, Emscripten version), a missing module at Requires-Dist",
    "timeout": "raise test-run-timeout (or WASMWHEEL_TEST_RUN_TIMEOUT), or set test-timeout to "
               "find the slow test",
}


def echo_stdout(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


class LineEcho:
    """Pass output on in whole lines, each with `prefix`: runtimes running side by side write
    to one terminal, and a line must never be cut by another runtime's output. Call `flush`
    at the end for a last line without a newline."""

    def __init__(self, echo: Echo, prefix: str = "") -> None:
        self._echo = echo
        self._prefix = prefix.encode()
        self._pending = b""
        self._lock = threading.Lock()

    def __call__(self, data: bytes) -> None:
        with self._lock:
            *lines, self._pending = (self._pending + data).split(b"\n")
            if lines:
                self._echo(b"".join(self._prefix + line + b"\n" for line in lines))

    def flush(self) -> None:
        with self._lock:
            rest, self._pending = self._pending, b""
            if rest:
                self._echo(self._prefix + rest + b"\n")


@dataclass(frozen=True)
class ProcessOutcome:
    returncode: int
    tail: str            # the last output, for error messages
    wall_seconds: float


class _LiveProcesses:
    """The driver processes running now, so that Ctrl-C on the host (which only the main thread
    sees, while runtimes run in threads) can end every one of them, and none starts after."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen[bytes]] = set()
        self._stopping = False

    def start(self, command: Sequence[str]) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._stopping:
                raise TestRunError(f"{Path(command[0]).name} was not started: the run is stopping")
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
            self._procs.add(proc)
            return proc

    def forget(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._procs.discard(proc)

    def stop_all(self) -> None:
        with self._lock:
            self._stopping = True
            procs = list(self._procs)
        for proc in procs:
            _kill_group(proc)

    def reset(self) -> None:
        with self._lock:
            self._stopping = False


LIVE = _LiveProcesses()


def stream_process(command: Sequence[str], *, timeout: float | None, echo: Echo | None
                   ) -> ProcessOutcome:
    """Run `command`, passing its output to `echo` as it arrives; kill it after `timeout`."""
    started = time.monotonic()
    tail = bytearray()
    with LIVE.start(command) as proc:

        def pump() -> None:
            assert proc.stdout is not None
            while chunk := os.read(proc.stdout.fileno(), 65536):  # whatever is there, now
                if echo is not None:
                    echo(chunk)
                tail.extend(chunk)
                del tail[:-TAIL_BYTES]

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            reader.join(5)
            raise TestRunError(
                f"{Path(command[0]).name} did not finish within {timeout or 0:.0f}s and was "
                f"killed; last output:\n{tail.decode(errors='replace')}",
                hint=_HINTS["timeout"],
            ) from None
        finally:
            if proc.poll() is None:  # Ctrl-C on the host
                _kill(proc)
            LIVE.forget(proc)
        reader.join(5)
    return ProcessOutcome(proc.returncode, tail.decode(errors="replace"),
                          round(time.monotonic() - started, 3))


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _kill(proc: subprocess.Popen[bytes]) -> None:
    _kill_group(proc)
    proc.wait()


def report_from_result(runtime: str, result_path: Path, outcome: ProcessOutcome) -> TestReport:
    """Read the driver's result JSON; a run without a pytest result is a TestRunError."""
    try:
        result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise TestRunError(
            f"the {runtime} runtime exited with code {outcome.returncode} without a result; "
            f"last output:\n{outcome.tail}",
        ) from None
    error = result.get("error")
    if error:
        done = len(result.get("tests", []))
        progress = f" ({done} tests had finished)" if done else ""
        what = _WHAT.get(error["kind"], f"{error['kind']} failed")
        raise TestRunError(f"{runtime}: {what}{progress}:\n{error['message']}",
                           hint=_HINTS.get(error["kind"]))
    return TestReport.from_result(runtime, result, outcome.wall_seconds)


class Runtime(ABC):
    name: ClassVar[str]

    def __init__(self, target: Target, output_dir: Path | None = None) -> None:
        self.target = target
        self.output_dir = output_dir  # where a failed run leaves its evidence (browsers)

    @property
    def launch(self) -> str:
        """Runtimes with the same launch key run in one process (a browser's page and worker)."""
        return self.name

    @abstractmethod
    def provision(self) -> None:
        """Install what the runtime needs into the cache (before runs start side by side)."""

    @abstractmethod
    def run(self, job: Job, *, echo: Echo | None = echo_stdout) -> TestReport:
        """Run the job; raise TestRunError if no pytest result comes back."""

    def run_together(self, others: Sequence[Runtime], job: Job, *, echo: Echo | None,
                     labelled: bool) -> list[Outcome]:
        """Run this runtime and `others` (same launch key) in one go; an outcome each, in order.

        `labelled`: prefix every output line with its runtime's name. Here each runs
        alone, one after another; a browser overrides this to share one launch.
        """
        outcomes: list[Outcome] = []
        for runtime in (self, *others):
            lines = LineEcho(echo, f"[{runtime.name}] ") if echo and labelled else None
            try:
                outcomes.append(runtime.run(job, echo=lines or echo))
            except TestRunError as error:
                outcomes.append(error)
            finally:
                if lines is not None:
                    lines.flush()
        return outcomes
