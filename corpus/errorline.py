"""The first real error line of a failed build's output, for the table.

A build log is long; what a reader wants is the compiler's or linker's own first
error (`foo.c:12:5: error: ...`), else a backend's (`ERROR: ...` from meson,
`CMake Error ...`), else wasmwheel's own `error:` summary line.
"""

from __future__ import annotations

import re

_COMPILER = re.compile(r"^\S+?:\d+(?::\d+)?: (?:fatal )?error: .+")
_LINKER = re.compile(r"^(?:wasm-ld|em\+\+|emcc|clang(?:\+\+)?|ld): (?:error: )?.*(?:error|undefined|cannot).*",
                     re.IGNORECASE)
_TOOL = re.compile(r"^Command '(\S+)[^']*' failed\. Output to stderr was:$")  # pyodide-build's
_MESON = re.compile(r"^\S*meson\.build:\d+:\d+: ERROR: .+")  # located: says more than "ERROR: ..."
_BACKEND = re.compile(r"^(?:ERROR: |CMake Error|.*Error: ).+")
_WASMWHEEL = re.compile(r"^error: .+")
_NOISE = ("error: subprocess-exited-with-error", "ERROR: Failed building wheel",
          "error: metadata-generation-failed", "ERROR Backend subprocess exited")
_LIMIT = 200


def first_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines()]
    lines = [line for line in lines if line and not line.startswith(_NOISE)]
    for pattern in (_COMPILER,):
        for line in lines:
            if pattern.match(line):
                return _short(line)
    for index, line in enumerate(lines[:-1]):
        tool = _TOOL.match(line)
        if tool:  # the tool's name, then what it said (the next line)
            return _short(f"{tool.group(1)} failed: {lines[index + 1]}")
    for pattern in (_LINKER, _MESON, _BACKEND):
        for line in lines:
            if pattern.match(line):
                return _short(line)
    wasmwheel = [line for line in lines if _WASMWHEEL.match(line)]
    if wasmwheel:
        return _short(wasmwheel[-1])  # wasmwheel's summary comes last
    return _short(lines[-1]) if lines else "(no output)"


def _short(line: str) -> str:
    line = re.sub(r"/tmp/[\w.-]+/", "", line)  # staging paths differ per run and say nothing
    return line if len(line) <= _LIMIT else line[: _LIMIT - 3] + "..."
