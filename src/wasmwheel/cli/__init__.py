"""The command line: parse flags, call the library, turn errors into messages.

One module per verb (`add_parser` + `run`); this module assembles them.

Errors are caught in exactly one place (`main`) and printed as
`error: ...` / `hint: ...` with the error's exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from wasmwheel import __version__
from wasmwheel.cli import build, doctor, publish, run_tests, toolchain
from wasmwheel.errors import WasmwheelError

EPILOG = """\
typical use:
  wasmwheel build path/to/project          # compile to a Pyodide wheel in path/to/project/dist
  wasmwheel test path/to/project           # run its pytest suite inside Pyodide (Node)
  wasmwheel test path/to/project --runtime all   # ... and in headless Chromium and Firefox
  wasmwheel doctor                         # what is installed vs what toolchain.toml pins

environment: WASMWHEEL_CACHE_DIR (cache location), WASMWHEEL_ROUTE (default route),
WASMWHEEL_TARGET (pinned target), WASMWHEEL_TOOLCHAIN_FILE (another toolchain.toml)."""


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
    for verb in (toolchain, doctor, build, run_tests, publish):
        verb.add_parser(verbs)
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
