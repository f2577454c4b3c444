"""Publish to a real pypiserver (loopback, upload needs a password), then install from it
inside Pyodide under Node with micropip, and call the package.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.loopback import free_port
from helpers.paths import REPO
from helpers.pyodide_node import pyodide_caller
from helpers.pypi_index import PASSWORD, Index
from helpers.wheels import make_sdist, make_wheel
from wasmwheel.publish import CredentialsRejected, IndexUnreachable, publish

pytestmark = pytest.mark.integration


def pure_python_dists(directory: Path) -> list[Path]:
    """A py3-none-any wheel and an sdist of `wwe2e-demo` 1.0 (micropip takes pure wheels)."""
    meta = "Metadata-Version: 2.1\nName: wwe2e-demo\nVersion: 1.0\nSummary: e2e demo\n"
    wheel = make_wheel(directory, "wwe2e-demo", "1.0", metadata=meta,
                       files={"wwe2e_demo/__init__.py": "def add(a, b):\n    return a + b\n"})
    return [wheel, make_sdist(directory, "wwe2e-demo", "1.0", pkg_info=meta)]


@pytest.fixture(scope="module")
def pyodide_call(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    """Run Python code in Pyodide (Node) with micropip loaded; return what it evaluates to."""
    return pyodide_caller(tmp_path_factory.mktemp("pyodide"))


def _same_bytes(files: list[Path], index: Index) -> None:
    stored = {p.name: p.read_bytes() for p in index.packages.iterdir()}
    assert stored == {f.name: f.read_bytes() for f in files}


def _publish_twice(files: list[Path], index: Index) -> None:
    first = publish(files, index.upload_url)
    assert first.uploaded == files and first.skipped == []
    _same_bytes(files, index)
    again = publish(files, index.upload_url)  # idempotent: nothing sent twice
    assert again.uploaded == [] and again.skipped == files
    _same_bytes(files, index)


def test_pure_python_round_trip(tmp_path: Path, index: Index, credentials: None,
                                pyodide_call: Callable[[str], str]) -> None:
    files = pure_python_dists(tmp_path)
    _publish_twice(files, index)
    code = ("import micropip\n"
            f"await micropip.install('wwe2e-demo', index_urls=['{index.simple_url}'])"
            "\nimport wwe2e_demo\nwwe2e_demo.add(2, 3)")
    assert pyodide_call(code) == "5"


def test_example_wheel_and_sdist_round_trip(example_wheel: Path, example_sdist: Path,
                                            index: Index, credentials: None,
                                            pyodide_call: Callable[[str], str]) -> None:
    # The example is built by the approximate debian route: fine for this private index.
    # No --skip-tested-check: the example_wheel fixture ran `wasmwheel test` on these bytes.
    files = [example_wheel, example_sdist]
    # As a user does it: through the nox session (which installs wasmwheel in its own venv).
    nox = subprocess.run(
        [sys.executable, "-m", "nox", "-f", str(REPO / "noxfile.py"), "-s", "publish", "--",
         "-r", index.upload_url, *map(str, files)],
        capture_output=True, text=True, timeout=900, check=False,
    )
    assert nox.returncode == 0, nox.stdout[-3000:] + nox.stderr[-3000:]
    assert PASSWORD not in nox.stdout + nox.stderr
    _same_bytes(files, index)
    again = publish(files, index.upload_url)  # idempotent: nothing sent twice
    assert again.uploaded == [] and again.skipped == files
    _same_bytes(files, index)
    code = ("import micropip\n"
            f"await micropip.install('fastmath', index_urls=['{index.simple_url}'])"
            "\nimport json, fastmath\njson.dumps([fastmath.fib(10), fastmath.greet('wasm')])")
    fib, greeting = json.loads(pyodide_call(code))  # calls into the WebAssembly module
    assert fib == 55 and "wasm" in greeting


def test_wrong_password_uploads_nothing(tmp_path: Path, index: Index, credentials: None,
                                        monkeypatch: pytest.MonkeyPatch,
                                        capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TWINE_PASSWORD", "not-the-password")
    with pytest.raises(CredentialsRejected, match=r"rejected the credentials \(403\)") as caught:
        publish(pure_python_dists(tmp_path), index.upload_url)
    assert list(index.packages.iterdir()) == []
    shown = caught.value.message + str(caught.value.hint) + "".join(capfd.readouterr())
    assert "not-the-password" not in shown and PASSWORD not in shown


def test_missing_credentials_upload_nothing(tmp_path: Path, index: Index) -> None:
    with pytest.raises(CredentialsRejected, match="no credentials"):
        publish(pure_python_dists(tmp_path), index.upload_url)
    assert list(index.packages.iterdir()) == []


def test_unreachable_index(tmp_path: Path, credentials: None) -> None:
    url = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    with pytest.raises(IndexUnreachable, match="index unreachable"):
        publish(pure_python_dists(tmp_path), url)
