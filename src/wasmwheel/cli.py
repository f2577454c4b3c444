"""The command line: parse flags, call the library, turn errors into messages.

Errors are caught in exactly one place (`main`) and printed as
`error: ...` / `hint: ...` with the error's exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from wasmwheel import __version__
from wasmwheel.errors import WasmwheelError
from wasmwheel.pins import current_target
from wasmwheel.routes import ROUTE_NAMES, requested_route, select_route

EPILOG = """\
typical use:
  wasmwheel build path/to/project          # compile to a Pyodide wheel in path/to/project/dist
  wasmwheel test path/to/project           # run its pytest suite inside Pyodide (Node)
  wasmwheel test path/to/project --runtime all   # ... and in headless Chromium and Firefox
  wasmwheel doctor                         # what is installed vs what toolchain.toml pins

environment: WASMWHEEL_CACHE_DIR (cache location), WASMWHEEL_ROUTE (default route),
WASMWHEEL_TARGET (pinned target), WASMWHEEL_TOOLCHAIN_FILE (another toolchain.toml)."""


def _route_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--route", choices=("auto", *ROUTE_NAMES), default=None,
        help="toolchain route: exact (official Emscripten + xbuildenv, hash-checked), debian "
        "(offline approximation in a chroot, root only), system (emcc on PATH); default: auto "
        "(or $WASMWHEEL_ROUTE)",
    )


def cmd_toolchain_install(args: argparse.Namespace) -> int:
    target = current_target(args.target)
    route = select_route(requested_route(args.route), target)
    route.install()
    print(f"{route.name} route ready: Emscripten {route.emscripten_version()}"
          f"{' (approximate)' if route.approximate else ''}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from wasmwheel.doctor import render

    text, ready = render(current_target(args.target))
    print(text)
    return 0 if ready else 1


def cmd_build(args: argparse.Namespace) -> int:
    from wasmwheel.build import build_wheel
    from wasmwheel.project import check_source

    target = current_target(args.target)
    project = Path(args.path).expanduser()
    check_source(project)  # before any toolchain work: bad input fails fast
    outdir = Path(args.outdir) if args.outdir else _default_outdir(project)
    route = select_route(requested_route(args.route), target)
    outcome = build_wheel(project, outdir, route, target)
    print(outcome.wheel)  # last line of stdout: the wheel's path
    return 0


def _default_outdir(project: Path) -> Path:
    return (project if project.is_dir() else Path.cwd()) / "dist"


def cmd_test(args: argparse.Namespace) -> int:
    from wasmwheel.test_command import run_test_command

    return run_test_command(
        project=Path(args.path),
        wheel=Path(args.wheel) if args.wheel else None,
        runtimes=args.runtime,
        target=current_target(args.target),
        pytest_args=args.pytest_args,
        timeout=args.timeout,
        output_dir=Path(args.output_dir) if args.output_dir else None,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wasmwheel",
        description="Build Python C/C++ extensions into Pyodide wheels and test them inside Pyodide.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"wasmwheel {__version__}")
    parser.add_argument("--target", default=None,
                        help="pinned target from toolchain.toml (default: its default-target)")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND", required=True)

    toolchain = verbs.add_parser("toolchain", help="provision the pinned toolchain into the cache")
    toolchain_verbs = toolchain.add_subparsers(dest="toolchain_verb", metavar="ACTION", required=True)
    install = toolchain_verbs.add_parser("install", help="install a route (idempotent)")
    _route_option(install)
    install.set_defaults(func=cmd_toolchain_install)

    doctor = verbs.add_parser("doctor", help="compare what is installed with toolchain.toml")
    doctor.set_defaults(func=cmd_doctor)

    build = verbs.add_parser("build", help="compile a project or sdist to a Pyodide wheel")
    build.add_argument("path", nargs="?", default=".", help="project directory or sdist (default: .)")
    build.add_argument("--outdir", help="where the wheel goes (default: PATH/dist)")
    _route_option(build)
    build.set_defaults(func=cmd_build)

    from wasmwheel.testing.runtimes import runtime_choices

    test = verbs.add_parser("test", help="run a project's pytest suite inside Pyodide")
    test.add_argument("path", nargs="?", default=".",
                      help="project directory or sdist (default: .); pytest arguments go after --")
    test.add_argument("--wheel", help="wheel to test (default: the newest matching one in PATH/dist)")
    test.add_argument("--runtime", action="append", choices=runtime_choices(), default=None,
                      help="where Pyodide runs, repeatable (default: node); chromium and firefox "
                      "mean the page's main thread and a Web Worker, all means every runtime")
    test.add_argument("--output-dir", default=None,
                      help="where a failed browser run leaves screenshot-<runtime>.png and "
                      "page-<runtime>.log (default: PATH/.wasmwheel/test-output)")
    test.add_argument("--timeout", type=float, default=None,
                      help="seconds before a runtime's whole run is stopped "
                      "(default: test-run-timeout in [tool.wasmwheel], else 900)")
    test.set_defaults(pytest_args=[])  # everything after `--` (see main)
    test.set_defaults(func=cmd_test)

    from wasmwheel.publish.cli import add_publish_parser

    add_publish_parser(verbs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `wasmwheel test PATH -- -k fast`: what follows `--` goes to pytest untouched.
    passthrough: list[str] = []
    if "--" in argv:
        split = argv.index("--")
        argv, passthrough = argv[:split], argv[split + 1:]
    parser = build_parser()
    args = parser.parse_args(argv)
    if passthrough:
        if args.verb != "test":
            parser.error(f"arguments after -- are only for `wasmwheel test`: {' '.join(passthrough)}")
        args.pytest_args = passthrough
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except WasmwheelError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.return_code
    except KeyboardInterrupt:
        print("error: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
