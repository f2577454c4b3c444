"""The debian route installed in place (the Docker image): recorded in the stamp,
picked by `auto` without probing anything, run without a chroot or root."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from helpers.loopback import closed_port_url
from wasmwheel.config.pins import current_target
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.doctor import render
from wasmwheel.toolchain.routes import select_route
from wasmwheel.toolchain.routes.debian.rootfs import (
    IN_PLACE_ENV,
    Chroot,
    InPlace,
    in_place_requested,
)
from wasmwheel.toolchain.routes.debian.route import EM_CACHE, DebianRoute
from wasmwheel.toolchain.routes.exact import official_xbuildenv


def installed_in_place(cache_dir: Path) -> DebianRoute:
    """A cache entry as `toolchain install --route debian` leaves it in the image."""
    route = DebianRoute(current_target(), cache_dir)
    stamp = {"route": "debian", "target": route.target.name, "in_place": True}
    with cache.atomic_entry(route.entry, stamp) as scratch:
        (scratch / "route.json").write_text(json.dumps({"emscripten": "6.0.5"}))
    return route


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("yes", True), ("0", False),
                                                 ("", False)])
def test_in_place_is_asked_for_by_the_environment(value: str, expected: bool) -> None:
    assert in_place_requested({IN_PLACE_ENV: value}) is expected


def test_the_stamp_decides_once_installed(
    empty_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(IN_PLACE_ENV, "1")
    assert DebianRoute(current_target(), empty_cache).in_place  # before install: the request
    monkeypatch.delenv(IN_PLACE_ENV)
    route = installed_in_place(empty_cache)
    assert route.in_place and isinstance(route.rootfs, InPlace) and route.root == Path("/")
    plain = DebianRoute(current_target(), empty_cache / "other")
    assert not plain.in_place and isinstance(plain.rootfs, Chroot)


def test_in_place_needs_no_root_to_build(
    empty_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    route = installed_in_place(empty_cache)
    monkeypatch.setattr("os.geteuid", lambda: 1234)
    assert route.available() is None
    status = route.status()
    assert status.installed and status.approximate and status.where is not None
    assert "this system" in status.where


def test_auto_picks_the_image_toolchain_without_probing(
    empty_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    installed_in_place(empty_cache)
    # Probing the exact route would reach GitHub, which the fast tier refuses; the
    # image's own toolchain is no fallback either, so nothing is said about it.
    route = select_route("auto", current_target())
    assert isinstance(route, DebianRoute) and route.in_place
    assert "unreachable" not in capsys.readouterr().err


def test_doctor_says_where_and_that_it_is_approximate(
    empty_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed_in_place(empty_cache)
    # doctor asks whether the exact sources answer (to suggest only a fix that works):
    # here they are a closed loopback port, never GitHub.
    monkeypatch.setenv(official_xbuildenv.MIRROR_ENV, closed_port_url().rsplit("/", 1)[0])
    text, ready = render(current_target())
    assert ready
    line = next(li for li in text.splitlines() if "route    debian" in li)
    assert "ready" in line and "approximate" in line and "6.0.5" in line
    assert "in this system" in text


def test_in_place_build_env_serves_any_uid(
    empty_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not checked here\n")
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    env = installed_in_place(empty_cache).build_env()
    assert env["EM_CACHE"] == EM_CACHE  # the one filled at install, not an empty per-user one
    assert env["HOME"] == str(tmp_path / "home")
    assert env["SSL_CERT_FILE"] == env["PIP_CERT"] == str(bundle)
    chroot_env = DebianRoute(current_target(), empty_cache / "other").build_env()
    assert "EM_CACHE" not in chroot_env and chroot_env["HOME"] == "/root"


def test_in_place_runs_with_exactly_the_given_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    tool = tools / "wasmwheel-probe"
    tool.write_text(f"#!{sys.executable}\nimport os\n"
                    "print(os.getcwd(), os.environ.get('ONLY_HERE'), os.environ.get('HOST_ONLY'))\n")
    tool.chmod(0o755)
    monkeypatch.setenv("HOST_ONLY", "leaked")
    # Found on the given PATH (as in a chroot), not the caller's.
    env = {"PATH": str(tools), "ONLY_HERE": "yes"}
    result = InPlace().run(["wasmwheel-probe"], env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(tmp_path), "yes", "None"]
    assert os.environ["HOST_ONLY"] == "leaked"


def test_paths_as_seen_inside(tmp_path: Path) -> None:
    assert Chroot(tmp_path).inside(tmp_path / "tmp" / "work") == "/tmp/work"
    assert InPlace().inside(tmp_path / "work") == str(tmp_path / "work")
