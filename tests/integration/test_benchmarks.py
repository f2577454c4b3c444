"""`make bench`'s CI smoke run: one sample of a cheap subset, and the table prints every goal.

Benchmarks are not timed tests: nothing here judges a figure, only that each
goal has its row, the measured rows carry a ratio and a verdict, and the
rest say they were not run.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from types import ModuleType

import pytest

from helpers.paths import REPO

pytestmark = pytest.mark.integration

SCRIPT = REPO / "benchmarks" / "run.py"
SMOKE = ("noop-build", "node")


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses resolve their annotations through it
    spec.loader.exec_module(module)
    return module


def test_bench_smoke_run_prints_a_row_per_goal() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--repeat", "1", "--skip-cold", "--only", ",".join(SMOKE)],
        capture_output=True, text=True, timeout=900, check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("target pyodide-") and "median of 1" in lines[0]
    assert lines[1].split() == ["goal", "baseline", "wasmwheel", "ratio", "limit", "met"]
    goals = load_bench().GOALS
    assert len(lines) == 2 + len(goals)
    for goal, line in zip(goals, lines[2:], strict=True):
        assert line.startswith(goal.text), (goal.key, line)
        cells = line[len(goal.text):].split()
        if goal.key in SMOKE:
            baseline, s1, ours, s2, ratio, at_most, limit, met = cells  # "1.20 s  3.40 s  2.83  <= 1.3  no"
            assert float(baseline) > 0 and float(ours) > 0 and s1 == s2 == "s"
            assert float(ratio) == pytest.approx(float(ours) / float(baseline), rel=0.05, abs=0.02)
            assert (at_most, float(limit), met) == ("<=", goal.limit,
                                                    "yes" if float(ratio) <= goal.limit else "no")
        else:
            assert cells[:2] == ["not", "run"], (goal.key, line)


def test_bench_refuses_an_unknown_row() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--only", "warp-speed"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "unknown rows warp-speed" in result.stderr
