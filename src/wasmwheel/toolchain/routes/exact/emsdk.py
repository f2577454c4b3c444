"""emsdk at a pinned commit, the pinned Emscripten, and Pyodide's patches on top.

Mirrors what `pyodide xbuildenv install-emscripten` does, except that emsdk
is checked out at an exact commit instead of its moving default branch, and
every patch applied is hashed (and checked against pins when there are any).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

from wasmwheel import progress
from wasmwheel.config.pins import EmsdkPin
from wasmwheel.errors import ConfigError, ToolchainError
from wasmwheel.toolchain.failure import failure_message, run_streamed

REPOSITORY_ENV = "WASMWHEEL_EMSDK_REPOSITORY"  # a mirror (URL or path); the revision still applies
_COMMIT = re.compile(r"[0-9a-f]{40}")
# What emsdk_env.sh sets that a build needs (the same set pyodide-build reads, plus EM_CONFIG).
_ENV_KEYS = ("PATH", "EMSDK", "EMSDK_NODE", "EM_CONFIG")


def require_commit(pin: EmsdkPin) -> str:
    """The pinned revision if it is a full commit hash; a branch, tag or blank is refused."""
    if not _COMMIT.fullmatch(pin.revision):
        raise ConfigError(
            f"emsdk revision {pin.revision!r} is not a pinned commit",
            hint="set [targets.<name>.emsdk] revision in toolchain.toml to the full 40-hex "
            "commit of emsdk's tag for the target's Emscripten version",
        )
    return pin.revision


def repository(pin: EmsdkPin) -> str:
    return os.environ.get(REPOSITORY_ENV) or pin.repository


def _git(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise ToolchainError(failure_message(f"git {' '.join(args)}", result.returncode,
                                             result.stderr))
    return result.stdout.strip()


def clone_at_revision(pin: EmsdkPin, dest: Path) -> str:
    """Clone emsdk into `dest` and check out the pinned commit; return that commit."""
    revision = require_commit(pin)
    source = repository(pin)
    progress.step(f"cloning emsdk {revision[:12]} from {source}")
    _git("clone", "--quiet", "--no-checkout", source, str(dest))
    try:
        _git("cat-file", "-e", f"{revision}^{{commit}}", cwd=dest)
    except ToolchainError:
        raise ToolchainError(
            f"emsdk commit {revision} does not exist in {source}",
            hint="check the revision pinned in toolchain.toml",
        ) from None
    _git("-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", revision, cwd=dest)
    head = _git("rev-parse", "HEAD", cwd=dest)
    if head != revision:  # defensive: never build from anything but the pin
        raise ToolchainError(f"emsdk checkout is at {head}, expected {revision}")
    return head


def emsdk_env(arch: str) -> dict[str, str]:
    """emsdk's environment: keep (and so use) the archives wasmwheel placed in
    downloads/, and pick the same architecture wasmwheel pinned the archives for."""
    return os.environ | {"EMSDK_KEEP_DOWNLOADS": "1", "EMSDK_ARCH": arch, "EMSDK_NOTTY": "1"}


def _emsdk(emsdk_dir: Path, arch: str, *args: str) -> None:
    # Streamed to stderr: stdout carries only results (`wasmwheel build` prints the wheel).
    result = run_streamed([str(emsdk_dir / "emsdk"), *args], cwd=emsdk_dir, env=emsdk_env(arch))
    if result.returncode != 0:
        raise ToolchainError(
            failure_message(f"emsdk {' '.join(args)}", result.returncode, result.stdout),
            hint="emsdk unpacks the archives wasmwheel placed in its downloads/ folder; "
            "the output above says which step failed",
        )


def install_sdk(emsdk_dir: Path, version: str, arch: str) -> None:
    """`emsdk install`: installs the Emscripten release the pinned emsdk maps `version` to,
    from the archives already in its downloads/ folder."""
    progress.step(f"installing Emscripten {version} with emsdk")
    _emsdk(emsdk_dir, arch, "install", "--build=Release", version)


def activate_sdk(emsdk_dir: Path, version: str, arch: str) -> None:
    _emsdk(emsdk_dir, arch, "activate", "--embedded", "--build=Release", version)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def apply_patches(
    emscripten_root: Path, patches_dir: Path, pinned: dict[str, str]
) -> dict[str, str]:
    """Apply `patches_dir/*.patch` in name order; return {file name: sha256} of what was applied.

    With pins, the set of files and their hashes must match them exactly.
    """
    patches = sorted(patches_dir.glob("*.patch"))
    applied = {patch.name: sha256_of(patch) for patch in patches}
    if pinned and applied != pinned:
        raise ToolchainError(
            f"Emscripten patches in {patches_dir} differ from the pins: "
            f"found {sorted(applied.items())}, pinned {sorted(pinned.items())}",
            hint="the xbuildenv's patch set changed; re-pin [emsdk.patches] only if you trust it",
        )
    # GIT_DIR=. stops `git apply` from finding emsdk's own repository above
    # and silently skipping paths it thinks are outside it (as pyodide-build does).
    env = os.environ | {"GIT_DIR": "."}
    for patch in patches:
        progress.info(f"applying {patch.name} (sha256 {applied[patch.name]})")
        result = subprocess.run(
            ["git", "apply", str(patch)],
            cwd=emscripten_root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ToolchainError(
                failure_message(f"git apply {patch.name} in {emscripten_root}",
                                result.returncode, result.stderr),
                hint="the patches were made for another Emscripten version than the one installed",
            )
    return applied


def environment(emsdk_dir: Path) -> dict[str, str]:
    """The variables `source emsdk_env.sh` sets, for running emcc without a shell."""
    script = emsdk_dir / "emsdk_env.sh"
    if not script.is_file():
        raise ToolchainError(f"{script} is missing: the emsdk install is incomplete")
    result = subprocess.run(
        ["bash", "-c", 'source "$1" >/dev/null 2>&1 && env -0', "emsdk_env", str(script)],
        capture_output=True,
        text=True,
        check=False,
        cwd=emsdk_dir,
    )
    if result.returncode != 0:
        raise ToolchainError(failure_message(f"sourcing {script}", result.returncode,
                                             result.stderr))
    env = dict(item.split("=", 1) for item in result.stdout.split("\0") if "=" in item)
    return {key: env[key] for key in _ENV_KEYS if key in env}
