"""`wasmwheel test SDIST`: a real package's own test suite, from its sdist, inside Pyodide.

Also what Pyodide lacks, in the real runtime: tests that start threads or
processes, or open listening sockets, count as unsupported, and never end the run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from helpers.sdists import download_sdist
from helpers.wheels import make_wheel
from wasmwheel.toolchain import cache

pytestmark = pytest.mark.integration

# Cython-generated C; its sdist carries test/ and a PEP 735 `dev` group (cython, pytest).
MSGPACK = ("msgpack==1.2.4", "msgpack-1.2.4.tar.gz",
           "475c44e12f2a5de766a8448783f149c9b33f3f49b88953c6cd739a77d93c732c")


def cached_sdist(requirement: str, filename: str, sha256: str) -> Path:
    """The sdist from PyPI, checked against its known sha256, kept in the cache between runs."""
    kept = cache.cache_root() / "test-sdists" / filename
    with cache.locked(kept):
        if not kept.is_file() or hashlib.sha256(kept.read_bytes()).hexdigest() != sha256:
            shutil.rmtree(kept.parent / ".download", ignore_errors=True)  # a crashed run's
            fetched = download_sdist(requirement, kept.parent / ".download")
            assert hashlib.sha256(fetched.read_bytes()).hexdigest() == sha256, "sdist changed"
            fetched.replace(kept)
            shutil.rmtree(fetched.parent, ignore_errors=True)
    return kept


def test_an_sdists_own_suite_runs_against_its_wasm_wheel(tmp_path: Path) -> None:
    sdist = tmp_path / MSGPACK[1]
    shutil.copyfile(cached_sdist(*MSGPACK), sdist)
    report = tmp_path / "own-tests.json"
    result = wasmwheel("test", str(sdist), "--json-report", str(report), check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "test requirements from dependency group 'dev'" in result.stderr
    node = json.loads(report.read_text())["runtimes"]["node"]
    assert node["failed"] == node["errors"] == 0 and node["exit_code"] == 0
    assert node["passed"] >= 50, node
    assert json.loads(report.read_text())["test_paths"] == ["test"]
    assert list(tmp_path.glob("msgpack-1.2.4-cp314-*.whl"))  # built beside the sdist


LACKING = '''\
import os, socket, subprocess, threading

def test_fine():
    assert 1 + 1 == 2

def test_thread():
    threading.Thread(target=print).start()

def test_subprocess():
    subprocess.run(["true"], check=True)

def test_listening_socket():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

def test_connect():
    socket.create_connection(("127.0.0.1", 9), timeout=1)

def test_real_failure():
    assert "wasm" == "native"
'''


def test_what_pyodide_lacks_is_counted_not_failed(tmp_path: Path) -> None:
    project = tmp_path / "lacking"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'lacking'\nversion = '1.0'\n")
    (project / "tests" / "test_lacking.py").write_text(LACKING)
    wheel = make_wheel(tmp_path / "dist", "lacking", "1.0")
    report = tmp_path / "report.json"
    result = wasmwheel("test", str(project), "--wheel", str(wheel), "--json-report", str(report),
                       check=False)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    node = json.loads(report.read_text())["runtimes"]["node"]
    assert (node["passed"], node["failed"], node["unsupported"]) == (1, 1, 4), node
    assert node["unsupported_kinds"] == {"threads": 1, "subprocess": 1, "sockets": 2}
    assert "node: FAILED tests/test_lacking.py::test_real_failure" in result.stdout
    assert "unsupported in Pyodide: sockets 2, subprocess 1, threads 1" in result.stdout
