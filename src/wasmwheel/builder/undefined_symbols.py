"""An extension module must not import symbols that nothing provides when Pyodide loads it.

wasm-ld links side modules with undefined symbols allowed, so a build
succeeds even when a symbol is defined nowhere: llhttp's callbacks that
httptools and aiohttp expect from JavaScript under `__wasm__`, or a C99
`inline` function without an external definition (srsly's vendored ujson).
The module then fails in Pyodide at import or at the first call. Here every
`.so` in the built wheel is checked against what the pinned runtime provides
and what the wheel's other modules export; weak imports may stay unresolved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wasmwheel import progress
from wasmwheel.builder.runtime_symbols import runtime_symbols
from wasmwheel.config.pins import Target
from wasmwheel.errors import BuildError, WasmwheelError
from wasmwheel.toolchain.pyodide_runtime import ensure_pyodide_dist
from wasmwheel.wheel.wasm_linkage import WasmFormatError, extension_linkages

ALLOW_FLAG = "--allow-undefined-symbols"
SHOWN = 8  # symbols named per module; a longer list says how many more
CAUSES = "e.g. a JavaScript import under __wasm__, or a C99 inline without an external definition"


@dataclass(frozen=True)
class Unresolved:
    module: str                 # the .so member
    symbols: tuple[str, ...]    # sorted


def unresolved(wheel: Path, provided: Callable[[], frozenset[str] | None]) -> list[Unresolved] | None:
    """The modules of `wheel` needing symbols that neither `provided()` nor the wheel has.

    `provided` is called only when some module needs a symbol from outside the
    wheel; None from it (or an unreadable module) means "cannot tell": None.
    """
    try:
        linkages = extension_linkages(wheel)
    except WasmFormatError:
        return None
    in_wheel = frozenset().union(*(linkage.exports for linkage in linkages.values()))
    outside = {member: linkage.required - in_wheel for member, linkage in linkages.items()}
    if not any(outside.values()):
        return []
    runtime = provided()
    if runtime is None:
        return None
    found = [Unresolved(member, tuple(sorted(needed - runtime)))
             for member, needed in outside.items()]
    return [entry for entry in found if entry.symbols]


def describe(wheel: str, pyodide: str, found: list[Unresolved]) -> str:
    def listed(symbols: tuple[str, ...]) -> str:
        more = len(symbols) - SHOWN
        return ", ".join(symbols[:SHOWN]) + (f" and {more} more" if more > 0 else "")

    modules = "; ".join(f"{entry.module} needs symbols neither Pyodide {pyodide} nor the wheel "
                        f"provides: {listed(entry.symbols)}" for entry in found)
    return f"{wheel}: {modules} ({CAUSES})"


def check_symbols(wheel: Path, target: Target, *, allowed: bool) -> None:
    """Refuse `wheel` if an extension module imports a symbol nothing provides, unless `allowed`."""
    why = f"cannot read what Pyodide {target.pyodide} provides to extension modules"

    def provided() -> frozenset[str] | None:
        nonlocal why
        try:
            return runtime_symbols(ensure_pyodide_dist(target))
        except WasmwheelError as exc:  # the check needs the runtime; the build itself did not
            why = exc.message
            return None

    found = unresolved(wheel, provided)
    if found is None:  # never guess: a false alarm would fail a good build
        progress.step(f"warning: {wheel.name}: undefined symbols not checked: {why}")
        return
    if not found:
        return
    message = describe(wheel.name, target.pyodide, found)
    if allowed:
        progress.step(f"warning: {message}; accepted because of {ALLOW_FLAG}")
        return
    raise BuildError(
        message,
        hint="define those symbols in the extension's C/C++ sources, or leave out the code that "
        f"needs them; {ALLOW_FLAG} keeps the wheel anyway (it fails when Pyodide loads or "
        "calls that code)",
    )
