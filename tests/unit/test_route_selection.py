"""Route choice: explicit routes say why they cannot run; auto falls back in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from wasmwheel.cli import main
from wasmwheel.config.pins import current_target
from wasmwheel.errors import ExitCode, ToolchainError
from wasmwheel.toolchain import routes


@pytest.fixture
def no_system_toolchain(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # No emcc/python3.14/pyodide on PATH, but the basic tools (unshare, chroot) stay.
    monkeypatch.setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
    monkeypatch.delenv("PYODIDE_XBUILDENV_PATH", raising=False)


def test_no_usable_route_names_every_reason(
    monkeypatch: pytest.MonkeyPatch, no_system_toolchain: None
) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    with pytest.raises(ToolchainError, match="no toolchain route is usable here") as info:
        routes.select_route("auto", current_target())
    hint = info.value.hint or ""
    assert "exact:" in hint and "debian: the debian route needs root" in hint and "system:" in hint


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
    monkeypatch: pytest.MonkeyPatch, no_system_toolchain: None, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 0)
    route = routes.select_route("auto", current_target())
    assert route.name == "debian"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "using the debian route (approximate" in err


def test_unknown_route_is_a_config_error() -> None:
    with pytest.raises(Exception, match="unknown route 'fast'"):
        routes.make_route("fast", current_target())
