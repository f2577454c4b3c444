"""`twine check` over many files in few runs, with a verdict per file.

twine stops at the first file it cannot read (an exception, not a verdict),
so the files after it are checked in another run.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

from wasmwheel.publish.errors import PublishError

_VERDICT = re.compile(r"^Checking (?P<file>.+?): (?P<verdict>PASSED|FAILED)", re.MULTILINE)


def require_twine() -> None:
    if importlib.util.find_spec("twine") is None:
        raise PublishError("twine is not installed", hint="pip install 'twine>=7'")


def _run(files: list[Path]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "twine", "--no-color", "check", *map(str, files)],
        check=False, capture_output=True, text=True, stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "500", "NO_COLOR": "1"},
    )
    return result.stdout + "\n" + result.stderr


def _reason(chunk: str) -> str:
    """The first ERROR line of a file's output (plus the markup error), else its last line."""
    lines = [" ".join(line.split()) for line in chunk.splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR").strip() for line in lines if line.startswith("ERROR")]
    details = [line for line in lines if line.startswith("line ")]  # docutils' first complaint
    reason = (errors or lines[-1:] or ["twine check failed"])[0]
    return (f"{reason} ({details[0]})" if errors and details else reason)[:300]


def check(files: list[Path]) -> dict[Path, str]:
    """Map each file that fails `twine check` to a one-line reason; passing files are absent."""
    require_twine()
    failures: dict[Path, str] = {}
    pending = list(files)
    while pending:
        output = _run(pending)
        verdicts = {m.group("file"): m for m in _VERDICT.finditer(output)}
        for index, file in enumerate(pending):
            match = verdicts.get(str(file))
            if match is None:  # twine crashed on this file: those after it were never checked
                failures[file] = _reason(output.split(f"Checking {file}: ", 1)[-1])
                pending = pending[index + 1:]
                break
            if match.group("verdict") == "FAILED":
                failures[file] = _reason(output[match.end():].split("\nChecking ", 1)[0])
        else:
            pending = []
    return failures
