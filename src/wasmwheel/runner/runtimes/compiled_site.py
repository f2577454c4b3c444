"""The compiled site for the Node runtime: the test requirements' pure-Python wheels, ready to mount.

Installing pytest and its dependencies into Pyodide on every run, then
compiling their modules to bytecode on every import, takes most of a Node
test run's time after the boot. Instead, the pure-Python wheels of a job are
unpacked once into a cache entry and compiled there by the pinned Pyodide's
own CPython (driver/compile_site.mjs); each Node run mounts that directory
(driver/site.mjs) and installs only the other wheels.

The entry is keyed by everything its bytes depend on: each wheel's name and
sha256, the npm runtime and its integrity pin, and the driver files that
unpack and compile it. The bytecode is hash-checked, so even a changed
source file is never run from stale bytecode. The entry lives beside the
wheels it was made from (wheels/py<X.Y>-site-<key>): `cache prune` treats it
like them.

WASMWHEEL_NODE_SITE=0 installs every wheel on each run instead (to measure, or to rule it out).
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from wasmwheel import progress
from wasmwheel.config.pins import Target
from wasmwheel.errors import ToolchainError
from wasmwheel.runner.runtimes import derived
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.download import hash_file
from wasmwheel.toolchain.node import ensure_node
from wasmwheel.toolchain.pyodide_runtime import ensure_pyodide_dist

ENV = "WASMWHEEL_NODE_SITE"
SCHEMA = 1  # bump when what goes into an entry changes in a way the inputs do not show
SITE = "site"  # the directory Node mounts, inside the entry
DRIVER_FILES = ("compile_site.mjs", "site.mjs", "boot.mjs")


def enabled() -> bool:
    return derived.switched_on(ENV)


def is_pure(wheel_name: str) -> bool:
    """A wheel that runs anywhere (`none-any`): it can be unpacked and mounted as it is."""
    try:
        tags = parse_wheel_filename(wheel_name)[3]
    except InvalidWheelFilename:
        return False
    return bool(tags) and all(t.abi == "none" and t.platform == "any" for t in tags)


def site_inputs(target: Target, wheels: Sequence[Path]) -> dict[str, Any]:
    """Everything an entry's bytes depend on; any change means another entry."""
    return {
        "schema": SCHEMA,
        "npm": f"{target.npm.package}@{target.npm.version}",
        "integrity": target.npm.integrity,
        "wheels": {w.name: hash_file(w, "sha256").hex() for w in sorted(wheels)},
        "driver": derived.driver_hashes(*DRIVER_FILES),
    }


def site_entry(target: Target, inputs: dict[str, Any]) -> Path:
    return (cache.cache_root() / "wheels"
            / f"py{target.python_major_minor}-site-{derived.inputs_key(inputs)}")


def ensure_compiled_site(target: Target, wheels: Sequence[Path]) -> Path:
    """The directory to mount for these pure-Python wheels; made first if needed."""
    inputs = site_inputs(target, wheels)

    def make(scratch: Path) -> None:
        progress.step(f"compiling {len(wheels)} test requirement wheels to bytecode for Node "
                      "(once per set of wheels: later runs mount them)")
        for wheel in wheels:
            unpack_pure_wheel(wheel, scratch / SITE)
        derived.run_driver(ensure_node(target), "compile_site.mjs",
                           [str(ensure_pyodide_dist(target)), str(scratch / SITE)],
                           "compiling the test requirements for Node", ENV)

    stamp = {"npm": inputs["npm"], "wheels": sorted(inputs["wheels"])}
    entry = derived.ensure_derived(site_entry(target, inputs), inputs, stamp, "compiled site",
                                   make)
    return entry / SITE


def unpack_pure_wheel(wheel: Path, site: Path) -> None:
    """Install a pure wheel's importable files into `site`, as an installer would:
    `*.data/purelib` and `*.data/platlib` go to the top; scripts, headers and data are
    not importable and are left out. A member naming a path outside `site` is refused."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            path = PurePosixPath(info.filename)
            if path.is_absolute() or ".." in path.parts:
                raise ToolchainError(f"{wheel.name} has a file outside its install directory: "
                                     f"{info.filename}")
            if path.parts and path.parts[0].endswith(".data"):
                if len(path.parts) < 3 or path.parts[1] not in ("purelib", "platlib"):
                    continue
                path = PurePosixPath(*path.parts[2:])
            if info.is_dir():
                continue
            dest = site.joinpath(*path.parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, dest.open("wb") as out:
                shutil.copyfileobj(source, out)
