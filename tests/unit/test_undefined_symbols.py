"""Extension modules importing symbols nothing provides: read from hand-made wasm bytes, refused
at build time (or accepted with --allow-undefined-symbols)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from helpers.cli import wasmwheel
from helpers.routes import StandInRoute
from helpers.wasm_modules import side_module, wasm, wheel_with
from helpers.wheels import make_wheel
from wasmwheel.builder import undefined_symbols
from wasmwheel.builder.pipeline import build_wheel
from wasmwheel.builder.runtime_symbols import loader_symbols, runtime_symbols
from wasmwheel.builder.undefined_symbols import Unresolved, check_symbols, unresolved
from wasmwheel.config.pins import current_target
from wasmwheel.errors import BuildError, DownloadError, ExitCode
from wasmwheel.wheel.wasm_linkage import (
    KIND_FUNCTION,
    KIND_GLOBAL,
    KIND_MEMORY,
    KIND_TABLE,
    WasmFormatError,
    extension_linkages,
    read_linkage,
)

TARGET = current_target()
PLATFORM = TARGET.platform_tag
HTTPTOOLS_CALLBACK = "wasm_on_message_begin"


# --- the reader -----------------------------------------------------------------------------------

def test_reads_function_and_got_imports_weak_ones_and_exports() -> None:
    module = wasm(
        imports=[("env", "memory", KIND_MEMORY), ("env", "__indirect_function_table", KIND_TABLE),
                 ("env", "__stack_pointer", KIND_GLOBAL), ("env", "PyLong_FromLong", KIND_FUNCTION),
                 ("wasi_snapshot_preview1", "fd_write", KIND_FUNCTION),
                 ("GOT.mem", "PyExc_ValueError", KIND_GLOBAL), ("GOT.func", "free", KIND_GLOBAL),
                 ("env", "maybe_there", KIND_FUNCTION), ("other", "ignored", KIND_FUNCTION)],
        exports=["PyInit_demo", "__wasm_apply_data_relocs"],
        weak=["maybe_there"],
    )
    linkage = read_linkage(module)
    assert linkage.imports == {"PyLong_FromLong", "fd_write", "PyExc_ValueError", "free",
                               "maybe_there"}
    assert linkage.weak == {"maybe_there"}
    assert linkage.required == {"PyLong_FromLong", "fd_write", "PyExc_ValueError", "free"}
    assert linkage.exports == {"PyInit_demo", "__wasm_apply_data_relocs"}


@pytest.mark.parametrize("data", [b"\x7fELF\x01\x01", b"\0asm\x02\0\0\0", side_module("f")[:-4]],
                         ids=["elf", "version-2", "truncated"])
def test_not_a_readable_module_is_a_format_error(data: bytes) -> None:
    with pytest.raises(WasmFormatError):
        read_linkage(data)


def test_only_webassembly_extension_modules_of_a_wheel_are_read(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "demo", "1.0", f"cp314-cp314-{PLATFORM}", files={
        "demo/_a.cpython-314-wasm32-emscripten.so": side_module("f"),
        "demo/_elf.so": b"\x7fELF",
        "demo/notes.txt": b"\0asm\x01\0\0\0",
    })
    assert list(extension_linkages(wheel)) == ["demo/_a.cpython-314-wasm32-emscripten.so"]


# --- what the runtime provides --------------------------------------------------------------------

MINIFIED = ('var a=1;var wasmImports={IMG_Init:_IMG_Init,JsArray_count_js,fd_write:_fd_write};'
            'function f(){return 2}var x={3:()=>{wasmImports["open64"]=wasmImports["open"]}};'
            'if(wasmImports["no"]==1){}')
READABLE = """var wasmImports = {
  /** @export */
  IMG_Init: _IMG_Init,
  /** @export */
  "fd_write": _fd_write
};"""


def test_the_loader_lists_library_functions_and_later_additions() -> None:
    assert loader_symbols(MINIFIED) == {"IMG_Init", "JsArray_count_js", "fd_write", "open64"}
    assert loader_symbols(READABLE) == {"IMG_Init", "fd_write"}


@pytest.mark.parametrize("javascript", ["var imports={a:b};", "var wasmImports={a:b(1),c};"])
def test_an_unknown_loader_shape_is_not_guessed(javascript: str) -> None:
    assert loader_symbols(javascript) is None


def test_runtime_symbols_are_main_module_exports_and_loader_functions(tmp_path: Path) -> None:
    (tmp_path / "pyodide.asm.wasm").write_bytes(wasm(exports=["PyLong_FromLong", "malloc"]))
    (tmp_path / "pyodide.asm.mjs").write_text(MINIFIED)
    assert runtime_symbols(tmp_path) == {"PyLong_FromLong", "malloc", "IMG_Init",
                                         "JsArray_count_js", "fd_write", "open64"}
    (tmp_path / "pyodide.asm.mjs").unlink()
    assert runtime_symbols(tmp_path) is None


# --- the policy -----------------------------------------------------------------------------------

RUNTIME = frozenset({"PyLong_FromLong", "malloc"})


def test_symbols_from_the_runtime_the_wheel_or_weak_are_resolved(tmp_path: Path) -> None:
    wheel = wheel_with(tmp_path, {
        "_a": side_module("PyLong_FromLong", "shared_helper", "optional_hook",
                          weak=["optional_hook"]),
        "_b": side_module("malloc", exports=["shared_helper"]),
    })
    assert unresolved(wheel, lambda: RUNTIME) == []


def test_a_symbol_nobody_provides_is_named_with_its_module(tmp_path: Path) -> None:
    wheel = wheel_with(tmp_path, {"_a": side_module("PyLong_FromLong", HTTPTOOLS_CALLBACK,
                                                    "strreverse"),
                                  "_b": side_module("malloc")})
    assert unresolved(wheel, lambda: RUNTIME) == [
        Unresolved("demo/_a.cpython-314-wasm32-emscripten.so", ("strreverse", HTTPTOOLS_CALLBACK))]


def test_the_runtime_is_not_read_when_the_wheel_needs_nothing_from_outside(tmp_path: Path) -> None:
    wheel = wheel_with(tmp_path, {"_a": side_module("helper"), "_b": wasm(exports=["helper"])})

    def unreachable() -> frozenset[str]:
        raise AssertionError("the runtime was read")

    assert unresolved(wheel, unreachable) == []


def test_unknown_runtime_means_not_checked(tmp_path: Path) -> None:
    wheel = wheel_with(tmp_path, {"_a": side_module(HTTPTOOLS_CALLBACK)})
    assert unresolved(wheel, lambda: None) is None


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A stand-in for the pinned npm runtime: main module exports + loader functions."""
    directory = tmp_path / "runtime"
    directory.mkdir()
    (directory / "pyodide.asm.wasm").write_bytes(wasm(exports=sorted(RUNTIME)))
    (directory / "pyodide.asm.mjs").write_text(MINIFIED)
    monkeypatch.setattr(undefined_symbols, "ensure_pyodide_dist", lambda target: directory)
    return directory


def test_the_build_check_fails_in_one_line_naming_module_and_symbols(
    tmp_path: Path, runtime: Path
) -> None:
    wheel = wheel_with(tmp_path, {"_a": side_module(HTTPTOOLS_CALLBACK, "wasm_on_url", "malloc")})
    with pytest.raises(BuildError) as info:
        check_symbols(wheel, TARGET, allowed=False)
    assert info.value.message == (
        f"{wheel.name}: demo/_a.cpython-314-wasm32-emscripten.so needs symbols neither Pyodide "
        f"{TARGET.pyodide} nor the wheel provides: {HTTPTOOLS_CALLBACK}, wasm_on_url (e.g. a "
        "JavaScript import under __wasm__, or a C99 inline without an external definition)")
    assert "--allow-undefined-symbols" in (info.value.hint or "")
    assert info.value.return_code == ExitCode.BUILD_FAILED


def test_a_long_list_says_how_many_more(tmp_path: Path, runtime: Path) -> None:
    wheel = wheel_with(tmp_path, {"_a": side_module(*(f"missing_{n:02}" for n in range(11)))})
    with pytest.raises(BuildError, match=r"missing_07 and 3 more \("):
        check_symbols(wheel, TARGET, allowed=False)


def test_allowed_undefined_symbols_are_a_warning(
    tmp_path: Path, runtime: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = wheel_with(tmp_path, {"_a": side_module(HTTPTOOLS_CALLBACK)})
    check_symbols(wheel, TARGET, allowed=True)
    err = capsys.readouterr().err
    assert "warning:" in err and HTTPTOOLS_CALLBACK in err and "--allow-undefined-symbols" in err


def test_a_runtime_that_cannot_be_fetched_skips_the_check_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def offline(target: object) -> Path:
        raise DownloadError("npm pack pyodide failed: offline")

    monkeypatch.setattr(undefined_symbols, "ensure_pyodide_dist", offline)
    check_symbols(wheel_with(tmp_path, {"_a": side_module(HTTPTOOLS_CALLBACK)}), TARGET,
                  allowed=False)
    assert "undefined symbols not checked: npm pack pyodide failed: offline" in (
        capsys.readouterr().err)


# --- in the build pipeline and on the command line ------------------------------------------------

class UndefinedRoute(StandInRoute):
    """A route whose wheel has a module calling a JavaScript callback nobody defines."""

    name: ClassVar[str] = "undefined"

    def build(self, source_dir: Path, outdir: Path, *, source_date_epoch: int) -> Path:
        return wheel_with(outdir, {"_a": side_module("malloc", HTTPTOOLS_CALLBACK)})


def demo_project(root: Path) -> Path:
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\nversion = '1.0'\n")
    return root


def test_the_build_keeps_no_wheel_with_undefined_symbols(tmp_path: Path, runtime: Path) -> None:
    source, dist = demo_project(tmp_path / "demo"), tmp_path / "dist"
    with pytest.raises(BuildError, match=HTTPTOOLS_CALLBACK):
        build_wheel(source, dist, UndefinedRoute(TARGET, tmp_path / "c"), TARGET)
    assert not dist.exists() or not any(dist.iterdir())
    accepted = build_wheel(source, dist, UndefinedRoute(TARGET, tmp_path / "c"), TARGET,
                           allow_undefined_symbols=True)
    assert accepted.wheel.parent == dist and accepted.wheel.is_file()


@pytest.mark.parametrize("verb", ["build", "test"])
def test_the_flag_is_offered_and_explained(verb: str) -> None:
    assert "--allow-undefined-symbols" in wasmwheel(verb, "--help").stdout
