"""The exact route's host CPython comes from the `host-python` pin, not the runtime's version."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import pytest

from wasmwheel.config.pins import current_target
from wasmwheel.toolchain.routes.exact import host_python

# A stand-in for uv: `uv python install ... --install-dir DIR VERSION` makes
# DIR/cpython-VERSION-x/bin/pythonX.Y, an "interpreter" that reports VERSION.
FAKE_UV = """#!/bin/sh
for last; do :; done
dir=""
while [ $# -gt 0 ]; do [ "$1" = --install-dir ] && dir="$2"; shift; done
mm=$(echo "$last" | cut -d. -f1,2)
mkdir -p "$dir/cpython-$last-x/bin"
printf '#!/bin/sh\\necho %s\\n' "$last" > "$dir/cpython-$last-x/bin/python$mm"
chmod +x "$dir/cpython-$last-x/bin/python$mm"
"""


def test_installs_the_pinned_host_python_even_when_the_runtime_is_a_prerelease(
        tmp_path: Path) -> None:
    real = current_target()
    major, minor = real.python.split(".")[:2]
    target = dataclasses.replace(
        real, python=f"{major}.{minor}.0rc1",
        exact=dataclasses.replace(real.exact, host_python=f"{major}.{minor}.7"))
    uv = tmp_path / "uv"
    uv.write_text(FAKE_UV)
    uv.chmod(uv.stat().st_mode | stat.S_IEXEC)

    python = host_python.ensure_python(target, uv)

    assert host_python.interpreter_version(python) == f"{major}.{minor}.7"
    assert f"cpython-{major}.{minor}.7-" in str(host_python.python_entry(target))


# A stand-in for uv: `uv venv ... DIR` makes DIR/bin/python (which reports the pinned
# pyodide-build); `uv pip install ...` records what it was asked to install.
FAKE_UV_VENV = """#!/bin/sh
if [ "$1" = venv ]; then
  for last; do :; done
  mkdir -p "$last/bin"
  printf '#!/bin/sh\\necho %s\\n' "$PYODIDE_BUILD" > "$last/bin/python"
  chmod +x "$last/bin/python"
else
  echo "$@" >> "$UV_LOG"
fi
"""


def test_the_build_venv_gets_the_pinned_cmake_wheel(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """emsdk ships no cmake; setup.py files that run cmake find the venv's on PATH."""
    target = current_target()
    uv = tmp_path / "uv"
    uv.write_text(FAKE_UV_VENV)
    uv.chmod(uv.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PYODIDE_BUILD", target.pyodide_build)
    monkeypatch.setenv("UV_LOG", str(tmp_path / "uv.log"))

    host_python.create_build_venv(target, uv, Path("/unused/python"), tmp_path / "venv")

    installed = (tmp_path / "uv.log").read_text().split()
    assert f"cmake=={target.exact.cmake}" in installed
    assert f"pyodide-build=={target.pyodide_build}" in installed
