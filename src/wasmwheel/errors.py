"""Errors a person can act on, and the exit code of each kind.

Library code raises these; the CLI catches them in exactly one place and
prints `error: <message>` plus a `hint:` line, then exits with `return_code`.

Exit codes come from the BSD sysexits range (64-78) so they never collide
with pytest's 1-5, which `wasmwheel test` passes through. `EXIT_CODES` is the
one table: `--help` and the README's "Exit codes" section are derived from it.
"""

from __future__ import annotations

import textwrap
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    USAGE = 64  # EX_USAGE
    DATA = 65  # EX_DATAERR
    NO_INPUT = 66  # EX_NOINPUT
    UNAVAILABLE = 69  # EX_UNAVAILABLE
    INTERNAL = 70  # EX_SOFTWARE
    BUILD_FAILED = 73  # EX_CANTCREAT
    IO = 74  # EX_IOERR
    TEMPORARY = 75  # EX_TEMPFAIL
    PROTOCOL = 76  # EX_PROTOCOL
    REFUSED = 77  # EX_NOPERM
    CONFIG = 78  # EX_CONFIG
    INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


# What each code means, in the words `--help` and the README use.
EXIT_CODES: dict[int, str] = {
    ExitCode.OK: "success",
    1: "`wasmwheel test` passes pytest's code through: 1 tests failed, 2 interrupted, "
    "3 pytest internal error, 4 pytest usage error, 5 no tests collected",
    ExitCode.USAGE: "bad command line (unknown flag, missing argument)",
    ExitCode.DATA: "the input is unusable: not a Python project or sdist, a download whose "
    "bytes differ from the pinned hash, or builds of it that are not byte-identical "
    "(`build --reproducible-check`, `--compare`), or a name or directory `wasmwheel new` refuses",
    ExitCode.NO_INPUT: "the project, sdist or wheel given does not exist, or (`test`) it ships "
    "no tests",
    ExitCode.UNAVAILABLE: "a tool is missing or could not run: a toolchain route, twine, Node, "
    "a browser, or the test run itself (not: tests failed)",
    ExitCode.INTERNAL: "internal error: a bug in wasmwheel (please report it)",
    ExitCode.BUILD_FAILED: "the project did not compile: no wheel was made",
    ExitCode.IO: "a file cannot be written: the cache directory, the output directory, a full disk",
    ExitCode.TEMPORARY: "a download or the package index failed, or `cache prune` kept an entry "
    "another wasmwheel was using; retrying later may work",
    ExitCode.PROTOCOL: "the package index refused an upload",
    ExitCode.REFUSED: "publishing refused: the gate rejected a file, or credentials were rejected",
    ExitCode.CONFIG: "toolchain.toml, [tool.wasmwheel] or a WASMWHEEL_* variable is wrong",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C); nothing half-written is kept",
}


def describe_exit_codes() -> str:
    """The "exit codes" section of `wasmwheel --help`."""
    lines = ["exit codes:"]
    for code, meaning in EXIT_CODES.items():
        label = "1-5" if code == 1 else str(int(code))
        lines.append(textwrap.fill(meaning, width=79, initial_indent=f"  {label:<5} ",
                                   subsequent_indent=" " * 8))
    return "\n".join(lines)


class WasmwheelError(Exception):
    """Base class: a message saying what is wrong, and a hint saying how to fix it."""

    return_code: int = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(WasmwheelError):
    """The command line itself is wrong (argparse's errors become this)."""

    return_code = ExitCode.USAGE


class ConfigError(WasmwheelError):
    """toolchain.toml, pyproject or environment settings are wrong."""

    return_code = ExitCode.CONFIG


class ProjectError(WasmwheelError):
    """The path given is not a buildable/testable Python project."""

    return_code = ExitCode.DATA


class ScaffoldError(WasmwheelError):
    """`wasmwheel new` refuses a name or a target directory (nothing is written)."""

    return_code = ExitCode.DATA


class NoInputError(ProjectError):
    """The project, sdist or wheel the user named does not exist."""

    return_code = ExitCode.NO_INPUT


class ToolchainError(WasmwheelError):
    """A route cannot be provisioned or used."""

    return_code = ExitCode.UNAVAILABLE


class CacheError(WasmwheelError):
    """The cache directory cannot be created or written."""

    return_code = ExitCode.IO


class CacheBusyError(CacheError):
    """`cache prune` kept entries another wasmwheel process is using (try again later)."""

    return_code = ExitCode.TEMPORARY


class DownloadError(ToolchainError):
    """A download failed (network, HTTP status, disk)."""

    return_code = ExitCode.TEMPORARY


class HashMismatchError(DownloadError):
    """A download's content differs from its pinned hash (retrying will not help)."""

    return_code = ExitCode.DATA


class BuildError(WasmwheelError):
    """Compiling the project failed."""

    return_code = ExitCode.BUILD_FAILED


class BuildIndexError(BuildError):
    """The build requirements could not be fetched: the package index, not the project,
    failed (retrying later may work)."""

    return_code = ExitCode.TEMPORARY


class NotReproducibleError(WasmwheelError):
    """Two builds of the same source (or a build and a given wheel) are not byte-identical.

    DATA, not BUILD_FAILED: everything compiled; what is wrong is a property of
    the source (a date or a path baked in), and rebuilding will not change it.
    """

    return_code = ExitCode.DATA


class TestRunError(WasmwheelError):
    """The test run could not be started or did not produce a result (not: tests failed)."""

    __test__ = False  # not a pytest test class, despite the name
    return_code = ExitCode.UNAVAILABLE
