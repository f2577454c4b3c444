"""What a person needs from a failed tool's output: its own diagnostics.

A failed compile under `pyodide build` ends with pypa/build's traceback and
"ERROR Backend subprocess exited"; the cause (`file.c:65:1: error: ...`) is
dozens of lines above. `summarize` picks the compiler's and linker's error
lines (with the source excerpt that follows them); when there are none, it
falls back to the output's last lines with Python tracebacks reduced to
their final exception line. Every place that reports a failed subprocess
uses `failure_message`, and `run_streamed` for tools whose output the user
should also see live.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path

KEPT_LINES = 5000  # of a streamed tool's output; diagnostics come just before it stops
MAX_DIAGNOSTICS = 8  # error lines shown; the first errors are the ones that matter
CONTEXT_LINES = 4  # clang's source line, caret and fix-it, or the notes after an error
FALLBACK_LINES = 15

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# `src/x.c:65:1: error: ...`, `x.c:65: fatal error: ...` (clang, gcc, emcc)
_SOURCE_ERROR = re.compile(r"^\S[^:]*:\d+(?::\d+)?: (?:fatal )?error: ")
# `wasm-ld-21: error: ...`, `emcc: error: ...`, `/usr/bin/ld: error: ...`, `clang: error: ...`
_TOOL_ERROR = re.compile(
    r"^(?:\S*/)?(?:emcc|em\+\+|wasm-ld|ld(?:\.\w+)?|clang(?:\+\+)?|gcc|g\+\+|cc|c\+\+"
    r"|llvm-[\w-]+|ar|make(?:\[\d+\])?|ninja|cmake|meson)(?:-[\d.]+)?(?:\.py)?: (?:fatal )?error: ",
    re.IGNORECASE,
)
# What follows an error and belongs to it: clang's `  114 | code` and caret lines,
# `note:` lines, wasm-ld's `>>> defined in ...`.
_CONTEXT = re.compile(r"^\s+\S|^>>> |^\S[^:]*:\d+(?::\d+)?: note: ")
MAX_LINE = 300  # emcc's error line repeats the whole wasm-ld command
_TRACEBACK = re.compile(r"^(\s*)Traceback \(most recent call last\):")
_CHAINED = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)


def clean_lines(output: str) -> list[str]:
    """The output's lines without terminal colour codes or trailing blanks."""
    return [_ANSI.sub("", line).rstrip() for line in output.splitlines()]


def shorten(line: str) -> str:
    if len(line) <= MAX_LINE:
        return line
    return f"{line[:MAX_LINE - 80]} ... {line[-60:]}"


def is_diagnostic(line: str) -> bool:
    return bool(_SOURCE_ERROR.match(line) or _TOOL_ERROR.match(line))


def diagnostics(lines: Sequence[str]) -> list[str]:
    """Compiler and linker error lines, each with the few context lines after it."""
    picked: list[str] = []
    shown = 0
    index = 0
    while index < len(lines) and shown < MAX_DIAGNOSTICS:
        if not is_diagnostic(lines[index]):
            index += 1
            continue
        block = [lines[index]]
        index += 1
        while (
            index < len(lines)
            and len(block) <= CONTEXT_LINES
            and not is_diagnostic(lines[index])
            and _CONTEXT.match(lines[index])
        ):
            block.append(lines[index])
            index += 1
        if block[0] not in picked:  # the same error echoed twice (make, ninja)
            picked += block
            shown += 1
    return picked


def without_tracebacks(lines: Sequence[str]) -> list[str]:
    """`lines` with each Python traceback replaced by its last line (`Error: message`)."""
    kept: list[str] = []
    index = 0
    while index < len(lines):
        start = _TRACEBACK.match(lines[index])
        if not start:
            if lines[index].strip() not in _CHAINED:
                kept.append(lines[index])
            index += 1
            continue
        indent = len(start.group(1))
        index += 1
        # Frames are indented deeper than the `Traceback` line; the first line that is
        # not is the exception itself.
        while index < len(lines) and (
            not lines[index].strip() or len(lines[index]) - len(lines[index].lstrip()) > indent
        ):
            index += 1
    return kept


def summarize(output: str) -> str:
    """The lines of a failed tool's `output` that say why it failed."""
    lines = clean_lines(output)
    found = diagnostics(lines)
    if not found:
        # A hook that failed is retried and says the same again: keep each line once.
        rest = dict.fromkeys(line for line in without_tracebacks(lines) if line.strip())
        found = list(rest)[-FALLBACK_LINES:]
    return "\n".join(shorten(line) for line in found)


def failure_message(what: str, returncode: int, output: str) -> str:
    """`<what> failed (exit N)` and the summary of its output, indented under it."""
    summary = summarize(output)
    heading = f"{what} failed (exit {returncode})"
    if not summary:
        return f"{heading} without any output"
    said = "its errors" if diagnostics(clean_lines(output)) else "the end of its output"
    indented = "\n".join(f"  {line}" for line in summary.splitlines())
    return f"{heading}; {said}:\n{indented}"


def run_streamed(
    command: Sequence[str], *, cwd: Path | str | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `command`, relaying its output (stdout and stderr, merged) line by line
    to our stderr, so stdout stays for results; return it with the output's last
    `KEPT_LINES` lines as `stdout` for `failure_message`."""
    kept: deque[str] = deque(maxlen=KEPT_LINES)
    with subprocess.Popen(
        list(command),
        cwd=cwd,
        env=None if env is None else dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
    ) as process:
        assert process.stdout is not None
        try:
            for line in process.stdout:
                sys.stderr.write(line)
                kept.append(line)
        except BaseException:  # Ctrl-C: do not leave the tool running
            process.kill()
            raise
    sys.stderr.flush()
    return subprocess.CompletedProcess(list(command), process.returncode, "".join(kept), "")
