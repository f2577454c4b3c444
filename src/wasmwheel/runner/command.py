"""`wasmwheel test`: run the suite against a given wheel in each runtime, record the outcome.

Which wheel (found in dist/ or freshly built) is decided before, by
`builder.reuse.wheel_for`; the runner only tests. The record (keyed by the
wheel's sha256) is what `wasmwheel publish` checks before uploading these
exact bytes.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from wasmwheel.atomic_write import write_text_atomically
from wasmwheel.config.pins import Target
from wasmwheel.config.project import check_source, stage
from wasmwheel.config.settings import load_test_config
from wasmwheel.errors import CacheError, NoInputError, WasmwheelError
from wasmwheel.runner.report import TestReport, format_summary, json_report, overall_exit_code
from wasmwheel.runner.run import run_tests
from wasmwheel.wheel import verdicts


def record(wheel: Path, sha256: str, target: Target, reports: Sequence[TestReport]) -> None:
    verdicts.save(
        wheel, target.name, target.pins_hash,
        [verdicts.RuntimeOutcome(r.runtime, r.exit_code, r.passed, r.failed, r.errors)
         for r in reports],
        sha256=sha256,
    )


@contextmanager
def _tests_of(source: Path, scratch: Path) -> Iterator[Path]:
    """The directory holding the source's tests: the project itself, or the unpacked sdist.

    Errors raised inside name the sdist, never the unpacked copy (it is
    deleted before the user reads the message).
    """
    if source.is_dir():
        yield source
        return
    unpacked = stage(source, scratch).root
    try:
        yield unpacked
    except WasmwheelError as exc:
        for where in sorted({str(unpacked.resolve()), str(unpacked)}, key=len, reverse=True):
            exc.message = exc.message.replace(where, source.name)
            exc.hint = exc.hint.replace(where, source.name) if exc.hint else exc.hint
        raise


def write_json_report(path: Path, report: dict[str, object]) -> None:
    """All or nothing: a reader never sees half a report."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(path, json.dumps(report, indent=2) + "\n")
    except OSError as exc:
        raise CacheError(f"cannot write the JSON report {path}: {exc.strerror or exc}",
                         hint="pass a --json-report path in a writable directory") from None


def run_test_command(
    project: Path,
    wheel: Path | Callable[[], Path],
    runtimes: Sequence[str] | None,
    target: Target,
    pytest_args: Sequence[str],
    timeout: float | None,
    output_dir: Path | None = None,
    json_path: Path | None = None,
    jobs: int | None = None,
) -> int:
    """Test `wheel` (or the one `wheel()` returns: asked only once the source has tests)."""
    check_source(project)
    # Not inside an unpacked sdist: that is a temporary directory.
    output_dir = output_dir or (project if project.is_dir() else Path.cwd()) / ".wasmwheel" / "test-output"
    with tempfile.TemporaryDirectory(prefix="wasmwheel-test-src-") as tmp, \
            _tests_of(project, Path(tmp)) as project_dir:
        config = load_test_config(project_dir.resolve())  # no tests: fail before any build
        wheel = wheel if isinstance(wheel, Path) else wheel()
        if not wheel.is_file():
            raise NoInputError(f"wheel {wheel} does not exist", hint="check the --wheel path")
        tested_bytes = verdicts.wheel_sha256(wheel)  # before the run: dist/ may be rebuilt meanwhile
        reports = run_tests(project_dir, wheel, runtimes or ("node",), target=target,
                            pytest_args=pytest_args, timeout=timeout, output_dir=output_dir,
                            config=config, jobs=jobs)
    print(format_summary(reports), flush=True)
    record(wheel, tested_bytes, target, reports)
    if json_path is not None:
        write_json_report(json_path, json_report(reports, wheel.name, config.test_paths))
    code = overall_exit_code(reports)
    if code != 0:
        print(f"error: tests failed for {wheel.name}", file=sys.stderr)
    return code
