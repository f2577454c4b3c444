from pathlib import Path

import pytest

from helpers.wheels import make_wheel
from wasmwheel import errors  # not `import TestRunError`: pytest would try to collect it
from wasmwheel.config.pins import current_target
from wasmwheel.wheel.inspect import check_compatible, read_wheel, runtime_requirements


def wheel_with(directory: Path, filename: str, files: list[str], requires: list[str]) -> Path:
    """A wheel named `filename` holding empty `files`."""
    name, version, tags = filename.removesuffix(".whl").split("-", 2)
    return make_wheel(directory, name, version, tags, files=dict.fromkeys(files, ""),
                      requires=requires)


def test_reads_metadata_and_top_level(tmp_path: Path) -> None:
    path = wheel_with(tmp_path, "fastthing-1.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl", [
        "fastthing/__init__.py", "fastthing/sub/__init__.py",
        "_fastthing_core.cpython-314-wasm32-emscripten.so", "helper.py",
        "fastthing-1.0.data/scripts/tool", "namespace_only/mod.py"], ["attrs"])
    info = read_wheel(path)
    assert info.name == "fastthing" and info.version == "1.0"
    assert info.top_level == ("_fastthing_core", "fastthing", "helper")
    assert info.requires_dist == ("attrs",)
    check_compatible(info, current_target())


def test_markers_are_evaluated_for_emscripten(tmp_path: Path) -> None:
    path = wheel_with(tmp_path, "p-1.0-py3-none-any.whl", ["p/__init__.py"], [
        "always", "wasm-only; sys_platform == 'emscripten'", "win-only; sys_platform == 'win32'",
        "old; python_version < '3.12'", "testdep; extra == 'test'", "docdep; extra == 'docs'"])
    names = [r.name for r in runtime_requirements(read_wheel(path), current_target(), ("test",))]
    assert names == ["always", "wasm-only", "testdep"]


def test_native_wheel_is_refused(tmp_path: Path) -> None:
    path = wheel_with(tmp_path, "p-1.0-cp314-cp314-manylinux_2_28_x86_64.whl", ["p/__init__.py"], [])
    with pytest.raises(errors.TestRunError, match="manylinux_2_28_x86_64"):
        check_compatible(read_wheel(path), current_target())


def test_missing_and_bad_wheels(tmp_path: Path) -> None:
    with pytest.raises(errors.ProjectError, match="not found"):
        read_wheel(tmp_path / "p-1.0-py3-none-any.whl")
    (tmp_path / "p-1.0-py3-none-any.whl").write_text("not a zip")
    with pytest.raises(errors.ProjectError, match="not a readable wheel"):
        read_wheel(tmp_path / "p-1.0-py3-none-any.whl")
