"""Say so when an extension module starts threads: Pyodide has none.

In Pyodide `pthread_create` links (the runtime provides a stub) but fails
with EAGAIN, so a module that starts a thread and waits for it without
checking hangs where a native build works (pyppmd's decoder). That is the
package's code, not the build's, so this is a warning, never a refusal.
"""

from __future__ import annotations

from pathlib import Path

from wasmwheel import progress
from wasmwheel.wheel.wasm_linkage import WasmFormatError, extension_linkages

THREAD_START = "pthread_create"


def thread_starters(wheel: Path) -> list[str]:
    """The extension modules of `wheel` that import pthread_create (sorted); [] if unreadable."""
    try:
        linkages = extension_linkages(wheel)
    except WasmFormatError:
        return []
    return sorted(member for member, linkage in linkages.items() if THREAD_START in linkage.required)


def warn_about_threads(wheel: Path) -> None:
    modules = thread_starters(wheel)
    if modules:
        progress.step(
            f"warning: {wheel.name}: {', '.join(modules)} can start threads ({THREAD_START}); "
            "Pyodide has none, so that call fails there, and code that waits for a thread "
            "without checking it started hangs (tests that need threads count as unsupported)")
