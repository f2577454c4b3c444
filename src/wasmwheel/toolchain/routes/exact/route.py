"""The exact route: Pyodide's own toolchain, every piece pinned.

One cache entry per target and pins hash, built all-or-nothing:

    <entry>/xbuildenv-root/   PYODIDE_XBUILDENV_PATH (official xbuildenv, sha256-checked)
        <version>/emsdk/      emsdk at the pinned commit + Emscripten + Pyodide's patches
                              (where pyodide-build itself looks for it)
    <entry>/venv/             uv-provisioned CPython + pyodide-build
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from wasmwheel import progress
from wasmwheel.errors import ConfigError, ToolchainError
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.pyodide_build import (
    build_environment,
    reproducibility_env,
    run_pyodide_build,
)
from wasmwheel.toolchain.routes.base import Route, RouteStatus
from wasmwheel.toolchain.routes.exact import emsdk, host_python, official_xbuildenv


class ExactRoute(Route):
    name = "exact"
    approximate = False

    @property
    def xbuildenv_root(self) -> Path:
        return self.entry / "xbuildenv-root"

    @property
    def emsdk_dir(self) -> Path:
        return self.xbuildenv_root / self.target.xbuildenv.version / "emsdk"

    def _pin_problems(self) -> list[str]:
        problems = []
        for check in (
            lambda: emsdk.require_commit(self.target.emsdk),
            lambda: official_xbuildenv.expected_hash(self.target.xbuildenv),
        ):
            try:
                check()
            except ConfigError as exc:
                problems.append(exc.message)
        return problems

    def available(self) -> str | None:
        problems = self._pin_problems()
        if problems:
            return "; ".join(problems)
        if shutil.which("git") is None:
            return "git is not on PATH (needed to clone emsdk)"
        return official_xbuildenv.probe(official_xbuildenv.xbuildenv_url(self.target.xbuildenv))

    def status(self) -> RouteStatus:
        installed = cache.is_complete(self.entry)
        stamp = cache.read_stamp(self.entry) if installed else {}
        problems = self._pin_problems()
        if not installed:
            problems.append(f"not installed (expected at {self.entry})")
        return RouteStatus(
            route=self.name,
            installed=installed,
            approximate=False,
            location=self.entry if installed else None,
            emscripten=stamp.get("emscripten"),
            python=stamp.get("python"),
            pyodide_build=stamp.get("pyodide_build"),
            problems=problems,
            fix=None if installed else "wasmwheel toolchain install --route exact",
        )

    def install(self) -> None:
        if cache.is_complete(self.entry):
            return
        # Refuse unpinned artifacts before anything is downloaded.
        emsdk.require_commit(self.target.emsdk)
        official_xbuildenv.expected_hash(self.target.xbuildenv)
        with cache.locked(self.entry):
            if cache.is_complete(self.entry):
                return
            cache.discard_incomplete(self.entry)
            stamp: dict[str, object] = {
                "route": self.name,
                "target": self.target.name,
                "pins": self.target.pins_hash,
                "emscripten": self.target.emscripten,
                "python": self.target.python,
                "pyodide_build": self.target.pyodide_build,
                "xbuildenv": {
                    "version": self.target.xbuildenv.version,
                    "sha256": self.target.xbuildenv.sha256,
                },
            }
            with cache.atomic_entry(self.entry, stamp) as scratch:
                stamp |= self._provision(scratch)
        progress.step(f"exact toolchain ready at {self.entry}")

    def _provision(self, scratch: Path) -> dict[str, object]:
        """The install steps, in scratch; returns what they record in the stamp."""
        root = scratch / "xbuildenv-root"
        pyodide_root = official_xbuildenv.install_xbuildenv(self.target, root)
        version_dir = root / self.target.xbuildenv.version
        emsdk_dir = version_dir / "emsdk"
        commit = emsdk.clone_at_revision(self.target.emsdk, emsdk_dir)
        emsdk.install_sdk(emsdk_dir, self.target.emscripten)
        patches = emsdk.apply_patches(
            emsdk_dir / "upstream" / "emscripten",
            pyodide_root / "emsdk" / "patches",
            self.target.emsdk.patches,
        )
        emsdk.activate_sdk(emsdk_dir, self.target.emscripten)
        # pyodide-build's marker: "this Emscripten is installed here, do not reinstall".
        (version_dir / ".emscripten-version").write_text(self.target.emscripten)
        uv = host_python.ensure_uv(self.target.exact.uv)
        python = host_python.ensure_python(self.target, uv)
        host_python.create_build_venv(self.target, uv, python, scratch / "venv")
        return {"emsdk_commit": commit, "patches": patches}

    def emscripten_version(self) -> str:
        stamp = cache.read_stamp(self.entry)
        return str(stamp.get("emscripten", self.target.emscripten))

    def build(self, source_dir: Path, outdir: Path, *, source_date_epoch: int) -> Path:
        if not cache.is_complete(self.entry):
            raise ToolchainError(
                f"the exact toolchain for {self.target.name} is not installed",
                hint="run `wasmwheel toolchain install --route exact`",
            )
        env = build_environment(
            emsdk.environment(self.emsdk_dir)
            | {"PYODIDE_XBUILDENV_PATH": str(self.xbuildenv_root)}
            | reproducibility_env(str(source_dir), source_date_epoch, os.environ)
        )
        return run_pyodide_build(
            [str(self.entry / "venv" / "bin" / "pyodide")], source_dir, outdir, env
        )
