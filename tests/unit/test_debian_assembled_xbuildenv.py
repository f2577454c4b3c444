"""The hand-assembled cross-build env has the layout and markers pyodide-build checks."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from wasmwheel.config.pins import MakefileEnvsPin, Target, current_target
from wasmwheel.toolchain.routes.debian.assembled_xbuildenv import (
    SYSCONFIG_NAME,
    assemble_xbuildenv,
    render_makefile_envs,
)

SYSCONFIGDATA = "build_time_vars = {'SIZEOF_LONG': 4, 'SIZEOF_VOID_P': 4, 'SIZEOF_SIZE_T': 4}\n"


@pytest.fixture
def target() -> Target:
    return current_target()


@pytest.fixture
def pyodide_root(tmp_path: Path, target: Target) -> Path:
    dist = tmp_path / "dist"
    dist.mkdir()
    with zipfile.ZipFile(dist / "python_stdlib.zip", "w") as stdlib:
        stdlib.writestr(f"{SYSCONFIG_NAME}.py", SYSCONFIGDATA)
    (dist / "pyodide-lock.json").write_text(json.dumps({"info": {"abi_version": target.abi}}))
    include = tmp_path / "include" / "python3.14"
    (include / "cpython").mkdir(parents=True)
    (include / "Python.h").write_text('#include "pyconfig.h"\n')
    (include / "cpython" / "object.h").write_text("/* object */\n")
    (include / "pyconfig.h").write_text("#include <x86_64-linux-gnu/python3.14/pyconfig.h>\n")
    native = tmp_path / "native-pyconfig.h"
    native.write_text("#define SIZEOF_LONG 8\n")
    return assemble_xbuildenv(
        tmp_path / "xbuildenv-root",
        target=target,
        pyodide_dist=dist,
        python_include=include,
        native_pyconfig=native,
        build_python="3.14",
    )


def test_layout_and_markers(pyodide_root: Path, target: Target) -> None:
    root = pyodide_root.parents[2]
    link = root / "xbuildenv"
    assert link.is_symlink() and str(link.readlink()) == target.pyodide  # relative
    version_dir = root / target.pyodide
    assert (version_dir / ".installed").exists()
    assert (version_dir / ".build-python-version").read_text() == "3.14"
    assert (version_dir / "xbuildenv" / "requirements.txt").read_text() == ""
    assert (version_dir / "xbuildenv" / "site-packages-extras").is_dir()
    assert (pyodide_root / "tools" / "constraints.txt").exists()
    assert (pyodide_root / "dist" / "pyodide-lock.json").exists()
    install = pyodide_root / "cpython" / "installs" / f"python-{target.python}"
    assert (install / "sysconfigdata" / f"{SYSCONFIG_NAME}.py").read_text() == SYSCONFIGDATA
    assert (install / "include" / "python3.14" / "cpython" / "object.h").exists()


def test_pyconfig_is_replaced_by_a_wasm32_one(pyodide_root: Path, target: Target) -> None:
    header = (
        pyodide_root
        / "cpython/installs"
        / f"python-{target.python}"
        / "include/python3.14/pyconfig.h"
    )
    text = header.read_text()
    assert "#define SIZEOF_LONG 4" in text
    assert "x86_64-linux-gnu" not in text


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make_variables(makefile_envs: Path, pyodide_root: str) -> dict[str, str]:
    """The variables as pyodide-build reads them (config.py `_get_make_environment_vars`)."""
    result = subprocess.run(
        ["make", "-f", str(makefile_envs), ".output_vars"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYODIDE_ROOT": pyodide_root, "EXTRA_LDFLAGS": "-Wl,-X"},
    )
    values = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return {k: v.strip("'") for k, v in values.items()}


@needs_make
def test_makefile_envs_gives_pyodide_build_its_variables(
    pyodide_root: Path, target: Target
) -> None:
    unquote = make_variables(pyodide_root / "Makefile.envs", str(pyodide_root))
    assert unquote["PYVERSION"] == target.python
    assert unquote["PYODIDE_ABI_VERSION"] == target.abi
    assert unquote["PYODIDE_EMSCRIPTEN_VERSION"] == target.emscripten
    assert unquote["SYSCONFIG_NAME"] == SYSCONFIG_NAME
    assert unquote["PYTHONINCLUDE"].endswith(
        f"cpython/installs/python-{target.python}/include/python3.14"
    )
    assert "-fwasm-exceptions" in unquote["CFLAGS_BASE"]
    assert unquote["LDFLAGS_BASE"].split()[-1] == "-Wl,-X"  # EXTRA_LDFLAGS from the environment


def test_makefile_envs_pins_come_from_the_target(target: Target) -> None:
    text = render_makefile_envs(target)
    assert f"PYODIDE_VERSION ?= {target.pyodide}" in text
    assert "\n.output_vars:\n\tset\n" in text


@needs_make
def test_build_flags_come_from_the_target(target: Target, tmp_path: Path) -> None:
    # A second target (say Pyodide 315) differs in data only.
    flags = MakefileEnvsPin(
        cflags_base="-O9 -fmade-up", cxxflags_base="-std=made-up", ldflags_base="-O9", rustflags=""
    )
    other = dataclasses.replace(target, debian=dataclasses.replace(target.debian, makefile_envs=flags))
    text = render_makefile_envs(other)
    assert "export RUSTFLAGS =\n" in text  # an empty flag leaves no trailing blank
    (tmp_path / "Makefile.envs").write_text(text)
    values = make_variables(tmp_path / "Makefile.envs", "/R")
    assert values["CFLAGS_BASE"] == "-O9 -fmade-up"
    assert values["CXXFLAGS_BASE"] == "-std=made-up"
    assert values["LDFLAGS_BASE"] == "-O9 -Wl,-X"
    assert values["RUSTFLAGS"] == ""


@needs_make
def test_shipped_pyodide_314_flags_are_those_the_route_always_used(tmp_path: Path) -> None:
    # What the hard-coded Makefile.envs template gave pyodide-build before the
    # flags moved into toolchain.toml (checked against a chroot provisioned then):
    # the move must not change a single flag of the wheels it builds.
    (tmp_path / "Makefile.envs").write_text(render_makefile_envs(current_target("pyodide-314")))
    values = make_variables(tmp_path / "Makefile.envs", "/R")
    assert values["CFLAGS_BASE"] == "-O2 -g0 -fPIC -fwasm-exceptions -sSUPPORT_LONGJMP=wasm"
    assert values["CXXFLAGS_BASE"] == ""
    assert values["LDFLAGS_BASE"] == (
        "-O2 -g0 -L/R/cpython/installs/python-3.14.2/lib/ -s WASM_BIGINT "
        "-fwasm-exceptions -sSUPPORT_LONGJMP=wasm -Wl,-X"
    )
    assert values["RUSTFLAGS"] == "-C link-arg=-sSIDE_MODULE=2"
