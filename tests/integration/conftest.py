"""Integration fixtures: the real toolchain, the real example wheel.

These use the user's real cache (as `nox -s wasm` does), so a machine
provisions the toolchain once for the suite and the main job alike.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "fastmath"


def wasmwheel(*args: str, check: bool = True, env: dict[str, str] | None = None,
              timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess, as a user would."""
    result = subprocess.run(
        [sys.executable, "-m", "wasmwheel", *args],
        capture_output=True, text=True, timeout=timeout, env=env or os.environ.copy(),
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"wasmwheel {' '.join(args)} exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-4000:]}"
        )
    return result


@pytest.fixture(scope="session")
def built_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dist")


@pytest.fixture(scope="session")
def example_wheel(built_dir: Path) -> Path:
    """examples/fastmath built by `wasmwheel build` and passed by `wasmwheel test`."""
    result = wasmwheel("build", str(EXAMPLE), "--outdir", str(built_dir))
    wheel = Path(result.stdout.strip().splitlines()[-1])
    assert wheel.is_file(), result.stdout
    wasmwheel("test", str(EXAMPLE), "--wheel", str(wheel))
    return wheel


@pytest.fixture(scope="session")
def example_sdist(built_dir: Path) -> Path:
    """The example's sdist, built with pypa/build."""
    out = built_dir / "sdist"
    subprocess.run([sys.executable, "-m", "build", "--sdist", "--outdir", str(out), str(EXAMPLE)],
                   check=True, capture_output=True, text=True)
    (sdist,) = out.glob("*.tar.gz")
    return sdist
