"""Debian's browsers for the browser runtimes: find them, or install them with apt-get.

Test tools' own browser downloads (playwright install, puppeteer's
postinstall, geckodriver releases) need hosts a build machine often cannot
reach; the distribution's packages come from the same mirror as everything else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from wasmwheel import progress
from wasmwheel.config.pins import BrowsersPin, Target
from wasmwheel.errors import TestRunError
from wasmwheel.toolchain.apt import apt_get, say_lock_wait
from wasmwheel.toolchain.failure import failure_message

# browser -> executables to look for, in order (Debian's names first)
EXECUTABLES = {
    "chromium": ("chromium", "chromium-browser"),
    "firefox": ("firefox-esr", "firefox"),
}
_APT_ENV = {"DEBIAN_FRONTEND": "noninteractive"}


def browser_pins(target: Target) -> BrowsersPin:
    if target.browsers is None:
        raise TestRunError(
            f"toolchain.toml has no [targets.{target.name}.browsers] table",
            hint="add it (puppeteer-core version and integrity, Debian package names)",
        )
    return target.browsers


def packages(name: str, target: Target) -> list[str]:
    pins = browser_pins(target)
    return {"chromium": pins.chromium_packages, "firefox": pins.firefox_packages}[name]


def find_browser(name: str) -> Path | None:
    for executable in EXECUTABLES[name]:
        found = shutil.which(executable)
        if found:
            return Path(found)
    return None


def _install_command(pkgs: list[str]) -> list[str]:
    return ["apt-get", "install", "-y", "--no-install-recommends", *pkgs]


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(apt_get(*command[1:]), capture_output=True, text=True, check=False,
                          env=os.environ | _APT_ENV)


def ensure_browser(name: str, target: Target) -> Path:
    """The browser's executable; installs its Debian packages when missing and we are root."""
    found = find_browser(name)
    if found:
        return found
    pkgs = packages(name, target)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise TestRunError(
            f"{name} is not installed (looked for {', '.join(EXECUTABLES[name])} on PATH)",
            hint=f"install Debian's package: sudo {' '.join(_install_command(pkgs))}",
        )
    progress.step(f"installing {' '.join(pkgs)} with apt-get (the {name} test runtime)")
    say_lock_wait()
    result = _run(_install_command(pkgs))
    if result.returncode != 0:  # package lists never fetched or stale: refresh once, retry
        progress.info("apt-get install failed; running apt-get update and retrying")
        _run(["apt-get", "update"])
        result = _run(_install_command(pkgs))
    if result.returncode != 0:
        output = result.stdout + result.stderr
        raise TestRunError(failure_message(f"apt-get install {' '.join(pkgs)}",
                                           result.returncode, output),
                           hint="check apt's sources (a Debian mirror must be reachable)")
    found = find_browser(name)
    if not found:
        raise TestRunError(f"{name} is still missing after apt-get installed {' '.join(pkgs)}")
    return found
