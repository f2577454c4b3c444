"""Integration fixtures: the real toolchain, the real example wheel, a real package index.

These use the user's real cache (as `nox -s wasm` does), so a machine
provisions the toolchain once for the suite and the main job alike.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from helpers.paths import EXAMPLE
from helpers.pypi_index import PASSWORD, USER, Index, running_index


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


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    """pypiserver on loopback: anyone may download, uploads need USER/PASSWORD."""
    workdir = tmp_path / "pypiserver"
    workdir.mkdir()
    with running_index(workdir) as running:
        yield running


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The index's upload credentials, as twine reads them from the environment."""
    monkeypatch.setenv("TWINE_USERNAME", USER)
    monkeypatch.setenv("TWINE_PASSWORD", PASSWORD)
