"""Every template variant, end to end: `wasmwheel new`, then natively (a venv, `pip install`,
its own tests), in Pyodide (`wasmwheel build --route debian`, `wasmwheel test` in Node and
Chromium), published to a local index and micropip-installed from it inside Pyodide, and
accepted by cibuildwheel for the pinned cp3xx Pyodide identifier. One generated project also
runs its own `nox -s tests`, `nox -s wasm` and `nox -s browser`, with wasmwheel installed from
a wheel of this checkout (not yet on PyPI).

The slow steps (venvs, pip installs, wasm builds) start together in a thread pool when the
module's fixture is set up, so the whole file fits the 8-minute budget on two cores; each
test then waits for its own variant's results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from helpers.paths import REPO
from helpers.pyodide_node import pyodide_caller
from helpers.pypi_index import Index
from wasmwheel.config.pins import current_target

pytestmark = pytest.mark.integration

VARIANTS = ("c", "cpp", "cython", "python")
WORKERS = 4  # network-bound pip installs overlap with the CPU-bound wasm builds
CIBUILDWHEEL = "cibuildwheel>=4.3,<4.4"


def _run(command: list[str], cwd: Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=900, check=False)
    assert result.returncode == 0, (
        f"{' '.join(command)} exited {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-4000:]}")
    return result


def _venv(path: Path, *requirements: str) -> Path:
    """A fresh venv with `requirements` installed; returns its bin directory."""
    _run([sys.executable, "-m", "venv", str(path)])
    _run([str(path / "bin" / "python"), "-m", "pip", "install", "--quiet", *requirements])
    return path / "bin"


def generate(parent: Path, variant: str, dist_name: str) -> Path:
    project = parent / dist_name
    wasmwheel("new", str(project), "--template", variant, "--name", dist_name, "--no-input")
    return project


def native_tests(project: Path, work: Path) -> str:
    """pip install the project into a fresh venv and run its tests there."""
    bin_dir = _venv(work / "venv", str(project), "pytest")
    return _run([str(bin_dir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                 str(project / "tests")], cwd=work).stdout


def wasm_wheel(project: Path, outdir: Path) -> tuple[Path, str]:
    """Build the project's Pyodide wheel, and test it in Node and Chromium."""
    built = wasmwheel("build", str(project), "--route", "debian", "--outdir", str(outdir))
    wheel = Path(built.stdout.strip().splitlines()[-1])
    tested = wasmwheel("test", str(project), "--wheel", str(wheel),
                       "--runtime", "node", "--runtime", "chromium-main")
    return wheel, tested.stdout + tested.stderr


def nox_sessions(project: Path, work: Path) -> str:
    """The project's own `nox -s tests wasm browser`, wasmwheel installed from a wheel of this
    checkout."""
    wheels = work / "wheels"
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(wheels),
          str(REPO)])
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the wheel, not src/
    env["PIP_FIND_LINKS"] = " ".join(filter(None, [str(wheels), env.get("PIP_FIND_LINKS")]))
    env["WASMWHEEL_ROUTE"] = "debian"
    result = _run([sys.executable, "-m", "nox", "-f", str(project / "noxfile.py"),
                   "-s", "tests", "wasm", "browser"], cwd=project, env=env)
    return result.stdout + result.stderr


@dataclass
class Variant:
    project: Path
    native: Future[str]
    wasm: Future[tuple[Path, str]]


@dataclass
class Pipeline:
    variants: dict[str, Variant]
    cibuildwheel: Future[Path]
    nox: Future[str]


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    root = tmp_path_factory.mktemp("template")
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        nox_project = generate(root / "nox", "c", "tmpl-nox")
        nox = pool.submit(nox_sessions, nox_project, root / "nox")
        cibw = pool.submit(_venv, root / "cibw", CIBUILDWHEEL)
        variants = {}
        for variant in VARIANTS:
            work = root / variant
            project = generate(work, variant, f"tmpl-{variant}")
            variants[variant] = Variant(
                project,
                pool.submit(native_tests, project, work),
                pool.submit(wasm_wheel, project, work / "dist"),
            )
        yield Pipeline(variants, cibw, nox)
        # Leaving the with-block waits for anything still running, so no build outlives the test.


@pytest.fixture(scope="module")
def pyodide_call(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    return pyodide_caller(tmp_path_factory.mktemp("pyodide"))


@pytest.mark.parametrize("variant", VARIANTS)
def test_generated_project_works_natively_in_pyodide_and_from_an_index(
        variant: str, pipeline: Pipeline, index: Index, credentials: None,
        pyodide_call: Callable[[str], str]) -> None:
    generated = pipeline.variants[variant]
    assert " passed" in generated.native.result()
    wheel, report = generated.wasm.result()
    assert wheel.name.startswith(f"tmpl_{variant}-0.1.0-")
    results = {row[0]: row[1] for row in map(str.split, report.splitlines()) if len(row) > 1}
    assert results.get("node") == results.get("chromium-main") == "ok", report[-3000:]
    if variant == "python":
        assert wheel.name.endswith("-py3-none-any.whl")  # one universal wheel

    # The debian route approximates the pinned Emscripten: allowed for this private index.
    wasmwheel("publish", "-r", index.upload_url, "--allow-approximate", str(wheel))
    assert [p.name for p in index.packages.iterdir()] == [wheel.name]
    module = f"tmpl_{variant}"
    code = ("import micropip\n"
            f"await micropip.install('tmpl-{variant}', index_urls=['{index.simple_url}'])\n"
            f"import json, {module}\n"
            f"json.dumps([{module}.greet('Pyodide'), {module}.add(2, 3)])")
    assert json.loads(pyodide_call(code)) == ["Hello, Pyodide!", 5]

    cibw = pipeline.cibuildwheel.result() / "cibuildwheel"
    # cibuildwheel refuses options it does not know, so this also checks the project's
    # [tool.cibuildwheel] tables.
    listed = _run([str(cibw), "--print-build-identifiers", "--platform", "pyodide"],
                  cwd=generated.project).stdout.split()
    cp = "cp" + current_target().python_major_minor.replace(".", "")
    assert listed == [f"{cp}-pyodide_wasm32"]


def test_generated_project_nox_sessions_pass(pipeline: Pipeline) -> None:
    output = pipeline.nox.result()
    assert "Session tests was successful" in output, output[-3000:]
    assert "Session wasm was successful" in output, output[-3000:]
    assert "Session browser was successful" in output, output[-3000:]
