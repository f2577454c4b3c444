"""What a build's output says happened, beyond its error lines.

failure.py picks a failed tool's own diagnostics. Some builds do not fail:
the backend catches the compiler's failure and builds a pure-Python wheel
instead (scikit-build-core's `if.failed` override, setuptools' optional
extensions, a setup.py that catches BuildFailed). `fallback_line` finds the
line where the backend or the project said so, `first_error` the first
error that caused it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from wasmwheel.toolchain.failure import clean_lines, diagnostics, shorten

COMMAND_SHOWN = 60
# Lines in which a backend or a setup.py reports building without its extensions.
_FALLBACK = re.compile(
    r"CMake build failed - retrying due to override"  # scikit-build-core
    r"|building extension \S+ failed"  # setuptools, optional=True
    r"|falling back to (?:a )?pure[- ]python"
    r"|(?:extension|speedups?|C extension)s? (?:could not|cannot|can't) be (?:compiled|built)"
    r"|(?:failed to|could not|cannot) (?:build|compile) (?:the )?(?:C|C\+\+|Cython|native) ext",
    re.IGNORECASE,
)
# Errors that are not a compiler's `file:line: error:`, most telling first: pyodide-build's
# wrapper reporting a tool it ran, a launcher that cannot find its script, any `error:`,
# and last ninja's and make's summaries (they only name the step).
_OTHER_ERRORS = (
    re.compile(r"^Command '.+' failed\b"),
    re.compile(r": can't open file '"),
    re.compile(r"\berror: ", re.IGNORECASE),
    re.compile(r"^FAILED: |^\S*make(?:\[\d+\])?: \*\*\* "),
)


def fallback_line(output: str) -> str | None:
    """The first line saying the build went on without its compiled extensions."""
    for line in clean_lines(output):
        if _FALLBACK.search(line):
            return shorten(line.strip())
    return None


def first_error(output: str) -> str | None:
    """The first compiler/linker diagnostic, else the first other error line."""
    lines = clean_lines(output)
    found = diagnostics(lines)
    if found:
        return shorten(found[0])
    return _first_other_error(lines)


def _first_other_error(lines: Sequence[str]) -> str | None:
    for pattern in _OTHER_ERRORS:
        for index, line in enumerate(lines):
            if not pattern.search(line):
                continue
            # pyodide-build prints the failing command, then what it wrote on stderr.
            # Its object-file list can be long: keep the tool's name and its own words.
            if line.startswith("Command '") and index + 1 < len(lines) and lines[index + 1]:
                command = line.strip()
                if len(command) > COMMAND_SHOWN:
                    command = f"{command[:COMMAND_SHOWN]}...' failed."
                return shorten(f"{command} {lines[index + 1].strip()}")
            return shorten(line.strip())
    return None
