"""Errors a person can act on.

Library code raises these; the CLI catches them in exactly one place and
prints `error: <message>` plus a `hint:` line, then exits with `return_code`.
"""

from __future__ import annotations


class WasmwheelError(Exception):
    """Base class: a message saying what is wrong, and a hint saying how to fix it."""

    return_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ConfigError(WasmwheelError):
    """toolchain.toml, pyproject or environment settings are wrong."""

    return_code = 2


class ProjectError(WasmwheelError):
    """The path given is not a buildable/testable Python project."""

    return_code = 2


class ToolchainError(WasmwheelError):
    """A route cannot be provisioned or used."""

    return_code = 3


class DownloadError(ToolchainError):
    """A download failed (network, HTTP status, disk)."""


class HashMismatchError(DownloadError):
    """A download's content differs from its pinned hash."""


class BuildError(WasmwheelError):
    """Compiling the project failed."""

    return_code = 4


class TestRunError(WasmwheelError):
    """The test run could not be started or did not produce a result (not: tests failed)."""

    __test__ = False  # not a pytest test class, despite the name
    return_code = 5
