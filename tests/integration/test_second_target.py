"""Two targets from one toolchain.toml, for real: the example and real sdists built for
each target, each wheel tested in its own Pyodide (Node; one browser run for the
pre-release target), and a wheel of one ABI refused by the other's runtime."""

from __future__ import annotations

import os
import shutil
import tarfile
from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from helpers.paths import EXAMPLE
from helpers.sdists import MSGPACK, download_sdist
from wasmwheel.config.pins import load_toolchain
from wasmwheel.wheel.provenance import read_provenance

pytestmark = pytest.mark.integration

TOOLCHAIN = load_toolchain()
TARGETS = list(TOOLCHAIN.targets.values())
# The newest target: the one this file exists for (a pre-release while there is one).
NEXT = TARGETS[-1]


def node_rows(stdout: str) -> list[list[str]]:
    return [line.split() for line in stdout.splitlines() if line.startswith("node ")]


@pytest.fixture(scope="module")
def example_wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`wasmwheel build --target all` of a copy of the example: target name -> its wheel."""
    project = tmp_path_factory.mktemp("targets") / "fastmath"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("dist", ".wasmwheel"))
    built = wasmwheel("build", "--target", "all", str(project))
    paths = [Path(line) for line in built.stdout.splitlines()]
    assert len(paths) == len(TARGETS), built.stdout
    wheels = {}
    for path in paths:
        provenance = read_provenance(path)
        assert provenance is not None
        wheels[provenance.target] = path
    return wheels


def test_build_all_gives_one_wheel_per_target_with_its_own_tag(
        example_wheels: dict[str, Path]) -> None:
    assert sorted(example_wheels) == sorted(TOOLCHAIN.targets)
    for name, wheel in example_wheels.items():
        target = TOOLCHAIN.targets[name]
        assert wheel.name.endswith(f"-{target.platform_tag}.whl")
        assert read_provenance(wheel).platform_tag == target.platform_tag  # type: ignore[union-attr]


def test_test_all_passes_each_wheel_in_its_own_runtime(example_wheels: dict[str, Path]) -> None:
    project = next(iter(example_wheels.values())).parent.parent
    result = wasmwheel("test", "--target", "all", str(project))
    rows = node_rows(result.stdout)
    assert [row[:3] for row in rows] == [["node", "ok", "12"]] * len(TARGETS)
    for target in TARGETS:  # each run in its own Pyodide, under its own CPython
        assert f"Pyodide {target.pyodide} on node" in result.stderr
        assert f"Python {target.python}" in result.stdout


def test_a_wheel_picks_its_runtime_and_the_other_abi_refuses_it(
        example_wheels: dict[str, Path]) -> None:
    wheel = example_wheels[NEXT.name]
    project = wheel.parent.parent
    env = {k: v for k, v in os.environ.items() if k != "WASMWHEEL_TARGET"}
    picked = wasmwheel("test", str(project), "--wheel", str(wheel), env=env)
    assert f"Pyodide {NEXT.pyodide} on node" in picked.stderr
    other = next(t for t in TARGETS if t is not NEXT)
    refused = wasmwheel("test", str(project), "--target", other.name, "--wheel", str(wheel),
                        check=False, env=env)
    assert refused.returncode != 0
    errors = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, refused.stderr
    assert f"does not fit {other.name}: built for Pyodide ABI {NEXT.abi}" in errors[0]
    assert "Traceback" not in refused.stderr
    assert "running pytest" not in refused.stderr  # refused before any runtime started


def test_the_next_target_passes_in_chromium(example_wheels: dict[str, Path]) -> None:
    wheel = example_wheels[NEXT.name]
    result = wasmwheel("test", str(wheel.parent.parent), "--wheel", str(wheel),
                       "--runtime", "chromium")
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()
            if line.startswith("chromium-")}
    assert set(rows) == {"chromium-main", "chromium-worker"}
    for cells in rows.values():
        assert cells[1:3] == ["ok", "12"], cells


@pytest.mark.parametrize(("requirement", "test_dir"), [
    pytest.param("markupsafe==3.0.4", "tests", id="markupsafe-setuptools-c"),
    pytest.param(MSGPACK, "test", id="msgpack-cython-c"),
])
def test_real_sdists_build_and_pass_for_the_next_target(requirement: str, test_dir: str,
                                                        tmp_path: Path) -> None:
    sdist = download_sdist(requirement, tmp_path / "sdist")
    built = wasmwheel("--target", NEXT.name, "build", str(sdist), "--outdir", str(tmp_path / "dist"))
    wheel = Path(built.stdout.strip().splitlines()[-1])
    assert wheel.name.endswith(f"-{NEXT.platform_tag}.whl")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "src", filter="data")
    (project,) = (tmp_path / "src").iterdir()
    env = os.environ | {"WASMWHEEL_TEST_PATHS": test_dir}
    env.pop("WASMWHEEL_TARGET", None)
    result = wasmwheel("test", str(project), "--wheel", str(wheel), check=False, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    (row,) = node_rows(result.stdout)
    assert row[1] == "ok" and int(row[2]) >= 50, row
    assert f"Pyodide {NEXT.pyodide} on node" in result.stderr
