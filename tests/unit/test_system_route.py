"""The system route against stand-in `emcc`, `python3.x` and `pyodide` on a test PATH."""

from __future__ import annotations

from pathlib import Path

import pytest

from wasmwheel.config.pins import Target, current_target
from wasmwheel.errors import ToolchainError
from wasmwheel.toolchain.routes.system import SystemRoute, parse_emcc_version
from wasmwheel.wheel.reproducible import DEFAULT_EPOCH


def tool(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


@pytest.fixture
def target() -> Target:
    return current_target()


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "bin"
    directory.mkdir()
    monkeypatch.setenv("PATH", str(directory))  # only the stand-ins are visible
    monkeypatch.delenv("PYODIDE_XBUILDENV_PATH", raising=False)
    return directory


def emcc(bin_dir: Path, version: str) -> None:
    tool(
        bin_dir,
        "emcc",
        "echo 'emcc (Emscripten gcc/clang-like replacement + linker emulating "
        f"GNU ld) {version} (0123abcd)'\necho 'shared:INFO: ...' >&2\n",
    )


def host_python(
    bin_dir: Path, target: Target, python: str | None = None, pyodide_build: str | None = None
) -> None:
    tool(
        bin_dir,
        f"python{target.python_major_minor}",
        f"echo {python or target.python}\necho {pyodide_build or target.pyodide_build}\n",
    )
    tool(bin_dir, "pyodide", "exit 0\n")


@pytest.mark.parametrize(
    "line,expected",
    [
        (
            "emcc (Emscripten gcc/clang-like replacement + linker emulating GNU ld) 5.0.3 (abc)",
            "5.0.3",
        ),
        (
            "emcc (Emscripten gcc/clang-like replacement + linker emulating GNU ld) 6.0.5-git",
            "6.0.5",
        ),
        ("emcc (Emscripten gcc/clang-like replacement) 3.1.69 ()\nclang version 21.1.8", "3.1.69"),
        ("clang version 21.1.8", None),
    ],
)
def test_parse_emcc_version(line: str, expected: str | None) -> None:
    assert parse_emcc_version(line) == expected


def test_matching_emcc_is_exact(bin_dir: Path, target: Target, tmp_path: Path) -> None:
    emcc(bin_dir, target.emscripten)
    host_python(bin_dir, target)
    route = SystemRoute(target, tmp_path)
    assert route.available() is None
    assert route.approximate is False
    assert route.emscripten_version() == target.emscripten
    status = route.status()
    assert status.installed and not status.approximate
    assert (status.emscripten, status.python, status.pyodide_build) == (
        target.emscripten,
        target.python,
        target.pyodide_build,
    )
    assert status.location == bin_dir
    route.install()  # verifies only; nothing missing


def test_other_emcc_is_approximate_and_says_so(
    bin_dir: Path, target: Target, tmp_path: Path
) -> None:
    emcc(bin_dir, "1.2.3")
    host_python(bin_dir, target, pyodide_build="0.0.9")
    route = SystemRoute(target, tmp_path)
    assert route.available() is None  # usable, but approximate
    assert route.approximate is True
    problems = " | ".join(route.status().problems)
    assert "1.2.3" in problems and target.emscripten in problems and "approximate" in problems
    assert "0.0.9" in problems
    assert "PYODIDE_XBUILDENV_PATH" in problems


def test_missing_emcc_is_unavailable(bin_dir: Path, target: Target, tmp_path: Path) -> None:
    host_python(bin_dir, target)
    route = SystemRoute(target, tmp_path)
    reason = route.available()
    assert reason and "emcc is not on PATH" in reason
    assert route.approximate is True
    status = route.status()
    assert not status.installed and status.fix
    with pytest.raises(ToolchainError, match="emcc"):
        route.install()
    with pytest.raises(ToolchainError):
        route.emscripten_version()


def test_python_without_pyodide_build_is_reported(
    bin_dir: Path, target: Target, tmp_path: Path
) -> None:
    emcc(bin_dir, target.emscripten)
    tool(bin_dir, f"python{target.python_major_minor}", "exit 1\n")
    reason = SystemRoute(target, tmp_path).available()
    assert reason and "pyodide_build" in reason and "pyodide` command" in reason


def test_xbuildenv_path_set_is_not_a_problem(
    bin_dir: Path, target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emcc(bin_dir, target.emscripten)
    host_python(bin_dir, target)
    monkeypatch.setenv("PYODIDE_XBUILDENV_PATH", str(tmp_path))
    assert SystemRoute(target, tmp_path).status().problems == []


FAKE_PYODIDE = """\
[ "$1" = build ] && [ "$3" = --outdir ] || exit 2
env > "$4/env.txt"
touch "$4/demo-1.0-py3-none-any.whl"
"""


@pytest.mark.parametrize("exact", [True, False])
def test_build_runs_pyodide_build_and_returns_the_wheel(
    bin_dir: Path, target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exact: bool
) -> None:
    emcc(bin_dir, target.emscripten if exact else "1.2.3")
    host_python(bin_dir, target)
    tool(bin_dir, "pyodide", FAKE_PYODIDE)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")  # the stand-in uses env and touch
    monkeypatch.setenv("PYODIDE_ROOT", "/somewhere/else")
    monkeypatch.setenv("CFLAGS", "-DUSER_FLAG")
    source, outdir = tmp_path / "project", tmp_path / "dist"
    source.mkdir()
    wheel = SystemRoute(target, tmp_path).build(source, outdir, source_date_epoch=1700000000)
    assert wheel == outdir / "demo-1.0-py3-none-any.whl"
    env = dict(
        line.split("=", 1) for line in (outdir / "env.txt").read_text().splitlines() if "=" in line
    )
    assert env["PYODIDE_SKIP_EMSCRIPTEN_INSTALL"] == "1"  # never an unpinned emsdk behind our back
    assert "PYODIDE_ROOT" not in env
    assert ("SKIP_EMSCRIPTEN_VERSION_CHECK" in env) is (not exact)
    # Reproducibility: the epoch reaches the backend, the staging path never reaches the
    # binary, and the user's own CFLAGS survive.
    assert env["SOURCE_DATE_EPOCH"] == "1700000000"
    assert env["CFLAGS"] == f"-DUSER_FLAG -ffile-prefix-map={source}=."
    assert env["CXXFLAGS"] == f"-ffile-prefix-map={source}=."


def test_build_failure_is_a_build_error(bin_dir: Path, target: Target, tmp_path: Path) -> None:
    from wasmwheel.errors import BuildError

    emcc(bin_dir, target.emscripten)
    host_python(bin_dir, target)
    tool(bin_dir, "pyodide", "echo 'compile error' >&2\nexit 1\n")
    (tmp_path / "project").mkdir()
    with pytest.raises(BuildError, match="exit 1"):
        SystemRoute(target, tmp_path).build(tmp_path / "project", tmp_path / "dist",
                                          source_date_epoch=DEFAULT_EPOCH)
