"""The exact route: Pyodide's own toolchain, every piece pinned.

One cache entry per target and hash of the pins this route uses (`pinned`),
built all-or-nothing:

    <entry>/xbuildenv-root/   PYODIDE_XBUILDENV_PATH (official xbuildenv, sha256-checked)
        <version>/emsdk/      emsdk at the pinned commit + Emscripten + Pyodide's patches
                              (where pyodide-build itself looks for it)
    <entry>/venv/             uv-provisioned CPython + pyodide-build

The stamp records what was installed: the emsdk commit, every SDK archive's
sha256 and whether it was checked against a pin (`sdk_verified`), and each
applied patch's sha256.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from wasmwheel import progress
from wasmwheel.errors import ConfigError, ToolchainError
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.download import probe
from wasmwheel.toolchain.pyodide_build import (
    build_environment,
    reproducibility_env,
    run_pyodide_build,
)
from wasmwheel.toolchain.routes.base import Route, RouteStatus
from wasmwheel.toolchain.routes.exact import emsdk, host_python, official_xbuildenv, sdk_archives

PIN_FIX = "pin it first: see the comments in [targets.{target}.emsdk] of toolchain.toml"


class ExactRoute(Route):
    name = "exact"
    approximate = False
    # The official xbuildenv, emsdk and its archives, uv and the CPython it installs
    # (its own entry too), pyodide-build, and the versions the xbuildenv is checked against.
    pinned = ("xbuildenv", "emsdk", "exact", "pyodide_build", "python", "emscripten", "abi")

    @property
    def xbuildenv_root(self) -> Path:
        return self.entry / "xbuildenv-root"

    @property
    def emsdk_dir(self) -> Path:
        return self.xbuildenv_root / self.target.xbuildenv.version / "emsdk"

    def _archives(self) -> list[sdk_archives.Archive]:
        return sdk_archives.archives_for(self.target.emsdk)

    def _pin_problems(self) -> list[str]:
        """Pins (or a platform) that make an install refuse before downloading anything."""
        problems = []
        for check in (
            lambda: emsdk.require_commit(self.target.emsdk),
            self._archives,
            lambda: official_xbuildenv.expected_hash(self.target.xbuildenv),
        ):
            try:
                check()
            except (ConfigError, ToolchainError) as exc:
                problems.append(exc.message)
        return problems

    def unverified_archives(self) -> list[str]:
        """This platform's SDK archives that have no sha256 pinned (installed unverified)."""
        try:
            return sdk_archives.unverified(self._archives())
        except (ConfigError, ToolchainError):
            return []

    def available(self) -> str | None:
        problems = self._pin_problems()
        if problems:
            return "; ".join(problems)
        if shutil.which("git") is None:
            return "git is not on PATH (needed to clone emsdk)"
        return probe(
            official_xbuildenv.xbuildenv_url(self.target.xbuildenv)
        ) or probe(self._archives()[0].url)

    def sdk_verified(self) -> bool | None:
        if not cache.is_complete(self.entry):
            return None
        verified = cache.read_stamp(self.entry).get("sdk_verified")
        return verified if isinstance(verified, bool) else None

    def _fix(self) -> str:
        """The one command that will work from here, never one known to fail."""
        if self._pin_problems():
            return PIN_FIX.format(target=self.target.name) + "; meanwhile use --route debian"
        reason = self.available()
        if reason:
            return (f"the exact sources are unreachable from here ({reason}): "
                    "use `wasmwheel toolchain install --route debian`")
        return "wasmwheel toolchain install --route exact"

    def status(self) -> RouteStatus:
        installed = cache.is_complete(self.entry)
        stamp = cache.read_stamp(self.entry) if installed else {}
        problems = self._pin_problems()
        if not installed:
            problems.append(f"not installed (expected at {self.entry})")
        unverified = (
            [name for name, rec in stamp.get("archives", {}).items() if not rec.get("verified")]
            if installed else self.unverified_archives()
        )
        if unverified:
            problems.append(f"{sdk_archives.UNVERIFIED}: {', '.join(unverified)} "
                            "(a connected maintainer runs `wasmwheel toolchain pin`)")
        return RouteStatus(
            route=self.name,
            installed=installed,
            approximate=False,
            location=self.entry if installed else None,
            emscripten=stamp.get("emscripten"),
            python=stamp.get("python"),
            pyodide_build=stamp.get("pyodide_build"),
            problems=problems,
            fix=None if installed else self._fix(),
        )

    def install(self) -> None:
        if cache.is_complete(self.entry):
            return
        # Refuse unpinned artifacts (and unpinned platforms) before anything is downloaded.
        emsdk.require_commit(self.target.emsdk)
        archives = self._archives()
        official_xbuildenv.expected_hash(self.target.xbuildenv)
        with cache.locked(self.entry):
            if cache.is_complete(self.entry):
                return
            cache.discard_incomplete(self.entry)
            stamp: dict[str, object] = {
                "route": self.name,
                "target": self.target.name,
                "pins": self.pins_key,
                "emscripten": self.target.emscripten,
                "python": self.target.python,
                "pyodide_build": self.target.pyodide_build,
                "xbuildenv": {
                    "version": self.target.xbuildenv.version,
                    "sha256": self.target.xbuildenv.sha256,
                },
            }
            with cache.atomic_entry(self.entry, stamp) as scratch:
                stamp |= self._provision(scratch, archives)
        progress.step(f"exact toolchain ready at {self.entry}")
        if not stamp["sdk_verified"]:
            progress.step(f"warning: {sdk_archives.UNVERIFIED}: the exact toolchain is installed, "
                          "but its Emscripten archives were not checked against pinned hashes")

    def _provision(
        self, scratch: Path, archives: list[sdk_archives.Archive]
    ) -> dict[str, object]:
        """The install steps, in scratch; returns what they record in the stamp."""
        root = scratch / "xbuildenv-root"
        pyodide_root = official_xbuildenv.install_xbuildenv(self.target, root)
        version_dir = root / self.target.xbuildenv.version
        emsdk_dir = version_dir / "emsdk"
        commit = emsdk.clone_at_revision(self.target.emsdk, emsdk_dir)
        arch = sdk_archives.emsdk_arch()
        record = sdk_archives.fetch_into(archives, emsdk_dir)
        emsdk.install_sdk(emsdk_dir, self.target.emscripten, arch)
        sdk_archives.check_nothing_else(archives, emsdk_dir)
        cache.remove_tree(emsdk_dir / sdk_archives.DOWNLOADS)  # unpacked; their hashes are stamped
        patches = emsdk.apply_patches(
            emsdk_dir / "upstream" / "emscripten",
            pyodide_root / "emsdk" / "patches",
            self.target.emsdk.patches,
        )
        emsdk.activate_sdk(emsdk_dir, self.target.emscripten, arch)
        # pyodide-build's marker: "this Emscripten is installed here, do not reinstall".
        (version_dir / ".emscripten-version").write_text(self.target.emscripten)
        uv = host_python.ensure_uv(self.target.exact.uv)
        python = host_python.ensure_python(self.target, uv)
        host_python.create_build_venv(self.target, uv, python, scratch / "venv")
        return {
            "emsdk_commit": commit,
            "emsdk_release": self.target.emsdk.release,
            "archives": record,
            "sdk_verified": all(a.verified for a in archives),
            "patches": patches,
        }

    def emscripten_version(self) -> str:
        stamp = cache.read_stamp(self.entry)
        return str(stamp.get("emscripten", self.target.emscripten))

    def build(self, source_dir: Path, outdir: Path, *, source_date_epoch: int) -> Path:
        # Held until we exit, with the CPython its venv runs on: `cache prune` skips both.
        if not (cache.hold(self.entry) and cache.hold(host_python.python_entry(self.target))):
            raise ToolchainError(
                f"the exact toolchain for {self.target.name} is not installed",
                hint="run `wasmwheel toolchain install --route exact`",
            )
        emsdk_env = emsdk.environment(self.emsdk_dir)
        # The venv's bin/ holds the pinned cmake (host_python.create_build_venv).
        path = os.pathsep.join([str(self.entry / "venv" / "bin"),
                                emsdk_env.get("PATH", os.environ.get("PATH", os.defpath))])
        env = build_environment(
            emsdk_env
            | {"PATH": path, "PYODIDE_XBUILDENV_PATH": str(self.xbuildenv_root)}
            | reproducibility_env(str(source_dir), source_date_epoch, os.environ)
        )
        return run_pyodide_build(
            [str(self.entry / "venv" / "bin" / "pyodide")], source_dir, outdir, env
        )
