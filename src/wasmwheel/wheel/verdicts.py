"""Which exact wheel files passed `wasmwheel test`, keyed by their sha256.

`publish` asks this before uploading: a file is "tested" only if these very
bytes passed in at least one runtime and failed in none.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from wasmwheel.toolchain import cache


@dataclass(frozen=True)
class RuntimeOutcome:
    runtime: str
    exit_code: int
    passed: int
    failed: int
    errors: int


@dataclass(frozen=True)
class TestRecord:
    wheel: str          # file name when tested
    sha256: str
    target: str
    pins_hash: str
    outcomes: list[RuntimeOutcome]
    tested_at: float

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and all(o.exit_code == 0 for o in self.outcomes)


def wheel_sha256(wheel: Path) -> str:
    digest = hashlib.sha256()
    with wheel.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _record_file(sha256: str) -> Path:
    return cache.cache_root() / "tested" / f"{sha256}.json"


def save(wheel: Path, target: str, pins_hash: str, outcomes: list[RuntimeOutcome]) -> TestRecord:
    record = TestRecord(
        wheel=wheel.name, sha256=wheel_sha256(wheel), target=target, pins_hash=pins_hash,
        outcomes=outcomes, tested_at=time.time(),
    )
    path = _record_file(record.sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(asdict(record), indent=2), encoding="utf-8")
    partial.replace(path)
    return record


def load(wheel: Path) -> TestRecord | None:
    """The latest test record for these exact bytes, or None if they were never tested."""
    path = _record_file(wheel_sha256(wheel))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["outcomes"] = [RuntimeOutcome(**o) for o in data["outcomes"]]
        return TestRecord(**data)
    except (OSError, ValueError, TypeError, KeyError):
        return None
