"""The symbols the pinned Pyodide runtime gives a side module when it loads it.

Emscripten's loader resolves a side module's imports against `wasmImports`:
the main module's exports (pyodide.asm.wasm) plus the JavaScript library
functions listed in that object's literal in pyodide.asm.mjs, plus the
entries the runtime adds to it later (`wasmImports["open64"]=...`). The wasm
exports alone miss the JavaScript functions (measured on the corpus: 63 of
68 extension modules would look broken), so both files are read.

None means the JavaScript is not in a shape this reader knows (another
Emscripten's output): the caller then skips the check rather than guess,
because a false alarm would fail a good build.
"""

from __future__ import annotations

import re
from pathlib import Path

from wasmwheel.wheel.wasm_linkage import WasmFormatError, read_linkage

MAIN_MODULE = "pyodide.asm.wasm"
LOADER = "pyodide.asm.mjs"

_IMPORTS_LITERAL = re.compile(r"\bvar wasmImports\s*=\s*\{(?P<body>[^{}]*)\}")
_LATER_IMPORT = re.compile(r"""\bwasmImports\[["'](?P<name>[\w$]+)["']\]\s*=[^=]""")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_ENTRY = re.compile(r"""^["']?(?P<name>[\w$]+)["']?(\s*:\s*[\w$.]+)?$""")


def loader_symbols(javascript: str) -> frozenset[str] | None:
    """The names `wasmImports` holds in Emscripten's JavaScript, or None if it cannot tell."""
    literal = _IMPORTS_LITERAL.search(javascript)
    if literal is None:
        return None
    names: set[str] = set()
    for entry in _COMMENT.sub("", literal["body"]).split(","):
        entry = entry.strip()
        if not entry:
            continue
        matched = _ENTRY.match(entry)
        if matched is None:
            return None  # not a plain `name: function` list: do not guess
        names.add(matched["name"])
    names.update(found["name"] for found in _LATER_IMPORT.finditer(javascript))
    return frozenset(names)


def runtime_symbols(runtime: Path) -> frozenset[str] | None:
    """Every symbol a side module can import from the Pyodide runtime unpacked in `runtime`."""
    try:
        main = read_linkage((runtime / MAIN_MODULE).read_bytes())
        javascript = (runtime / LOADER).read_text(encoding="utf-8")
    except (OSError, WasmFormatError, UnicodeDecodeError):
        return None
    library = loader_symbols(javascript)
    return None if library is None else main.exports | library
