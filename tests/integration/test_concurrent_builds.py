"""Builds on one route at once, and `cache prune` while a build runs.

Several `wasmwheel build` processes share one toolchain entry (the debian
route's chroot, or the exact route's emsdk): they must only read it. And an
entry a build is using is never pruned, not even with --all.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from helpers.paths import EXAMPLE
from wasmwheel.config.pins import current_target
from wasmwheel.errors import ExitCode
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.routes import Route, requested_route, select_route
from wasmwheel.toolchain.routes.exact import host_python

pytestmark = pytest.mark.integration

ROUNDS = 3
GATE_WAIT = 300  # seconds the gated project waits for its gate before building anyway

# A second C project. With a gate name, its setup.py waits until /tmp/<gate> exists
# (inside the debian chroot that is <entry>/root/tmp/<gate>), so a test can act while
# the build is certainly running and holding its toolchain.
_SETUP = """\
import os, time
from setuptools import Extension, setup
gate = {gate!r}
if gate:
    deadline = time.monotonic() + {wait}
    while not os.path.exists("/tmp/" + gate) and time.monotonic() < deadline:
        time.sleep(0.05)
setup(name="counter", version="0.1", ext_modules=[Extension("counter", ["counter.c"])])
"""
_C = """\
#include <Python.h>
static PyObject *next(PyObject *self, PyObject *arg) {
    return PyLong_FromLong(PyLong_AsLong(arg) + 1);
}
static PyMethodDef methods[] = {{"next", next, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "counter", NULL, -1, methods};
PyMODINIT_FUNC PyInit_counter(void) { return PyModule_Create(&module); }
"""


def counter_project(root: Path, gate: str = "") -> Path:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n')
    (root / "setup.py").write_text(_SETUP.format(gate=gate, wait=GATE_WAIT))
    (root / "counter.c").write_text(_C)
    return root


@pytest.fixture(scope="module")
def route() -> Route:
    """The route `wasmwheel build` picks here, installed."""
    wasmwheel("toolchain", "install")
    chosen = select_route(requested_route(None), current_target())
    assert cache.is_complete(chosen.entry)
    return chosen


def start_build(project: Path, outdir: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "wasmwheel", "build", str(project),
                             "--outdir", str(outdir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env or os.environ.copy())


def finish(build: subprocess.Popen[str]) -> Path:
    out, err = build.communicate(timeout=1800)
    assert build.returncode == 0, f"build failed ({build.returncode}):\n{err[-4000:]}"
    wheel = Path(out.strip())
    assert wheel.is_file()
    return wheel


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file of a toolchain entry but the per-build scratch: path -> (size, mtime)."""
    found = {}
    for directory, subdirs, files in os.walk(root):
        rel = Path(directory).relative_to(root)
        if rel.parts[:2] in (("root", "tmp"), ("root", "proc"), ("root", "dev")):
            subdirs[:] = []
            continue
        for name in files:
            info = (Path(directory) / name).lstat()
            found[str(rel / name)] = (info.st_size, info.st_mtime_ns)
    return found


def test_two_builds_at_once_both_pass_every_round(route: Route, tmp_path: Path) -> None:
    before = snapshot(route.entry)
    counter = counter_project(tmp_path / "counter")
    for round_ in range(ROUNDS):
        builds = [start_build(EXAMPLE, tmp_path / f"example-{round_}"),
                  start_build(counter, tmp_path / f"counter-{round_}")]
        wheels = [finish(build) for build in builds]
        assert [w.name.split("-")[0] for w in wheels] == ["fastmath", "counter"]
    # Both only read the shared toolchain: no bytecode, cache or config written into it
    # (what two builds at once could otherwise race on).
    after = snapshot(route.entry)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert changed == [], f"builds wrote into the shared toolchain: {changed[:20]}"


def test_two_builds_of_one_project_at_once(route: Route, tmp_path: Path) -> None:
    for round_ in range(ROUNDS):
        builds = [start_build(EXAMPLE, tmp_path / f"{round_}-{side}") for side in "ab"]
        for build in builds:
            finish(build)


def cache_list(env: dict[str, str]) -> dict[str, dict[str, object]]:
    result = wasmwheel("cache", "list", "--json", env=env)
    return {str(e["entry"]): e for e in json.loads(result.stdout)["entries"]}


def test_prune_while_a_build_holds_the_toolchain(route: Route, tmp_path: Path) -> None:
    # A cache of our own whose toolchain entry links to the real one: prune --all may
    # empty it without touching the real cache (it removes links, never their targets).
    own = tmp_path / "cache"
    entries = [route.entry]
    if route.name == "exact":
        entries.append(host_python.python_entry(current_target()))
    for real in entries:
        link = own / real.parent.name / real.name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(real, target_is_directory=True)
    stale = own / "toolchains" / f"{current_target().name}-{route.name}-0000000000000000"
    stale.mkdir()
    (stale / cache.STAMP).write_text('{"pins": "0000000000000000"}')
    env = os.environ | {cache.CACHE_ENV: str(own)}
    name = f"toolchains/{route.entry.name}"

    gate = f"wasmwheel-gate-{secrets.token_hex(4)}"
    gate_files = [Path("/tmp") / gate]
    if route.name == "debian":
        gate_files.append(route.entry / "root" / "tmp" / gate)
    build = start_build(counter_project(tmp_path / "gated", gate), tmp_path / "out", env)
    try:
        deadline = time.monotonic() + 120
        while cache_list(env)[name]["status"] != "locked":  # the build holds its toolchain
            assert build.poll() is None, build.communicate()
            assert time.monotonic() < deadline, "the build never held its toolchain"
            time.sleep(0.1)

        pruned = wasmwheel("cache", "prune", "--all", env=env, check=False)
        assert pruned.returncode == ExitCode.TEMPORARY, pruned.stderr
        errors = [line for line in pruned.stderr.splitlines() if line.startswith("error:")]
        assert errors == [f"error: kept 1 entry a running wasmwheel is using: {name}"]
        assert (own / name).is_symlink() and cache.is_complete(own / name)
        assert not stale.exists()  # the rest of the cache was pruned
        for real in entries:
            assert cache.is_complete(real)
    finally:
        for path in gate_files:
            path.touch()
    try:
        finish(build)  # the build went on unharmed
        assert cache_list(env)[name]["status"] == "current"  # released when it exited
    finally:
        for path in gate_files:
            path.unlink(missing_ok=True)
        shutil.rmtree(own, ignore_errors=True)
