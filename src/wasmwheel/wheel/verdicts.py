"""What `wasmwheel test` found for exact wheel files, keyed by their sha256.

One record per wheel hash keeps the latest outcome of each runtime, with
when it ran: every run merges its outcomes in (under a file lock, written
atomically), so a later Node pass never hides an earlier browser failure.
`publish` asks `refusal()`: these bytes must have passed on every runtime
they were ever run on, and on Node at least.

Records written before this format (one list of outcomes, overwritten by
each run) are read as what they are: the latest run's outcomes, each kept as
that runtime's latest result. Runs they overwrote are lost either way.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from wasmwheel.atomic_write import write_text_atomically
from wasmwheel.errors import WasmwheelError
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.download import hash_file

SCHEMA = 2
REQUIRED_RUNTIME = "node"  # publishing needs a pass here, whatever else was run


class RecordError(WasmwheelError):
    """A test record on disk that cannot be read: nothing can be concluded from it."""


@dataclass(frozen=True)
class RuntimeOutcome:
    runtime: str
    exit_code: int
    passed: int
    failed: int
    errors: int

    def summary(self) -> str:
        return f"{self.runtime}: exit {self.exit_code}, {self.failed} failed, {self.errors} errors"


@dataclass(frozen=True)
class RuntimeRun:
    """One runtime's latest outcome for these bytes."""

    outcome: RuntimeOutcome
    tested_at: float
    target: str
    pins_hash: str


@dataclass(frozen=True)
class TestRecord:
    __test__ = False  # not a pytest test class, despite the name

    sha256: str
    wheel: str                  # file name at the latest run
    runs: dict[str, RuntimeRun]  # runtime name -> its latest run

    def refusal(self) -> str | None:
        """Why these bytes may not be published (one line), or None if they may."""
        failed = [run.outcome.summary() for _, run in sorted(self.runs.items())
                  if run.outcome.exit_code != 0]
        if failed:
            return f"failed `wasmwheel test` ({'; '.join(failed)}): fix it and rebuild"
        if REQUIRED_RUNTIME not in self.runs:
            ran = ", ".join(sorted(self.runs)) or "no runtime"
            return (f"passed on {ran} but never ran on {REQUIRED_RUNTIME}: run "
                    f"`wasmwheel test --runtime {REQUIRED_RUNTIME} --wheel {self.wheel}`")
        return None


def wheel_sha256(wheel: Path) -> str:
    return hash_file(wheel, "sha256").hex()


def record_file(sha256: str) -> Path:
    return cache.cache_root() / "tested" / f"{sha256}.json"


def save(wheel: Path, target: str, pins_hash: str, outcomes: Sequence[RuntimeOutcome],
         *, sha256: str | None = None) -> TestRecord:
    """Merge this run's outcomes into the record for `wheel`'s bytes; return the merged record.

    Pass `sha256` when it was taken before the run: the file may have been
    rebuilt in the meantime, and the outcome belongs to the bytes that ran.
    """
    sha256 = sha256 or wheel_sha256(wheel)
    path = record_file(sha256)
    now = time.time()
    path.parent.mkdir(parents=True, exist_ok=True)
    with cache.locked(path):  # two `wasmwheel test` runs of one wheel (node, chromium) at once
        previous = _read(path, sha256)
        runs = dict(previous.runs) if previous else {}
        runs |= {o.runtime: RuntimeRun(o, now, target, pins_hash) for o in outcomes}
        record = TestRecord(sha256=sha256, wheel=wheel.name, runs=runs)
        write_text_atomically(path, _to_json(record))
    return record


def load(wheel: Path) -> TestRecord | None:
    """The record for these exact bytes, or None if they were never tested."""
    sha256 = wheel_sha256(wheel)
    return _read(record_file(sha256), sha256)


def _read(path: Path, sha256: str) -> TestRecord | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RecordError(f"cannot read the test record {path}: {exc}") from None
    try:
        return _from_json(json.loads(text), sha256)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise RecordError(f"the test record {path} is unreadable ({exc!r})",
                          hint="delete it and run `wasmwheel test` again on each runtime") from None


def _to_json(record: TestRecord) -> str:
    runs = {name: {**asdict(run.outcome), "tested_at": run.tested_at, "target": run.target,
                   "pins_hash": run.pins_hash} for name, run in sorted(record.runs.items())}
    return json.dumps({"schema": SCHEMA, "sha256": record.sha256, "wheel": record.wheel,
                       "runs": runs}, indent=2) + "\n"


def _from_json(data: dict[str, Any], sha256: str) -> TestRecord:
    if data["sha256"] != sha256:
        raise ValueError(f"it is for sha256 {data['sha256']}")
    if "schema" not in data:  # the old format: the latest run's outcomes, one list
        old = [RuntimeOutcome(**o) for o in data["outcomes"]]
        runs = {o.runtime: RuntimeRun(o, float(data["tested_at"]), data["target"],
                                      data["pins_hash"]) for o in old}
        return TestRecord(sha256=sha256, wheel=data["wheel"], runs=runs)
    if data["schema"] != SCHEMA:
        raise ValueError(f"unknown schema {data['schema']!r}")
    runs = {}
    for name, run in data["runs"].items():
        fields = dict(run)
        extra = {key: fields.pop(key) for key in ("tested_at", "target", "pins_hash")}
        runs[name] = RuntimeRun(RuntimeOutcome(**fields), float(extra["tested_at"]),
                                str(extra["target"]), str(extra["pins_hash"]))
    return TestRecord(sha256=sha256, wheel=str(data["wheel"]), runs=runs)
