"""`wasmwheel test`: run a project's pytest suite inside Pyodide and report each test's outcome.

The host side (this package) prepares a job directory (wheels, a zip of the
tests, the in-Pyodide pytest plugin, job.json); a runtime (Node now, browsers
later) runs it with the JavaScript driver in `driver/` and returns a
`TestReport`.
"""

from wasmwheel.runner.report import TestReport, TestResult
from wasmwheel.runner.run import run_tests

__all__ = ["TestReport", "TestResult", "run_tests"]
