import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from wasmwheel import errors
from wasmwheel.config.pins import current_target
from wasmwheel.runner import requirements
from wasmwheel.runner.requirements import merge, pip_download_command, requirement_set_key
from wasmwheel.toolchain import cache


def reqs(*lines: str) -> list[Requirement]:
    return [Requirement(line) for line in lines]


def test_merge_sorts_dedupes_and_adds_pytest() -> None:
    assert merge(reqs("b", "a>=1", "b"), []) == ["a>=1", "b", "pytest"]
    assert merge(reqs("PyTest==9.0.2"), []) == ["PyTest==9.0.2"]


def test_merge_drops_what_local_wheels_provide() -> None:
    merged = merge(reqs("numpy>=2", "attrs", "pytest"), [canonicalize_name("NumPy")])
    assert merged == ["attrs", "pytest"]


def test_key_is_order_independent_and_target_specific() -> None:
    target = current_target()
    key = requirement_set_key(["pytest", "attrs"], target)
    assert key == requirement_set_key(["attrs", "pytest"], target)
    assert key != requirement_set_key(["attrs", "pytest==9.0.2"], target)
    assert len(key) == 16


def test_pip_command_asks_for_pure_python_wheels_for_the_target() -> None:
    target = current_target()
    command = pip_download_command(["pytest"], target, Path("out"))
    assert command[:4] == [sys.executable, "-m", "pip", "download"]
    flags = " ".join(command)
    assert f"--python-version {target.python_major_minor}" in flags
    assert "--only-binary=:all: " in flags and "--platform any" in flags
    assert "--implementation py --abi none" in flags
    assert "--isolated" not in flags and "--no-index" not in flags  # user's pip config is kept


def test_missing_pure_wheel_names_the_dependency() -> None:
    output = ("ERROR: Could not find a version that satisfies the requirement numpy (from versions: none)\n"
              "ERROR: No matching distribution found for numpy\n")
    error = requirements._explain_failure(output, ["numpy", "pytest"])
    assert "no pure-Python wheel (py3-none-any) for numpy" in error.message
    assert error.hint


def test_ensure_wheels_reuses_a_complete_cache_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    target = current_target()
    calls: list[list[str]] = []

    def fake_run(command: list[str], **_: object) -> object:
        calls.append(command)
        dest = Path(command[command.index("--dest") + 1])
        (dest / "pytest-9.0.2-py3-none-any.whl").write_bytes(b"")

        class Done:
            returncode, stdout, stderr = 0, "", ""
        return Done()

    monkeypatch.setattr(requirements.subprocess, "run", fake_run)
    first = requirements.ensure_wheels(["pytest"], target)
    second = requirements.ensure_wheels(["pytest"], target)
    assert first == second and [p.name for p in first] == ["pytest-9.0.2-py3-none-any.whl"]
    assert len(calls) == 1


def test_ensure_wheels_failure_leaves_no_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    class Failed:
        returncode, stdout, stderr = 1, "", "ERROR: No matching distribution found for numpy\n"

    monkeypatch.setattr(requirements.subprocess, "run", lambda *a, **k: Failed())
    with pytest.raises(errors.TestRunError, match="numpy"):
        requirements.ensure_wheels(["numpy"], current_target())
    assert not [p for p in (cache.cache_root() / "wheels").iterdir() if not p.name.endswith(".lock")]
