"""Node's memory snapshot: keyed by everything it depends on, refused when made by another runtime."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from wasmwheel.config.pins import current_target
from wasmwheel.runner.runtimes import derived, node, snapshot
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.pyodide_runtime import dist_dir


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in installed runtime; `node make_snapshot.mjs` writes the marker in `made`."""
    target = current_target()
    dist = dist_dir(target)
    dist.mkdir(parents=True)
    for name in snapshot.RUNTIME_FILES:
        (dist / name).write_bytes(f"{name} v1".encode())
    (dist / cache.STAMP).write_text("{}")
    monkeypatch.setattr(snapshot, "ensure_pyodide_dist", lambda t: dist)
    monkeypatch.setattr(snapshot, "ensure_node", lambda t: Path("/bin/node"))
    return dist


class FakeNode:
    def __init__(self) -> None:
        self.made: list[str] = []
        self.marker = "A"

    def __call__(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert Path(command[1]).name == "make_snapshot.mjs"
        Path(command[3]).write_text(self.marker)
        self.made.append(self.marker)
        return subprocess.CompletedProcess(command, 0, "", "")


@pytest.fixture
def fake_node(monkeypatch: pytest.MonkeyPatch) -> FakeNode:
    fake = FakeNode()
    monkeypatch.setattr(derived.subprocess, "run", fake)
    return fake


def test_made_once_then_reused(runtime: Path, fake_node: FakeNode) -> None:
    first = snapshot.ensure_snapshot(current_target())
    second = snapshot.ensure_snapshot(current_target())
    assert first == second and first.read_text() == "A" and fake_node.made == ["A"]
    assert first.parent == snapshot.current_snapshot_entry(current_target())


def test_a_changed_runtime_byte_means_another_snapshot(runtime: Path, fake_node: FakeNode) -> None:
    old = snapshot.ensure_snapshot(current_target())
    (runtime / "python_stdlib.zip").write_bytes(b"python_stdlib.zip v2")
    fake_node.marker = "B"
    new = snapshot.ensure_snapshot(current_target())
    assert new != old and new.read_text() == "B"  # the old one is never handed out
    assert fake_node.made == ["A", "B"]


def test_another_integrity_pin_means_another_snapshot(runtime: Path) -> None:
    target = current_target()
    other = dataclasses.replace(target, npm=dataclasses.replace(target.npm, integrity="sha512-x"))
    assert (derived.inputs_key(snapshot.snapshot_inputs(target, runtime))
            != derived.inputs_key(snapshot.snapshot_inputs(other, runtime)))


def test_a_snapshot_stamped_by_another_runtime_is_refused_and_made_again(
        runtime: Path, fake_node: FakeNode) -> None:
    path = snapshot.ensure_snapshot(current_target())
    record = path.parent / derived.INPUTS
    recorded = json.loads(record.read_text())
    recorded["runtime"]["pyodide.asm.wasm"] = "0" * 64  # made by another build
    record.write_text(json.dumps(recorded))
    fake_node.marker = "fresh"
    again = snapshot.ensure_snapshot(current_target())
    assert again == path and again.read_text() == "fresh" and fake_node.made == ["A", "fresh"]


def test_a_failed_snapshot_leaves_nothing_and_says_how_to_go_without(
        runtime: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(derived.subprocess, "run", lambda command, **k: subprocess.CompletedProcess(
        command, 1, "", "RangeError: out of memory"))
    with pytest.raises(snapshot.ToolchainError, match="out of memory") as info:
        snapshot.ensure_snapshot(current_target())
    assert info.value.hint and snapshot.ENV in info.value.hint
    entry = snapshot.current_snapshot_entry(current_target())
    assert entry is not None and not entry.exists()


@pytest.mark.parametrize(("value", "on"), [(None, True), ("1", True), ("0", False), ("off", False)])
def test_the_environment_can_turn_it_off(monkeypatch: pytest.MonkeyPatch, value: str | None,
                                         on: bool) -> None:
    if value is not None:
        monkeypatch.setenv(snapshot.ENV, value)
    assert snapshot.enabled() is on


def test_the_node_job_names_the_snapshot(runtime: Path, fake_node: FakeNode, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_stream(command: list[str], **kwargs: Any) -> None:
        seen.update(json.loads(Path(command[2]).read_text()))
        raise snapshot.ToolchainError("stop here")

    monkeypatch.setattr(node, "ensure_node", lambda t: Path("/bin/node"))
    monkeypatch.setattr(node, "ensure_pyodide_dist", lambda t: runtime)
    monkeypatch.setattr(node, "stream_process", fake_stream)
    job = node.Job(directory=tmp_path, wheels=(), import_check=(), pytest_args=(),
                   test_timeout=0, run_timeout=0)
    with pytest.raises(snapshot.ToolchainError):
        node.NodeRuntime(current_target()).run(job, echo=None)
    made = snapshot.current_snapshot_entry(current_target())
    assert made is not None and seen["snapshot"] == (made / snapshot.FILE).as_uri()
    monkeypatch.setenv(snapshot.ENV, "0")
    seen.clear()
    with pytest.raises(snapshot.ToolchainError):
        node.NodeRuntime(current_target()).run(job, echo=None)
    assert "snapshot" not in seen


@pytest.mark.parametrize("failure", [
    snapshot.ToolchainError("making the Pyodide memory snapshot failed"),
    # A cache the user cannot write (the Docker image run with --user): its lock file.
    PermissionError(13, "Permission denied", "/opt/wasmwheel/cache/pyodide/x.lock"),
])
def test_a_snapshot_that_cannot_be_made_does_not_stop_the_run(
        runtime: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], failure: Exception) -> None:
    seen: dict[str, Any] = {}

    def fake_stream(command: list[str], **kwargs: Any) -> None:
        seen.update(json.loads(Path(command[2]).read_text()))
        raise snapshot.ToolchainError("stop here")

    def cannot(target: object) -> Path:
        raise failure

    monkeypatch.setattr(node, "ensure_node", lambda t: Path("/bin/node"))
    monkeypatch.setattr(node, "ensure_pyodide_dist", lambda t: runtime)
    monkeypatch.setattr(node, "stream_process", fake_stream)
    monkeypatch.setattr(snapshot, "ensure_snapshot", cannot)
    job = node.Job(directory=tmp_path, wheels=(), import_check=(), pytest_args=(),
                   test_timeout=0, run_timeout=0)
    with pytest.raises(snapshot.ToolchainError, match="stop here"):
        node.NodeRuntime(current_target()).run(job, echo=None)
    assert seen and "snapshot" not in seen
    assert "booting Pyodide without a memory snapshot" in capsys.readouterr().err


def test_provision_and_run_work_out_the_snapshot_once(
        runtime: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # A snapshot that cannot be made is tried (a whole Pyodide boot) and reported once.
    attempts: list[object] = []

    def cannot(target: object) -> Path:
        attempts.append(target)
        raise snapshot.ToolchainError("making the Pyodide memory snapshot failed")

    def fake_stream(command: list[str], **kwargs: Any) -> None:
        raise snapshot.ToolchainError("stop here")

    monkeypatch.setattr(node, "ensure_node", lambda t: Path("/bin/node"))
    monkeypatch.setattr(node, "ensure_pyodide_dist", lambda t: runtime)
    monkeypatch.setattr(node, "stream_process", fake_stream)
    monkeypatch.setattr(snapshot, "ensure_snapshot", cannot)
    job = node.Job(directory=tmp_path, wheels=(), import_check=(), pytest_args=(),
                   test_timeout=0, run_timeout=0)
    runtime_object = node.NodeRuntime(current_target())
    runtime_object.provision()
    with pytest.raises(snapshot.ToolchainError, match="stop here"):
        runtime_object.run(job, echo=None)
    assert len(attempts) == 1
    assert capsys.readouterr().err.count("booting Pyodide without a memory snapshot") == 1
