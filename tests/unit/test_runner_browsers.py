"""Finding and installing Debian's browsers; the controller's npm pins; runtime names."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from wasmwheel import errors
from wasmwheel.config.pins import current_target
from wasmwheel.runner.runtimes import browser_install, expand_runtimes, get_runtime, puppeteer
from wasmwheel.runner.runtimes.browser import BrowserRuntime


@pytest.fixture
def no_browsers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser_install.shutil, "which", lambda name, *a, **k: None)


@pytest.mark.parametrize(("name", "command"), [
    ("chromium", "apt-get install -y --no-install-recommends chromium chromium-driver"),
    ("firefox", "apt-get install -y --no-install-recommends firefox-esr"),
])
def test_a_missing_browser_names_the_debian_package(
        no_browsers: None, monkeypatch: pytest.MonkeyPatch, name: str, command: str) -> None:
    monkeypatch.setattr(browser_install.os, "geteuid", lambda: 1000)  # not root: nothing is installed
    with pytest.raises(errors.TestRunError, match=f"{name} is not installed") as info:
        browser_install.ensure_browser(name, current_target())
    assert info.value.hint == f"install Debian's package: sudo {command}"


def test_root_installs_with_apt_get_refreshing_stale_lists_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    installed = {"done": False}

    def run(command: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(list(command))
        if "install" in command and len(calls) == 1:
            return subprocess.CompletedProcess(command, 100, "", "E: Unable to locate package")
        installed["done"] = installed["done"] or "install" in command
        return subprocess.CompletedProcess(command, 0, "", "")

    def which(name: str, *args: Any, **kwargs: Any) -> str | None:
        if name == "apt-get":
            return "/usr/bin/apt-get"
        return f"/usr/bin/{name}" if installed["done"] and name == "firefox-esr" else None

    monkeypatch.setattr(browser_install.os, "geteuid", lambda: 0)
    monkeypatch.setattr(browser_install.shutil, "which", which)
    monkeypatch.setattr(browser_install.subprocess, "run", run)
    assert browser_install.ensure_browser("firefox", current_target()) == Path("/usr/bin/firefox-esr")
    # Every call waits for a dpkg lock held by another apt-get instead of failing at once.
    wait = ["apt-get", "-o", "DPkg::Lock::Timeout=300"]
    install = [*wait, "install", "-y", "--no-install-recommends", "firefox-esr"]
    assert calls == [install, [*wait, "update"], install]


def test_debian_names_come_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser_install.shutil, "which", lambda name, *a, **k: f"/usr/bin/{name}")
    assert browser_install.find_browser("firefox") == Path("/usr/bin/firefox-esr")
    assert browser_install.find_browser("chromium") == Path("/usr/bin/chromium")


def test_a_target_without_browser_pins_says_so() -> None:
    target = dataclasses.replace(current_target(), browsers=None)
    with pytest.raises(errors.TestRunError, match=r"no \[targets\..*\.browsers\] table"):
        browser_install.packages("chromium", target)


def test_the_shipped_npm_lock_matches_toolchain_toml() -> None:
    pin = current_target().browsers
    assert pin is not None
    lock = json.loads(puppeteer.lock_path().read_text())
    puppeteer.check_lock(lock, pin.puppeteer_core, pin.puppeteer_core_integrity)
    for name, entry in lock["packages"].items():
        if name:  # every dependency is locked by content, and to no particular registry host
            assert entry["integrity"].startswith("sha512-") and "resolved" not in entry, name


def test_a_lock_that_disagrees_with_the_pin_is_refused() -> None:
    lock = {"packages": {"node_modules/puppeteer-core": {"version": "1.0.0", "integrity": "sha512-A"}}}
    with pytest.raises(errors.ToolchainError, match="locks puppeteer-core 1.0.0"):
        puppeteer.check_lock(lock, "2.0.0", "sha512-B")


def test_a_browser_means_its_page_and_its_worker() -> None:
    assert expand_runtimes(["chromium"]) == ["chromium-main", "chromium-worker"]
    assert expand_runtimes(["firefox-worker"]) == ["firefox-worker"]
    assert expand_runtimes(["node", "all", "firefox"]) == [
        "node", "chromium-main", "chromium-worker", "firefox-main", "firefox-worker"]
    runtime = get_runtime("firefox-worker", current_target(), Path("out"))
    assert isinstance(runtime, BrowserRuntime)
    assert (runtime.browser, runtime.context, runtime.output_dir) == ("firefox", "worker", Path("out"))
    with pytest.raises(errors.ConfigError, match="unknown test runtime 'safari'") as info:
        get_runtime("safari", current_target())
    assert info.value.hint and "chromium" in info.value.hint and "all" in info.value.hint
