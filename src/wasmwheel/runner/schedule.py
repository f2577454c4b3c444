"""Running several runtimes side by side: group them into launches, bound how many run at once.

A launch is one driver process: Node for `node`, one browser for its page
and its Web Worker. Launches run in threads (each waits on its own process),
at most `jobs` at a time; the outcomes come back in the order asked for.
Ctrl-C on the host ends every driver process and starts no new one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

from wasmwheel.errors import ConfigError
from wasmwheel.runner.runtimes.base import LIVE

JOBS_ENV = "WASMWHEEL_TEST_JOBS"
MAX_JOBS = 4  # launches at once: Node, Chromium and Firefox are three; a browser uses >1 core

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    """$WASMWHEEL_TEST_JOBS, else the cores (at least 2: a run mostly waits on its child)."""
    raw = os.environ.get(JOBS_ENV)
    if raw is None:
        return max(2, min(os.cpu_count() or 1, MAX_JOBS))
    return parse_jobs(raw, f"${JOBS_ENV}")


def parse_jobs(raw: str, where: str = "--jobs") -> int:
    try:
        jobs = int(raw)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise ConfigError(f"{where} must be a whole number of at least 1, got {raw!r}",
                          hint="1 runs the runtimes one after another")
    return jobs


def group_by(items: Sequence[T], key: Callable[[T], str]) -> list[list[T]]:
    """Items with the same key together, groups in the order their first item came."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return list(groups.values())


def run_concurrently(tasks: Sequence[Callable[[], R]], jobs: int) -> list[R]:
    """Each task's return value, in order; at most `jobs` at once.

    A task's exception is raised once every task has finished (nothing is left
    running behind the caller's back). Ctrl-C stops every driver process, lets
    the tasks see their processes end, and raises KeyboardInterrupt.
    """
    if jobs <= 1 or len(tasks) <= 1:
        return [task() for task in tasks]
    pool = ThreadPoolExecutor(max_workers=min(jobs, len(tasks)),
                              thread_name_prefix="wasmwheel-runtime")
    futures: list[Future[R]] = []
    try:
        futures = [pool.submit(task) for task in tasks]
        wait(futures)
    except KeyboardInterrupt:
        LIVE.stop_all()
        pool.shutdown(wait=True, cancel_futures=True)
        LIVE.reset()
        raise
    pool.shutdown(wait=True)
    return [future.result() for future in futures]
