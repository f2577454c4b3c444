"""Progress output for long steps: one line per step, percentages for downloads.

Everything goes to stderr so that stdout carries only results (the one line
`wasmwheel build` prints there is the wheel's path).
"""

from __future__ import annotations

import sys
import time


def step(message: str) -> None:
    """Announce a step a person would want to see ("==> installing Emscripten ...")."""
    _line(f"==> {message}")


def info(message: str) -> None:
    _line(f"    {message}")


def _line(text: str) -> None:
    # One write per line (print writes the newline separately), so steps announced
    # from two threads at once never run together on one line.
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


class Progress:
    """Byte progress for a download, printed at most every few seconds."""

    def __init__(self, label: str, total: int, interval: float = 3.0) -> None:
        self.label = label
        self.total = total
        self.seen = 0
        self.interval = interval
        self.started = self.last = time.monotonic()
        step(label)

    def advance(self, count: int) -> None:
        self.seen += count
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            info(self._summary())

    def done(self) -> None:
        info(self._summary() + f" in {time.monotonic() - self.started:.1f}s")

    def _summary(self) -> str:
        mib = self.seen / 2**20
        if self.total:
            return f"{mib:.1f} / {self.total / 2**20:.1f} MiB ({100 * self.seen // self.total}%)"
        return f"{mib:.1f} MiB"
