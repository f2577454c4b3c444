"""Publishing errors: each names what went wrong and what to do next.

They derive from `WasmwheelError`, so the CLI's one handler prints them.
"""

from __future__ import annotations

from collections.abc import Sequence

from wasmwheel.errors import ExitCode, WasmwheelError
from wasmwheel.publish.refusal import Refusal


class PublishError(WasmwheelError):
    """Publishing could not be done; nothing more was uploaded after the failure."""

    return_code = ExitCode.UNAVAILABLE  # twine missing; the subclasses say more


class GateRefused(PublishError):
    """One or more files broke a publishing rule: nothing was uploaded."""

    return_code = ExitCode.REFUSED

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        self.refusals = list(refusals)
        files = len({r.file for r in self.refusals})
        lines = "\n".join(f"  {r}" for r in self.refusals)
        super().__init__(
            f"{files} file(s) refused, nothing was uploaded:\n{lines}",
            hint="fix the files above (or pass the flag a rule names) and publish again",
        )


class CredentialsRejected(PublishError):
    """The index answered 401/403, or no credentials were found."""

    return_code = ExitCode.REFUSED


class IndexUnreachable(PublishError):
    """No connection to the index (refused, DNS, TLS, timeout)."""

    return_code = ExitCode.TEMPORARY


class UploadFailed(PublishError):
    """The index refused an upload for another reason."""

    return_code = ExitCode.PROTOCOL
