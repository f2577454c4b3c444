"""Run `pyodide build` on a project and return the one wheel it wrote.

Shared by the routes: each supplies the command and the environment
(its xbuildenv, its Emscripten); this module only runs it and finds the wheel.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from wasmwheel import progress
from wasmwheel.errors import BuildError, BuildIndexError
from wasmwheel.toolchain import emtools
from wasmwheel.toolchain.backend_settings import CROSS_FILE_QUERY, config_settings, cross_file_from
from wasmwheel.toolchain.build_causes import known_cause
from wasmwheel.toolchain.failure import failure_message, run_streamed

# Variables that would make pyodide-build use something other than what the
# route chose (another Pyodide tree, or an emsdk cloned at its moving HEAD).
_CLEARED = ("PYODIDE_ROOT",)
# A route's build writes its output here, beside the wheel, for checks that read what the
# backend said (builder/pure_wheel.py: did it fall back to pure Python?).
# Hidden: `outdir` may be a dist/ a user publishes with `dist/*`.
BUILD_LOG = ".wasmwheel-build.log"
BUILD_HINT = (
    "fix the errors above; differences from a native build usually come from code that "
    "assumes a 64-bit `long` or needs threads"
)


def build_environment(extra: Mapping[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _CLEARED}
    env.update(extra)
    # Never let pyodide-build clone and install an unpinned emsdk on its own.
    env["PYODIDE_SKIP_EMSCRIPTEN_INSTALL"] = "1"
    env["PYTHONUNBUFFERED"] = "1"  # its output reaches the terminal as it happens
    # Every em* tool works only when found in Emscripten's own directory (emtools.py).
    env["PATH"] = emtools.with_launcher_dir(env.get("PATH", os.defpath))
    return env


def reproducibility_env(
    source_dir: str, source_date_epoch: int, environ: Mapping[str, str]
) -> dict[str, str]:
    """What makes a build reproducible, as variables for `pyodide build`.

    SOURCE_DATE_EPOCH reaches the build backend (setuptools' and hatchling's
    zip times) and anything that stamps a date. The staging directory is a
    fresh temporary path per build; `-ffile-prefix-map` rewrites it to `.`
    wherever the compiler would record it (`__FILE__` in asserts, debug info),
    since backends such as CMake's pass absolute source paths. pyodide-build
    appends CFLAGS/CXXFLAGS from its environment to the target's flags, so the
    user's own (in `environ`) are kept in front.
    """
    prefix_map = f"-ffile-prefix-map={source_dir}=."
    env = {"SOURCE_DATE_EPOCH": str(source_date_epoch)}
    for name in ("CFLAGS", "CXXFLAGS"):
        env[name] = f"{environ.get(name, '')} {prefix_map}".strip()
    return env


def build_error(source_dir: Path, returncode: int, output: str) -> BuildError:
    """What every route raises when `pyodide build` fails: the known cause in one line
    (build_causes.py), else the compiler's own errors."""
    what = f"pyodide build of {source_dir.name}"
    cause = known_cause(output, source_dir)
    if cause is None:
        return BuildError(failure_message(what, returncode, output), hint=BUILD_HINT)
    kind = BuildIndexError if cause.index_failed else BuildError
    return kind(f"{what} failed (exit {returncode}): {cause.message}", hint=cause.hint)


def keep_log(outdir: Path, output: str) -> None:
    (outdir / BUILD_LOG).write_text(output)


def read_log(outdir: Path) -> str:
    """The output `keep_log` kept in `outdir`; empty when the route kept none."""
    try:
        return (outdir / BUILD_LOG).read_text()
    except OSError:
        return ""


def meson_cross_file(command: list[str], source_dir: Path, env: Mapping[str, str]) -> str:
    """Where this pyodide-build keeps its meson cross file (backend_settings.py)."""
    result = subprocess.run(
        [*command, *CROSS_FILE_QUERY], cwd=source_dir, env=env, capture_output=True, text=True,
        check=False,
    )
    return cross_file_from(result)


def run_pyodide_build(
    command: list[str], source_dir: Path, outdir: Path, env: Mapping[str, str]
) -> Path:
    """`<command> build <source_dir> --outdir <outdir>`; its output goes to stderr
    as it happens, and a failure ends with the compiler's own errors."""
    outdir.mkdir(parents=True, exist_ok=True)
    before = set(outdir.glob("*.whl"))
    settings = config_settings(source_dir, lambda: meson_cross_file(command, source_dir, env))
    progress.step(f"pyodide build {source_dir}")
    result = run_streamed(
        [*command, "build", *settings, str(source_dir), "--outdir", str(outdir)],
        cwd=source_dir,
        env=env,
    )
    if result.returncode != 0:
        raise build_error(source_dir, result.returncode, result.stdout)
    wheels = sorted(set(outdir.glob("*.whl")) - before)
    if len(wheels) != 1:
        raise BuildError(
            f"pyodide build wrote {len(wheels)} new wheels into {outdir}, expected one"
        )
    keep_log(outdir, result.stdout)
    return wheels[0]
