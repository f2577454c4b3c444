"""A tiny project with a pytest suite, for `run_tests` against the real runtimes."""

from __future__ import annotations

import textwrap
from pathlib import Path

# `tiny`'s one module, for make_wheel(directory, "tiny", "0.1", files=TINY).
TINY = {"tiny/__init__.py": "def add(a, b):\n    return a + b\n"}


def write_project(root: Path, tests: str) -> Path:
    """pyproject.toml naming tests/ as the suite, and tests/test_tiny.py holding `tests`."""
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "tiny"\nversion = "0.1"\n'
                                         '[tool.wasmwheel]\ntest-paths = ["tests"]\n')
    (root / "tests" / "test_tiny.py").write_text(textwrap.dedent(tests))
    return root
