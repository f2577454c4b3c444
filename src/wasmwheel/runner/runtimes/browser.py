"""The browser runtimes: the job runs in Pyodide inside Debian's Chromium or Firefox.

Each runtime is one browser and one context: the page's own (main) thread
(`chromium-main`, `firefox-main`) or a module Web Worker (`chromium-worker`,
`firefox-worker`); `--runtime chromium` means both. A run serves the job directory, Pyodide's files and the
page from a loopback server, and lets driver/browser_controller.mjs (Node +
puppeteer-core) drive a browser with a fresh profile: one launch for all the
contexts of that browser asked for, each in a tab of its own, side by side. The page produces the
same result JSON as Node, so the report is built the same way.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from wasmwheel.errors import ConfigError, TestRunError
from wasmwheel.runner.assets import driver_file
from wasmwheel.runner.job import Job
from wasmwheel.runner.report import TestReport
from wasmwheel.runner.runtimes.base import (
    GRACE_SECONDS,
    Echo,
    LineEcho,
    Outcome,
    ProcessOutcome,
    Runtime,
    echo_stdout,
    report_from_result,
    stream_process,
)
from wasmwheel.runner.runtimes.browser_install import ensure_browser
from wasmwheel.runner.runtimes.puppeteer import ensure_puppeteer
from wasmwheel.runner.runtimes.server import PORT_ENV, LoopbackServer
from wasmwheel.toolchain.node import ensure_node
from wasmwheel.toolchain.pyodide_runtime import ensure_pyodide_dist

LAUNCH_SECONDS = 60.0  # browser start and page load, on top of the run timeout

# Chromium as root on a closed network: no sandbox (root), no GPU (headless
# server), and none of the background traffic that floods a closed network.
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-proxy-server",
    "--disable-dev-shm-usage",
)
# puppeteer-core sets Firefox's automation prefs; these only keep it offline too.
FIREFOX_PREFS = {
    "network.proxy.type": 0,
    "network.connectivity-service.enabled": False,
    "network.captive-portal-service.enabled": False,
    "browser.safebrowsing.update.enabled": False,
    "app.normandy.enabled": False,
    "toolkit.telemetry.enabled": False,
}


def _port() -> int:
    raw = os.environ.get(PORT_ENV, "0")
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise ConfigError(f"${PORT_ENV} must be a port number (0 = any free port), got {raw!r}")
    return port


def _kill_browser(pid_file: Path, profile: Path) -> None:
    """puppeteer starts the browser in a process group of its own: end it if it outlived the
    controller (killed on a timeout or Ctrl-C). Only the process that runs on this run's own
    profile, so a reused pid is never hit."""
    try:
        pid = int(pid_file.read_text() or 0)
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return  # never started, or already gone
    if pid > 0 and str(profile).encode() in command_line:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class BrowserRuntime(Runtime):
    browser: ClassVar[str]   # "chromium" or "firefox": which Debian browser
    context: ClassVar[str]   # "main" (the page's thread) or "worker" (a module Web Worker)

    @property
    def launch(self) -> str:
        return self.browser  # the page and the worker share one browser launch

    def provision(self) -> None:
        ensure_browser(self.browser, self.target)
        ensure_node(self.target)
        ensure_puppeteer(self.target)
        ensure_pyodide_dist(self.target)

    def run(self, job: Job, *, echo: Echo | None = echo_stdout) -> TestReport:
        outcome = self.run_together((), job, echo=echo, labelled=False)[0]
        if isinstance(outcome, TestRunError):
            raise outcome
        return outcome

    def run_together(self, others: Sequence[Runtime], job: Job, *, echo: Echo | None,
                     labelled: bool) -> list[Outcome]:
        """One browser launch, one tab per runtime (main thread, Web Worker), side by side."""
        runtimes: list[BrowserRuntime] = [self]
        for other in others:
            if not isinstance(other, BrowserRuntime) or other.browser != self.browser:
                raise ValueError(f"only {self.browser} contexts share a {self.browser} launch")
            runtimes.append(other)
        executable = ensure_browser(self.browser, self.target)
        node = ensure_node(self.target)
        modules = ensure_puppeteer(self.target)
        dist = ensure_pyodide_dist(self.target)
        results = {r.name: job.directory / f"result.{r.name}.json" for r in runtimes}
        for path in results.values():
            path.unlink(missing_ok=True)
        jobs = {r.name: job.write(f"job.{r.name}.json", index_url="/pyodide/",
                                  result=results[r.name].name) for r in runtimes}
        mounts = {"job": job.directory, "pyodide": dist, "driver": driver_file("page.html").parent}
        output_dir = self.output_dir or Path.cwd() / ".wasmwheel" / "test-output"
        # The controller prefixes lines itself when labelled; here lines are only kept whole.
        lines = LineEcho(echo) if echo is not None and labelled else None
        with tempfile.TemporaryDirectory(prefix=f"wasmwheel-{self.browser}-") as tmp, \
                LoopbackServer(mounts, port=_port()) as server:
            scratch = Path(tmp)
            config = {
                "browser": "firefox" if self.browser == "firefox" else "chrome",
                "executable": str(executable),
                "profile": str(scratch / "profile"),  # fresh per run, removed with `tmp`
                "args": list(CHROMIUM_ARGS) if self.browser == "chromium" else [],
                "firefoxPrefs": FIREFOX_PREFS,
                "modules": str(modules),
                "outputDir": str(output_dir),
                "pidFile": str(scratch / "browser.pid"),
                "runSeconds": job.run_timeout,
                "launchSeconds": LAUNCH_SECONDS,
                "prefix": labelled,
                "pages": [{"runtime": r.name, "result": str(results[r.name]),
                           "pageURL": f"{server.origin}/driver/page.html?job=/job/"
                                      f"{jobs[r.name].name}&context={r.context}"}
                          for r in runtimes],
            }
            config_file = scratch / "controller.json"
            config_file.write_text(json.dumps(config, indent=1), encoding="utf-8")
            timeout = job.run_timeout + LAUNCH_SECONDS + GRACE_SECONDS if job.run_timeout else None
            try:
                outcome = stream_process(
                    [str(node), str(driver_file("browser_controller.mjs")), str(config_file)],
                    timeout=timeout, echo=lines or echo)
            except TestRunError as error:  # the host's backstop: the controller itself hung
                return [error for _ in runtimes]
            finally:
                if lines is not None:
                    lines.flush()
                _kill_browser(scratch / "browser.pid", scratch / "profile")
                shutil.rmtree(scratch / "profile", ignore_errors=True)
        return [_outcome(r.name, results[r.name], outcome) for r in runtimes]


def _outcome(runtime: str, result_path: Path, outcome: ProcessOutcome) -> Outcome:
    try:
        return report_from_result(runtime, result_path, outcome)
    except TestRunError as error:
        return error


class ChromiumRuntime(BrowserRuntime):
    name, browser, context = "chromium-main", "chromium", "main"


class ChromiumWorkerRuntime(BrowserRuntime):
    name, browser, context = "chromium-worker", "chromium", "worker"


class FirefoxRuntime(BrowserRuntime):
    name, browser, context = "firefox-main", "firefox", "main"


class FirefoxWorkerRuntime(BrowserRuntime):
    name, browser, context = "firefox-worker", "firefox", "worker"


BROWSER_RUNTIMES: dict[str, type[Runtime]] = {
    cls.name: cls for cls in (ChromiumRuntime, ChromiumWorkerRuntime, FirefoxRuntime,
                              FirefoxWorkerRuntime)
}
