"""Test requirements from an unmodified source's metadata, fetched best effort."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.wheels import make_wheel
from wasmwheel.config.pins import Target, current_target
from wasmwheel.config.settings import TestConfig
from wasmwheel.errors import TestRunError
from wasmwheel.runner.needs import test_needs as needs_of
from wasmwheel.runner.requirements import NoPureWheelError, ensure_wheels_best_effort
from wasmwheel.wheel.archive import read_wheel

METADATA = """\
Metadata-Version: 2.4
Name: cpkg
Version: 1.0
Requires-Dist: attrs
Provides-Extra: test
Requires-Dist: hypothesis; extra == "test"
Requires-Dist: pytest>=8; extra == "test"
Requires-Dist: pywin32; sys_platform == "win32" and extra == "test"
Provides-Extra: docs
Requires-Dist: sphinx; extra == "docs"
"""


def wheel(tmp_path: Path) -> Path:
    return make_wheel(tmp_path / "dist", "cpkg", "1.0", metadata=METADATA)


def project(tmp_path: Path, pyproject: str = "") -> Path:
    root = tmp_path / "src"
    root.mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text(pyproject)
    return root


def test_test_extra_and_group_are_optional_needs(tmp_path: Path) -> None:
    root = project(tmp_path, '[dependency-groups]\ntest = ["coverage>=7", "pytest", '
                             '"tzdata; platform_system == \'Windows\'"]\n')
    needs = needs_of(TestConfig(), root, read_wheel(wheel(tmp_path)), [], current_target())
    assert needs.required == ["attrs", "pytest"]
    # pytest>=8 from the extra is not "taken": required says only `pytest`
    assert needs.optional == ["coverage>=7", "hypothesis", "pytest>=8"]
    assert needs.sources == ("extra [test]", "dependency group 'test'")


def test_configured_test_requires_turn_the_metadata_off(tmp_path: Path) -> None:
    config = TestConfig(test_requires=("pytest", "hypothesis"), requires_configured=True)
    needs = needs_of(config, project(tmp_path), read_wheel(wheel(tmp_path)), [], current_target())
    assert needs.required == ["attrs", "hypothesis", "pytest"] and needs.optional == []


class FakeIndex:
    """pip with only some pure wheels; `deps` are what each requirement pulls in."""

    def __init__(self, pure: set[str], deps: dict[str, list[str]] | None = None) -> None:
        self.pure, self.deps = pure, deps or {}

    def __call__(self, wanted: list[str], target: Target) -> list[Path]:
        for requirement in wanted:
            for name in [requirement.split(">")[0], *self.deps.get(requirement, [])]:
                if name not in self.pure:
                    raise NoPureWheelError("no", hint="", missing=f"{name}>=0")
        return [Path(f"{r}.whl") for r in wanted]


def test_missing_optional_ones_are_skipped_with_a_reason() -> None:
    fetch = FakeIndex({"pytest", "hypothesis"})
    wheels, skipped = ensure_wheels_best_effort(
        ["pytest"], ["hypothesis", "numpy>=2", "ruff"], current_target(), ["NumPy"], fetch)
    assert wheels == [Path("hypothesis.whl"), Path("pytest.whl")]
    assert [(s.requirement, "CDN" in s.reason) for s in skipped] == [("numpy>=2", True),
                                                                     ("ruff", False)]


def test_a_transitive_miss_drops_the_optional_one_that_pulls_it_in() -> None:
    fetch = FakeIndex({"pytest", "hypothesis", "pytest-cov"}, deps={"pytest-cov": ["coverage"]})
    wheels, skipped = ensure_wheels_best_effort(
        ["pytest"], ["hypothesis", "pytest-cov"], current_target(), (), fetch)
    assert wheels == [Path("hypothesis.whl"), Path("pytest.whl")]
    assert [s.requirement for s in skipped] == ["pytest-cov"]


def test_a_missing_required_one_is_still_an_error() -> None:
    fetch = FakeIndex({"hypothesis"})
    with pytest.raises(TestRunError):
        ensure_wheels_best_effort(["pytest", "numpy"], ["hypothesis"], current_target(), (), fetch)
