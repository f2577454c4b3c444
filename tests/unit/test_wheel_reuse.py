"""Finding the wheel of a source, deciding whether it is stale, and building it when it is."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest

from helpers.projects import DEMO, write_tree
from helpers.wheels import make_sdist, make_wheel
from wasmwheel.builder import reuse
from wasmwheel.builder.pipeline import BuildOutcome, provenance_for
from wasmwheel.config.pins import Target, current_target
from wasmwheel.errors import ConfigError
from wasmwheel.wheel.provenance import FILENAME, Provenance

TARGET = current_target()
TAG = TARGET.platform_tag
NOW = 1_800_000_000


def provenance(**changes: Any) -> Provenance:
    base = Provenance(target=TARGET.name, pins_hash=TARGET.pins_hash, route="debian",
                      approximate=True, emscripten="9.9.9", pinned_emscripten=TARGET.emscripten,
                      pyodide=TARGET.pyodide, platform_tag=TAG)
    return dataclasses.replace(base, **changes)


def touch(path: Path, when: int) -> Path:
    os.utime(path, ns=(when * 10**9, when * 10**9))
    return path


def wheel_at(directory: Path, filename: str, *, prov: Provenance | None = None,
             when: int = NOW) -> Path:
    """The wheel `filename`, stamped with `prov` when given, last modified at `when`."""
    dist, version, tags = filename.removesuffix(".whl").split("-", 2)
    files = {f"{dist}/__init__.py": ""}
    if prov is not None:
        files[f"{dist}-{version}.dist-info/{FILENAME}"] = prov.to_json()
    return touch(make_wheel(directory, dist, version, tags, files=files), when)


def make_project(root: Path, when: int = NOW - 100) -> Path:
    write_tree(root, DEMO)
    for path in root.rglob("*"):
        if path.is_file():
            touch(path, when)
    return root


def demo_sdist(directory: Path, version: str = "1.0", when: int = NOW - 100) -> Path:
    return touch(make_sdist(directory, "demo", version, files=DEMO), when)


# find_built_wheel -----------------------------------------------------------------------------

def test_finds_the_newest_wheel_of_this_project_and_target(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    dist = project / "dist"
    wheel_at(dist, f"demo-1.0-cp314-cp314-{TAG}.whl", when=NOW)
    newest = wheel_at(dist, "demo-1.0-py3-none-any.whl", when=NOW + 5)
    wheel_at(dist, "demo-1.0-cp314-cp314-manylinux_2_17_x86_64.whl", when=NOW + 9)  # native
    wheel_at(dist, f"other-1.0-cp314-cp314-{TAG}.whl", when=NOW + 9)    # another project
    wheel_at(dist, f"demo-0.9-cp314-cp314-{TAG}.whl", when=NOW + 9)     # another version
    (dist / "notes.whl").write_text("not a wheel name")
    assert reuse.find_built_wheel(project, dist, TARGET) == newest


def test_no_wheel_and_no_dist_is_none(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    assert reuse.find_built_wheel(project, project / "dist", TARGET) is None


def test_sdist_wheels_are_matched_by_the_sdists_version(tmp_path: Path) -> None:
    old = demo_sdist(tmp_path, version="1.0")
    new = demo_sdist(tmp_path, version="1.1")
    wheel_10 = wheel_at(tmp_path, f"demo-1.0-cp314-cp314-{TAG}.whl", when=NOW)
    wheel_11 = wheel_at(tmp_path, f"demo-1.1-cp314-cp314-{TAG}.whl", when=NOW - 1)
    assert reuse.find_built_wheel(old, tmp_path, TARGET) == wheel_10
    assert reuse.find_built_wheel(new, tmp_path, TARGET) == wheel_11


# rebuild_reason -------------------------------------------------------------------------------

def test_wheel_newer_than_every_source_is_reused(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    wheel = wheel_at(project / "dist", f"demo-1.0-cp314-cp314-{TAG}.whl", prov=provenance())
    assert reuse.rebuild_reason(wheel, project, TARGET) is None


def test_a_source_edited_after_the_build_makes_it_stale(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    wheel = wheel_at(project / "dist", f"demo-1.0-cp314-cp314-{TAG}.whl", prov=provenance())
    touch(project / "src" / "demo" / "__init__.py", NOW + 1)
    reason = reuse.rebuild_reason(wheel, project, TARGET)
    assert reason == f"sources changed since {wheel.name} ({Path('src/demo/__init__.py')})"


def test_edited_tests_and_new_outputs_do_not_make_it_stale(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    wheel = wheel_at(project / "dist", f"demo-1.0-cp314-cp314-{TAG}.whl", prov=provenance())
    touch(project / "tests" / "test_demo.py", NOW + 1)
    (project / ".wasmwheel" / "test-output").mkdir(parents=True)
    (project / ".wasmwheel" / "test-output" / "page-chromium.log").write_text("later")
    wheel_at(project / "dist", "other-1-py3-none-any.whl", when=NOW + 2)
    assert reuse.rebuild_reason(wheel, project, TARGET, unbuilt=("tests",)) is None


def test_other_pins_make_it_stale(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    wheel = wheel_at(project / "dist", f"demo-1.0-cp314-cp314-{TAG}.whl",
                       prov=provenance(pins_hash="0" * 16))
    reason = reuse.rebuild_reason(wheel, project, TARGET)
    assert reason == f"{wheel.name} was built with other pins than toolchain.toml's"


def test_another_route_than_the_one_asked_for_makes_it_stale(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    wheel = wheel_at(project / "dist", f"demo-1.0-cp314-cp314-{TAG}.whl", prov=provenance())
    assert reuse.rebuild_reason(wheel, project, TARGET, "debian") is None
    assert reuse.rebuild_reason(wheel, project, TARGET, "auto") is None
    assert reuse.rebuild_reason(wheel, project, TARGET, "exact") == (
        f"{wheel.name} was built by the debian route, not exact")


def test_unreadable_wheel_is_stale(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    wheel = project / "dist" / f"demo-1.0-cp314-cp314-{TAG}.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(b"truncated")
    assert reuse.rebuild_reason(wheel, project, TARGET) == f"{wheel.name} is unreadable"


def test_a_newer_sdist_makes_its_wheel_stale(tmp_path: Path) -> None:
    sdist = demo_sdist(tmp_path)
    wheel = wheel_at(tmp_path, f"demo-1.0-cp314-cp314-{TAG}.whl", prov=provenance())
    assert reuse.rebuild_reason(wheel, sdist, TARGET) is None
    touch(sdist, NOW + 1)
    assert reuse.rebuild_reason(wheel, sdist, TARGET) == (
        f"sources changed since {wheel.name} (demo-1.0.tar.gz)")


# wheel_for ------------------------------------------------------------------------------------

class FakeRoute:
    name = "debian"
    approximate = True


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, Path]]:
    """Record builds instead of compiling: each writes a stamped wheel where `build` would."""
    calls: list[tuple[Path, Path]] = []

    def fake_select(name: str, target: Target) -> FakeRoute:
        return FakeRoute()

    def fake_build(
        path: Path, outdir: Path, route: FakeRoute, target: Target, **options: bool
    ) -> BuildOutcome:
        calls.append((path, outdir))
        wheel = wheel_at(outdir, f"demo-1.0-cp314-cp314-{TAG}.whl", prov=provenance(),
                           when=NOW + 1000)
        return BuildOutcome(wheel=wheel, provenance=provenance())

    monkeypatch.setattr(reuse, "select_route", fake_select)
    monkeypatch.setattr(reuse, "build_wheel", fake_build)
    return calls


def test_missing_wheel_is_built_and_said(tmp_path: Path, builds: list[tuple[Path, Path]],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "demo")
    wheel = reuse.wheel_for(project, TARGET)
    assert builds == [(project, project / "dist")]
    assert wheel == project / "dist" / f"demo-1.0-cp314-cp314-{TAG}.whl"
    captured = capsys.readouterr()
    assert captured.err == f"==> no wheel for {project} in {project / 'dist'}: building it\n"
    assert captured.out == ""  # stdout is for test output only


def test_up_to_date_wheel_is_reused_and_said(tmp_path: Path, builds: list[tuple[Path, Path]],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "demo")
    wheel = wheel_at(project / "dist", f"demo-1.0-cp314-cp314-{TAG}.whl", prov=provenance())
    assert reuse.wheel_for(project, TARGET) == wheel
    assert builds == []
    assert capsys.readouterr().err == f"==> using {wheel} (up to date with {project})\n"


def test_stale_wheel_is_rebuilt_and_said(tmp_path: Path, builds: list[tuple[Path, Path]],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "demo")
    wheel_at(project / "dist", f"demo-1.0-cp314-cp314-{TAG}.whl", prov=provenance())
    touch(project / "pyproject.toml", NOW + 1)
    reuse.wheel_for(project, TARGET)
    assert builds == [(project, project / "dist")]
    assert capsys.readouterr().err.endswith("(pyproject.toml): rebuilding\n")


def test_sdist_wheel_is_built_beside_the_sdist(tmp_path: Path, builds: list[tuple[Path, Path]],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    sdist = demo_sdist(tmp_path)
    first = reuse.wheel_for(sdist, TARGET)
    assert builds == [(sdist, tmp_path)]
    assert reuse.wheel_for(sdist, TARGET) == first  # the second call reuses it
    assert len(builds) == 1
    assert "using" in capsys.readouterr().err


def test_broken_test_settings_fail_before_any_build(tmp_path: Path,
                                                    builds: list[tuple[Path, Path]]) -> None:
    project = make_project(tmp_path / "demo")
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\nversion = '1.0'\n[tool.wasmwheel]\ntest-timeout = 'soon'\n")
    with pytest.raises(ConfigError, match="test-timeout"):
        reuse.wheel_for(project, TARGET)
    assert builds == []


def test_the_real_provenance_of_a_build_is_not_stale(tmp_path: Path) -> None:
    # provenance_for is what build stamps: its pins hash must match the target's.
    class Route:
        name = "debian"
        approximate = True

        def emscripten_version(self) -> str:
            return "9.9.9"

        def sdk_verified(self) -> None:
            return None

    stamped = provenance_for(Route(), TARGET)  # type: ignore[arg-type]
    project = make_project(tmp_path / "demo")
    wheel = wheel_at(project / "dist", f"demo-1.0-cp314-cp314-{TAG}.whl", prov=stamped)
    assert reuse.rebuild_reason(wheel, project, TARGET, "debian") is None
