"""The host CPython that runs pyodide-build, and the venv it runs in.

uv comes from PyPI at a pinned version; `uv python install` then fetches the
target's exact CPython (python-build-standalone). uv checks that archive
against the sha256 in its embedded download list, so pinning uv pins the
interpreter too. Both live in their own cache entries and are shared by
every toolchain that needs the same versions.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from wasmwheel import progress
from wasmwheel.config.pins import Target
from wasmwheel.errors import ToolchainError
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.failure import failure_message


def _run(args: list[str], what: str, *, hint: str | None = None) -> str:
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ToolchainError(failure_message(what, result.returncode, result.stderr), hint=hint)
    return result.stdout.strip()


def uv_entry(version: str) -> Path:
    return cache.cache_root() / "uv" / f"uv-{version}"


def python_entry(target: Target) -> Path:
    return cache.cache_root() / "python" / f"cpython-{target.exact.host_python}-uv{target.exact.uv}"


def ensure_uv(version: str) -> Path:
    """Install uv==`version` from PyPI into the cache if needed; return the `uv` executable."""

    def populate(scratch: Path) -> None:
        progress.step(f"installing uv {version} from PyPI")
        _run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
             "--disable-pip-version-check", "--target", str(scratch), f"uv=={version}"],
            f"installing uv=={version}",
            hint="check that PyPI is reachable (pip config, proxy)",
        )
        if not (scratch / "bin" / "uv").is_file():
            raise ToolchainError(f"uv=={version} has no uv binary for this platform")

    entry = cache.ensure(uv_entry(version), {"uv": version}, populate)
    return entry / "bin" / "uv"


def interpreter_version(python: Path) -> str:
    return _run(
        [str(python), "-c", "import platform; print(platform.python_version())"],
        f"running {python}",
    )


def ensure_python(target: Target, uv: Path) -> Path:
    """Install CPython `target.exact.host_python` with uv if needed; return its interpreter."""
    python = target.exact.host_python
    entry = python_entry(target)
    if cache.is_complete(entry):
        return entry / str(cache.read_stamp(entry)["interpreter"])
    with cache.locked(entry):
        if cache.is_complete(entry):
            return entry / str(cache.read_stamp(entry)["interpreter"])
        cache.discard_incomplete(entry)
        progress.step(f"installing CPython {python} with uv {target.exact.uv}")
        stamp: dict[str, str] = {"python": python, "uv": target.exact.uv}
        with cache.atomic_entry(entry, stamp) as scratch:
            # --no-bin/--no-registry: touch nothing outside the cache entry.
            _run(
                [
                    str(uv),
                    "python",
                    "install",
                    "--no-bin",
                    "--no-registry",
                    "--install-dir",
                    str(scratch),
                    python,
                ],
                f"uv python install {python}",
                hint="uv downloads CPython from GitHub; set UV_PYTHON_INSTALL_MIRROR for a mirror",
            )
            found = sorted(
                scratch.glob(f"cpython-{python}-*/bin/python{target.python_major_minor}")
            )
            if len(found) != 1:
                raise ToolchainError(
                    f"uv installed {len(found)} CPython {python} builds, expected one"
                )
            actual = interpreter_version(found[0])
            if actual != python:
                raise ToolchainError(f"uv installed CPython {actual}, expected {python}")
            # Relative, so it survives the rename of the scratch directory.
            stamp["interpreter"] = str(found[0].relative_to(scratch))
    return entry / stamp["interpreter"]


def create_build_venv(target: Target, uv: Path, python: Path, venv: Path) -> None:
    """A venv at `venv` with pyodide-build==target.pyodide_build and PyPI's cmake wheel
    (target.exact.cmake: the build PATH has the venv's bin/, and emsdk has no cmake).

    --relocatable: the venv is made in a scratch directory that is renamed
    into place, so its scripts must not embed their own absolute path.
    """
    specs = [f"pyodide-build=={target.pyodide_build}", f"cmake=={target.exact.cmake}"]
    progress.step(f"creating a venv with {' and '.join(specs)}")
    _run(
        [str(uv), "venv", "--quiet", "--relocatable", "--python", str(python), str(venv)], "uv venv"
    )
    venv_python = venv / "bin" / "python"
    _run(
        [
            str(uv),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv_python),
            *specs,
        ],
        f"installing {' '.join(specs)}",
        hint="check that PyPI is reachable (uv reads UV_INDEX_URL, not pip's settings)",
    )
    installed = pyodide_build_version(venv_python)
    if installed != target.pyodide_build:
        raise ToolchainError(
            f"the venv has pyodide-build {installed}, expected {target.pyodide_build}"
        )


def pyodide_build_version(python: Path) -> str:
    """pyodide-build's version as `python` sees it (raises if it is not importable)."""
    env = os.environ | {"PYTHONNOUSERSITE": "1"}
    result = subprocess.run(
        [str(python), "-c", "import pyodide_build; print(pyodide_build.__version__)"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if result.returncode != 0:
        raise ToolchainError(f"pyodide-build is not importable by {python}")
    return result.stdout.strip()
