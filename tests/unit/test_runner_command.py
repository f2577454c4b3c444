"""`wasmwheel test`'s record belongs to the bytes that ran, even if dist/ changes meanwhile."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from wasmwheel.config.pins import current_target
from wasmwheel.runner import command
from wasmwheel.runner.report import TestReport
from wasmwheel.wheel import verdicts


def test_record_is_filed_under_the_bytes_that_were_tested(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "proj"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "1.0"\n')
    wheel = tmp_path / "p-1.0-py3-none-any.whl"
    wheel.write_bytes(b"the bytes under test")
    tested = hashlib.sha256(wheel.read_bytes()).hexdigest()

    def run_tests(*args: Any, **kwargs: Any) -> list[TestReport]:
        wheel.write_bytes(b"a rebuild that landed during the run")  # `wasmwheel build` meanwhile
        return [TestReport(runtime="node", exit_code=1, wall_seconds=1.0)]

    monkeypatch.setattr(command, "run_tests", run_tests)
    command.run_test_command(project, wheel, ["node"], current_target(), [], None)

    saved = verdicts._read(verdicts.record_file(tested), tested)
    assert saved is not None and saved.runs["node"].outcome.exit_code == 1
    assert verdicts.load(wheel) is None  # the new bytes never ran
