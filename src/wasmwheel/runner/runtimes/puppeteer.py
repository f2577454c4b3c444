"""puppeteer-core for the browser controller, installed by `npm ci` into the cache.

driver/npm-lock.json locks every package's integrity, so npm refuses any
tarball that differs (EINTEGRITY); the lock must name the version and
integrity toolchain.toml pins. Lifecycle scripts are off and
PUPPETEER_SKIP_DOWNLOAD is set: no browser is ever downloaded (Debian's are used).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from wasmwheel import progress
from wasmwheel.config.pins import Target
from wasmwheel.errors import ToolchainError
from wasmwheel.runner.assets import driver_file
from wasmwheel.runner.runtimes.browser_install import browser_pins
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.failure import failure_message
from wasmwheel.toolchain.node import npm_command

PACKAGE = "puppeteer-core"
LOCK_FILE = "npm-lock.json"
_PROJECT = "wasmwheel-browser-driver"  # the lock file's root package name


def lock_path() -> Path:
    return driver_file(LOCK_FILE)


def modules_dir(target: Target) -> Path:
    pin = browser_pins(target)
    return cache.cache_root() / "npm" / f"{PACKAGE}-{pin.puppeteer_core}" / "node_modules"


def check_lock(lock: dict[str, object], version: str, integrity: str) -> None:
    """The lock file and toolchain.toml must agree, or one of them was updated alone."""
    packages = lock.get("packages")
    entry = packages.get(f"node_modules/{PACKAGE}") if isinstance(packages, dict) else None
    found = (entry.get("version"), entry.get("integrity")) if isinstance(entry, dict) else (None, None)
    if found != (version, integrity):
        raise ToolchainError(
            f"{LOCK_FILE} locks {PACKAGE} {found[0]} ({found[1]}), but toolchain.toml pins "
            f"{version} ({integrity})",
            hint="regenerate the lock file as toolchain.toml's [browsers] comment says",
        )


def ensure_puppeteer(target: Target) -> Path:
    """Return the node_modules directory that holds the pinned puppeteer-core."""
    pin = browser_pins(target)
    modules = modules_dir(target)
    spec = f"{PACKAGE}@{pin.puppeteer_core}"

    def populate(scratch: Path) -> None:
        lock = json.loads(lock_path().read_text(encoding="utf-8"))
        check_lock(lock, pin.puppeteer_core, pin.puppeteer_core_integrity)
        progress.step(f"installing {spec} with npm ci (the browser controller)")
        package = {"name": _PROJECT, "private": True,
                   "dependencies": {PACKAGE: pin.puppeteer_core}}
        (scratch / "package.json").write_text(json.dumps(package, indent=2), encoding="utf-8")
        (scratch / "package-lock.json").write_text(json.dumps(lock, indent=2), encoding="utf-8")
        env = os.environ | {"PUPPETEER_SKIP_DOWNLOAD": "1", "npm_config_update_notifier": "false",
                            "npm_config_fund": "false", "npm_config_audit": "false"}
        result = subprocess.run(
            [*npm_command(target), "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            capture_output=True, text=True, env=env, check=False, cwd=scratch,
        )
        if result.returncode != 0:
            raise ToolchainError(
                failure_message(f"npm ci ({spec})", result.returncode, result.stderr),
                hint="check npm's registry settings (EINTEGRITY means a tarball differs "
                     "from the lock file: do not override it)",
            )
        installed = json.loads((scratch / "node_modules" / PACKAGE / "package.json").read_text())
        if installed.get("version") != pin.puppeteer_core:
            raise ToolchainError(f"npm installed {PACKAGE} {installed.get('version')}, "
                                 f"expected {pin.puppeteer_core}")

    cache.ensure(modules.parent, {"npm": spec, "integrity": pin.puppeteer_core_integrity},
                 populate)
    return modules
