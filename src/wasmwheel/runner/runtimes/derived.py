"""Cache entries the Node runtime derives from the pinned runtime: the memory
snapshot (snapshot.py) and the compiled site (compiled_site.py).

Both only save time, and both are valid only for exactly what made them. So
each entry is named by a hash of its inputs, records those inputs beside its
files, and is refused (and made again) when the recorded inputs differ from
the current ones. Each can be switched off by its environment variable.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wasmwheel import progress
from wasmwheel.errors import ToolchainError
from wasmwheel.runner.assets import driver_file
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.download import hash_file
from wasmwheel.toolchain.failure import failure_message

INPUTS = "inputs.json"  # what the entry was made from, checked before each use


def switched_on(env: str) -> bool:
    """On unless `env` says 0/no/false/off."""
    return os.environ.get(env, "1").strip().lower() not in {"0", "no", "false", "off"}


def inputs_key(inputs: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def driver_hashes(*names: str) -> dict[str, str]:
    """The sha256 of driver files whose code shapes an entry's bytes."""
    return {name: hash_file(driver_file(name), "sha256").hex() for name in names}


def ensure_derived(entry: Path, inputs: dict[str, Any], stamp: dict[str, Any], what: str,
                   make: Callable[[Path], None]) -> Path:
    """`entry`, made with `make(scratch)` unless a complete one with these inputs exists.

    One whose recorded inputs differ is removed first, saying so: `what` names it.
    """
    with cache.locked(entry):
        if cache.is_complete(entry) and _recorded_inputs(entry) != inputs:
            progress.info(f"refusing the {what} in {entry.name}: other inputs made it")
            cache.remove_tree(entry)

    def populate(scratch: Path) -> None:
        make(scratch)
        (scratch / INPUTS).write_text(json.dumps(inputs, indent=1, sort_keys=True),
                                      encoding="utf-8")

    return cache.ensure(entry, stamp, populate)


def run_driver(node: Path, script: str, args: list[str], doing: str, env: str) -> None:
    """Run a driver script with `node`; a failure is a ToolchainError whose hint says how
    to go on without the entry (`env`=0)."""
    command = [str(node), str(driver_file(script)), *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False,
                            stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise ToolchainError(failure_message(doing, result.returncode,
                                             result.stderr or result.stdout),
                             hint=f"set {env}=0 to go on without it, and report this")


def _recorded_inputs(entry: Path) -> Any:
    try:
        return json.loads((entry / INPUTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # unreadable: as good as another's
