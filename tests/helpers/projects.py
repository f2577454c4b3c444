"""Small projects: `tiny` with a pytest suite, for `run_tests` against the real runtimes;
`demo`, a src-layout tree with one test, for finding, staging and reusing sources."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
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


# `demo` as files: write_tree(root, DEMO) for a project, make_sdist(dir, files=DEMO) for an sdist.
DEMO = {"pyproject.toml": "[project]\nname = 'demo'\nversion = '1.0'\n",
        "src/demo/__init__.py": "", "tests/test_demo.py": "def test(): pass\n"}


def write_tree(root: Path, files: Mapping[str, str]) -> Path:
    """Write each relative path of `files` below `root`, making directories as needed."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def setuptools_pyproject(name: str, version: str = "0.1.0") -> str:
    """pyproject.toml of a setuptools project whose extensions its setup.py declares."""
    return ('[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "{name}"\nversion = "{version}"\n')
