"""Node boots from a memory snapshot of the pinned runtime; a stale one is never used.

A cache of its own: the runtime entry is a copy of the real one (so one byte
of it can change), Node and pytest's wheels are the shared cache's entries.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from helpers.projects import TINY, write_project
from helpers.wheels import make_wheel
from wasmwheel.config.pins import current_target
from wasmwheel.runner import run_tests
from wasmwheel.runner.runtimes import snapshot
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.node import ensure_node
from wasmwheel.toolchain.pyodide_runtime import dist_dir, ensure_pyodide_dist

pytestmark = pytest.mark.integration

SUITE = "import tiny\n\ndef test_add():\n    assert tiny.add(2, 3) == 5\n"
BOOTED_FROM_SNAPSHOT = "booted from the memory snapshot"


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = current_target()
    real_node, real_dist = ensure_node(target), ensure_pyodide_dist(target)
    node_entry = next(p for p in real_node.parents if p.parent.name == "node")
    root = tmp_path / "cache"
    (root / "node").mkdir(parents=True)
    (root / "node" / node_entry.name).symlink_to(node_entry)
    wheels = cache.cache_root() / "wheels"
    if wheels.is_dir():
        (root / "wheels").symlink_to(wheels)
    (root / "pyodide").mkdir()
    shutil.copytree(real_dist, root / "pyodide" / real_dist.name, symlinks=True)
    monkeypatch.setenv(cache.CACHE_ENV, str(root))
    monkeypatch.delenv(snapshot.ENV, raising=False)
    return root


def _run(tmp_path: Path, name: str) -> tuple[str, dict[str, object]]:
    project = write_project(tmp_path / name, SUITE)
    output: list[bytes] = []
    job = tmp_path / f"{name}-job"
    reports = run_tests(project, make_wheel(tmp_path, "tiny", "0.1", files=TINY), ["node"],
                        echo=output.append, keep_job=job, timeout=300)
    assert [(r.runtime, r.exit_code, r.passed) for r in reports] == [("node", 0, 1)]
    return b"".join(output).decode(), json.loads((job / "job.node.json").read_text())


def test_made_once_booted_from_and_remade_when_the_runtime_changes(
        own_cache: Path, tmp_path: Path) -> None:
    target = current_target()
    output, job = _run(tmp_path, "first")
    first = snapshot.current_snapshot_entry(target)
    assert first is not None and (first / snapshot.FILE).is_file()
    assert job["snapshot"] == (first / snapshot.FILE).as_uri()
    assert BOOTED_FROM_SNAPSHOT in output

    # Another runtime build in the same place: one byte of its stdlib differs (a zip comment).
    with zipfile.ZipFile(dist_dir(target) / "python_stdlib.zip", "a") as stdlib:
        stdlib.comment = b"another build"
    output, job = _run(tmp_path, "second")
    second = snapshot.current_snapshot_entry(target)
    assert second is not None and second != first
    assert job["snapshot"] == (second / snapshot.FILE).as_uri()  # never the old one
    assert BOOTED_FROM_SNAPSHOT in output


def test_a_snapshot_pyodide_refuses_falls_back_to_a_plain_boot(
        own_cache: Path, tmp_path: Path) -> None:
    _run(tmp_path, "first")
    entry = snapshot.current_snapshot_entry(current_target())
    assert entry is not None
    (entry / snapshot.FILE).write_bytes(b"\0" * 4096)  # not a snapshot of this build
    output, _ = _run(tmp_path, "second")
    assert "the memory snapshot was refused, booting without it" in output
    assert "Snapshot has invalid magic number" in output  # Pyodide's own check


def test_turned_off_it_boots_plainly(own_cache: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(snapshot.ENV, "0")
    output, job = _run(tmp_path, "plain")
    assert "snapshot" not in job and BOOTED_FROM_SNAPSHOT not in output
    entry = snapshot.current_snapshot_entry(current_target())
    assert entry is not None and not entry.exists()  # none made
