from wasmwheel.runner.report import TestReport, format_summary, json_report, overall_exit_code

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


UNSUPPORTED = {"exitCode": 0, "counts": {"passed": 5, "skipped": 1, "unsupported": 3},
               "unsupportedKinds": {"threads": 2, "sockets": 1}, "tests": []}


def test_unsupported_has_its_own_column_and_line() -> None:
    report = TestReport.from_result("node", UNSUPPORTED, wall_seconds=1.0)
    assert report.ok and report.unsupported == 3
    lines = format_summary([report]).splitlines()
    assert lines[1].split()[:8] == ["node", "ok", "5", "0", "0", "1", "0", "3"]
    assert lines[2:] == ["node: unsupported in Pyodide: sockets 1, threads 2"]


def test_json_report_has_the_counts_per_runtime() -> None:
    reports = [TestReport.from_result("node", UNSUPPORTED, 1.0),
               TestReport.from_result("chromium-main", RESULT, 2.0)]
    data = json_report(reports, "cpkg-1.0-cp314-cp314-x.whl", ["tests"])
    assert data["exit_code"] == 1 and data["test_paths"] == ["tests"]
    assert data["runtimes"]["node"] == {"passed": 5, "failed": 0, "skipped": 1, "errors": 0,
                                        "unsupported": 3, "exit_code": 0,
                                        "unsupported_kinds": {"sockets": 1, "threads": 2}}
    assert data["runtimes"]["chromium-main"]["failed"] == 1
