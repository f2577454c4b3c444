"""The one wheel reader: names, tags, METADATA, top-level modules, WebAssembly, integrity."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from helpers.wheels import make_wheel
from wasmwheel.config.pins import current_target
from wasmwheel.errors import ProjectError
from wasmwheel.wheel.archive import ArchiveError, read_wheel
from wasmwheel.wheel.markers import runtime_requirements


def test_reads_name_tags_metadata_top_level_and_wasm(tmp_path: Path) -> None:
    tags = "cp314-cp314-pyemscripten_2026_0_wasm32"
    path = make_wheel(tmp_path, "fastthing", "1.0", tags, files={
        "fastthing/__init__.py": b"", "fastthing/sub/__init__.py": b"",
        "_fastthing_core.cpython-314-wasm32-emscripten.so": b"\0asm\x01\0\0\0",
        "helper.py": b"", "fastthing-1.0.data/scripts/tool": b"", "namespace_only/mod.py": b""},
        requires=["attrs"])
    info = read_wheel(path)
    assert info.name == "fastthing" and str(info.version) == "1.0"
    assert {str(t) for t in info.tags} == {"cp314-cp314-pyemscripten_2026_0_wasm32"}
    assert info.top_level == ("_fastthing_core", "fastthing", "helper")
    assert info.requires_dist == ("attrs",)
    assert info.has_wasm and info.metadata.startswith(b"Metadata-Version: 2.1\nName: fastthing")


def test_a_native_extension_is_not_wasm(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, "p", "1.0", "cp314-cp314-linux_x86_64",
                      files={"p/_c.cpython-314-x86_64-linux-gnu.so": b"\x7fELF"})
    assert not read_wheel(path).has_wasm


def test_markers_are_evaluated_for_emscripten(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, "p", requires=[
        "always", "wasm-only; sys_platform == 'emscripten'", "win-only; sys_platform == 'win32'",
        "old; python_version < '3.12'", "testdep; extra == 'test'", "docdep; extra == 'docs'"])
    names = [r.name for r in runtime_requirements(read_wheel(path), current_target(), ("test",))]
    assert names == ["always", "wasm-only", "testdep"]


@pytest.mark.parametrize(("setup", "rule", "words"), [
    ("missing", "exists", "no such wheel file"),
    ("not-a-zip", "archive", "corrupt zip"),
    ("bad-name", "filename", "does not parse"),
    ("no-record", "archive", "lacks RECORD"),
    ("bad-crc", "archive", "fails its CRC check"),
])
def test_unusable_wheels_raise_one_error_type_with_the_gates_rule(
        tmp_path: Path, setup: str, rule: str, words: str) -> None:
    path = tmp_path / "p-1.0-py3-none-any.whl"
    if setup == "not-a-zip":
        path.write_text("not a zip")
    elif setup == "bad-name":
        path = make_wheel(tmp_path, "p").rename(tmp_path / "p.whl")
    elif setup == "no-record":
        make_wheel(tmp_path, "p", omit=("RECORD",))
    elif setup == "bad-crc":
        make_wheel(tmp_path, "p", files={"p/__init__.py": b"x = 1\n" * 50},
                   compression=zipfile.ZIP_STORED)
        data = bytearray(path.read_bytes())
        data[data.index(b"p/__init__.py") + len(b"p/__init__.py") + 2] ^= 0xFF  # member bytes
        path.write_bytes(bytes(data))
    with pytest.raises(ArchiveError) as caught:
        read_wheel(path)
    assert caught.value.rule == rule and words in caught.value.reason
    assert isinstance(caught.value, ProjectError)  # the CLI prints it as `error:` + hint, exit 2
    assert "\n" not in caught.value.message
