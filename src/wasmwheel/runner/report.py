"""The outcome of one test run in one runtime, and a one-table text summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

PROBLEMS = ("failed", "error", "xpassed")  # outcomes listed under the table


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest test class

    nodeid: str
    outcome: str       # passed, failed, error, skipped, xfailed, xpassed
    when: str          # phase that decided the outcome: setup, call, teardown, collect
    duration: float    # seconds, all phases
    longrepr: str = ""


@dataclass(frozen=True)
class TestReport:
    __test__ = False

    runtime: str
    exit_code: int                     # pytest's exit code inside Pyodide
    tests: tuple[TestResult, ...] = ()
    boot_seconds: float = 0.0          # loadPyodide
    install_seconds: float = 0.0       # loadPackage of every wheel
    suite_seconds: float = 0.0         # import check + importing pytest + pytest.main
    wall_seconds: float = 0.0          # the whole runtime process, as seen by the host
    counts: dict[str, int] = field(default_factory=dict)
    unsupported_kinds: dict[str, int] = field(default_factory=dict)  # threads: 3, sockets: 1

    @property
    def passed(self) -> int:
        return self.counts.get("passed", 0)

    @property
    def failed(self) -> int:
        return self.counts.get("failed", 0)

    @property
    def errors(self) -> int:
        return self.counts.get("error", 0)

    @property
    def skipped(self) -> int:
        return self.counts.get("skipped", 0)

    @property
    def unsupported(self) -> int:
        """Tests that failed only because Pyodide lacks threads, processes, sockets, signals."""
        return self.counts.get("unsupported", 0)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @classmethod
    def from_result(cls, runtime: str, result: dict[str, Any], wall_seconds: float) -> TestReport:
        """Build from the driver's result JSON (see driver/core.mjs)."""
        tests = tuple(TestResult(nodeid=t["nodeid"], outcome=t["outcome"], when=t["when"],
                                 duration=float(t["duration"]), longrepr=t.get("longrepr", ""))
                      for t in result.get("tests", []))
        return cls(runtime=runtime, exit_code=int(result["exitCode"]), tests=tests,
                   boot_seconds=float(result.get("bootSeconds", 0)),
                   install_seconds=float(result.get("installSeconds", 0)),
                   suite_seconds=float(result.get("suiteSeconds", 0)),
                   wall_seconds=wall_seconds, counts=dict(result.get("counts", {})),
                   unsupported_kinds=dict(result.get("unsupportedKinds", {})))


def overall_exit_code(reports: Sequence[TestReport]) -> int:
    """0 only if every runtime passed; else the first non-zero pytest exit code."""
    return next((r.exit_code for r in reports if r.exit_code != 0), 0)


_COLUMNS = ("runtime", "result", "passed", "failed", "errors", "skipped", "xfailed",
            "unsupported", "boot", "install", "suite", "wall")


def _row(report: TestReport) -> list[str]:
    result = "ok" if report.ok else f"FAILED ({report.exit_code})"
    return [report.runtime, result, str(report.passed), str(report.failed), str(report.errors),
            str(report.skipped), str(report.counts.get("xfailed", 0)), str(report.unsupported),
            f"{report.boot_seconds:.1f}s", f"{report.install_seconds:.1f}s",
            f"{report.suite_seconds:.1f}s", f"{report.wall_seconds:.1f}s"]


def format_summary(reports: Sequence[TestReport]) -> str:
    """One table, one row per runtime, then the tests that did not pass."""
    rows = [list(_COLUMNS), *(_row(r) for r in reports)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    for report in reports:
        for test in report.tests:
            if test.outcome in PROBLEMS:
                lines.append(f"{report.runtime}: {test.outcome.upper()} {test.nodeid}")
        if report.unsupported_kinds:
            kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(report.unsupported_kinds.items()))
            lines.append(f"{report.runtime}: unsupported in Pyodide: {kinds}")
    return "\n".join(lines)


def json_report(reports: Sequence[TestReport], wheel: str, test_paths: Sequence[str]) -> dict[str, Any]:
    """What `wasmwheel test --json-report` writes: the counts per runtime, for other tools."""
    return {
        "schema": 1,
        "wheel": wheel,
        "test_paths": list(test_paths),
        "exit_code": overall_exit_code(reports),
        "runtimes": {r.runtime: {"passed": r.passed, "failed": r.failed, "skipped": r.skipped,
                                 "errors": r.errors, "unsupported": r.unsupported,
                                 "unsupported_kinds": dict(sorted(r.unsupported_kinds.items())),
                                 "exit_code": r.exit_code}
                     for r in reports},
    }
