"""Pyodide memory snapshots for the Node runtime: made once per runtime build, then booted from.

A bare loadPyodide spends most of its time initialising CPython; a snapshot
of the memory right after that boots several times faster. It is taken after
importing the standard-library modules every test run imports anyway
(driver/preload.json): Pyodide's standard library is source, and compiling
those on each run cost more than the boot. The snapshot is only valid for the
exact runtime that made it, so its cache entry is keyed by a hash of
everything it depends on: the npm package and its integrity pin, the bytes of
the runtime files in the cache, and the driver files that make it (boot
options, preload list). A snapshot whose recorded inputs differ from the current
ones is refused and made again; Pyodide itself also refuses one of another
build (its build id), and the driver then boots without it.

WASMWHEEL_NODE_SNAPSHOT=0 boots without a snapshot (to measure, or to rule it out).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wasmwheel import progress
from wasmwheel.config.pins import Target
from wasmwheel.errors import ToolchainError
from wasmwheel.runner.runtimes import derived
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.download import hash_file
from wasmwheel.toolchain.node import ensure_node
from wasmwheel.toolchain.pyodide_runtime import dist_dir, ensure_pyodide_dist

ENV = "WASMWHEEL_NODE_SNAPSHOT"
SCHEMA = 1  # bump when what goes into a snapshot changes in a way the inputs do not show
FILE = "snapshot.bin"
# The runtime files whose bytes end up in (or shape) the snapshotted memory.
RUNTIME_FILES = ("pyodide.asm.wasm", "pyodide.asm.mjs", "pyodide.mjs", "python_stdlib.zip")
DRIVER_FILES = ("boot.mjs", "make_snapshot.mjs", "preload.json")


def enabled() -> bool:
    return derived.switched_on(ENV)


def snapshot_inputs(target: Target, dist: Path) -> dict[str, Any]:
    """Everything a snapshot depends on; any change means another snapshot."""
    return {
        "schema": SCHEMA,
        "npm": f"{target.npm.package}@{target.npm.version}",
        "integrity": target.npm.integrity,
        "runtime": {name: hash_file(dist / name, "sha256").hex() for name in RUNTIME_FILES},
        "driver": derived.driver_hashes(*DRIVER_FILES),
    }



def snapshot_entry(target: Target, inputs: dict[str, Any]) -> Path:
    dist = dist_dir(target)
    return dist.parent / f"{dist.name}-snapshot-{derived.inputs_key(inputs)}"


def current_snapshot_entry(target: Target) -> Path | None:
    """The entry a run would use now, or None without an installed runtime (for `cache list`)."""
    dist = dist_dir(target)
    if not cache.is_complete(dist):
        return None
    return snapshot_entry(target, snapshot_inputs(target, dist))


def ensure_snapshot(target: Target) -> Path:
    """The snapshot file for the pinned runtime as it is in the cache; made first if needed."""
    dist = ensure_pyodide_dist(target)
    inputs = snapshot_inputs(target, dist)

    doing = "making the Pyodide memory snapshot"

    def make(scratch: Path) -> None:
        progress.step(f"making a memory snapshot of Pyodide {target.npm.version} "
                      "(once per runtime build: later Node runs boot from it)")
        derived.run_driver(ensure_node(target), "make_snapshot.mjs", [str(dist), str(scratch / FILE)],
                           doing, ENV)
        if not (scratch / FILE).is_file():
            raise ToolchainError(f"{doing}: Node exited without writing it",
                                 hint=f"set {ENV}=0 to boot without a snapshot, and report this")

    entry = derived.ensure_derived(snapshot_entry(target, inputs), inputs,
                                   {"npm": inputs["npm"], "snapshot": derived.inputs_key(inputs)},
                                   "memory snapshot", make)
    return entry / FILE
