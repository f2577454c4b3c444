"""The Pyodide runtime from npm, verified against its pinned integrity hash.

`npm pack` fetches the tarball through the user's npm configuration (registry,
proxy, CA); we check its SRI hash ourselves and unpack it into the cache. No
CDN is ever contacted: packages beyond the runtime come from local files.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

from wasmwheel import progress
from wasmwheel.config.pins import Target
from wasmwheel.errors import DownloadError, ToolchainError
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.download import ExpectedHash, verify_file
from wasmwheel.toolchain.failure import failure_message
from wasmwheel.toolchain.node import npm_command

TARBALL_ENV = "WASMWHEEL_PYODIDE_TARBALL"  # use a local copy of the npm tarball (still hash-checked)


def dist_dir(target: Target) -> Path:
    return cache.cache_root() / "pyodide" / f"{target.npm.package}-{target.npm.version}"


def _npm_pack(target: Target, into: Path) -> Path:
    spec = f"{target.npm.package}@{target.npm.version}"
    npm = npm_command(target)
    progress.step(f"fetching {spec} with npm")
    env = os.environ | {"npm_config_update_notifier": "false", "npm_config_fund": "false"}
    result = subprocess.run(
        [*npm, "pack", "--silent", spec, "--pack-destination", str(into)],
        capture_output=True, text=True, env=env, cwd=into, check=False,
    )
    if result.returncode != 0:
        raise DownloadError(
            failure_message(f"npm pack {spec}", result.returncode, result.stderr),
            hint=f"check npm's registry settings, or set {TARBALL_ENV} to a downloaded tarball",
        )
    tarballs = sorted(into.glob("*.tgz"))
    if len(tarballs) != 1:
        raise DownloadError(f"npm pack {spec} produced {len(tarballs)} tarballs, expected one")
    return tarballs[0]


def _safe_extract(tarball: Path, dest: Path) -> None:
    with tarfile.open(tarball) as archive:
        archive.extractall(dest, filter="data")


def ensure_pyodide_dist(target: Target) -> Path:
    """Return a directory holding pyodide.mjs, pyodide.asm.wasm, python_stdlib.zip, pyodide-lock.json."""
    spec = f"{target.npm.package}@{target.npm.version}"

    def populate(scratch: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="wasmwheel-npm-") as tmp:
            local = os.environ.get(TARBALL_ENV)
            tarball = Path(local) if local else _npm_pack(target, Path(tmp))
            verify_file(tarball, ExpectedHash.sri(target.npm.integrity), source=f"{spec} tarball")
            _safe_extract(tarball, Path(tmp) / "unpacked")
            for item in (Path(tmp) / "unpacked" / "package").iterdir():
                item.rename(scratch / item.name)
            _check_runtime(scratch, target)

    return cache.ensure(dist_dir(target), {"npm": spec, "integrity": target.npm.integrity},
                        populate)


def _check_runtime(directory: Path, target: Target) -> None:
    """The unpacked runtime must be the pinned Python/ABI, or nothing built for it will load."""
    info = json.loads((directory / "pyodide-lock.json").read_text())["info"]
    if info.get("abi_version") != target.abi or info.get("python") != target.python:
        raise ToolchainError(
            f"Pyodide {target.npm.version} reports ABI {info.get('abi_version')} / Python "
            f"{info.get('python')}, but toolchain.toml pins ABI {target.abi} / Python {target.python}",
            hint="fix the pins in toolchain.toml so they describe one Pyodide release",
        )
