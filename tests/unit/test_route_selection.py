"""Route choice: explicit routes say why they cannot run; auto falls back in one line."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from helpers.loopback import closed_port_url
from wasmwheel.cli import main
from wasmwheel.config.pins import Target, current_target
from wasmwheel.errors import ConfigError, ExitCode, ToolchainError
from wasmwheel.toolchain import routes
from wasmwheel.toolchain.routes.debian.route import DebianRoute


@pytest.fixture
def no_system_toolchain(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # No emcc/python3.14/pyodide on PATH, but git (the exact route checks for it) stays.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    git = shutil.which("git")
    assert git, "the unit tests need git"
    (bin_dir / "git").symlink_to(git)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("PYODIDE_XBUILDENV_PATH", raising=False)


# The exact route is unusable here in both states its pins can be in, whatever toolchain.toml
# says today: emsdk not pinned yet, or pinned with the xbuildenv unreachable. Its probe goes
# to a closed 127.0.0.1 port, never to the pinned GitHub URL.
EXACT_UNUSABLE = {
    "emsdk unpinned": ("", "emsdk revision"),
    "xbuildenv unreachable": ("a" * 40, "unreachable"),
}


@pytest.fixture(params=EXACT_UNUSABLE.values(), ids=EXACT_UNUSABLE.keys())
def offline_target(request: pytest.FixtureRequest) -> tuple[Target, str]:
    """(the current target with the exact route unusable, the words its reason must contain)"""
    revision, reason = request.param
    target = current_target()
    offline = dataclasses.replace(
        target,
        xbuildenv=dataclasses.replace(target.xbuildenv, url=closed_port_url()),
        emsdk=dataclasses.replace(
            target.emsdk, repository="https://github.invalid/emsdk.git", revision=revision
        ),
    )
    return offline, reason


def test_no_usable_route_names_every_reason(
    monkeypatch: pytest.MonkeyPatch, no_system_toolchain: None, offline_target: tuple[Target, str]
) -> None:
    target, exact_reason = offline_target
    monkeypatch.setattr(DebianRoute, "available", lambda self: "no chroot for you")
    with pytest.raises(ToolchainError, match="no toolchain route is usable here") as info:
        routes.select_route("auto", target)
    hint = info.value.hint or ""
    assert "exact: " in hint and exact_reason in hint.split("; debian:")[0]
    assert "debian: no chroot for you" in hint and "system: emcc is not on PATH" in hint


def test_explicit_debian_route_without_root_exits_with_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    (tmp_path / "setup.py").write_text("")
    assert main(["build", str(tmp_path), "--route", "debian"]) == ExitCode.UNAVAILABLE
    err = capsys.readouterr().err
    assert "the debian route cannot be used here: the debian route needs root" in err
    assert not (tmp_path / "dist").exists()


def test_auto_falls_back_to_debian_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
    no_system_toolchain: None,
    offline_target: tuple[Target, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    target, exact_reason = offline_target
    monkeypatch.setattr(DebianRoute, "available", lambda self: None)  # whatever this host has
    route = routes.select_route("auto", target)
    assert route.name == "debian"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "using the debian route (approximate" in err
    assert exact_reason in err


def test_unknown_route_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown route 'fast'") as info:
        routes.make_route("fast", current_target())
    assert all(name in (info.value.hint or "") for name in ("auto", "exact", "debian", "system"))


def test_toolchain_entries_are_keyed_by_route_target_and_pins(tmp_path: Path) -> None:
    target = current_target()
    variants = {
        "as pinned": target,
        "another pyodide-build": dataclasses.replace(target, pyodide_build="0.0.1"),
        "another target": dataclasses.replace(target, name="pyodide-other"),
    }  # pins only one route uses key only that route's entry: test_route_keys.py
    entries = [routes.make_route(route, variant, tmp_path).entry
               for route in ("exact", "debian") for variant in variants.values()]
    assert len(set(entries)) == len(entries)  # no two share a cache entry
    assert all(entry.parent == tmp_path / "toolchains" for entry in entries)
    # Browser pins only drive tests: bumping them keeps every built toolchain.
    no_browsers = dataclasses.replace(target, browsers=None)
    for route in ("exact", "debian"):
        assert (routes.make_route(route, no_browsers, tmp_path).entry
                == routes.make_route(route, target, tmp_path).entry)
