"""Runtimes side by side: launches, the bound on how many run at once, whole prefixed lines, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from wasmwheel import errors
from wasmwheel.config.pins import current_target
from wasmwheel.runner import schedule
from wasmwheel.runner.runtimes import expand_runtimes, get_runtime
from wasmwheel.runner.runtimes.base import LIVE, LineEcho, stream_process


def test_lines_are_passed_on_whole_and_prefixed() -> None:
    seen: list[bytes] = []
    lines = LineEcho(seen.append, "[node] ")
    lines(b"tests/test_a.py ..")
    lines(b"..   [100%]\n== 4 passed")
    assert seen == [b"[node] tests/test_a.py ....   [100%]\n"]  # nothing half a line
    lines(b" in 0.1s ==\n\n")
    lines.flush()
    assert b"".join(seen) == b"[node] tests/test_a.py ....   [100%]\n[node] == 4 passed in 0.1s ==\n[node] \n"
    lines(b"no newline at the end")
    lines.flush()
    assert seen[-1] == b"[node] no newline at the end\n"


def test_a_browsers_page_and_worker_share_one_launch() -> None:
    target = current_target()
    runtimes = [get_runtime(name, target) for name in expand_runtimes(["all"])]
    groups = schedule.group_by(runtimes, lambda r: r.launch)
    assert [[r.name for r in g] for g in groups] == [
        ["node"], ["chromium-main", "chromium-worker"], ["firefox-main", "firefox-worker"]]
    # first appearance decides the order
    assert schedule.group_by(["b1", "a1", "b2"], lambda s: s[0]) == [["b1", "b2"], ["a1"]]


def test_tasks_run_side_by_side_up_to_the_bound_and_come_back_in_order() -> None:
    running = 0
    most = 0
    lock = threading.Lock()
    barrier = threading.Barrier(2, timeout=30)  # only passes if two really run at once

    def task(value: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        barrier.wait()
        with lock:
            running -= 1
        return value

    assert schedule.run_concurrently([lambda v=v: task(v) for v in range(4)], jobs=2) == [0, 1, 2, 3]
    assert most == 2


def test_one_job_runs_one_after_another_in_this_thread() -> None:
    threads = schedule.run_concurrently([threading.get_ident, threading.get_ident], jobs=1)
    assert threads == [threading.get_ident()] * 2


def test_a_failing_task_is_raised_only_after_the_others_finished() -> None:
    raised = threading.Event()
    finished = threading.Event()

    def fails() -> int:
        raised.set()
        raise errors.TestRunError("node: boom")

    def slow() -> int:
        raised.wait(30)  # still running when the other one has failed
        finished.set()
        return 1

    with pytest.raises(errors.TestRunError, match="boom"):
        schedule.run_concurrently([fails, slow], jobs=2)
    assert finished.is_set()


@pytest.mark.parametrize("raw", ["0", "-2", "two", ""])
def test_jobs_must_be_a_positive_number(raw: str) -> None:
    with pytest.raises(errors.ConfigError, match="at least 1"):
        schedule.parse_jobs(raw)


def test_default_jobs_follow_the_environment_then_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(schedule.JOBS_ENV, "3")
    assert schedule.default_jobs() == 3
    monkeypatch.delenv(schedule.JOBS_ENV)
    monkeypatch.setattr(schedule.os, "cpu_count", lambda: 64)
    assert schedule.default_jobs() == schedule.MAX_JOBS
    monkeypatch.setattr(schedule.os, "cpu_count", lambda: 1)
    assert schedule.default_jobs() == 2


def test_stop_all_ends_every_running_process_and_starts_none_after() -> None:
    started = threading.Barrier(3, timeout=30)
    code = "import time; print('up', flush=True); time.sleep(120)"
    outcomes: list[int] = []

    def run() -> None:
        def echo(data: bytes) -> None:
            if b"up" in data:
                started.wait()
        outcomes.append(stream_process([sys.executable, "-c", code], timeout=300, echo=echo).returncode)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    started.wait()  # both children print before they sleep
    try:
        LIVE.stop_all()
        for thread in threads:
            thread.join(30)
        assert outcomes == [-signal.SIGKILL] * 2
        with pytest.raises(errors.TestRunError, match="not started: the run is stopping"):
            stream_process([sys.executable, "-c", "pass"], timeout=30, echo=None)
    finally:
        LIVE.reset()


def test_ctrl_c_stops_every_runtime_and_leaves_nothing_running(tmp_path: Path) -> None:
    """Two driver processes side by side; SIGINT to the host: both gone, KeyboardInterrupt out."""
    pids = tmp_path / "pids"
    script = f"""
import sys, threading
from wasmwheel.runner import schedule
from wasmwheel.runner.runtimes.base import stream_process
code = "import os, time; open({str(pids)!r}, 'a').write(str(os.getpid()) + chr(10)); time.sleep(120)"
def task():
    return stream_process([sys.executable, "-c", code], timeout=300, echo=None).returncode
try:
    schedule.run_concurrently([task, task], jobs=2)
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""
    env = os.environ | {"PYTHONPATH": str(Path(schedule.__file__).parents[2])}
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env,
                          text=True) as host:
        try:
            while len(pids.read_text().split()) < 2 if pids.exists() else True:
                if host.poll() is not None:
                    pytest.fail("the host ended before both children started")
                threading.Event().wait(0.05)  # polling for readiness, not deciding the outcome
            host.send_signal(signal.SIGINT)
            out, _ = host.communicate(timeout=60)
        finally:
            if host.poll() is None:
                host.kill()
    assert out.strip() == "interrupted"
    for pid in map(int, pids.read_text().split()):
        assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid), f"child {pid} still running"


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (OSError, IndexError):
        return True


def test_jobs_is_checked_before_anything_is_built(tmp_path: Path) -> None:
    result = wasmwheel("test", str(tmp_path), "--jobs", "0", check=False)
    assert result.returncode == 78
    assert result.stderr.startswith("error: --jobs must be a whole number of at least 1, got '0'")
    assert "Traceback" not in result.stderr
