"""Node mounts the test requirements precompiled, and the snapshot's preloaded modules
change nothing a test can see. Real Pyodide, real pytest wheels.

A cache of its own for the compiled sites (its wheels/ folder links the shared
cache's wheel entries one by one, so a site made here lands here); Node and the
runtime are the shared cache's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers.projects import TINY, write_project
from helpers.wheels import make_wheel
from wasmwheel.config.pins import current_target
from wasmwheel.runner import run_tests
from wasmwheel.runner.assets import driver_file
from wasmwheel.runner.runtimes import compiled_site, snapshot
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.node import ensure_node
from wasmwheel.toolchain.pyodide_runtime import ensure_pyodide_dist

pytestmark = pytest.mark.integration


@pytest.fixture
def own_sites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = current_target()
    real_node, real_dist = ensure_node(target), ensure_pyodide_dist(target)
    root = tmp_path / "cache"
    for entry in (next(p for p in real_node.parents if p.parent.name == "node"), real_dist):
        (root / entry.parent.name).mkdir(parents=True, exist_ok=True)
        (root / entry.parent.name / entry.name).symlink_to(entry)
    (root / "wheels").mkdir()
    shared = cache.cache_root() / "wheels"
    for entry in shared.glob("py*") if shared.is_dir() else ():
        if "-site-" not in entry.name and entry.is_dir():
            (root / "wheels" / entry.name).symlink_to(entry)
    monkeypatch.setenv(cache.CACHE_ENV, str(root))
    monkeypatch.delenv(compiled_site.ENV, raising=False)
    monkeypatch.delenv(snapshot.ENV, raising=False)
    return root


def _run(tmp_path: Path, name: str, suite: str) -> tuple[str, dict[str, Any]]:
    project = write_project(tmp_path / name, suite)
    output: list[bytes] = []
    job = tmp_path / f"{name}-job"
    reports = run_tests(project, make_wheel(tmp_path, "tiny", "0.1", files=TINY), ["node"],
                        echo=output.append, keep_job=job, timeout=300)
    text = b"".join(output).decode()
    assert [(r.runtime, r.exit_code) for r in reports] == [("node", 0)], text
    return text, json.loads((job / "job.node.json").read_text())


def test_pytest_is_mounted_compiled_and_only_the_wheel_under_test_is_installed(
        own_sites: Path, tmp_path: Path) -> None:
    suite = ("import pytest, pluggy\n\ndef test_from_the_site():\n"
             "    assert pytest.__file__.startswith('/lib/wasmwheel-site/')\n"
             "    assert pytest.__cached__ and pluggy.__file__.startswith('/lib/wasmwheel-site/')\n")
    output, job = _run(tmp_path, "first", suite)
    assert job["wheels"] == ["wheels/tiny-0.1-py3-none-any.whl"]
    site = Path(job["site"].removeprefix("file://"))
    assert site.is_relative_to(own_sites / "wheels")
    assert list((site / "_pytest").glob("__pycache__/main.cpython-*.pyc"))
    assert "mounted the compiled site" in output


def test_a_changed_source_is_never_run_from_its_old_bytecode(
        own_sites: Path, tmp_path: Path) -> None:
    _, job = _run(tmp_path, "first", "def test_nothing():\n    pass\n")
    site = Path(job["site"].removeprefix("file://"))
    source = site / "iniconfig" / "__init__.py"
    compiled = sorted((site / "iniconfig" / "__pycache__").glob("__init__.*.pyc"))
    assert compiled
    before = compiled[0].read_bytes()
    source.write_text(source.read_text() + "\nEDITED_AFTER_COMPILING = True\n")
    suite = ("import iniconfig\n\ndef test_the_source_wins():\n"
             "    assert iniconfig.EDITED_AFTER_COMPILING\n")
    _run(tmp_path, "second", suite)  # hash-checked .pyc: the edit is seen
    assert compiled[0].read_bytes() == before  # and the run wrote nothing into the cache


def test_turned_off_every_wheel_is_installed(own_sites: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(compiled_site.ENV, "0")
    _, job = _run(tmp_path, "plain", "import pytest\n\ndef test_installed():\n"
                       "    assert pytest.__file__.startswith('/lib/python')\n")
    assert "site" not in job and any("pytest-" in w for w in job["wheels"])
    assert not list((own_sites / "wheels").glob("*-site-*"))


def test_the_snapshot_preloads_only_what_a_run_imports_anyway(
        own_sites: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without a snapshot (and without the compiled site), every preloaded module must
    # already be imported when the first test runs: then preloading changes nothing
    # a test can observe, only how long the run takes.
    monkeypatch.setenv(snapshot.ENV, "0")
    monkeypatch.setenv(compiled_site.ENV, "0")
    preload = json.loads(driver_file("preload.json").read_text())["modules"]
    suite = (f"import sys\n\nPRELOAD = {preload!r}\n\ndef test_all_imported_already():\n"
             "    assert [m for m in PRELOAD if m not in sys.modules] == []\n")
    _run(tmp_path, "plain", suite)
