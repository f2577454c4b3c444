"""Which config settings `pyodide build` gets per build backend: the meson cross file for
meson-python (whichever meson the project runs), nothing for the others."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from helpers.wheels import make_wheel
from wasmwheel.config.pins import current_target
from wasmwheel.errors import ToolchainError
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.backend_settings import (
    CROSS_FILE_QUERY,
    build_backend,
    config_settings,
    cross_file_from,
)
from wasmwheel.toolchain.routes.debian import chroot
from wasmwheel.toolchain.routes.debian.route import DebianRoute
from wasmwheel.toolchain.routes.system import SystemRoute
from wasmwheel.wheel.reproducible import DEFAULT_EPOCH

CROSS = "/opt/venv/lib/python3.14/site-packages/pyodide_build/tools/emscripten.meson.cross"


def project(tmp_path: Path, pyproject: str | None) -> Path:
    source = tmp_path / "project"
    source.mkdir()
    if pyproject is not None:
        (source / "pyproject.toml").write_text(pyproject)
    return source


def backend_table(name: str) -> str:
    return f'[build-system]\nrequires = ["x"]\nbuild-backend = "{name}"\n'


def asked_never() -> str:
    raise AssertionError("the cross file was asked for a project that needs none")


def test_meson_python_gets_the_cross_file_as_setup_args(tmp_path: Path) -> None:
    source = project(tmp_path, backend_table("mesonpy"))
    assert config_settings(source, lambda: CROSS) == [
        "--config-setting", f"setup-args=--cross-file={CROSS}",
    ]


@pytest.mark.parametrize(
    "pyproject",
    [
        backend_table("setuptools.build_meta"),
        backend_table("scikit_build_core.build"),
        backend_table("hatchling.build"),
        '[build-system]\nrequires = ["setuptools"]\n',  # no backend: setuptools' legacy default
        '[project]\nname = "x"\n',
        "[build-system\nbroken",  # the build itself reports a broken pyproject.toml
        '[build-system]\nbuild-backend = 3\n',
        'build-system = "mesonpy"\n',
        None,  # a setup.py-only project
    ],
)
def test_other_projects_get_nothing_and_no_query(tmp_path: Path, pyproject: str | None) -> None:
    assert config_settings(project(tmp_path, pyproject), asked_never) == []


def test_backend_is_read_from_pyproject(tmp_path: Path) -> None:
    assert build_backend(project(tmp_path, backend_table("mesonpy"))) == "mesonpy"


def completed(returncode: int, stdout: str, stderr: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(["pyodide"], returncode, stdout, stderr)


def test_cross_file_is_the_last_line_printed() -> None:
    assert cross_file_from(completed(0, f"some notice\n{CROSS}\n")) == CROSS


@pytest.mark.parametrize(
    "result,said",
    [
        (completed(2, "", "Error: No such command 'config'."), "exit 2"),
        (completed(0, ""), "printed nothing"),
        (completed(0, "meson_cross_file is not set\n"), "not a path"),
    ],
)
def test_a_failed_query_is_a_toolchain_error(
    result: subprocess.CompletedProcess[str], said: str
) -> None:
    with pytest.raises(ToolchainError, match=said) as raised:
        cross_file_from(result)
    assert raised.value.hint and "doctor" in raised.value.hint


# --- what each route passes to `pyodide build` --------------------------------

FAKE_PYODIDE = """\
if [ "$1" = config ]; then echo "$FAKE_CROSS"; exit 0; fi
echo "$@" >> "$ARGS_LOG"
for last; do :; done
touch "$last/demo-1.0-py3-none-any.whl"
"""


@pytest.mark.parametrize("backend,expected", [("mesonpy", True), ("setuptools.build_meta", False)])
def test_system_route_passes_the_cross_file_to_meson_python_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str, expected: bool
) -> None:
    target = current_target()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in [
        ("emcc", f"echo 'emcc (Emscripten gcc/clang-like replacement) {target.emscripten} (x)'\n"),
        (f"python{target.python_major_minor}", f"echo {target.python}\necho {target.pyodide_build}\n"),
        ("pyodide", FAKE_PYODIDE),
    ]:
        (bin_dir / name).write_text("#!/bin/sh\n" + body)
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("FAKE_CROSS", CROSS)
    monkeypatch.setenv("ARGS_LOG", str(tmp_path / "args.txt"))
    source = project(tmp_path, backend_table(backend))
    SystemRoute(target, tmp_path).build(source, tmp_path / "dist", source_date_epoch=DEFAULT_EPOCH)
    build_args = (tmp_path / "args.txt").read_text().split()
    assert build_args[0] == "build"
    assert (f"setup-args=--cross-file={CROSS}" in build_args) is expected


def test_debian_route_asks_its_chroot_for_the_cross_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    route = DebianRoute(current_target(), tmp_path / "cache")
    monkeypatch.setattr(DebianRoute, "available", lambda self: None)
    route.root.mkdir(parents=True)
    (route.entry / cache.STAMP).write_text("{}")
    calls: list[list[str]] = []

    def fake_run(root: Path, argv: list[str], env: dict[str, str], **kwargs: object) -> object:
        calls.append(list(argv))
        if argv[1:] == list(CROSS_FILE_QUERY):
            return subprocess.CompletedProcess(argv, 0, CROSS + "\n", "")
        dist = root / str(kwargs["cwd"]).lstrip("/") / ".." / "dist"
        dist.mkdir()
        make_wheel(dist, "demo", "1.0", "py3-none-any")
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(chroot, "run", fake_run)
    source = project(tmp_path, backend_table("mesonpy"))
    route.build(source, tmp_path / "out", source_date_epoch=DEFAULT_EPOCH)
    cache.release_holds()
    query, build = calls
    assert query == ["pyodide", *CROSS_FILE_QUERY]
    assert build[:4] == ["pyodide", "build", "--config-setting", f"setup-args=--cross-file={CROSS}"]
