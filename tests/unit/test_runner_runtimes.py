import json
import sys
from pathlib import Path

import pytest

from wasmwheel import errors
from wasmwheel.config.pins import current_target
from wasmwheel.runner.runtimes import get_runtime
from wasmwheel.runner.runtimes.base import ProcessOutcome, report_from_result, stream_process
from wasmwheel.runner.runtimes.node import NodeRuntime


def test_stream_process_echoes_as_it_goes() -> None:
    seen: list[bytes] = []
    outcome = stream_process([sys.executable, "-c", "print('one', flush=True); print('two')"],
                             timeout=60, echo=seen.append)
    assert outcome.returncode == 0
    assert b"".join(seen) == b"one\ntwo\n" and outcome.tail == "one\ntwo\n"


def test_stream_process_kills_on_timeout_and_shows_the_last_output() -> None:
    script = "import time; print('started', flush=True); time.sleep(60)"
    with pytest.raises(errors.TestRunError, match="(?s)did not finish within 1s.*started"):
        stream_process([sys.executable, "-c", script], timeout=1, echo=None)


def write_result(tmp_path: Path, result: dict) -> Path:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(result))
    return path


def test_result_becomes_a_report(tmp_path: Path) -> None:
    path = write_result(tmp_path, {"exitCode": 1, "error": None, "counts": {"failed": 1},
                                   "tests": [], "bootSeconds": 2})
    report = report_from_result("node", path, ProcessOutcome(1, "", 4.0))
    assert report.exit_code == 1 and report.failed == 1 and report.wall_seconds == 4.0


def test_loader_error_is_passed_on_verbatim(tmp_path: Path) -> None:
    message = "Failed to load dynamic library /lib/x.so: bad magic"
    path = write_result(tmp_path, {"exitCode": None, "error": {"kind": "install", "message": message}})
    with pytest.raises(errors.TestRunError) as info:
        report_from_result("node", path, ProcessOutcome(100, "", 1.0))
    assert message in info.value.message and info.value.hint


def test_missing_result_shows_output(tmp_path: Path) -> None:
    with pytest.raises(errors.TestRunError, match="(?s)without a result.*Segfault"):
        report_from_result("node", tmp_path / "none.json", ProcessOutcome(139, "Segfault", 1.0))


def test_runtime_lookup() -> None:
    assert isinstance(get_runtime("node", current_target()), NodeRuntime)
    with pytest.raises(errors.ConfigError, match="unknown test runtime"):
        get_runtime("safari", current_target())
