"""`wasmwheel test PATH [-- PYTEST ARGS]`: run a project's pytest suite inside Pyodide.

Tests the wheel in PATH's wheel directory (built first, or rebuilt when
stale: see builder.reuse), or exactly the file given with --wheel. The
runtime is the target's: with `--target all`, each target's wheel in its own
Pyodide; with --wheel and no --target, the target its platform tag names.
A wheel tagged for another target than the one asked for is refused.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wasmwheel import progress
from wasmwheel.builder.reuse import wheel_for
from wasmwheel.cli.options import (
    add_allow_pure_wheel_option,
    add_allow_undefined_symbols_option,
    add_route_option,
)
from wasmwheel.config.pins import ALL_TARGETS, Target, load_toolchain, requested_target
from wasmwheel.config.project import check_source
from wasmwheel.runner.command import run_test_command
from wasmwheel.runner.runtimes import runtime_choices
from wasmwheel.runner.schedule import JOBS_ENV, default_jobs, parse_jobs
from wasmwheel.toolchain.routes import requested_route
from wasmwheel.wheel.compatibility import targets_of


def targets_to_test(requested: str | None, wheel: Path | None) -> list[Target]:
    """Which targets' runtimes run the tests.

    A named target is used as given (a wheel tagged for another is then refused
    by the runner, with the reason). Without one, a given wheel picks the target
    its platform tag names; `all` tests each target that can load it.
    """
    toolchain = load_toolchain()
    requested = requested_target(requested)
    if wheel is None or (requested not in (None, ALL_TARGETS)):
        return toolchain.select(requested)
    tagged = targets_of(wheel.name, toolchain)
    if requested == ALL_TARGETS:
        return tagged or toolchain.select(requested)
    # A pure wheel runs everywhere: the default target, as without --wheel.
    return tagged[:1] if len(tagged) == 1 else [toolchain.target()]


def run(args: argparse.Namespace) -> int:
    given = Path(args.wheel) if args.wheel else None
    jobs = parse_jobs(args.jobs) if args.jobs is not None else default_jobs()  # before any build
    targets = targets_to_test(args.target, given)
    source = Path(args.path).expanduser()
    check_source(source)  # before any build: bad input fails fast
    json_report = Path(args.json_report) if args.json_report else None
    codes = []
    for target in targets:
        if len(targets) > 1:  # the summary tables look alike: say whose each one is
            progress.step(f"target {target.name} (Pyodide {target.pyodide}, {target.platform_tag})")

        def wheel(target: Target = target) -> Path:  # asked for once the source is known to have tests
            return given or wheel_for(source, target, requested_route(args.route),
                                     allow_pure_wheel=args.allow_pure_wheel,
                                     allow_undefined_symbols=args.allow_undefined_symbols)

        codes.append(run_test_command(
            project=source,
            wheel=wheel,
            runtimes=args.runtime,
            target=target,
            pytest_args=args.pytest_args,
            timeout=args.timeout,
            output_dir=Path(args.output_dir) if args.output_dir else None,
            json_path=json_report_for(json_report, target, len(targets) > 1),
            jobs=jobs,
        ))
    return next((code for code in codes if code != 0), 0)  # the first failure's exit code


def json_report_for(path: Path | None, target: Target, several: bool) -> Path | None:
    """With several targets, each writes its own report: PATH's stem gets -TARGET."""
    if path is None or not several:
        return path
    return path.with_name(f"{path.stem}-{target.name}{path.suffix}")


def add_parser(verbs: Any) -> None:
    test = verbs.add_parser(
        "test", help="run a project's pytest suite inside Pyodide",
        description="Run the project's (or the sdist's) own pytest suite inside Pyodide against "
        "its wasm wheel. The tests are found where pytest's testpaths say, else in tests/ or "
        "test/ (at the root, PKG/ or src/PKG/), unless test-paths in [tool.wasmwheel] names "
        "them; a source with no tests exits 66 before anything is built. Unless test-requires "
        "is set, the test extra (test/tests/testing) and PEP 735 group (test/tests/testing, "
        "else dev) are installed where pure-Python wheels exist; the others are skipped with a "
        "note. Tests that fail only because Pyodide lacks threads, processes, sockets or "
        "signals count as 'unsupported', not as failures. The exit code is pytest's.")
    test.add_argument("path", nargs="?", default=".",
                      help="project directory or sdist (default: .); pytest arguments go after --")
    test.add_argument("--wheel", help="test exactly this wheel (default: the newest matching one in "
                      "PATH/dist, or beside an sdist; built first if missing or if its sources, pins "
                      "or route changed since)")
    add_route_option(test)
    add_allow_pure_wheel_option(test)
    add_allow_undefined_symbols_option(test)
    test.add_argument("--runtime", action="append", choices=runtime_choices(), default=None,
                      help="where Pyodide runs, repeatable (default: node); chromium and firefox "
                      "mean the page's main thread and a Web Worker, all means every runtime")
    test.add_argument("--output-dir", default=None,
                      help="where a failed browser run leaves screenshot-<runtime>.png and "
                      "page-<runtime>.log (default: PATH/.wasmwheel/test-output)")
    test.add_argument("--jobs", default=None, metavar="N",
                      help="runtimes running at once (a browser's page and worker share one "
                      f"launch and count once; default: ${JOBS_ENV}, else the CPU cores, 2 to 4); "
                      "1 runs them one after another")
    test.add_argument("--timeout", type=float, default=None,
                      help="seconds before a runtime's whole run is stopped "
                      "(default: test-run-timeout in [tool.wasmwheel], else 900)")
    test.add_argument("--json-report", metavar="PATH", default=None,
                      help="also write the counts per runtime as JSON to PATH: passed, failed, "
                      "skipped, errors, unsupported, exit_code (with --target all: PATH-<target>.json, one per target)")
    test.set_defaults(pytest_args=[])  # everything after `--` (see cli.main)
    test.set_defaults(func=run)
