"""`wasmwheel build PATH`: compile a project or sdist to a Pyodide wheel; prints its path."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wasmwheel.builder.pipeline import build_wheel
from wasmwheel.cli.options import add_route_option
from wasmwheel.config.pins import current_target
from wasmwheel.config.project import check_source
from wasmwheel.toolchain.routes import requested_route, select_route


def _default_outdir(project: Path) -> Path:
    return (project if project.is_dir() else Path.cwd()) / "dist"


def run(args: argparse.Namespace) -> int:
    target = current_target(args.target)
    project = Path(args.path).expanduser()
    check_source(project)  # before any toolchain work: bad input fails fast
    outdir = Path(args.outdir) if args.outdir else _default_outdir(project)
    route = select_route(requested_route(args.route), target)
    outcome = build_wheel(project, outdir, route, target)
    print(outcome.wheel)  # the only line on stdout: the wheel's path
    return 0


def add_parser(verbs: Any) -> None:
    build = verbs.add_parser("build", help="compile a project or sdist to a Pyodide wheel")
    build.add_argument("path", nargs="?", default=".", help="project directory or sdist (default: .)")
    build.add_argument("--outdir", help="where the wheel goes (default: PATH/dist)")
    add_route_option(build)
    build.set_defaults(func=run)
