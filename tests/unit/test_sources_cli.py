"""`build` and `test` agree on where a source's wheels are; `test` builds what is missing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from helpers.projects import DEMO, write_tree
from helpers.wheels import make_sdist, make_wheel
from wasmwheel.builder import reuse
from wasmwheel.builder.pipeline import BuildOutcome
from wasmwheel.cli import build as build_verb
from wasmwheel.cli import main
from wasmwheel.cli import run_tests as test_verb
from wasmwheel.config.pins import Target, current_target
from wasmwheel.errors import ExitCode
from wasmwheel.runner import command
from wasmwheel.runner.report import TestReport

TAG = current_target().platform_tag


class Recorder:
    """Stands in for the compiler and the test runner; remembers what it was asked."""

    def __init__(self) -> None:
        self.builds: list[tuple[Path, Path]] = []
        self.routes: list[str] = []
        self.tested: list[tuple[Path, Path]] = []

    def select_route(self, name: str, target: Target) -> SimpleNamespace:
        self.routes.append(name)
        return SimpleNamespace(name=name)

    def build_wheel(
        self, path: Path, outdir: Path, route: Any, target: Target, **options: Any
    ) -> BuildOutcome:
        self.builds.append((path, outdir))
        # Unstamped: the build record beside it decides whether it is reused.
        wheel = make_wheel(outdir, "demo", "1.0", f"cp314-cp314-{TAG}")
        return BuildOutcome(wheel=wheel, provenance=None)  # type: ignore[arg-type]

    def run_test_command(self, project: Path, wheel: Path | Callable[[], Path],
                         **kwargs: Any) -> int:
        self.tested.append((project, wheel if isinstance(wheel, Path) else wheel()))
        return 0


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    for module in (build_verb, reuse):
        monkeypatch.setattr(module, "select_route", recorder.select_route)
    monkeypatch.setattr(reuse, "build_wheel", recorder.build_wheel)
    monkeypatch.setattr(test_verb, "run_test_command", recorder.run_test_command)
    return recorder


def test_build_of_an_sdist_writes_beside_it_whatever_the_cwd(
    tmp_path: Path, fake: Recorder, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sdist = make_sdist(tmp_path / "downloads", files=DEMO)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["build", str(sdist)]) == 0
    assert fake.builds == [(sdist, sdist.parent)]
    assert capsys.readouterr().out.strip() == str(sdist.parent / f"demo-1.0-cp314-cp314-{TAG}.whl")
    assert not (elsewhere / "dist").exists()


def test_test_of_an_sdist_finds_the_wheel_build_wrote(
    tmp_path: Path, fake: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    sdist = make_sdist(tmp_path, files=DEMO)
    assert main(["build", str(sdist)]) == 0
    assert main(["test", str(sdist)]) == 0
    assert len(fake.builds) == 1  # test reused it
    assert fake.tested == [(sdist, tmp_path / f"demo-1.0-cp314-cp314-{TAG}.whl")]
    err = capsys.readouterr().err
    assert "using" in err
    assert "wasmwheel-" not in err  # never a temporary path


def test_test_without_a_wheel_builds_it_with_the_route_asked_for(
    tmp_path: Path, fake: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    sdist = make_sdist(tmp_path, files=DEMO)
    assert main(["test", str(sdist), "--route", "debian"]) == 0
    assert fake.builds == [(sdist, tmp_path)]
    assert fake.routes == ["debian"]
    assert fake.tested == [(sdist, tmp_path / f"demo-1.0-cp314-cp314-{TAG}.whl")]
    assert f"no wheel for {sdist} in {tmp_path}: building it" in capsys.readouterr().err


def test_test_with_wheel_tests_exactly_that_file_and_builds_nothing(
    tmp_path: Path, fake: Recorder
) -> None:
    sdist = make_sdist(tmp_path, files=DEMO)
    chosen = tmp_path / "elsewhere" / "demo-1.0-py3-none-any.whl"
    assert main(["test", str(sdist), "--wheel", str(chosen)]) == 0
    assert fake.builds == [] and fake.routes == []
    assert fake.tested == [(sdist, chosen)]


def test_errors_about_an_unpacked_sdist_name_the_sdist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    untested = {name: text for name, text in DEMO.items() if not name.startswith("tests/")}
    sdist = make_sdist(tmp_path, files=untested)  # as many sdists on PyPI: no tests inside
    wheel = tmp_path / f"demo-1.0-cp314-cp314-{TAG}.whl"
    wheel.write_bytes(b"")
    assert main(["test", str(sdist), "--wheel", str(wheel)]) == ExitCode.NO_INPUT
    err = capsys.readouterr().err
    assert "error: demo-1.0.tar.gz ships no tests: no pytest testpaths" in err
    assert "wasmwheel-test-src-" not in err


def test_an_sdist_without_tests_fails_before_anything_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    recorder = Recorder()
    for module in (build_verb, reuse):
        monkeypatch.setattr(module, "select_route", recorder.select_route)
    monkeypatch.setattr(reuse, "build_wheel", recorder.build_wheel)
    untested = {name: text for name, text in DEMO.items() if not name.startswith("tests/")}
    sdist = make_sdist(tmp_path, files=untested)
    assert main(["test", str(sdist)]) == ExitCode.NO_INPUT
    assert recorder.builds == [] and not list(tmp_path.glob("*.whl"))
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-2].startswith("error: demo-1.0.tar.gz ships no tests")
    assert err[-1].startswith("hint: ")


def test_json_report_is_written_with_the_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sdist = make_sdist(tmp_path, files=DEMO)
    wheel = make_wheel(tmp_path, "demo", "1.0", f"cp314-cp314-{TAG}")
    seen: list[tuple[str, ...]] = []

    def run_tests(project_dir: Path, *args: Any, config: Any, **kwargs: Any) -> list[TestReport]:
        seen.append(config.test_paths)
        return [TestReport("node", 1, counts={"passed": 4, "failed": 1, "unsupported": 2},
                           unsupported_kinds={"threads": 2})]

    monkeypatch.setattr(command, "run_tests", run_tests)
    report = tmp_path / "out" / "own-tests.json"
    assert main(["test", str(sdist), "--wheel", str(wheel), "--json-report", str(report)]) == 1
    assert seen == [("tests",)]
    data = json.loads(report.read_text())
    assert data["wheel"] == wheel.name
    assert data["runtimes"]["node"] == {"passed": 4, "failed": 1, "skipped": 0, "errors": 0,
                                        "unsupported": 2, "unsupported_kinds": {"threads": 2},
                                        "exit_code": 1}
    assert list(report.parent.iterdir()) == [report]  # no partial file left


def test_a_second_build_of_the_same_sources_reuses_the_wheel_and_force_rebuilds(
    tmp_path: Path, fake: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    sdist = make_sdist(tmp_path, files=DEMO)
    wheel = tmp_path / f"demo-1.0-cp314-cp314-{TAG}.whl"
    assert main(["build", str(sdist), "--route", "debian"]) == 0
    capsys.readouterr()
    assert main(["build", str(sdist), "--route", "debian"]) == 0
    out, err = capsys.readouterr()
    assert len(fake.builds) == 1
    assert out == f"{wheel}\n"  # stdout is still exactly the wheel's path
    assert err.splitlines()[-1] == (
        f"==> up to date: reusing {wheel} (sources, pins and route unchanged); --force rebuilds")
    assert main(["build", str(sdist), "--route", "debian", "--force"]) == 0
    assert len(fake.builds) == 2
    assert capsys.readouterr().out == f"{wheel}\n"


def test_reproducible_check_and_compare_always_build(
    tmp_path: Path, fake: Recorder, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    checked: list[Path] = []

    def build_checked(path: Path, outdir: Path, route: Any, target: Target,
                      **flags: Any) -> SimpleNamespace:
        checked.append(path)
        outcome = fake.build_wheel(path, outdir, route, target)
        return SimpleNamespace(outcome=outcome, sha256="0" * 64)

    monkeypatch.setattr(build_verb, "build_checked", build_checked)
    sdist = make_sdist(tmp_path, files=DEMO)
    other = make_wheel(tmp_path / "elsewhere", "demo", "1.0", f"cp314-cp314-{TAG}")
    assert main(["build", str(sdist)]) == 0  # up to date from here on
    assert main(["build", str(sdist), "--reproducible-check"]) == 0
    assert main(["build", str(sdist), "--compare", str(other)]) == 0
    assert checked == [sdist, sdist]
    assert "up to date" not in capsys.readouterr().err
    assert main(["build", str(sdist)]) == 0  # what the check built was recorded: reused
    assert len(fake.builds) == 3


def test_build_of_a_project_without_tests_builds(
    tmp_path: Path, fake: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    untested = {name: text for name, text in DEMO.items() if not name.startswith("tests/")}
    project = write_tree(tmp_path / "demo", untested)
    assert main(["build", str(project), "--route", "debian"]) == 0
    assert len(fake.builds) == 1
    assert capsys.readouterr().out.strip().endswith(".whl")
