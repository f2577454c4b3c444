"""What a wheel in the output directory was built from, so that an unchanged build can reuse it.

A build records a `BuildKey` (the staged sources' digest, the pins, the
route, SOURCE_DATE_EPOCH and wasmwheel's version) in a sidecar beside the
wheel, `.NAME.whl.wasmwheel-build.json`, together with the wheel's sha256.

Why a sidecar and not the wheel's provenance: the wheel's bytes must depend
only on what was compiled. `build --compare` checks a wheel built from a
checkout against one built from its sdist, in Docker or in CI; a digest of
the source tree inside the wheel would make those differ over files that
never reach it (an sdist's PKG-INFO, an untracked notes file). The sidecar
names the wheel's sha256, so a wheel replaced or edited after the build
never passes for the one recorded, and its leading dot keeps it out of
`publish dist/*`. A missing or unreadable sidecar just means "build again".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from wasmwheel import __version__
from wasmwheel.atomic_write import write_text_atomically
from wasmwheel.wheel.verdicts import wheel_sha256

SUFFIX = ".wasmwheel-build.json"


@dataclass(frozen=True)
class BuildKey:
    sources: str            # config.project.source_digest of the staged sources
    pins: str               # Target.pins_hash
    route: str              # the route that built (or would build) the wheel
    source_date_epoch: int  # the wheel's member times depend on it
    wasmwheel: str = __version__


def record_path(wheel: Path) -> Path:
    return wheel.with_name(f".{wheel.name}{SUFFIX}")


def write_record(wheel: Path, key: BuildKey) -> None:
    """Record `key` for `wheel` (already in place), atomically: a crash leaves the old or none."""
    write_text_atomically(record_path(wheel), json.dumps(
        {"wheel_sha256": wheel_sha256(wheel), **asdict(key)}, indent=2, sort_keys=True) + "\n")


def read_record(wheel: Path) -> BuildKey | None:
    """The key recorded for `wheel`, or None if there is none or it is not about these bytes."""
    try:
        data = json.loads(record_path(wheel).read_text())
        recorded = BuildKey(**{f.name: data[f.name] for f in fields(BuildKey)})
        if data["wheel_sha256"] != wheel_sha256(wheel):
            return None  # the wheel was replaced after the build that wrote this record
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return recorded


def difference(recorded: BuildKey | None, wanted: BuildKey, *, any_route: bool = False) -> str | None:
    """What changed since the recorded build (one phrase), or None if nothing that matters did.

    `any_route`: `wasmwheel test` with route auto takes a wheel from whichever
    route built it; `build` compares against the route it would use now.
    """
    if recorded is None:
        return "no record of how it was built"
    if recorded.pins != wanted.pins:
        return "the pins in toolchain.toml changed"
    if recorded.route != wanted.route and not any_route:
        return f"it was built by the {recorded.route} route, not {wanted.route}"
    if recorded.sources != wanted.sources:
        return "the sources changed"
    if recorded.source_date_epoch != wanted.source_date_epoch:
        return "SOURCE_DATE_EPOCH changed"
    if recorded.wasmwheel != wanted.wasmwheel:
        return f"it was built by wasmwheel {recorded.wasmwheel}"
    return None
