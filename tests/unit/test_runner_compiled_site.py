"""Node's compiled site: pure test wheels unpacked and compiled once, keyed by their bytes."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from helpers.wheels import make_wheel
from wasmwheel.config.pins import current_target
from wasmwheel.errors import ToolchainError
from wasmwheel.runner.runtimes import compiled_site, derived, node, snapshot


class FakeCompiler:
    """Stands in for `node compile_site.mjs`: writes one .pyc per .py, holding `marker`."""

    def __init__(self) -> None:
        self.runs = 0
        self.marker = "A"

    def __call__(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert Path(command[1]).name == "compile_site.mjs"
        site = Path(command[3])
        for source in site.rglob("*.py"):
            (source.parent / "__pycache__").mkdir(exist_ok=True)
            (source.parent / "__pycache__" / f"{source.stem}.pyc").write_text(self.marker)
        self.runs += 1
        return subprocess.CompletedProcess(command, 0, "", "")


@pytest.fixture
def compiler(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeCompiler:
    fake = FakeCompiler()
    monkeypatch.setattr(derived.subprocess, "run", fake)
    monkeypatch.setattr(compiled_site, "ensure_node", lambda t: Path("/bin/node"))
    monkeypatch.setattr(compiled_site, "ensure_pyodide_dist", lambda t: tmp_path / "dist")
    return fake


def _wheels(directory: Path, text: str = "X = 1\n") -> list[Path]:
    return [make_wheel(directory, "alpha", files={"alpha/__init__.py": text}),
            make_wheel(directory, "beta")]


@pytest.mark.parametrize(("name", "pure"), [
    ("pytest-9.2.0-py3-none-any.whl", True),
    ("six-1.17.0-py2.py3-none-any.whl", True),
    ("numpy-2.3.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl", False),
    ("attrs-25.1.0-py3-abi3-any.whl", False),  # an ABI: not something to mount as it is
    ("not-a-wheel.whl", False),
])
def test_only_pure_wheels_are_mounted(name: str, pure: bool) -> None:
    assert compiled_site.is_pure(name) is pure


def test_a_wheel_is_unpacked_as_an_installer_would(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "gamma", files={
        "gamma/__init__.py": "G = 1\n",
        "gamma-1.0.data/purelib/gamma_extra.py": "E = 1\n",
        "gamma-1.0.data/scripts/gamma-tool": "#!/bin/sh\n",
    })
    site = tmp_path / "site"
    compiled_site.unpack_pure_wheel(wheel, site)
    assert (site / "gamma" / "__init__.py").read_text() == "G = 1\n"
    assert (site / "gamma_extra.py").read_text() == "E = 1\n"  # purelib goes to the top
    assert (site / "gamma-1.0.dist-info" / "METADATA").is_file()  # importlib.metadata needs it
    assert not list(site.rglob("gamma-tool")) and not (site / "gamma-1.0.data").exists()


def test_a_member_outside_the_site_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "evil-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("../escaped.py", "X = 1\n")
    with pytest.raises(ToolchainError, match="outside its install directory"):
        compiled_site.unpack_pure_wheel(wheel, tmp_path / "site")
    assert not (tmp_path / "escaped.py").exists()


def test_made_once_then_reused(compiler: FakeCompiler, tmp_path: Path) -> None:
    wheels = _wheels(tmp_path / "w")
    first = compiled_site.ensure_compiled_site(current_target(), wheels)
    second = compiled_site.ensure_compiled_site(current_target(), wheels)
    assert first == second and compiler.runs == 1
    assert (first / "alpha" / "__pycache__" / "__init__.pyc").read_text() == "A"
    assert first.parent.parent.name == "wheels"  # pruned with the wheels it was made from


def test_one_changed_wheel_byte_means_another_site(compiler: FakeCompiler, tmp_path: Path) -> None:
    old = compiled_site.ensure_compiled_site(current_target(), _wheels(tmp_path / "w1"))
    compiler.marker = "B"
    new = compiled_site.ensure_compiled_site(current_target(), _wheels(tmp_path / "w2", "X = 2\n"))
    assert new != old and compiler.runs == 2
    assert (new / "alpha" / "__init__.py").read_text() == "X = 2\n"
    assert (new / "alpha" / "__pycache__" / "__init__.pyc").read_text() == "B"


def test_a_site_recorded_with_other_inputs_is_refused_and_made_again(
        compiler: FakeCompiler, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wheels = _wheels(tmp_path / "w")
    site = compiled_site.ensure_compiled_site(current_target(), wheels)
    record = site.parent / derived.INPUTS
    recorded = json.loads(record.read_text())
    recorded["wheels"]["alpha-1.0-py3-none-any.whl"] = "0" * 64  # made from another alpha
    record.write_text(json.dumps(recorded))
    compiler.marker = "B"
    again = compiled_site.ensure_compiled_site(current_target(), wheels)
    assert again == site and compiler.runs == 2
    assert (again / "alpha" / "__pycache__" / "__init__.pyc").read_text() == "B"
    assert "refusing the compiled site" in capsys.readouterr().err


def test_a_failed_compile_leaves_nothing_and_says_how_to_go_without(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(derived.subprocess, "run", lambda command, **k: subprocess.CompletedProcess(
        command, 1, "", "RangeError: out of memory"))
    monkeypatch.setattr(compiled_site, "ensure_node", lambda t: Path("/bin/node"))
    monkeypatch.setattr(compiled_site, "ensure_pyodide_dist", lambda t: tmp_path / "dist")
    wheels = _wheels(tmp_path / "w")
    with pytest.raises(ToolchainError, match="out of memory") as info:
        compiled_site.ensure_compiled_site(current_target(), wheels)
    assert info.value.hint and compiled_site.ENV in info.value.hint
    entry = compiled_site.site_entry(current_target(),
                                     compiled_site.site_inputs(current_target(), wheels))
    assert not entry.exists()


# --- what the Node job says -------------------------------------------------------------


def _node_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Run NodeRuntime up to the driver and return the job it wrote."""
    seen: dict[str, Any] = {}

    def fake_stream(command: list[str], **kwargs: Any) -> None:
        seen.update(json.loads(Path(command[2]).read_text()))
        raise ToolchainError("stop here")

    monkeypatch.setattr(node, "ensure_node", lambda t: Path("/bin/node"))
    monkeypatch.setattr(node, "ensure_pyodide_dist", lambda t: tmp_path / "dist")
    monkeypatch.setattr(node, "stream_process", fake_stream)
    monkeypatch.setenv(snapshot.ENV, "0")
    wheels = tmp_path / "job" / "wheels"
    names = [make_wheel(wheels, "pytest").name, make_wheel(wheels, "pluggy").name,
             make_wheel(wheels, "native", tags="cp314-cp314-pyemscripten_2026_0_wasm32").name,
             make_wheel(wheels, "under_test").name]  # pure, but the wheel under test
    job = node.Job(directory=tmp_path / "job", wheels=tuple(f"wheels/{n}" for n in names),
                   import_check=(), pytest_args=(), test_timeout=0, run_timeout=0)
    with pytest.raises(ToolchainError, match="stop here"):
        node.NodeRuntime(current_target()).run(job, echo=None)
    return seen


def test_the_job_mounts_the_pure_dependencies_and_installs_the_rest(
        compiler: FakeCompiler, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    job = _node_job(tmp_path, monkeypatch)
    site = Path(job["site"].removeprefix("file://"))
    assert sorted(p.name for p in site.iterdir() if p.is_dir()) == [
        "pluggy", "pluggy-1.0.dist-info", "pytest", "pytest-1.0.dist-info"]
    assert job["wheels"] == ["wheels/native-1.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl",
                             "wheels/under_test-1.0-py3-none-any.whl"]


def test_turned_off_every_wheel_is_installed(
        compiler: FakeCompiler, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(compiled_site.ENV, "0")
    job = _node_job(tmp_path, monkeypatch)
    assert "site" not in job and len(job["wheels"]) == 4 and compiler.runs == 0


@pytest.mark.parametrize("failure", [
    ToolchainError("compiling the test requirements for Node failed"),
    PermissionError(13, "Permission denied", "/opt/wasmwheel/cache/wheels/x.lock"),
])
def test_a_site_that_cannot_be_made_does_not_stop_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        failure: Exception) -> None:
    def cannot(*args: object) -> Path:
        raise failure

    monkeypatch.setattr(compiled_site, "ensure_compiled_site", cannot)
    job = _node_job(tmp_path, monkeypatch)
    assert "site" not in job and len(job["wheels"]) == 4
    assert "installing the test requirements on this run instead" in capsys.readouterr().err
