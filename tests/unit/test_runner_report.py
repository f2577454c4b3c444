from wasmwheel.runner.report import TestReport, format_summary, overall_exit_code

RESULT = {
    "exitCode": 1, "bootSeconds": 2.04, "installSeconds": 0.31, "suiteSeconds": 1.2,
    "counts": {"passed": 1, "failed": 1, "error": 1, "skipped": 0, "xfailed": 0, "xpassed": 0},
    "tests": [
        {"nodeid": "tests/t.py::ok", "outcome": "passed", "when": "call", "duration": 0.01},
        {"nodeid": "tests/t.py::bad", "outcome": "failed", "when": "call", "duration": 0.02,
         "longrepr": "assert 1 == 2"},
        {"nodeid": "tests/t.py::err", "outcome": "error", "when": "setup", "duration": 0.0,
         "longrepr": "RuntimeError"},
    ],
}


def test_from_result() -> None:
    report = TestReport.from_result("node", RESULT, wall_seconds=3.9)
    assert (report.passed, report.failed, report.errors, report.skipped) == (1, 1, 1, 0)
    assert not report.ok and report.exit_code == 1
    assert report.tests[1].longrepr == "assert 1 == 2"
    assert report.boot_seconds == 2.04 and report.wall_seconds == 3.9


def test_summary_is_one_table_then_problems() -> None:
    good = TestReport("chromium", 0, counts={"passed": 3}, boot_seconds=3.4, wall_seconds=6.0)
    text = format_summary([TestReport.from_result("node", RESULT, 3.9), good])
    lines = text.splitlines()
    assert lines[0].split() == ["runtime", "result", "passed", "failed", "errors", "skipped",
                                "xfailed", "unsupported", "boot", "install", "suite", "wall"]
    assert lines[1].split() == ["node", "FAILED", "(1)", "1", "1", "1", "0", "0", "0", "2.0s",
                                "0.3s", "1.2s", "3.9s"]
    assert lines[2].split()[:3] == ["chromium", "ok", "3"]
    assert lines[3:] == ["node: FAILED tests/t.py::bad", "node: ERROR tests/t.py::err"]


def test_overall_exit_code() -> None:
    assert overall_exit_code([]) == 0
    assert overall_exit_code([TestReport("a", 0), TestReport("b", 0)]) == 0
    assert overall_exit_code([TestReport("a", 0), TestReport("b", 5), TestReport("c", 1)]) == 5
