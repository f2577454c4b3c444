"""Run `pyodide build` on a project and return the one wheel it wrote.

Shared by the routes: each supplies the command and the environment
(its xbuildenv, its Emscripten); this module only runs it and finds the wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from wasmwheel import progress
from wasmwheel.errors import BuildError

# Variables that would make pyodide-build use something other than what the
# route chose (another Pyodide tree, or an emsdk cloned at its moving HEAD).
_CLEARED = ("PYODIDE_ROOT",)


def build_environment(extra: Mapping[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _CLEARED}
    env.update(extra)
    # Never let pyodide-build clone and install an unpinned emsdk on its own.
    env["PYODIDE_SKIP_EMSCRIPTEN_INSTALL"] = "1"
    return env


def run_pyodide_build(
    command: list[str], source_dir: Path, outdir: Path, env: Mapping[str, str]
) -> Path:
    """`<command> build <source_dir> --outdir <outdir>`; its output goes to stderr."""
    outdir.mkdir(parents=True, exist_ok=True)
    before = set(outdir.glob("*.whl"))
    progress.step(f"pyodide build {source_dir}")
    result = subprocess.run(
        [*command, "build", str(source_dir), "--outdir", str(outdir)],
        cwd=source_dir,
        env=dict(env),
        stdout=sys.stderr,
        stderr=sys.stderr,
        check=False,
    )
    if result.returncode != 0:
        raise BuildError(f"pyodide build failed (exit {result.returncode}); see its output above")
    wheels = sorted(set(outdir.glob("*.whl")) - before)
    if len(wheels) != 1:
        raise BuildError(
            f"pyodide build wrote {len(wheels)} new wheels into {outdir}, expected one"
        )
    return wheels[0]
