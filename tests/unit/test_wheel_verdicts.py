"""Test records: the latest outcome per runtime for each wheel's bytes, merged, never overwritten."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from wasmwheel.wheel import verdicts
from wasmwheel.wheel.verdicts import RuntimeOutcome

TARGET, PINS = "pyodide-314", "0123456789abcdef"


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    path.write_bytes(b"the bytes under test")
    return path


def outcome(runtime: str, passed: bool) -> RuntimeOutcome:
    return RuntimeOutcome(runtime, 0 if passed else 1, 3, 0 if passed else 2, 0)


def save(wheel: Path, *outcomes: RuntimeOutcome) -> None:
    verdicts.save(wheel, TARGET, PINS, list(outcomes))


def refusal(wheel: Path) -> str | None:
    record = verdicts.load(wheel)
    assert record is not None
    return record.refusal()


def test_a_node_pass_after_a_failed_browser_run_does_not_hide_it(wheel: Path) -> None:
    save(wheel, outcome("chromium-main", False), outcome("chromium-worker", True))
    save(wheel, outcome("node", True))
    reason = refusal(wheel)
    assert reason is not None and "chromium-main: exit 1, 2 failed" in reason
    assert "chromium-worker" not in reason and "node" not in reason


def test_a_browser_pass_without_node_is_not_enough(wheel: Path) -> None:
    save(wheel, outcome("firefox-main", True))
    reason = refusal(wheel)
    assert reason is not None and "never ran on node" in reason and "firefox-main" in reason


def test_passing_everywhere_it_ran_including_node_is_accepted(wheel: Path) -> None:
    save(wheel, outcome("node", True))
    save(wheel, outcome("chromium-main", True), outcome("chromium-worker", True))
    assert refusal(wheel) is None


def test_the_latest_run_of_a_runtime_replaces_its_earlier_one(wheel: Path) -> None:
    save(wheel, outcome("node", True), outcome("firefox-worker", False))
    save(wheel, outcome("firefox-worker", True))
    record = verdicts.load(wheel)
    assert record is not None and record.refusal() is None
    assert sorted(record.runs) == ["firefox-worker", "node"]
    assert record.runs["firefox-worker"].tested_at >= record.runs["node"].tested_at


def test_records_are_per_exact_bytes(wheel: Path) -> None:
    save(wheel, outcome("node", True))
    wheel.write_bytes(b"other bytes, same name")
    assert verdicts.load(wheel) is None


def _old_format(wheel: Path, *outcomes: RuntimeOutcome) -> Path:
    """What wasmwheel wrote before: the latest run's outcomes, one list, overwritten each run."""
    sha = verdicts.wheel_sha256(wheel)
    path = verdicts.record_file(sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "wheel": wheel.name, "sha256": sha, "target": TARGET, "pins_hash": PINS,
        "outcomes": [o.__dict__ for o in outcomes], "tested_at": 1700000000.0}))
    return path


def test_an_old_format_record_is_read_as_its_runtimes_latest_outcomes(wheel: Path) -> None:
    _old_format(wheel, outcome("node", True), outcome("chromium-main", False))
    reason = refusal(wheel)
    assert reason is not None and "chromium-main" in reason
    save(wheel, outcome("node", True))  # merging into it keeps the failure it recorded
    reason = refusal(wheel)
    assert reason is not None and "chromium-main" in reason
    record = verdicts.load(wheel)
    assert record is not None and record.runs["chromium-main"].tested_at == 1700000000.0


def test_an_old_format_node_pass_is_accepted(wheel: Path) -> None:
    _old_format(wheel, outcome("node", True))
    assert refusal(wheel) is None


def test_an_unreadable_record_is_an_error_not_a_blank_slate(wheel: Path) -> None:
    save(wheel, outcome("chromium-main", False))
    verdicts.record_file(verdicts.wheel_sha256(wheel)).write_text("{ truncated")
    with pytest.raises(verdicts.RecordError) as caught:
        save(wheel, outcome("node", True))  # must not replace what it cannot read
    assert "unreadable" in caught.value.message and caught.value.hint
    with pytest.raises(verdicts.RecordError):
        verdicts.load(wheel)


def test_two_runs_saving_at_once_both_keep_their_outcomes(
        wheel: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The first save reads the record, then lets a second save run before it writes:
    # without the lock the second save's outcome would be overwritten (a lost update).
    real_read = verdicts._read
    second_done = threading.Event()

    def second_save() -> None:
        save(wheel, outcome("chromium-main", False))
        second_done.set()

    second = threading.Thread(target=second_save)

    def read_then_let_the_other_run_in(path: Path, sha256: str) -> verdicts.TestRecord | None:
        record = real_read(path, sha256)
        if threading.current_thread() is threading.main_thread() and second.ident is None:
            second.start()
            second_done.wait(timeout=0.5)  # with the lock it cannot finish: it waits for us
        return record

    monkeypatch.setattr(verdicts, "_read", read_then_let_the_other_run_in)
    save(wheel, outcome("node", True))
    second.join(timeout=30)
    assert not second.is_alive()
    record = verdicts.load(wheel)
    assert record is not None and sorted(record.runs) == ["chromium-main", "node"]
    assert not [p for p in record_dir(wheel).iterdir() if p.name.startswith(".")]  # no partials


def record_dir(wheel: Path) -> Path:
    return verdicts.record_file(verdicts.wheel_sha256(wheel)).parent
