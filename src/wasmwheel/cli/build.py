"""`wasmwheel build PATH`: compile a project or sdist to a Pyodide wheel; prints its path."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wasmwheel.builder.pipeline import build_wheel
from wasmwheel.cli.options import add_route_option
from wasmwheel.config.pins import current_target
from wasmwheel.config.project import check_source, wheel_dir
from wasmwheel.toolchain.routes import requested_route, select_route


def run(args: argparse.Namespace) -> int:
    target = current_target(args.target)
    source = Path(args.path).expanduser()
    check_source(source)  # before any toolchain work: bad input fails fast
    outdir = Path(args.outdir) if args.outdir else wheel_dir(source)
    route = select_route(requested_route(args.route), target)
    outcome = build_wheel(source, outdir, route, target)
    print(outcome.wheel)  # the only line on stdout: the wheel's path
    return 0


def add_parser(verbs: Any) -> None:
    build = verbs.add_parser("build", help="compile a project or sdist to a Pyodide wheel")
    build.add_argument("path", nargs="?", default=".", help="project directory or sdist (default: .)")
    build.add_argument("--outdir", help="where the wheel goes (default: PATH/dist for a project, "
                       "the sdist's own directory for an sdist; `wasmwheel test` looks there)")
    add_route_option(build)
    build.set_defaults(func=run)
