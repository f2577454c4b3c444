"""The README's entry points, run as a user runs them: `nox -s wasm` and `nox -s browser`.

Each session installs wasmwheel into its own venv (reused from run to run,
reinstalled when wasmwheel's source changed) and uses the same toolchain
cache as the rest of the suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.paths import REPO
from wasmwheel.config.pins import load_toolchain

pytestmark = pytest.mark.integration


def nox(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nox", "-f", str(REPO / "noxfile.py"), *args],
        capture_output=True, text=True, timeout=1500, check=False,
    )


def nox_env(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nox", "-f", str(REPO / "noxfile.py"), *args],
        capture_output=True, text=True, timeout=timeout, check=False, env=env,
    )


def summary_rows(output: str) -> dict[str, list[str]]:
    """The test table: runtime -> its cells (result, passed, failed, ...)."""
    rows = {}
    for line in output.splitlines():
        cells = line.split()
        if cells and cells[0] in {"node", "chromium-main", "chromium-worker", "firefox-main",
                                  "firefox-worker"}:
            rows[cells[0]] = cells[1:]
    return rows


def test_nox_wasm_builds_and_tests_the_example_for_every_target() -> None:
    env = {k: v for k, v in os.environ.items() if k != "WASMWHEEL_TARGET"}
    result = nox_env(env, "-s", "wasm", timeout=1500)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    node = [line.split()[1:3] for line in result.stdout.splitlines() if line.startswith("node ")]
    assert node == [["ok", "12"]] * len(load_toolchain().targets)  # one wheel per target
    for target in load_toolchain().targets.values():
        assert f"Pyodide {target.pyodide} on node" in result.stdout + result.stderr  # nox merges them


def test_nox_browser_runs_the_example_in_both_browsers() -> None:
    result = nox("-s", "browser")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = summary_rows(result.stdout)
    assert set(rows) == {"chromium-main", "chromium-worker", "firefox-main", "firefox-worker"}
    for runtime, cells in rows.items():
        assert cells[:3] == ["ok", "12", "0"], (runtime, cells)


def test_nox_browser_on_a_real_pypi_sdist(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
         "--dest", str(tmp_path), "markupsafe==3.0.4"],
        check=True, capture_output=True, text=True,
    )
    (sdist,) = tmp_path.glob("*.tar.gz")
    result = nox("-s", "browser", "--", str(sdist))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = summary_rows(result.stdout)
    assert len(rows) == 4
    for runtime, cells in rows.items():
        assert cells[0] == "ok" and int(cells[1]) >= 70, (runtime, cells)


def test_without_a_venv_the_sessions_use_the_installed_wasmwheel() -> None:
    # What the Nix shell does (NOX_DEFAULT_VENV_BACKEND=none): no venv, nothing installed.
    bin_dir = str(Path(sys.executable).parent)  # this environment's `wasmwheel`
    env = os.environ | {"NOX_DEFAULT_VENV_BACKEND": "none", "PATH": f"{bin_dir}:/usr/bin:/bin"}
    result = nox_env(env, "-s", "doctor")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "target pyodide-" in result.stdout and "pip install" not in result.stderr
    missing = nox_env(env | {"PATH": "/usr/bin:/bin"}, "-s", "doctor")
    assert missing.returncode != 0
    assert "no virtualenv and no `wasmwheel` on PATH" in missing.stderr


def test_a_reused_session_reinstalls_wasmwheel_only_when_its_source_changed(tmp_path: Path) -> None:
    # A copy of the checkout, so that changing a source byte touches nobody else's files.
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in ("noxfile.py", "pyproject.toml", "toolchain.toml", "README.md", "LICENSE",
                 "src", "templates"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, checkout / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, checkout / name)
    envdir = tmp_path / "envs"

    def doctor() -> str:
        result = subprocess.run(
            [sys.executable, "-m", "nox", "-f", str(checkout / "noxfile.py"), "--envdir",
             str(envdir), "-s", "doctor"],
            capture_output=True, text=True, timeout=900, check=False,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result.stderr  # nox logs there

    assert "pip install" in doctor()
    second = doctor()
    assert "pip install" not in second
    assert "Reusing existing virtual environment" in second
    assert "wasmwheel in this venv is built from the current source: not reinstalling" in second
    progress = checkout / "src" / "wasmwheel" / "progress.py"
    progress.write_text(progress.read_text() + "# one more byte\n")
    assert "pip install" in doctor()
    (installed,) = envdir.glob("doctor/lib/python3*/site-packages/wasmwheel/progress.py")
    assert installed.read_text().endswith("# one more byte\n")
    assert "pip install" not in doctor()
