"""DebianRoute's behaviour that needs neither root nor the network."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from helpers.wheels import make_wheel
from wasmwheel.config.pins import current_target, load_toolchain
from wasmwheel.errors import BuildError, ToolchainError
from wasmwheel.toolchain import cache, cache_admin
from wasmwheel.toolchain.routes.debian import chroot
from wasmwheel.toolchain.routes.debian.route import DebianRoute
from wasmwheel.wheel.reproducible import DEFAULT_EPOCH


@pytest.fixture
def route(tmp_path: Path) -> DebianRoute:
    return DebianRoute(current_target(), tmp_path)


def test_not_root_is_explained(route: DebianRoute, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    reason = route.available()
    assert reason is not None and "needs root" in reason and "--route exact" in reason
    with pytest.raises(ToolchainError, match="needs root"):
        route.install()
    assert not route.entry.exists()


def test_status_before_install(route: DebianRoute) -> None:
    status = route.status()
    assert not status.installed and status.approximate
    assert status.fix and "--route debian" in status.fix
    assert any("not installed" in p for p in status.problems)


def test_build_before_install_says_how_to_fix(route: DebianRoute, tmp_path: Path) -> None:
    with pytest.raises(ToolchainError) as info:
        route.build(tmp_path, tmp_path / "out", source_date_epoch=DEFAULT_EPOCH)
    assert "--route debian" in (info.value.hint or "")


def test_emscripten_version_from_pin_then_from_install(tmp_path: Path) -> None:
    target = current_target()
    debian = dataclasses.replace(target.debian, packages={"emscripten": "6.0.5+dfsg+~1.41.5-2"})
    route = DebianRoute(dataclasses.replace(target, debian=debian), tmp_path)
    assert route.emscripten_version() == "6.0.5"  # upstream version out of Debian's
    route.entry.mkdir(parents=True)
    (route.entry / "route.json").write_text('{"emscripten": "9.9.9"}')
    assert route.emscripten_version() == "9.9.9"


def test_pins_name_the_llvm_the_path_uses(route: DebianRoute) -> None:
    debian = route.target.debian
    assert f"clang-{debian.llvm_major}" in debian.packages
    assert f"/usr/lib/llvm-{debian.llvm_major}/bin" in route.build_env()["PATH"]


def test_linker_flags_for_debians_llvm_come_from_the_pins(tmp_path: Path) -> None:
    target = current_target()
    # The shipped value, which was hard-coded in build_env before it became a pin.
    assert DebianRoute(target, tmp_path).build_env()["EXTRA_LDFLAGS"] == "-Wl,--experimental-pic"
    other = dataclasses.replace(
        target, debian=dataclasses.replace(target.debian, extra_ldflags="-Wl,--made-up")
    )
    assert DebianRoute(other, tmp_path).build_env()["EXTRA_LDFLAGS"] == "-Wl,--made-up"


def test_single_wheel_checks_count_and_suffix(route: DebianRoute, tmp_path: Path) -> None:
    # Its tags are the build pipeline's job (wheel.compatibility), the same for every route.
    t = route.target
    tags = f"cp314-cp314-{t.platform_tag}"
    good = make_wheel(tmp_path / "a", "m", "1", tags, files={f"m{t.ext_suffix}": b""})
    assert route._single_wheel(tmp_path / "a") == good

    make_wheel(tmp_path / "c", "m", "1", tags, files={"m.cpython-314-x86_64-linux-gnu.so": b""})
    with pytest.raises(BuildError, match="suffix"):
        route._single_wheel(tmp_path / "c")

    with pytest.raises(BuildError, match="0 wheels"):
        route._single_wheel(tmp_path / "empty")


def test_complete_entry_makes_install_a_no_op(
    route: DebianRoute, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DebianRoute, "available", lambda self: None)
    route.entry.mkdir(parents=True)
    (route.entry / cache.STAMP).write_text("{}")
    route.install()  # would debootstrap if it did anything
    assert route.status().installed


def test_concurrent_builds_share_only_what_they_read(
    route: DebianRoute, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each build gets its own TMPDIR and HOME and writes no bytecode into the shared chroot."""
    monkeypatch.setattr(DebianRoute, "available", lambda self: None)
    route.root.mkdir(parents=True)
    (route.entry / cache.STAMP).write_text("{}")
    seen: list[dict[str, str]] = []

    def fake_run(root: Path, argv: list[str], env: dict[str, str], **kwargs: object) -> object:
        seen.append(dict(env))
        work = root / env["TMPDIR"].lstrip("/")
        assert work.is_dir() and (root / env["HOME"].lstrip("/")).is_dir()
        (work.parent / "dist").mkdir()
        make_wheel(work.parent / "dist", "demo", "1.0", "py3-none-any")
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(chroot, "run", fake_run)
    (tmp_path / "src").mkdir()
    for _ in range(2):
        route.build(tmp_path / "src", tmp_path / "out", source_date_epoch=DEFAULT_EPOCH)
    first, second = seen
    assert first["PYTHONDONTWRITEBYTECODE"] == "1"
    assert first["HOME"] != second["HOME"] and first["TMPDIR"] != second["TMPDIR"]
    assert first["HOME"].startswith("/tmp/wasmwheel-build-")
    assert cache_admin.is_held(cache.use_file(route.entry))  # prune leaves it alone now
    cache.release_holds()


def test_every_target_pins_a_cmake_for_the_debian_route() -> None:
    """setup.py files that run `cmake` themselves (pybase64) go through emcmake, which
    needs a cmake on PATH; the install check probes it (emtools.PROBES)."""
    for target in load_toolchain().targets.values():
        assert target.debian.packages.get("cmake"), target.name
