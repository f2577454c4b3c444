"""Run a package's smoke check inside Pyodide (Node) against its freshly built wheel.

The check becomes one pytest test in a throw-away project; wasmwheel's own test
runner installs the wheel (plus the corpus wheels it needs and the pure-Python
wheels its metadata requires) and runs it.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from corpus.manifest import Package
from wasmwheel.errors import WasmwheelError
from wasmwheel.runner.report import TestReport
from wasmwheel.runner.run import run_tests


@dataclass(frozen=True)
class Smoked:
    ok: bool
    error: str = ""   # the first line that says why, for a failure


def smoke_project(package: Package, directory: Path) -> Path:
    """A minimal project whose only test is the package's smoke check."""
    (directory / "tests").mkdir(parents=True, exist_ok=True)
    requires = json.dumps(["pytest", *package.smoke_requires])
    (directory / "pyproject.toml").write_text(
        f'[project]\nname = "corpus-smoke"\nversion = "0"\n\n'
        f'[tool.wasmwheel]\ntest-paths = ["tests"]\ntest-requires = {requires}\n',
        encoding="utf-8")
    body = textwrap.indent(package.smoke.strip() + "\n", "    ")
    (directory / "tests" / "test_smoke.py").write_text(f"def test_smoke():\n{body}", encoding="utf-8")
    return directory


_SPECIFIC = re.compile(r"(?:undefined symbol|\w*Error:|error:)", re.IGNORECASE)


def most_specific(message: str) -> str:
    """A loader's error is "...could not install the wheels:" then the cause: keep the cause."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    causes = [line for line in lines[1:] if _SPECIFIC.search(line)]
    return causes[-1] if causes else (lines[0] if lines else "(no message)")


def reason(report: TestReport) -> str:
    """The assertion or exception line pytest printed for the first failing test."""
    for test in report.tests:
        if test.outcome in ("failed", "error"):
            lines = [line[1:].strip() for line in test.longrepr.splitlines() if line.startswith("E ")]
            return lines[0] if lines else f"{test.outcome} in {test.when}"
    return f"pytest exited {report.exit_code}"


def smoke(package: Package, wheel: Path, needed: Sequence[Path], workdir: Path,
          timeout: float = 600) -> Smoked:
    project = smoke_project(package, workdir / "smoke")
    try:
        (report,) = run_tests(project, wheel, ("node",), timeout=timeout, extra_wheels=needed,
                              echo=None, output_dir=workdir / "smoke-output")
    except WasmwheelError as exc:
        return Smoked(False, most_specific(str(exc)))
    return Smoked(True) if report.ok else Smoked(False, reason(report))
