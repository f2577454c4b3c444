"""The command line: parse flags, call the library, turn errors into messages.

One module per verb (`add_parser` + `run`); this module assembles them.

Errors are caught in exactly one place (`main`): a `WasmwheelError` becomes
`error: ...` / `hint: ...` and its exit code; anything else is a bug and
becomes `internal error: ...` with where to report it. Tracebacks appear only
with `--debug` or WASMWHEEL_DEBUG=1. Exit codes: see `wasmwheel.errors`.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from wasmwheel import __version__
from wasmwheel.cli import build, cache, doctor, new, publish, run_tests, toolchain
from wasmwheel.config.pins import ALL_TARGETS
from wasmwheel.errors import ExitCode, UsageError, WasmwheelError, describe_exit_codes

DEBUG_ENV = "WASMWHEEL_DEBUG"
# Where bugs go. The project has no public URL yet; name the tracker in words.
REPORT_TO = "an issue on wasmwheel's issue tracker"

EPILOG = f"""\
typical use:
  wasmwheel build path/to/project          # compile to a Pyodide wheel in path/to/project/dist
  wasmwheel test path/to/project           # run its pytest suite inside Pyodide (Node)
  wasmwheel test path/to/project --runtime all   # ... and in headless Chromium and Firefox
  wasmwheel doctor                         # what is installed vs what toolchain.toml pins
  wasmwheel new mypkg --template c         # a new project (c, cpp, cython or python)

environment: WASMWHEEL_CACHE_DIR (cache location), WASMWHEEL_ROUTE (default route),
WASMWHEEL_TARGET (pinned target), WASMWHEEL_TOOLCHAIN_FILE (another toolchain.toml),
{DEBUG_ENV}=1 (like --debug)."""

TARGET_HELP = (f"pinned target from toolchain.toml, or `{ALL_TARGETS}` for every one (build, test, "
               "doctor, toolchain install); default: $WASMWHEEL_TARGET, else its default-target")

# OSErrors that describe the machine, not a bug: the user can fix them.
_ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError (exit 64) instead of exiting with 2, pytest's code."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, hint=f"`{self.prog} --help` lists what it accepts")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="wasmwheel",
        description="Build Python C/C++ extensions into Pyodide wheels and test them inside Pyodide.",
        epilog=f"{EPILOG}\n\n{describe_exit_codes()}",  # from the one table in errors.py
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"wasmwheel {__version__}")
    parser.add_argument("--target", default=None, help=TARGET_HELP)
    parser.add_argument("--debug", action="store_true",
                        help=f"show tracebacks for errors (or set {DEBUG_ENV}=1)")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND", required=True)
    for verb in (toolchain, doctor, build, run_tests, publish, cache, new):
        verb.add_parser(verbs)
    _accept_target_after_verb(verbs)
    return parser


def _accept_target_after_verb(verbs: argparse._SubParsersAction[Any]) -> None:
    """`wasmwheel build --target all` as well as `wasmwheel --target all build`.

    SUPPRESS: a verb's --target only overrides the global one when it is given.
    """
    for sub in verbs.choices.values():
        nested = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
        if nested:
            for action in nested:
                _accept_target_after_verb(action)
        else:
            sub.add_argument("--target", default=argparse.SUPPRESS, help=TARGET_HELP)


def _parse(argv: list[str]) -> argparse.Namespace:
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
    return args


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _text(exc: BaseException) -> str:
    """str(exc), even for an exception whose __str__ itself fails."""
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - reporting must not raise
        return "<the message could not be printed>"


def _report_error(exc: WasmwheelError, debug: bool) -> int:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    _say(f"error: {exc.message}")
    if exc.hint:
        _say(f"hint: {exc.hint}")
    return int(exc.return_code)


def _report_environment(exc: OSError, debug: bool) -> int:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    where = f": {exc.filename}" if exc.filename else ""
    _say(f"error: {exc.strerror or _text(exc)}{where}")
    _say("hint: free some disk space, or use a directory you can write "
         "(--outdir, WASMWHEEL_CACHE_DIR)")
    return int(ExitCode.IO)


def _report_internal(exc: Exception, argv: Sequence[str], debug: bool) -> int:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    _say(f"internal error: {type(exc).__name__}: {_text(exc)}")
    _say(f"this is a bug in wasmwheel: please report it as {REPORT_TO}, with the output of "
         f"`wasmwheel --version` (wasmwheel {__version__}) and the command you ran: "
         f"wasmwheel {' '.join(argv)}")
    if not debug:
        _say(f"hint: rerun with --debug (or {DEBUG_ENV}=1) to see the traceback, and include it")
    return int(ExitCode.INTERNAL)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = os.environ.get(DEBUG_ENV, "") not in ("", "0")
    try:
        args = _parse(argv)
        debug = debug or args.debug
        func: Callable[[argparse.Namespace], int] = args.func
        return func(args)
    except WasmwheelError as exc:
        return _report_error(exc, debug)
    except KeyboardInterrupt:
        _say("error: interrupted; nothing half-written was kept")
        return int(ExitCode.INTERRUPTED)
    except OSError as exc:
        if exc.errno not in _ENVIRONMENT_ERRNOS:
            return _report_internal(exc, argv, debug)
        return _report_environment(exc, debug)
    except Exception as exc:  # noqa: BLE001 - the one place that reports bugs
        return _report_internal(exc, argv, debug)
