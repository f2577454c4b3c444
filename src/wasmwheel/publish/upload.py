"""Upload files one at a time with `python -m twine upload`, credentials via env only.

One twine run per file, so that each file gets its own verdict (uploaded,
already there, or a clear error) and a failure stops before the next file.
twine 7 refuses `--skip-existing` for indexes other than PyPI/TestPyPI, so
"already exists" answers (pypiserver: 400 "Package ... already exists!";
others 409) are recognised here; re-running a publish is therefore safe.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wasmwheel import progress
from wasmwheel.publish.errors import CredentialsRejected, IndexUnreachable, UploadFailed
from wasmwheel.publish.repositories import Repository
from wasmwheel.publish.twine_check import require_twine

_CREDENTIALS_HINT = (
    "set TWINE_USERNAME and TWINE_PASSWORD (PyPI: __token__ and an API token), "
    "store them with keyring, or add a ~/.pypirc section"
)
_RERUN_HINT = "publishing again is safe: files already on the index are skipped"
_UNREACHABLE = re.compile(
    r"ConnectionError|NewConnectionError|NameResolutionError|Max retries exceeded|"
    r"SSLError|ConnectTimeout|ReadTimeout|Connection refused|Connection aborted"
)
_HTTP_ERROR = re.compile(r"HTTPError: (\d{3})[^\n]*")


@dataclass
class UploadOutcome:
    uploaded: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # already on the index


def twine_env(repo: Repository) -> dict[str, str]:
    # Wide columns keep rich from wrapping twine's messages mid-phrase.
    return {**os.environ, **repo.env, "COLUMNS": "500", "NO_COLOR": "1"}


def scrub(text: str, env: Mapping[str, str]) -> str:
    """Remove every secret we know of from twine's output before anyone sees it."""
    for key in ("TWINE_PASSWORD", "TWINE_USERNAME"):
        secret = env.get(key, "")
        if len(secret) >= 3:
            text = text.replace(secret, "***")
    return re.sub(r"(?i)(password[\"']?\s*[:=]\s*)(?!<hidden>)\S+", r"\1***", text)


def _run_twine(args: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "twine", "--no-color", *args],
        env=dict(env), check=False, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )


def classify(returncode: int, output: str, file: Path, repo: Repository) -> bool:
    """True if `file` was uploaded, False if it was already there; raise on anything else."""
    flat = " ".join(output.split())  # undo rich's line wrapping
    if "already exist" in flat.lower() and (returncode == 0 or re.search(r"\b(400|409)\b", flat)):
        return False
    if returncode == 0:
        return True
    if "NonInteractive" in flat:
        raise CredentialsRejected(f"no credentials for {repo.label}", hint=_CREDENTIALS_HINT)
    status = _HTTP_ERROR.search(flat)
    if status and status.group(1) in ("401", "403"):
        raise CredentialsRejected(
            f"{repo.label} rejected the credentials ({status.group(1)}) uploading {file.name}",
            hint=_CREDENTIALS_HINT,
        )
    if _UNREACHABLE.search(flat):
        reason = _UNREACHABLE.search(flat)
        raise IndexUnreachable(
            f"index unreachable: {repo.label} ({reason.group(0) if reason else 'no connection'})",
            hint="check the URL, that the index is running, and proxy/TLS settings; " + _RERUN_HINT,
        )
    detail = status.group(0) if status else (flat[-300:] or f"twine exited {returncode}")
    raise UploadFailed(f"{repo.label} refused {file.name}: {detail}", hint=_RERUN_HINT)


def upload_files(files: list[Path], repo: Repository) -> UploadOutcome:
    require_twine()
    env = twine_env(repo)
    extra = ["--skip-existing"] if repo.public_pypi else []  # twine allows it only there
    outcome = UploadOutcome()
    for file in files:
        progress.step(f"uploading {file.name} to {repo.label}")
        result = _run_twine(
            ["upload", "--non-interactive", "--disable-progress-bar", "--verbose",
             *repo.twine_args, *extra, str(file)],
            env,
        )
        output = scrub(result.stdout + "\n" + result.stderr, env)
        if classify(result.returncode, output, file, repo):
            outcome.uploaded.append(file)
        else:
            progress.info(f"{file.name} is already on {repo.label}: skipped")
            outcome.skipped.append(file)
    return outcome
