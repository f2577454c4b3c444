"""The package's own test suite, through `wasmwheel test SDIST --wheel W --json-report R`.

`wasmwheel test` decides whether the sdist ships tests (exit 66: it does not)
and where they are; its JSON report carries the counts per runtime.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from corpus.build import wasmwheel_command

NO_TESTS = 66  # `wasmwheel test`: the source ships no tests (EX_NOINPUT)
# The same for every package: one test module that cannot be imported (often a file the
# sdist leaves out) counts as one error instead of hiding every other test's result.
PYTEST_ARGS = ("--continue-on-collection-errors",)
PYTEST_EXITS = {2: "interrupted", 3: "pytest internal error", 4: "pytest usage error",
                5: "no tests collected"}


@dataclass(frozen=True)
class OwnTests:
    exit_code: int
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    unsupported: int = 0
    unsupported_kinds: dict[str, int] = field(default_factory=dict)
    note: str = ""     # when no counts came back: why

    def cell(self) -> str:
        if self.note:
            return self.note
        if self.exit_code not in (0, 1) and not (self.passed or self.failed):
            why = PYTEST_EXITS.get(self.exit_code)
            if self.exit_code == 2 and self.errors:
                why = f"{self.errors} collection error{'s' if self.errors > 1 else ''}"
            return f"did not run: {why} (pytest exit {self.exit_code})" if why \
                else f"did not run (pytest exit {self.exit_code})"
        text = f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"
        if self.errors:
            text += f", {self.errors} errors"
        if self.unsupported:
            kinds = ", ".join(sorted(self.unsupported_kinds))
            text += f", {self.unsupported} unsupported" + (f" ({kinds})" if kinds else "")
        return text


def _count(counts: dict[str, object], key: str) -> int:
    value = counts.get(key, 0)
    return value if isinstance(value, int) else 0


def parse_report(text: str, exit_code: int, runtime: str = "node") -> OwnTests:
    """The JSON report's `runtime` entry -> counts; a report without one says so."""
    try:
        report = json.loads(text)
        counts = report["runtimes"][runtime]
    except (ValueError, KeyError, TypeError):
        return OwnTests(exit_code, note=f"no {runtime} counts in the JSON report (exit {exit_code})")
    kinds = counts.get("unsupported_kinds") or {}
    return OwnTests(
        exit_code=_count(counts, "exit_code") if "exit_code" in counts else exit_code,
        passed=_count(counts, "passed"), failed=_count(counts, "failed"),
        errors=_count(counts, "errors"), skipped=_count(counts, "skipped"),
        unsupported=_count(counts, "unsupported"),
        unsupported_kinds={str(k): v for k, v in kinds.items() if isinstance(v, int)},
    )


def last_error(log: str) -> str:
    """The CLI's own `error:` line (the last one: the one it exited with)."""
    errors = [line.removeprefix("error: ") for line in log.splitlines() if line.startswith("error: ")]
    return errors[-1] if errors else ""


def run_own_tests(sdist: Path, wheel: Path, workdir: Path, timeout: float = 1800) -> OwnTests | None:
    """The own tests' counts; None when the sdist ships no tests."""
    log, report = workdir / "own-tests.log", workdir / "own-tests.json"
    report.unlink(missing_ok=True)  # never read an older run's counts
    try:
        with log.open("w", encoding="utf-8") as stderr:
            result = subprocess.run(
                wasmwheel_command("test", str(sdist), "--wheel", str(wheel),
                                  "--json-report", str(report), "--", *PYTEST_ARGS),
                stdout=subprocess.PIPE, stderr=stderr, text=True,
                timeout=timeout, check=False, cwd=workdir)
    except subprocess.TimeoutExpired:
        return OwnTests(-1, note=f"did not finish in {timeout:.0f} s")
    (workdir / "own-tests.out").write_text(result.stdout, encoding="utf-8")  # the summary table
    if report.is_file():
        return parse_report(report.read_text(encoding="utf-8"), result.returncode)
    said = last_error(log.read_text(encoding="utf-8", errors="replace"))
    if result.returncode == NO_TESTS and "ships no tests" in said:  # 66 alone: any missing input
        return None
    return OwnTests(result.returncode, note=f"not run (exit {result.returncode})"
                    + (f": {said}" if said else ""))
