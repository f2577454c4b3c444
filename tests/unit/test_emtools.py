"""Every Emscripten tool works when a build calls it by name, on every route.

The fake layout below is Debian's: launchers in share/emscripten, symlinks to
them in bin/. Most launchers find their script through `readlink -f $0`; emnm
through `$(dirname $0)/tools/`, which breaks when found through bin/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wasmwheel.config.pins import current_target
from wasmwheel.errors import ToolchainError
from wasmwheel.toolchain import emtools
from wasmwheel.toolchain.pyodide_build import build_environment
from wasmwheel.toolchain.routes.debian.route import EMSCRIPTEN_DIR, DebianRoute

DIRNAME_STYLE = {"emnm"}  # Debian's emnm, emdwp, emprofile, emsymbolizer


def launcher(tool: str) -> str:
    script = (
        f'"$(readlink -f "$(dirname "$0")"/tools/{tool}).py"'
        if tool in DIRNAME_STYLE
        else '"$(readlink -f "$0").py"'
    )
    return f'#!/bin/sh\nexec "{sys.executable}" -E {script} "$@"\n'


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """<tmp>/bin/<tool> -> ../share/emscripten/<tool>, for every tool; returns bin/."""
    share = tmp_path / "share" / "emscripten"
    (share / "tools").mkdir(parents=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in emtools.TOOLS:
        script = share / "tools" / f"{tool}.py" if tool in DIRNAME_STYLE else share / f"{tool}.py"
        script.write_text("print('ok')\n")
        (share / tool).write_text(launcher(tool))
        (share / tool).chmod(0o755)
        (bin_dir / tool).symlink_to(Path("..") / "share" / "emscripten" / tool)
    return bin_dir


def run_tool(tool: str, path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool, "--version"], env={"PATH": path}, capture_output=True, text=True, check=False
    )


def system_path(*first: str) -> str:
    return os.pathsep.join([*first, "/usr/bin", "/bin"])


def test_emnm_through_a_symlink_directory_fails_as_debians_does(layout: Path) -> None:
    # The defect itself, so that the test below proves a fix and not a fake that always works.
    result = run_tool("emnm", system_path(str(layout)))
    assert result.returncode != 0 and ".py" in result.stderr
    assert run_tool("emar", system_path(str(layout))).returncode == 0


def test_launcher_dir_first_makes_every_tool_work(layout: Path) -> None:
    path = emtools.with_launcher_dir(system_path(str(layout)))
    assert path.split(os.pathsep)[0] == str(layout.parent / "share" / "emscripten")
    for tool in emtools.TOOLS:
        result = run_tool(tool, path)
        assert (result.returncode, result.stdout.strip()) == (0, "ok"), tool


def test_probe_script_names_exactly_the_broken_tools(layout: Path) -> None:
    def probe(path: str) -> list[str]:
        result = subprocess.run(
            ["sh", "-c", emtools.probe_script()],
            env={"PATH": path}, capture_output=True, text=True, check=False,
        )
        return emtools.broken_tools(result.stdout)

    assert probe(system_path(str(layout))) == ["emnm"]
    assert probe(emtools.with_launcher_dir(system_path(str(layout)))) == []


def test_path_without_emcc_or_already_right_is_unchanged(layout: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert emtools.with_launcher_dir(str(empty)) == str(empty)
    right = emtools.with_launcher_dir(str(layout))
    assert emtools.with_launcher_dir(right) == right  # emsdk's PATH already has it first


def test_system_and_exact_routes_build_with_the_launcher_dir_first(
    layout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both routes get their environment from build_environment (os.environ + the route's).
    monkeypatch.setenv("PATH", system_path(str(layout)))
    env = build_environment({})
    assert run_tool("emnm", env["PATH"]).returncode == 0
    emsdk_like = build_environment({"PATH": system_path(str(layout))})
    assert run_tool("emnm", emsdk_like["PATH"]).returncode == 0


def test_debian_route_puts_emscriptens_own_directory_before_usr_bin(tmp_path: Path) -> None:
    entries = DebianRoute(current_target(), tmp_path).build_env()["PATH"].split(":")
    assert entries.index(EMSCRIPTEN_DIR) < entries.index("/usr/bin")


class ProbeRootFS:
    """Runs the probe script on the host, in the fake layout, as the chroot would."""

    def __init__(self, path: str) -> None:
        self.env_path = path

    def run(self, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv, env={"PATH": self.env_path}, capture_output=True, text=True, check=False
        )


def test_install_check_refuses_a_toolchain_with_a_broken_tool(
    layout: Path, tmp_path: Path
) -> None:
    route = DebianRoute(current_target(), tmp_path)
    broken = ProbeRootFS(system_path(str(layout)))
    with pytest.raises(ToolchainError, match="emnm"):
        route._check_tools(broken, {})  # type: ignore[arg-type]
    route._check_tools(ProbeRootFS(emtools.with_launcher_dir(broken.env_path)), {})  # type: ignore[arg-type]


def test_the_probe_finds_a_route_without_cmake(tmp_path: Path) -> None:
    """emcmake, like Emscripten's, runs its arguments: without a cmake on PATH the probe
    names it (setup.py files that run cmake themselves need one: pybase64)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in emtools.TOOLS:
        body = 'exec "$@"\n' if tool in {"emcmake", "emconfigure", "emmake"} else "exit 0\n"
        (bin_dir / tool).write_text("#!/bin/sh\n" + body)
        (bin_dir / tool).chmod(0o755)
    (bin_dir / "true").symlink_to(shutil.which("true") or "/bin/true")

    def probe() -> list[str]:
        result = subprocess.run(  # only bin_dir on PATH: the host's own cmake stays out of sight
            ["/bin/sh", "-c", emtools.probe_script()],
            env={"PATH": str(bin_dir)}, capture_output=True, text=True, check=False,
        )
        return emtools.broken_tools(result.stdout)

    assert probe() == ["emcmake"]
    (bin_dir / "cmake").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "cmake").chmod(0o755)
    assert probe() == []
