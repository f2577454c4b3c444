"""Where a test job runs: Node, and Chromium/Firefox (page and Web Worker); `--runtime` names."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from wasmwheel.config.pins import Target
from wasmwheel.errors import ConfigError
from wasmwheel.runner.runtimes.base import Runtime
from wasmwheel.runner.runtimes.browser import BROWSER_RUNTIMES
from wasmwheel.runner.runtimes.node import NodeRuntime

RUNTIMES: dict[str, type[Runtime]] = {"node": NodeRuntime}
# What `--runtime` accepts besides single runtimes: a browser means both its contexts.
GROUPS = {
    "chromium": ("chromium-main", "chromium-worker"),
    "firefox": ("firefox-main", "firefox-worker"),
    "all": ("node", "chromium-main", "chromium-worker", "firefox-main", "firefox-worker"),
}


def available_runtimes() -> dict[str, type[Runtime]]:
    return RUNTIMES | BROWSER_RUNTIMES


def runtime_choices() -> list[str]:
    """What `--runtime` accepts: node, the groups, then each single browser context."""
    return list(dict.fromkeys(["node", *GROUPS, *available_runtimes()]))


def expand_runtimes(names: Sequence[str]) -> list[str]:
    """`chromium` -> chromium-main, chromium-worker; `all` -> every runtime; order kept, no repeats."""
    expanded = [single for name in names for single in GROUPS.get(name, (name,))]
    return list(dict.fromkeys(expanded))


def get_runtime(name: str, target: Target, output_dir: Path | None = None) -> Runtime:
    runtimes = available_runtimes()
    try:
        return runtimes[name](target, output_dir)
    except KeyError:
        choices = sorted({*runtimes, *GROUPS})
        raise ConfigError(f"unknown test runtime {name!r}",
                          hint=f"use one of: {', '.join(choices)}") from None
