"""The one wheel reader: names, tags, METADATA, top-level modules, WebAssembly, integrity."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from wasmwheel.config.pins import current_target
from wasmwheel.errors import ProjectError
from wasmwheel.wheel.archive import ArchiveError, read_wheel
from wasmwheel.wheel.markers import runtime_requirements


def write_wheel(directory: Path, filename: str, files: dict[str, bytes], requires: list[str],
                *, dist_info: tuple[str, ...] = ("METADATA", "WHEEL", "RECORD")) -> Path:
    path = directory / filename
    name, version = filename.split("-")[:2]
    info = f"{name}-{version}.dist-info"
    contents = {
        "METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
            f"Requires-Dist: {r}\n" for r in requires),
        "WHEEL": "Wheel-Version: 1.0\n",
        "RECORD": "",
    }
    with zipfile.ZipFile(path, "w") as archive:
        for file, data in files.items():
            archive.writestr(file, data)
        for member in dist_info:
            archive.writestr(f"{info}/{member}", contents[member])
    return path


def test_reads_name_tags_metadata_top_level_and_wasm(tmp_path: Path) -> None:
    path = write_wheel(tmp_path, "fastthing-1.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl", {
        "fastthing/__init__.py": b"", "fastthing/sub/__init__.py": b"",
        "_fastthing_core.cpython-314-wasm32-emscripten.so": b"\0asm\x01\0\0\0",
        "helper.py": b"", "fastthing-1.0.data/scripts/tool": b"", "namespace_only/mod.py": b""},
        ["attrs"])
    info = read_wheel(path)
    assert info.name == "fastthing" and str(info.version) == "1.0"
    assert {str(t) for t in info.tags} == {"cp314-cp314-pyemscripten_2026_0_wasm32"}
    assert info.top_level == ("_fastthing_core", "fastthing", "helper")
    assert info.requires_dist == ("attrs",)
    assert info.has_wasm and info.metadata.startswith(b"Metadata-Version: 2.1\nName: fastthing")


def test_a_native_extension_is_not_wasm(tmp_path: Path) -> None:
    path = write_wheel(tmp_path, "p-1.0-cp314-cp314-linux_x86_64.whl",
                       {"p/_c.cpython-314-x86_64-linux-gnu.so": b"\x7fELF"}, [])
    assert not read_wheel(path).has_wasm


def test_markers_are_evaluated_for_emscripten(tmp_path: Path) -> None:
    path = write_wheel(tmp_path, "p-1.0-py3-none-any.whl", {"p/__init__.py": b""}, [
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
        path = write_wheel(tmp_path, "p-1.0-py3-none-any.whl", {}, [])
        path = path.rename(tmp_path / "p.whl")
    elif setup == "no-record":
        write_wheel(tmp_path, path.name, {}, [], dist_info=("METADATA", "WHEEL"))
    elif setup == "bad-crc":
        write_wheel(tmp_path, path.name, {"p/__init__.py": b"x = 1\n" * 50}, [])
        data = bytearray(path.read_bytes())
        data[data.index(b"p/__init__.py") + len(b"p/__init__.py") + 2] ^= 0xFF  # member bytes
        path.write_bytes(bytes(data))
    with pytest.raises(ArchiveError) as caught:
        read_wheel(path)
    assert caught.value.rule == rule and words in caught.value.reason
    assert isinstance(caught.value, ProjectError)  # the CLI prints it as `error:` + hint, exit 2
    assert "\n" not in caught.value.message
