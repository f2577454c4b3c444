"""The corpus's CI subset: real sdists from PyPI built with no per-package settings,
each smoke check green inside Pyodide, and one package's own test suite run.

`python -m corpus --subset ci` is what `make corpus ARGS="--subset ci"` runs; the
sdists are hash-checked downloads from PyPI (cached in the work directory).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import manifest

from helpers.paths import REPO

pytestmark = pytest.mark.integration

OWN_TESTS = "fast-hash-utils"  # a plain pytest suite in tests/ that needs nothing Pyodide lacks


def test_every_ci_subset_package_builds_and_passes_its_smoke_check(tmp_path: Path) -> None:
    table = tmp_path / "compatibility.md"
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), str(REPO / "src"),
                                                      env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "corpus", "--subset", "ci", "--jobs", "2", "--own-tests", OWN_TESTS,
         "--workdir", str(tmp_path / "work"), "--output", str(table)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=1500, check=False)
    assert table.is_file(), result.stderr[-4000:]
    rows = {line.split(" | ")[0].strip("| "): line for line in table.read_text().splitlines()
            if line.startswith("| ") and not line.startswith(("| package", "|---"))}
    subset = {p.name for p in manifest.select(manifest.load(), subset="ci")}
    assert set(rows) == subset
    failed = {name: row for name, row in rows.items() if " | ok | " not in row}
    assert not failed, f"{failed}\n{result.stderr[-4000:]}"
    assert result.returncode == 0, result.stderr[-4000:]
    own = rows[OWN_TESTS].split(" | ")[6]
    assert own.split()[0].isdigit() and int(own.split()[0]) > 0, own
    assert " 0 failed" in own, own


def test_nox_corpus_session_runs_the_corpus_from_any_directory(tmp_path: Path) -> None:
    # Without a venv (as the Nix shell runs nox): the session's wiring, not a build.
    bin_dir = str(Path(sys.executable).parent)
    env = os.environ | {"NOX_DEFAULT_VENV_BACKEND": "none", "PATH": f"{bin_dir}:/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "nox", "-f", str(REPO / "noxfile.py"), "-s", "corpus", "--",
         "--only", "no-such-package"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr  # nox passes the command's output through
    assert "error: not in the corpus: no-such-package" in output, output[-3000:]
