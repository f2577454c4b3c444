"""`wasmwheel test --runtime all`: Node and both browsers side by side in one run.

One browser launch per browser serves its page and its Web Worker; every
streamed line names its runtime; each runtime's verdict is recorded; a failed
browser context still leaves its screenshot and page log.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from helpers.projects import TINY, write_project
from helpers.wheels import make_wheel
from wasmwheel.runner import run_tests
from wasmwheel.runner.runtimes import GROUPS
from wasmwheel.wheel import verdicts

pytestmark = pytest.mark.integration

ALL = list(GROUPS["all"])
RUN_TIMEOUT = 300
SUITE = """
    import tiny

    def test_passes():
        assert tiny.add(1, 2) == 3

    def test_fails():
        print("hello from the suite")  # shown under the failure: a whole line from each runtime
        assert tiny.add(1, 1) == 3
"""
LAUNCH = re.compile(r"launched .* \(pid (\d+)\), shared by (\d) page")


def test_all_runtimes_run_side_by_side_with_labelled_lines(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", SUITE)
    wheel = make_wheel(tmp_path, "tiny", "0.1", files=TINY)
    out = tmp_path / "out"
    output: list[bytes] = []
    started = time.monotonic()
    reports = run_tests(project, wheel, ["all"], timeout=RUN_TIMEOUT, echo=output.append,
                        output_dir=out, jobs=3)
    elapsed = time.monotonic() - started

    assert [(r.runtime, r.exit_code, r.passed, r.failed) for r in reports] == [
        (name, 1, 1, 1) for name in ALL]
    # Side by side: the run took less than its three launches one after another would.
    walls = {r.runtime: r.wall_seconds for r in reports}
    assert elapsed < walls["node"] + walls["chromium-main"] + walls["firefox-main"]

    lines = b"".join(output).decode().splitlines()
    unlabelled = [line for line in lines if not line.startswith(tuple(f"[{n}] " for n in ALL))]
    assert unlabelled == []
    for name in ALL:
        assert f"[{name}] hello from the suite" in lines
        assert any(line.startswith(f"[{name}] ") and "1 failed, 1 passed" in line for line in lines)

    # One launch per browser, shared by its page and its worker; the evidence of each context.
    for browser in ("chromium", "firefox"):
        pids = set()
        for name in GROUPS[browser]:
            assert (out / f"screenshot-{name}.png").read_bytes()[:4] == b"\x89PNG"
            log = (out / f"page-{name}.log").read_text()
            assert "assert 2 == 3" in log
            launches = LAUNCH.findall(log)
            assert len(launches) == 1 and launches[0][1] == "2", log[:500]
            pids.add(launches[0][0])
        assert len(pids) == 1, f"{browser}: page and worker ran in different launches {pids}"


def test_the_cli_records_every_runtimes_verdict(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", SUITE)
    wheel = make_wheel(tmp_path, "tiny", "0.1", files=TINY)
    result = wasmwheel("test", str(project), "--wheel", str(wheel), "--runtime", "all",
                       "--output-dir", str(tmp_path / "out"), "--timeout", str(RUN_TIMEOUT),
                       check=False)
    assert result.returncode == 1, result.stderr[-2000:]
    table = result.stdout[result.stdout.index("runtime  "):].splitlines()
    assert [row.split()[:2] for row in table[1:6]] == [[name, "FAILED"] for name in ALL]
    record = verdicts.load(wheel)
    assert record is not None
    assert {name: (run.outcome.passed, run.outcome.failed) for name, run in record.runs.items()} \
        == {name: (1, 1) for name in ALL}
