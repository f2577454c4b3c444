"""The system route: whatever emcc and pyodide-build are already installed.

For container images and Nix shells that bring their own toolchain. Nothing
is downloaded. Wheels are exact only if `emcc --version` is the target's
Emscripten; anything else builds with the version check skipped and is
reported as approximate.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import cached_property
from pathlib import Path

from wasmwheel import progress
from wasmwheel.errors import ToolchainError
from wasmwheel.toolchain.pyodide_build import (
    build_environment,
    reproducibility_env,
    run_pyodide_build,
)
from wasmwheel.toolchain.routes.base import Route, RouteStatus

_VERSION = re.compile(r"(\d+\.\d+\.\d+)")
_PROBE = (
    "import platform, pyodide_build; "
    "print(platform.python_version()); print(pyodide_build.__version__)"
)


def parse_emcc_version(output: str) -> str | None:
    """The X.Y.Z on emcc's `emcc (...) X.Y.Z (...)` line, as pyodide-build reads it."""
    for line in output.splitlines():
        if line.startswith("emcc "):
            # The version follows the parenthesised description.
            match = _VERSION.search(line.split(")", 1)[-1])
            if match:
                return match.group(1)
    return None


class SystemRoute(Route):
    name = "system"
    pinned = ()  # it uses the emcc it finds and keeps nothing in the cache

    @cached_property
    def emcc(self) -> str | None:
        return shutil.which("emcc")

    @cached_property
    def emcc_version(self) -> str | None:
        if self.emcc is None:
            return None
        try:
            result = subprocess.run(
                [self.emcc, "--version"], capture_output=True, text=True, check=False, timeout=60
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return parse_emcc_version(result.stdout + result.stderr)

    @cached_property
    def python(self) -> str | None:
        return shutil.which(f"python{self.target.python_major_minor}")

    @cached_property
    def host_versions(self) -> tuple[str, str] | None:
        """(Python version, pyodide-build version) of the python found, if it has pyodide-build."""
        if self.python is None:
            return None
        try:
            result = subprocess.run(
                [self.python, "-c", _PROBE], capture_output=True, text=True, check=False, timeout=60
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        lines = result.stdout.split()
        return (lines[0], lines[1]) if result.returncode == 0 and len(lines) == 2 else None

    @cached_property
    def pyodide_command(self) -> str | None:
        # Prefer the `pyodide` installed beside that python (same environment).
        if self.python is not None:
            beside = Path(self.python).parent / "pyodide"
            if beside.is_file() and os.access(beside, os.X_OK):
                return str(beside)
        return shutil.which("pyodide")

    @property
    def approximate(self) -> bool:  # type: ignore[override]  # a constant in the base; here it depends on emcc
        return self.emcc_version != self.target.emscripten

    def missing(self) -> list[str]:
        """What stops this route from building at all."""
        found = []
        mm = self.target.python_major_minor
        if self.emcc is None:
            found.append(
                "emcc is not on PATH (activate emsdk, or use a container/Nix shell with it)"
            )
        elif self.emcc_version is None:
            found.append(f"could not read a version from `{self.emcc} --version`")
        if self.python is None:
            found.append(f"python{mm} is not on PATH")
        elif self.host_versions is None:
            found.append(
                f"{self.python} cannot import pyodide_build (pip install "
                f"pyodide-build=={self.target.pyodide_build})"
            )
        if self.pyodide_command is None:
            found.append("the `pyodide` command (from pyodide-build's pyodide-cli) is not on PATH")
        return found

    def mismatches(self) -> list[str]:
        """Differences from the target that still allow an (approximate) build."""
        found = []
        if self.emcc_version and self.emcc_version != self.target.emscripten:
            found.append(
                f"emcc is Emscripten {self.emcc_version}, the target needs "
                f"{self.target.emscripten}: wheels will be approximate"
            )
        if self.host_versions:
            python, pyodide_build = self.host_versions
            if python != self.target.python:
                found.append(
                    f"{self.python} is Python {python}, the target pins {self.target.python}"
                )
            if pyodide_build != self.target.pyodide_build:
                found.append(
                    f"pyodide-build is {pyodide_build}, the target pins {self.target.pyodide_build}"
                )
        if not os.environ.get("PYODIDE_XBUILDENV_PATH"):
            found.append(
                "PYODIDE_XBUILDENV_PATH is not set: pyodide-build will download an "
                "xbuildenv that wasmwheel does not verify"
            )
        return found

    def is_installed(self) -> bool:
        return not self.missing()

    def available(self) -> str | None:
        missing = self.missing()
        return "; ".join(missing) if missing else None

    def status(self) -> RouteStatus:
        missing = self.missing()
        python, pyodide_build = self.host_versions or (None, None)
        return RouteStatus(
            route=self.name,
            installed=not missing,
            approximate=self.approximate,
            location=Path(self.emcc).parent if self.emcc else None,
            emscripten=self.emcc_version,
            python=python,
            pyodide_build=pyodide_build,
            problems=missing + self.mismatches(),
            fix=None
            if not missing
            else "install Emscripten and pyodide-build, or use --route exact",
        )

    def install(self) -> None:
        """Nothing to download: check and say what is missing or different."""
        for line in self.mismatches():
            progress.info(f"note: {line}")
        missing = self.missing()
        if missing:
            raise ToolchainError(
                "the system toolchain is incomplete: " + "; ".join(missing),
                hint="install what is listed, or use --route exact",
            )
        progress.step(f"system toolchain: emcc {self.emcc_version} at {self.emcc}")

    def emscripten_version(self) -> str:
        if self.emcc_version is None:
            raise ToolchainError(
                "no usable emcc on PATH", hint="activate emsdk or use --route exact"
            )
        return self.emcc_version

    def build(self, source_dir: Path, outdir: Path, *, source_date_epoch: int) -> Path:
        self.install()
        extra = reproducibility_env(str(source_dir), source_date_epoch, os.environ)
        if self.approximate:
            progress.info(
                f"building with Emscripten {self.emcc_version} instead of "
                f"{self.target.emscripten}: the wheel is approximate"
            )
            extra["SKIP_EMSCRIPTEN_VERSION_CHECK"] = "1"
        assert self.pyodide_command is not None  # install() checked it
        return run_pyodide_build(
            [self.pyodide_command], source_dir, outdir, build_environment(extra)
        )
