"""Does a project have code to compile? Evidence, not certainty.

Used to tell a truly pure project (whose py3-none-any wheel is the right
result) from one whose extensions silently failed to build.
"""

from __future__ import annotations

import os
from pathlib import Path

# Suffixes of sources a build backend compiles (C, C++, Cython, Fortran).
NATIVE_SUFFIXES = frozenset({".c", ".cc", ".cpp", ".cxx", ".c++", ".pyx", ".f", ".f90"})
# Folders whose sources are not the package's extensions (test fixtures, docs, examples).
NOT_EXTENSIONS = frozenset({
    "test", "tests", "testing", "doc", "docs", "example", "examples",
    "benchmark", "benchmarks", "bench", ".git", "build", "dist", ".tox", ".nox",
})
# Build configuration that compiles Python with mypyc.
MYPYC_MARKERS = ("mypycify", "hatch-mypyc")
SHOWN = 3


def native_sources(root: Path) -> list[str]:
    """Up to a few paths (relative to `root`) showing that `root` has native code."""
    found: list[str] = []
    for name in ("setup.py", "pyproject.toml"):
        config = root / name
        if config.is_file() and any(m in config.read_text(errors="replace") for m in MYPYC_MARKERS):
            found.append(f"{name} (mypyc)")
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d.lower() not in NOT_EXTENSIONS)
        for name in sorted(files):
            if Path(name).suffix.lower() in NATIVE_SUFFIXES:
                found.append((Path(directory) / name).relative_to(root).as_posix())
                if len(found) >= SHOWN:
                    return found
    return found
