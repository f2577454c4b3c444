"""Choosing a toolchain route: explicit, or `auto`.

auto picks, in order: an exact toolchain already in the cache; the debian
route installed in this system (a container image chose it when it was
built); an `emcc` on PATH that matches the pins exactly (image, Nix shell);
the exact route when its sources are reachable; otherwise the debian route,
saying so in one line.
"""

from __future__ import annotations

import os
from pathlib import Path

from wasmwheel import progress
from wasmwheel.config.pins import Target
from wasmwheel.errors import ConfigError, ToolchainError
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.routes.base import Route, RouteStatus
from wasmwheel.toolchain.routes.debian.route import DebianRoute
from wasmwheel.toolchain.routes.exact.route import ExactRoute
from wasmwheel.toolchain.routes.system import SystemRoute

ROUTE_NAMES = ("exact", "debian", "system")
ROUTE_ENV = "WASMWHEEL_ROUTE"

__all__ = ["ROUTE_ENV", "ROUTE_NAMES", "Route", "RouteStatus", "make_route", "select_route"]


def make_route(name: str, target: Target, cache_dir: Path | None = None) -> Route:
    cache_dir = cache_dir or cache.cache_root()
    if name == "exact":
        return ExactRoute(target, cache_dir)
    if name == "debian":
        return DebianRoute(target, cache_dir)
    if name == "system":
        return SystemRoute(target, cache_dir)
    raise ConfigError(f"unknown route {name!r}", hint=f"use one of: auto, {', '.join(ROUTE_NAMES)}")


def requested_route(cli_value: str | None) -> str:
    """CLI flag > $WASMWHEEL_ROUTE > auto."""
    return cli_value or os.environ.get(ROUTE_ENV) or "auto"


def select_route(name: str, target: Target) -> Route:
    """Return the route to use; raises ToolchainError with the reason if none can work."""
    if name != "auto":
        route = make_route(name, target)
        if not route.is_installed():
            reason = route.available()
            if reason:
                raise ToolchainError(f"the {name} route cannot be used here: {reason}")
        return route
    exact = make_route("exact", target)
    if exact.is_installed():
        return exact
    debian = DebianRoute(target, cache.cache_root())
    if debian.in_place and debian.is_installed():
        return debian  # the image's own toolchain: no probing, no message
    system = make_route("system", target)
    if system.available() is None and not system.approximate:
        return system
    exact_reason = exact.available()
    if exact_reason is None:
        return exact
    debian_reason = debian.available()
    if debian_reason is None or debian.is_installed():
        progress.step(
            f"exact toolchain unreachable ({exact_reason}); using the debian route "
            f"(approximate: Debian's Emscripten, not {target.emscripten})"
        )
        return debian
    raise ToolchainError(
        "no toolchain route is usable here",
        hint=f"exact: {exact_reason}; debian: {debian_reason}; "
        f"system: {system.available() or 'emcc does not match the pins'}",
    )
