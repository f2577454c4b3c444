"""`wasmwheel test PATH [-- PYTEST ARGS]`: run a project's pytest suite inside Pyodide.

Tests the wheel in PATH's wheel directory (built first, or rebuilt when
stale: see builder.reuse), or exactly the file given with --wheel.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wasmwheel.builder.reuse import wheel_for
from wasmwheel.cli.options import add_route_option
from wasmwheel.config.pins import current_target
from wasmwheel.config.project import check_source
from wasmwheel.runner.command import run_test_command
from wasmwheel.runner.runtimes import runtime_choices
from wasmwheel.toolchain.routes import requested_route


def run(args: argparse.Namespace) -> int:
    target = current_target(args.target)
    source = Path(args.path).expanduser()
    check_source(source)  # before any build: bad input fails fast
    wheel = Path(args.wheel) if args.wheel else wheel_for(source, target, requested_route(args.route))
    return run_test_command(
        project=source,
        wheel=wheel,
        runtimes=args.runtime,
        target=target,
        pytest_args=args.pytest_args,
        timeout=args.timeout,
        output_dir=Path(args.output_dir) if args.output_dir else None,
    )


def add_parser(verbs: Any) -> None:
    test = verbs.add_parser("test", help="run a project's pytest suite inside Pyodide")
    test.add_argument("path", nargs="?", default=".",
                      help="project directory or sdist (default: .); pytest arguments go after --")
    test.add_argument("--wheel", help="test exactly this wheel (default: the newest matching one in "
                      "PATH/dist, or beside an sdist; built first if missing or if its sources, pins "
                      "or route changed since)")
    add_route_option(test)
    test.add_argument("--runtime", action="append", choices=runtime_choices(), default=None,
                      help="where Pyodide runs, repeatable (default: node); chromium and firefox "
                      "mean the page's main thread and a Web Worker, all means every runtime")
    test.add_argument("--output-dir", default=None,
                      help="where a failed browser run leaves screenshot-<runtime>.png and "
                      "page-<runtime>.log (default: PATH/.wasmwheel/test-output)")
    test.add_argument("--timeout", type=float, default=None,
                      help="seconds before a runtime's whole run is stopped "
                      "(default: test-run-timeout in [tool.wasmwheel], else 900)")
    test.set_defaults(pytest_args=[])  # everything after `--` (see cli.main)
    test.set_defaults(func=run)
