"""The package's own test suite, through `wasmwheel test SDIST --wheel W`.

Only the CLI's stdout table and exit code are read: the table's header row names
the columns, the `node` row carries the counts.
"""

from __future__ import annotations

import subprocess
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from corpus.build import wasmwheel_command


@dataclass(frozen=True)
class OwnTests:
    exit_code: int
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    note: str = ""     # when no table came back: why

    def cell(self) -> str:
        if self.note:
            return self.note
        if self.exit_code not in (0, 1) and not (self.passed or self.failed):
            return f"did not run (pytest exit {self.exit_code})"
        text = f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"
        return text + (f", {self.errors} errors" if self.errors else "")


def ships_tests(sdist: Path) -> bool:
    """Does the sdist carry a test suite (test_*.py or *_test.py under a test(s) directory)?"""
    if sdist.name.endswith(".zip"):
        with zipfile.ZipFile(sdist) as archive:
            names = archive.namelist()
    else:
        with tarfile.open(sdist) as archive:
            names = archive.getnames()
    for name in names:
        path = PurePosixPath(name)
        if {"tests", "test", "testing"} & set(path.parts[:-1]) and (
                path.name.startswith("test_") or path.name.endswith("_test.py")) \
                and path.suffix == ".py":
            return True
    return False


def _cells(line: str, columns: int) -> list[str]:
    """Split a row; "FAILED (1)" is two words where the header has one column."""
    cells = line.split()
    surplus = len(cells) - columns
    if surplus > 0:
        cells = [cells[0], " ".join(cells[1:2 + surplus]), *cells[2 + surplus:]]
    return cells


def _count(row: dict[str, str], column: str) -> int:
    value = row.get(column, "0")
    return int(value) if value.isdigit() else 0


def parse_table(stdout: str, exit_code: int, runtime: str = "node") -> OwnTests:
    lines = stdout.splitlines()
    header = next((i for i, line in enumerate(lines) if line.split()[:2] == ["runtime", "result"]),
                  None)
    if header is None:
        return OwnTests(exit_code, note=f"no result table (exit {exit_code})")
    columns = lines[header].split()
    for line in lines[header + 1:]:
        cells = _cells(line, len(columns))
        if cells and cells[0] == runtime:
            row = dict(zip(columns, cells, strict=False))
            return OwnTests(exit_code, _count(row, "passed"), _count(row, "failed"),
                            _count(row, "errors"), _count(row, "skipped"))
    return OwnTests(exit_code, note=f"no {runtime} row (exit {exit_code})")


def run_own_tests(sdist: Path, wheel: Path, workdir: Path, timeout: float = 1800) -> OwnTests:
    log = workdir / "own-tests.log"
    try:
        with log.open("w", encoding="utf-8") as stderr:
            result = subprocess.run(wasmwheel_command("test", str(sdist), "--wheel", str(wheel)),
                                    stdout=subprocess.PIPE, stderr=stderr, text=True,
                                    timeout=timeout, check=False, cwd=workdir)
    except subprocess.TimeoutExpired:
        return OwnTests(-1, note=f"did not finish in {timeout:.0f} s")
    outcome = parse_table(result.stdout, result.returncode)
    if outcome.note:  # no table: say what wasmwheel said
        errors = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
                  if line.startswith("error: ")]
        if errors:
            outcome = OwnTests(outcome.exit_code, note=f"not run (exit {outcome.exit_code}): "
                               f"{errors[-1].removeprefix('error: ')}")
    return outcome
