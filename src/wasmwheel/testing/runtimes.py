"""Where a job runs. A runtime turns a prepared job directory into a TestReport.

Node is here; the browser runtimes (chromium, firefox, each on the page's
main thread and in a Web Worker) are in runtime_browser.py: they serve the job
directory and the Pyodide dist from a loopback server and return the same
result JSON.
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
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

from wasmwheel.errors import ConfigError, TestRunError
from wasmwheel.node import ensure_node
from wasmwheel.pins import Target
from wasmwheel.pyodide_dist import ensure_pyodide_dist
from wasmwheel.testing.job import Job
from wasmwheel.testing.report import TestReport

Echo = Callable[[bytes], None]
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


def driver_file(name: str) -> Path:
    # wasmwheel is installed unpacked (wheels always are), so this is a real file.
    return Path(str(resources.files("wasmwheel.testing").joinpath("driver", name)))


@dataclass(frozen=True)
class ProcessOutcome:
    returncode: int
    tail: str            # the last output, for error messages
    wall_seconds: float


def stream_process(command: Sequence[str], *, timeout: float | None, echo: Echo | None
                   ) -> ProcessOutcome:
    """Run `command`, passing its output to `echo` as it arrives; kill it after `timeout`."""
    started = time.monotonic()
    tail = bytearray()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, start_new_session=True) as proc:

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
        reader.join(5)
    return ProcessOutcome(proc.returncode, tail.decode(errors="replace"),
                          round(time.monotonic() - started, 3))


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
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

    @abstractmethod
    def run(self, job: Job, *, echo: Echo | None = echo_stdout) -> TestReport:
        """Run the job; raise TestRunError if no pytest result comes back."""


class NodeRuntime(Runtime):
    name = "node"

    def run(self, job: Job, *, echo: Echo | None = echo_stdout) -> TestReport:
        node = ensure_node(self.target)
        dist = ensure_pyodide_dist(self.target)
        result_path = job.directory / "result.node.json"
        result_path.unlink(missing_ok=True)
        job_file = job.write("job.node.json", index_url=dist.as_uri() + "/",
                             result=result_path.name)
        outcome = stream_process([str(node), str(driver_file("run_in_pyodide.mjs")), str(job_file)],
                                 timeout=job.run_timeout + GRACE_SECONDS if job.run_timeout else None,
                                 echo=echo)
        return report_from_result(self.name, result_path, outcome)


RUNTIMES: dict[str, type[Runtime]] = {"node": NodeRuntime}
# What `--runtime` accepts besides single runtimes: a browser means both its contexts.
GROUPS = {
    "chromium": ("chromium-main", "chromium-worker"),
    "firefox": ("firefox-main", "firefox-worker"),
    "all": ("node", "chromium-main", "chromium-worker", "firefox-main", "firefox-worker"),
}


def available_runtimes() -> dict[str, type[Runtime]]:
    # Imported here: runtime_browser subclasses Runtime from this module.
    from wasmwheel.testing.runtime_browser import BROWSER_RUNTIMES

    return RUNTIMES | BROWSER_RUNTIMES


def runtime_choices() -> list[str]:
    """What `--runtime` accepts: node, the groups, then each single browser context."""
    return list(dict.fromkeys(["node", *GROUPS, *available_runtimes()]))


def expand_runtimes(names: Sequence[str]) -> list[str]:
    """`chromium` -> chromium-main, chromium-worker; `all` -> every runtime; order kept, no repeats."""
    expanded = [single for name in names for single in GROUPS.get(name, (name,))]
    return list(dict.fromkeys(expanded))


def get_runtime(name: str, target: Target, output_dir: Path | None = None) -> Runtime:
    runtimes = available_runtimes()
    try:
        return runtimes[name](target, output_dir)
    except KeyError:
        choices = sorted({*runtimes, *GROUPS})
        raise ConfigError(f"unknown test runtime {name!r}",
                          hint=f"use one of: {', '.join(choices)}") from None
