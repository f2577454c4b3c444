"""Integration fixtures: the real toolchain, the real example wheel.

These use the user's real cache (as `nox -s wasm` does), so a machine
provisions the toolchain once for the suite and the main job alike.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import EXAMPLE, wasmwheel


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
