"""`wasmwheel build PATH`: compile a project or sdist to a Pyodide wheel; prints its path."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wasmwheel import progress
from wasmwheel.builder.build_record import write_record
from wasmwheel.builder.reproducibility import build_checked, check_compare_target
from wasmwheel.builder.reuse import build_key, build_or_reuse, unbuilt_paths
from wasmwheel.cli.options import (
    add_allow_pure_wheel_option,
    add_allow_undefined_symbols_option,
    add_route_option,
)
from wasmwheel.config.pins import Target, current_targets
from wasmwheel.config.project import check_source, wheel_dir
from wasmwheel.errors import UsageError
from wasmwheel.toolchain.routes import requested_route, select_route


def run(args: argparse.Namespace) -> int:
    targets = current_targets(args.target)
    source = Path(args.path).expanduser()
    check_source(source)  # before any toolchain work: bad input fails fast
    outdir = Path(args.outdir) if args.outdir else wheel_dir(source)
    compare = Path(args.compare).expanduser() if args.compare else None
    if compare is not None:
        if len(targets) > 1:
            raise UsageError("--compare takes the wheel of one target, not of every target",
                             hint="pass --target with the target OTHER.whl was built for")
        check_compare_target(compare)  # also before the toolchain: a typo fails in a second
    for target in targets:  # one wheel per target, each path on its own stdout line
        print(_build_one(args, source, outdir, compare, target), flush=True)
    return 0


def _build_one(args: argparse.Namespace, source: Path, outdir: Path, compare: Path | None,
               target: Target) -> Path:
    route = select_route(requested_route(args.route), target)
    if args.reproducible_check or compare is not None:  # these always build: the check is the point
        key = build_key(source, target, route.name, unbuilt_paths(source, strict=False))
        checked = build_checked(source, outdir, route, target,
                                twice=args.reproducible_check, compare=compare,
                                allow_pure_wheel=args.allow_pure_wheel,
                                allow_undefined_symbols=args.allow_undefined_symbols)
        write_record(checked.outcome.wheel, key)
        progress.step(f"reproducible: sha256 {checked.sha256}")
        return checked.outcome.wheel
    return build_or_reuse(source, outdir, route, target, force=args.force,
                          allow_pure_wheel=args.allow_pure_wheel,
                          allow_undefined_symbols=args.allow_undefined_symbols)


def add_parser(verbs: Any) -> None:
    build = verbs.add_parser(
        "build", help="compile a project or sdist to a Pyodide wheel",
        description="Compile a project or sdist to a Pyodide wheel and print its path "
        "(`--target all`: one wheel per target, one path per line). Wheels are "
        "byte-reproducible: every member is dated $SOURCE_DATE_EPOCH (default: the sdist's "
        "PKG-INFO time, else the last git commit's, else 1980-01-01), in a fixed order with "
        "normal modes. When the sources (by content), the pins, the route and SOURCE_DATE_EPOCH "
        "are those of the last wheel built into the output directory, that wheel is reused "
        "(said on stderr); --force rebuilds.",
    )
    build.add_argument("path", nargs="?", default=".", help="project directory or sdist (default: .)")
    build.add_argument("--outdir", help="where the wheel goes (default: PATH/dist for a project, "
                       "the sdist's own directory for an sdist; `wasmwheel test` looks there)")
    build.add_argument(
        "--reproducible-check", action="store_true",
        help="build twice, in different staging directories and seconds apart, and fail "
        "(exit 65, naming the first differing member) unless the wheels are byte-identical; "
        "the wheel reaches --outdir only if they are",
    )
    build.add_argument(
        "--compare", metavar="OTHER.whl",
        help="fail (exit 65, naming the first differing member) unless the wheel built here is "
        "byte-identical to OTHER.whl, e.g. one built in Docker, a Nix shell or CI",
    )
    build.add_argument("--force", action="store_true",
                       help="build even if the last wheel in the output directory was built from "
                       "the same sources, pins and route")
    add_allow_pure_wheel_option(build)
    add_allow_undefined_symbols_option(build)
    add_route_option(build)
    build.set_defaults(func=run)
