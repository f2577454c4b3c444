"""`wasmwheel doctor`: what is installed versus what toolchain.toml pins, and the fix."""

from __future__ import annotations

from wasmwheel.config.pins import Target
from wasmwheel.errors import ToolchainError
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.node import NODE_ENV, check_provided_node, node_binary, provided_node
from wasmwheel.toolchain.pyodide_runtime import dist_dir
from wasmwheel.toolchain.routes import ROUTE_NAMES, RouteStatus, make_route


def route_statuses(target: Target) -> list[RouteStatus]:
    return [make_route(name, target).status() for name in ROUTE_NAMES]


def render(target: Target, *, default: bool = True) -> tuple[str, bool]:
    """The doctor report as text, and whether at least one route is ready.

    `default`: whether builds use this target without --target.
    """
    notes = [n for n, on in (("default", default),
                             ("PRE-RELEASE: kept off PyPI unless allowed", target.prerelease)) if on]
    label = f" ({'; '.join(notes)})" if notes else ""
    lines = [
        (f"target {target.name}{label}: Pyodide "
         f"{target.pyodide}, CPython {target.python}, Emscripten {target.emscripten}, "
         f"ABI {target.abi} ({target.platform_tag})"),
        f"pins hash {target.pins_hash}; cache {cache.cache_root()}",
        "",
    ]
    runtime = dist_dir(target)
    node = node_binary(target)
    lines.append(f"  runtime  pyodide {target.npm.version} (npm): "
                 f"{'ready' if cache.is_complete(runtime) else 'missing'}")
    lines.append(_node_line(target, node.exists()))
    ready = False
    for status in route_statuses(target):
        state = "ready" if status.installed else "not installed"
        kind = "approximate" if status.approximate else "exact"
        detail = f"emscripten {status.emscripten}" if status.emscripten else ""
        lines.append(f"  route    {status.route:<7} {state:<14} {kind:<12} {detail}".rstrip())
        if status.installed and status.where:
            lines.append(f"             in {status.where}")
        for problem in status.problems:
            lines.append(f"             - {problem}")
        if status.fix and not status.installed:
            lines.append(f"             fix: {_for_target(status.fix, target, default)}")
        ready = ready or status.installed
    if not ready:
        lines += ["", _for_target(_next_step(target), target, default)]
    return "\n".join(lines), ready


def _for_target(fix: str, target: Target, default: bool) -> str:
    """A suggested `wasmwheel toolchain install` names the target unless it is the default."""
    verb = "wasmwheel toolchain install"
    return fix if default else fix.replace(verb, f"{verb} --target {target.name}")


def _node_line(target: Target, installed: bool) -> str:
    provided = provided_node()
    if provided is None:
        return (f"  node     {target.node.version} (PyPI {target.node.wheel}): "
                f"{'ready' if installed else 'missing'}")
    try:
        state = f"ready (Node {check_provided_node(provided, target)})"
    except ToolchainError as exc:
        state = f"unusable: {exc.message}"
    return f"  node     {provided} (${NODE_ENV}): {state}"


def _next_step(target: Target) -> str:
    """What to run when nothing is ready: only a command that can work from here."""
    usable = [name for name in ROUTE_NAMES if make_route(name, target).available() is None]
    if not usable:
        return "no route is ready and none can be installed here: see each route's problems above"
    return (f"no route is ready: run `wasmwheel toolchain install` (auto picks one; "
            f"installable here: {', '.join(usable)})")
