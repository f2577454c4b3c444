"""A project with native sources that yields a pure wheel fails loudly, unless accepted."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from helpers.routes import StandInRoute as StandIn
from helpers.wheels import make_wheel
from wasmwheel.builder.native_sources import native_sources
from wasmwheel.builder.pipeline import build_wheel
from wasmwheel.builder.pure_wheel import check_not_fallback
from wasmwheel.config.pins import current_target
from wasmwheel.errors import BuildError
from wasmwheel.toolchain.diagnosis import fallback_line, first_error
from wasmwheel.toolchain.pyodide_build import keep_log

DATA = Path(__file__).parent / "data" / "tool_output"
RAPIDFUZZ = (DATA / "scikit-build-core-pure-fallback.txt").read_text()
COMPILE_ERROR = (DATA / "pyodide-build-compile-error.txt").read_text()
WHEEL = "rapidfuzz-3.14.6-py3-none-any.whl"
PLATFORM = current_target().platform_tag


def pure_wheel(directory: Path) -> Path:
    return make_wheel(directory, "rapidfuzz", "3.14.6", "py3-none-any",
                      files={"rapidfuzz/__init__.py": b""})

SETUPTOOLS_OPTIONAL = """\
building 'speedy._speedups' extension
src/speedy/_speedups.c:3:1: error: unknown type name 'this'
    3 | this is not C;
      | ^
building extension "speedy._speedups" failed: command 'cc' failed with exit code 1
Successfully built speedy-1.0-py3-none-any.whl
"""


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_scikit_build_core_fallback_and_its_cause_are_found_in_rapidfuzz_log() -> None:
    assert fallback_line(RAPIDFUZZ) == "*** CMake build failed - retrying due to override..."
    error = first_error(RAPIDFUZZ)
    assert error is not None
    assert error.startswith("Command 'emnm -j --export-symbols") and "can't open file" in error


def test_setuptools_optional_extension_fallback_and_compiler_error() -> None:
    assert fallback_line(SETUPTOOLS_OPTIONAL) == (
        'building extension "speedy._speedups" failed: command \'cc\' failed with exit code 1'
    )
    assert first_error(SETUPTOOLS_OPTIONAL) == (
        "src/speedy/_speedups.c:3:1: error: unknown type name 'this'"
    )


def test_a_successful_log_has_no_fallback() -> None:
    clean = "*** Building project with Ninja...\n[1/1] Linking CXX shared module x.so\n"
    assert fallback_line(clean) is None and first_error(clean) is None
    assert fallback_line(COMPILE_ERROR) is None  # a failure, but not a fallback


def test_native_sources_found_outside_tests_and_docs(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "pyproject.toml": "[project]\nname='x'\n",
        "tests/fixture.c": "", "docs/example.cpp": "",
        "src/x/_core.pyx": "", "src/x/__init__.py": "",
    })
    assert native_sources(root) == ["src/x/_core.pyx"]


def test_mypyc_counts_as_native(tmp_path: Path) -> None:
    root = project(tmp_path, {"setup.py": "from mypyc.build import mypycify\n"})
    assert native_sources(root) == ["setup.py (mypyc)"]


def test_pure_project_gives_a_pure_wheel_without_a_flag(tmp_path: Path) -> None:
    root = project(tmp_path / "p", {"pyproject.toml": "", "src/x/__init__.py": "", "tests/t.c": ""})
    check_not_fallback(pure_wheel(tmp_path), root, "", allowed=False)  # no error


def test_a_wheel_with_an_extension_passes(tmp_path: Path) -> None:
    root = project(tmp_path / "p", {"src/x/_core.c": ""})
    wheel = make_wheel(tmp_path, "x", "1", f"cp314-cp314-{PLATFORM}",
                       files={"x/_core.cpython-314-wasm32-emscripten.so": b""})
    check_not_fallback(wheel, root, RAPIDFUZZ, allowed=False)  # no error


def test_a_platform_tagged_wheel_without_extension_is_a_fallback_too(tmp_path: Path) -> None:
    # setuptools tags the wheel for the platform whenever there are ext_modules.
    root = project(tmp_path / "p", {"src/x/_core.c": ""})
    wheel = make_wheel(tmp_path, "x", "1", f"cp314-cp314-{PLATFORM}", files={"x/__init__.py": b""})
    with pytest.raises(BuildError, match="optional extension|building extension"):
        check_not_fallback(wheel, root, SETUPTOOLS_OPTIONAL, allowed=False)


def test_native_project_with_pure_wheel_fails_naming_fallback_and_first_error(
    tmp_path: Path,
) -> None:
    root = project(tmp_path / "p", {"CMakeLists.txt": "", "src/rapidfuzz/utils_cpp.cxx": ""})
    with pytest.raises(BuildError) as info:
        check_not_fallback(pure_wheel(tmp_path), root, RAPIDFUZZ, allowed=False)
    message = info.value.message
    assert "\n" not in message  # one error line
    assert WHEEL in message and "src/rapidfuzz/utils_cpp.cxx" in message
    assert "CMake build failed - retrying due to override" in message
    assert "emnm" in message and "--allow-pure-wheel" in (info.value.hint or "")


def test_allow_pure_wheel_accepts_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path / "p", {"src/x/_core.c": ""})
    check_not_fallback(pure_wheel(tmp_path), root, RAPIDFUZZ, allowed=True)
    assert "--allow-pure-wheel" in capsys.readouterr().err


# --- the build pipeline, with a route that "falls back" ------------------------------------------

class FallbackRoute(StandIn):
    """A route whose backend produced a pure wheel and kept rapidfuzz's log beside it."""

    name: ClassVar[str] = "fallback"

    def build(self, source_dir: Path, outdir: Path, *, source_date_epoch: int) -> Path:
        outdir.mkdir(parents=True, exist_ok=True)
        keep_log(outdir, RAPIDFUZZ)
        return make_wheel(outdir, "speedy", "1.0", "py3-none-any", files={"speedy/__init__.py": b""})


def speedy(root: Path, *, native: bool) -> Path:
    files = {"pyproject.toml": "[project]\nname = 'speedy'\nversion = '1.0'\n",
             "src/speedy/__init__.py": ""}
    if native:
        files["src/speedy/_speedups.c"] = "int f(void) { return 1; }\n"
    return project(root, files)


def test_pipeline_refuses_the_fallback_and_writes_nothing(tmp_path: Path) -> None:
    target = current_target()
    source = speedy(tmp_path / "speedy", native=True)
    with pytest.raises(BuildError, match="holds no compiled extension"):
        build_wheel(source, tmp_path / "dist", FallbackRoute(target, tmp_path / "c"), target)
    assert not (tmp_path / "dist").exists()
    accepted = build_wheel(source, tmp_path / "dist", FallbackRoute(target, tmp_path / "c"),
                           target, allow_pure_wheel=True)
    assert accepted.wheel.parent == tmp_path / "dist"


def test_pipeline_builds_a_pure_project_without_the_flag(tmp_path: Path) -> None:
    target = current_target()
    source = speedy(tmp_path / "speedy", native=False)
    built = build_wheel(source, tmp_path / "dist", FallbackRoute(target, tmp_path / "c"), target)
    assert built.wheel.name.endswith("py3-none-any.whl")
