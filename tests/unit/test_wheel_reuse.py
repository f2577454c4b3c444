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
from wasmwheel.builder.build_record import read_record, record_path, write_record
from wasmwheel.builder.pipeline import BuildOutcome
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


# the build key and its record ---------------------------------------------------------------

class FakeRoute:
    def __init__(self, name: str = "debian") -> None:
        self.name = name
        self.approximate = True


def built(project: Path, *, route: str = "debian", target: Target = TARGET) -> Path:
    """A wheel in project/dist recorded as built from the project as it is now."""
    wheel = wheel_at(project / "dist", f"demo-1.0-cp314-cp314-{TAG}.whl", prov=provenance())
    write_record(wheel, reuse.build_key(project, target, route, reuse.unbuilt_paths(project)))
    return wheel


def why_not(project: Path, *, route: str = "debian", target: Target = TARGET,
            any_route: bool = False) -> str:
    key = reuse.build_key(project, target, route, reuse.unbuilt_paths(project))
    wheel, why = reuse.reusable(project, project / "dist", target, key, any_route=any_route)
    assert (wheel is None) == bool(why)
    return why


def test_an_unchanged_source_reuses_its_wheel_even_when_touched(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    wheel = built(project)
    touch(project / "src" / "demo" / "__init__.py", NOW + 500)  # newer than the wheel, same bytes
    key = reuse.build_key(project, TARGET, "debian", reuse.unbuilt_paths(project))
    assert reuse.reusable(project, project / "dist", TARGET, key) == (wheel, "")


def test_one_changed_source_byte_makes_it_stale(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    wheel = built(project)
    source = project / "src" / "demo" / "__init__.py"
    source.write_text("x = 1\n")
    touch(source, NOW - 100)  # an older mtime than the wheel's: bytes decide, not times
    assert why_not(project) == f"{wheel.name}: the sources changed"


def test_a_new_source_file_and_a_deleted_one_make_it_stale(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    built(project)
    (project / "src" / "demo" / "extra.py").write_text("")
    assert why_not(project).endswith("the sources changed")
    built(project)
    (project / "src" / "demo" / "extra.py").unlink()
    assert why_not(project).endswith("the sources changed")


def test_an_executable_bit_counts(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    built(project)
    (project / "src" / "demo" / "__init__.py").chmod(0o755)
    assert why_not(project).endswith("the sources changed")


def test_other_pins_make_it_stale(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    built(project)
    bumped = dataclasses.replace(TARGET, pyodide_build="0.0.1")
    assert bumped.pins_hash != TARGET.pins_hash
    assert why_not(project, target=bumped).endswith("the pins in toolchain.toml changed")


def test_another_route_makes_it_stale_unless_any_route_will_do(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    built(project, route="debian")
    assert why_not(project, route="exact").endswith("it was built by the debian route, not exact")
    assert why_not(project, route="auto", any_route=True) == ""


def test_another_source_date_epoch_makes_it_stale(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "demo")
    built(project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert why_not(project).endswith("SOURCE_DATE_EPOCH changed")


def test_a_wheel_replaced_after_its_build_is_not_reused(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    wheel = built(project)
    make_wheel(wheel.parent, "demo", "1.0", f"cp314-cp314-{TAG}", files={"demo/other.py": ""})
    assert why_not(project) == f"{wheel.name}: no record of how it was built"


def test_no_record_or_a_broken_one_means_build(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    wheel = wheel_at(project / "dist", f"demo-1.0-cp314-cp314-{TAG}.whl", prov=provenance())
    assert why_not(project) == f"{wheel.name}: no record of how it was built"
    record_path(wheel).write_text("{not json")
    assert why_not(project) == f"{wheel.name}: no record of how it was built"
    (project / "dist" / wheel.name).unlink()
    assert why_not(project) == f"no wheel for {project} in {project / 'dist'}"


def test_edited_tests_outside_any_package_and_new_outputs_do_not_count(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    assert reuse.unbuilt_paths(project) == ("tests",)  # the default test path
    built(project)
    (project / "tests" / "test_demo.py").write_text("def test(): assert True\n")
    (project / ".wasmwheel" / "test-output").mkdir(parents=True)
    (project / ".wasmwheel" / "test-output" / "page-chromium.log").write_text("later")
    (project / "build").mkdir()
    (project / "build" / "junk.o").write_text("")
    assert why_not(project) == ""


def test_tests_inside_a_package_count(tmp_path: Path) -> None:
    project = make_project(tmp_path / "demo")
    (project / "src" / "demo" / "tests").mkdir()
    (project / "src" / "demo" / "tests" / "test_in.py").write_text("")
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\nversion = '1.0'\n[tool.wasmwheel]\n"
        "test-paths = ['src/demo/tests', 'tests']\n")
    assert reuse.unbuilt_paths(project) == ("tests",)  # src/demo/ holds __init__.py: in the wheel


def test_an_sdist_counts_by_its_bytes(tmp_path: Path) -> None:
    sdist = demo_sdist(tmp_path)
    wheel = wheel_at(tmp_path, f"demo-1.0-cp314-cp314-{TAG}.whl", prov=provenance())
    write_record(wheel, reuse.build_key(sdist, TARGET, "debian"))
    key = reuse.build_key(sdist, TARGET, "debian")
    assert reuse.reusable(sdist, tmp_path, TARGET, key) == (wheel, "")
    touch(sdist, NOW + 1)
    assert reuse.reusable(sdist, tmp_path, TARGET, key) == (wheel, "")
    touch(make_sdist(tmp_path, "demo", "1.0", files={**DEMO, "src/demo/__init__.py": "x = 1\n"}), NOW)
    changed = reuse.build_key(sdist, TARGET, "debian")
    assert reuse.reusable(sdist, tmp_path, TARGET, changed) == (
        None, f"{wheel.name}: the sources changed")


# wheel_for ------------------------------------------------------------------------------------

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
    wheel = built(project)
    assert reuse.wheel_for(project, TARGET) == wheel
    assert builds == []
    assert capsys.readouterr().err == f"==> using {wheel} (up to date with {project})\n"


def test_stale_wheel_is_rebuilt_and_said(tmp_path: Path, builds: list[tuple[Path, Path]],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "demo")
    built(project)
    (project / "pyproject.toml").write_text("[project]\nname = 'demo'\nversion = '1.0'\n# edited\n")
    reuse.wheel_for(project, TARGET)
    assert builds == [(project, project / "dist")]
    assert capsys.readouterr().err.endswith("the sources changed: building it\n")


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


# build_or_reuse: `wasmwheel build` ------------------------------------------------------------

def test_build_reuses_an_identical_build_and_says_so(tmp_path: Path, builds: list[tuple[Path, Path]],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "demo")
    first = reuse.build_or_reuse(project, project / "dist", FakeRoute(), TARGET)  # type: ignore[arg-type]
    assert len(builds) == 1
    capsys.readouterr()
    again = reuse.build_or_reuse(project, project / "dist", FakeRoute(), TARGET)  # type: ignore[arg-type]
    assert again == first and len(builds) == 1
    assert capsys.readouterr().err == (
        f"==> up to date: reusing {first} (sources, pins and route unchanged); --force rebuilds\n")


def test_build_never_reuses_a_stale_wheel(tmp_path: Path, builds: list[tuple[Path, Path]]) -> None:
    project = make_project(tmp_path / "demo")
    dist = project / "dist"

    def build(route: str = "debian", target: Target = TARGET, force: bool = False) -> None:
        reuse.build_or_reuse(project, dist, FakeRoute(route), target, force=force)  # type: ignore[arg-type]

    build()
    assert len(builds) == 1
    source = project / "src" / "demo" / "__init__.py"
    source.write_bytes(b"#")  # one source byte
    build()
    assert len(builds) == 2
    build(target=dataclasses.replace(TARGET, pyodide_build="0.0.1"))  # one pin
    assert len(builds) == 3
    build(route="exact")  # another route (the record says exact now)
    assert len(builds) == 4
    build(route="exact")
    assert len(builds) == 4  # nothing changed: reused
    build(route="exact", force=True)
    assert len(builds) == 5


def test_build_records_what_it_built(tmp_path: Path, builds: list[tuple[Path, Path]]) -> None:
    project = make_project(tmp_path / "demo")
    wheel = reuse.build_or_reuse(project, project / "dist", FakeRoute("system"), TARGET)  # type: ignore[arg-type]
    recorded = read_record(wheel)
    assert recorded == reuse.build_key(project, TARGET, "system", reuse.unbuilt_paths(project))
    assert record_path(wheel).name.startswith(".")  # out of `publish dist/*`


def test_a_project_without_tests_builds(tmp_path: Path) -> None:
    # `wasmwheel build` never runs tests: a project shipping none must not fail with exit 66.
    project = tmp_path / "bare"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'bare'\nversion = '1'\n")
    assert reuse.unbuilt_paths(project, strict=False) == ()
    assert reuse.unbuilt_paths(project) == ()
