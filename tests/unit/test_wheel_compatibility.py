"""One compatibility policy: a table of wheel names, and build, test and publish agreeing on it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import pytest

from helpers.routes import StandInRoute as StandIn
from helpers.wheels import make_wheel
from wasmwheel.builder.pipeline import build_wheel
from wasmwheel.builder.reuse import find_built_wheel
from wasmwheel.config.pins import Target, current_target
from wasmwheel.errors import BuildError, TestRunError
from wasmwheel.publish import twine_check
from wasmwheel.publish.gate import GateOptions, check_all
from wasmwheel.publish.repositories import resolve
from wasmwheel.runner import run
from wasmwheel.wheel.compatibility import check_filename
from wasmwheel.wheel.provenance import Provenance, stamp_wheel

# A target spelled out here, so the table reads literally whatever toolchain.toml pins.
TARGET = replace(current_target(), name="pyodide-314", python="3.14.2", emscripten="5.0.3",
                 abi="2026_0", platform_tag="pyemscripten_2026_0_wasm32")

TABLE = [
    # (wheel file name, fits, rule, words in the reason)
    ("p-1.0-py3-none-any.whl", True, "pure", "pure-Python"),
    ("p-1.0-py2.py3-none-any.whl", True, "pure", "pure-Python"),
    ("p-1.0-py314-none-any.whl", True, "pure", "pure-Python"),
    ("p-1.0-py2-none-any.whl", False, "python-tag", "py2-none does not run on CPython 3.14"),
    ("p-1.0-py315-none-any.whl", False, "python-tag", "CPython 3.14"),
    ("p-1.0-cp314-cp314-pyemscripten_2026_0_wasm32.whl", True, "exact-tag", "ABI 2026_0"),
    ("p-1.0-cp312-abi3-pyemscripten_2026_0_wasm32.whl", True, "exact-tag", "ABI 2026_0"),
    ("p-1.0-py3-none-pyemscripten_2026_0_wasm32.whl", True, "exact-tag", "ABI 2026_0"),
    ("p-1.0-cp315-abi3-pyemscripten_2026_0_wasm32.whl", False, "python-tag", "cp315-abi3"),
    ("p-1.0-cp313-cp313-pyemscripten_2026_0_wasm32.whl", False, "python-tag", "cp313-cp313"),
    ("p-1.0-cp314-cp314t-pyemscripten_2026_0_wasm32.whl", False, "python-tag", "cp314-cp314t"),
    ("p-1.0-pp310-pypy310_pp73-pyemscripten_2026_0_wasm32.whl", False, "python-tag", "pp310"),
    ("p-1.0-cp314-cp314-pyemscripten_2026_5_wasm32.whl", False, "abi", "micropip refuses it"),
    ("p-1.0-cp314-cp314-pyodide_2026_0_wasm32.whl", False, "legacy-tag", "wheel tags --remove"),
    ("p-1.0-cp314-cp314-emscripten_5_0_3_wasm32.whl", False, "legacy-tag", "wheel tags --remove"),
    ("p-1.0-cp314-cp314-pyodide_2025_0_wasm32.whl", False, "legacy-tag", "rebuild it"),
    ("p-1.0-cp314-cp314-emscripten_4_0_9_wasm32.whl", False, "legacy-tag", "PyPI rejects"),
    # A platform tag is a claim about the bytes: one false claim refuses the file.
    ("p-1.0-cp314-cp314-pyemscripten_2026_0_wasm32.pyodide_2026_0_wasm32.whl", False,
     "legacy-tag", "pyodide_2026_0_wasm32"),
    ("p-1.0-cp314-cp314-manylinux_2_17_x86_64.pyemscripten_2026_0_wasm32.whl", False,
     "platform-tag", "tagged manylinux_2_17_x86_64"),
    ("p-1.0-cp314-cp314-manylinux_2_17_x86_64.whl", False, "platform-tag", "does not load"),
    ("p-1.0-cp314-cp314-linux_x86_64.whl", False, "platform-tag", "linux_x86_64"),
    ("p.whl", False, "filename", "not a valid wheel file name"),
    ("p-1.0-cp314-cp314.whl", False, "filename", "not a valid wheel file name"),
]


@pytest.mark.parametrize(("filename", "fits", "rule", "words"), TABLE)
def test_verdict_table(filename: str, fits: bool, rule: str, words: str) -> None:
    verdict = check_filename(filename, TARGET)
    assert (verdict.fits, verdict.rule) == (fits, rule)
    assert words in verdict.reason and "\n" not in verdict.reason


# --- build, test and publish give the same verdict for the same file ----------------------------

class CopyRoute(StandIn):
    """A route whose `pyodide build` "produces" a prepared wheel file."""

    name: ClassVar[str] = "copy"
    produces: Path

    def build(self, source_dir: Path, outdir: Path, *, source_date_epoch: int) -> Path:
        outdir.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(self.produces, outdir / self.produces.name))


class ReachedTheRuntimes(Exception):
    """`wasmwheel test` accepted the wheel and went on to fetch what the tests need."""


def _project(root: Path) -> Path:
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\nversion = '1.0'\n")
    return root


def _build_verdict(project: Path, wheel: Path, target: Target, out: Path) -> bool:
    route = CopyRoute(target, out / "cache")
    route.produces = wheel
    try:
        build_wheel(project, out / "built", route, target)
    except BuildError:
        return False
    return True


def _find_verdict(project: Path, wheel: Path, target: Target) -> bool:
    (project / "dist").mkdir(exist_ok=True)
    shutil.copy2(wheel, project / "dist" / wheel.name)
    try:
        return find_built_wheel(project, project / "dist", target) is not None
    finally:
        shutil.rmtree(project / "dist")


def _test_verdict(project: Path, wheel: Path, target: Target) -> bool:
    try:
        run.run_tests(project, wheel, ("node",), target=target, echo=None)
    except ReachedTheRuntimes:
        return True
    except TestRunError:
        return False
    raise AssertionError("run_tests neither refused the wheel nor went on")


def _publish_verdict(wheel: Path, target: Target, out: Path) -> bool:
    prov = Provenance(target=target.name, pins_hash=target.pins_hash, route="exact",
                      approximate=False, emscripten=target.emscripten,
                      pinned_emscripten=target.emscripten, pyodide=target.pyodide,
                      platform_tag=target.platform_tag)
    out.mkdir(parents=True)
    stamped = stamp_wheel(wheel, prov, out / wheel.name)  # as `build` leaves it: a Pyodide wheel
    refusals = check_all([stamped], resolve("http://127.0.0.1:9/"),
                         GateOptions(skip_tested_check=True), target)
    assert all(r.rule in ("legacy-tag", "abi", "platform-tag", "python-tag") for r in refusals)
    return not refusals


@pytest.mark.parametrize("tags", [
    "cp314-cp314-{tag}",
    "cp312-abi3-{tag}",
    "py3-none-any",                   # old: publish refused what build and test accepted
    "cp314-cp314-pyodide_{abi}_wasm32",  # old: test accepted what build and publish refused
    "cp313-cp313-{tag}",              # old: build and test accepted what publish refused
    "cp314-cp314-pyemscripten_2099_0_wasm32",
])
def test_build_test_and_publish_agree(tags: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    target = current_target()
    monkeypatch.setattr(run.requirements, "ensure_wheels",
                        lambda *args: (_ for _ in ()).throw(ReachedTheRuntimes()))
    monkeypatch.setattr(twine_check, "_run", lambda files: "".join(
        f"Checking {file}: PASSED\n" for file in files))
    wheel = make_wheel(tmp_path / "raw", "demo", "1.0",
                       tags.format(tag=target.platform_tag, abi=target.abi))
    project = _project(tmp_path / "project")
    verdicts = {
        "policy": check_filename(wheel.name, target).fits,
        "build": _build_verdict(project, wheel, target, tmp_path / "build"),
        "test: find in dist/": _find_verdict(project, wheel, target),
        "test: --wheel": _test_verdict(project, wheel, target),
        "publish": _publish_verdict(wheel, target, tmp_path / "publish"),
    }
    assert len(set(verdicts.values())) == 1, verdicts
