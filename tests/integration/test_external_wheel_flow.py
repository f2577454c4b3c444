"""The README's CI flow for a wheel built outside wasmwheel, run as written.

The README's GitHub Actions recipe builds with `cibuildwheel --platform
pyodide`, then runs `wasmwheel test` and `wasmwheel publish --dry-run` as
the gate. cibuildwheel cannot run here (it downloads the official emsdk), so
the wheel is a stand-in for its output: examples/fastmath built by
`pyodide build --outdir dist .`, the very command cibuildwheel runs, inside
the debian route's chroot, and not stamped by wasmwheel. That stand-in is
compiled by Debian's Emscripten with pyodide-build's version check skipped;
nothing in its bytes shows that, which is the point of the gate's design:
the builder is the user's statement, and the Node test of these exact bytes
is the evidence (see wasmwheel.publish.gate).

The wasmwheel lines are read from the README's fenced block and run in bash
in the project, so the flow the README shows is the one tested.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import wasmwheel
from helpers.paths import EXAMPLE, REPO
from wasmwheel.config.pins import current_target
from wasmwheel.errors import ExitCode
from wasmwheel.toolchain.routes import make_route
from wasmwheel.wheel.provenance import read_provenance
from wasmwheel.wheel.reproducible import DEFAULT_EPOCH

pytestmark = pytest.mark.integration

MARKER = "tests/integration/test_external_wheel_flow.py"


def readme_flow() -> list[str]:
    """The `wasmwheel ...` lines of the README block marked as run by this test."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    after = text[text.index(MARKER):]
    block = re.search(r"```sh\n(.*?)```", after, re.DOTALL)
    assert block, "the README's CI block is gone"
    lines = [line.split("  #", 1)[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line.startswith("wasmwheel ")]


def bash(project: Path, lines: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Run README lines as a CI step would (`set -e`), `wasmwheel` being the one under test."""
    script = "\n".join(['set -e', 'wasmwheel() { "$PYTHON" -m wasmwheel "$@"; }', *lines])
    # Absolute: the step runs in the project, where a relative PYTHONPATH would miss.
    source = str(Path(wasmwheel.__file__).resolve().parents[1])
    path = os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))
    return subprocess.run(["bash", "-c", script], cwd=project, capture_output=True, text=True,
                          check=False, timeout=1800,
                          env={**os.environ, "PYTHON": sys.executable, "PYTHONPATH": path, **env})


def custom_sections(module: bytes) -> list[str]:
    """The names of a WebAssembly module's custom sections (id 0)."""

    def leb128(at: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = module[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value, at

    names, at = [], 8  # after the magic and the version
    while at < len(module):
        section_id = module[at]
        size, body = leb128(at + 1)
        if section_id == 0:
            length, start = leb128(body)
            names.append(module[start:start + length].decode())
        at = body + size
    return names


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example whose dist/ holds the stand-in wheel, as cibuildwheel would leave it."""
    root = tmp_path_factory.mktemp("external") / "fastmath"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("dist", "build", ".wasmwheel"))
    route = make_route("debian", current_target())
    route.install()
    route.build(root, root / "dist", source_date_epoch=DEFAULT_EPOCH)  # `pyodide build`'s own output: nothing of wasmwheel's added
    return root


@pytest.fixture(scope="module")
def wheel(project: Path) -> Path:
    (built,) = (project / "dist").glob("*.whl")
    return built


def test_the_stand_in_carries_no_record_of_its_toolchain(wheel: Path) -> None:
    assert wheel.name == f"fastmath-0.1.0-cp314-cp314-{current_target().platform_tag}.whl"
    assert read_provenance(wheel) is None
    with zipfile.ZipFile(wheel) as archive:
        generator = archive.read("fastmath-0.1.0.dist-info/WHEEL").decode()
        modules = [archive.read(n) for n in archive.namelist() if n.endswith(".so")]
    assert "Generator: setuptools" in generator  # the backend's, not pyodide-build's or emcc's
    assert modules and all(custom_sections(m) == ["dylink.0"] for m in modules)


def test_the_gate_refuses_it_without_the_builder_naming_the_way_out(
        project: Path, wheel: Path) -> None:
    result = bash(project, ["wasmwheel publish --dry-run dist/*"])
    assert result.returncode == ExitCode.REFUSED, result.stderr[-3000:]
    assert f"{wheel.name}: [provenance] no wasmwheel provenance" in result.stderr
    assert "--external-builder cibuildwheel" in result.stderr
    assert "wasmwheel test . --wheel dist/" in result.stderr


def test_the_gate_refuses_it_before_wasmwheel_test(
        project: Path, wheel: Path, tmp_path: Path) -> None:
    # A cache in which these bytes were never tested (the real one may hold a record).
    gate = [line for line in readme_flow() if line.startswith("wasmwheel publish")]
    result = bash(project, gate, WASMWHEEL_CACHE_DIR=str(tmp_path / "cache"))
    assert result.returncode == ExitCode.REFUSED, result.stderr[-3000:]
    assert f"{wheel.name}: [tested]" in result.stderr
    assert f"`wasmwheel test --wheel {wheel.name}`" in result.stderr
    assert "--skip-tested-check" not in result.stderr  # no way out that would not work


def test_the_readme_flow_passes_the_gate(project: Path, wheel: Path) -> None:
    flow = readme_flow()
    assert [line.split()[1] for line in flow] == ["test", "publish"]
    result = bash(project, flow)
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert "dry run: 1 file(s) passed every check for pypi " \
           "(1 on your word: built by cibuildwheel)" in result.stdout
    assert f"{wheel.name}: no wasmwheel provenance; accepted as built by cibuildwheel " \
           "on your word" in result.stderr
