"""Publish Pyodide wheels (plus native wheels and the sdist) to PyPI or another index.

`publish()` runs the gate on every file first; if any file is refused,
nothing is uploaded. Uploads skip files already on the index, so a publish
interrupted by a network error can simply be run again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from wasmwheel import progress
from wasmwheel.config.pins import Target, current_target
from wasmwheel.errors import ConfigError
from wasmwheel.publish import upload
from wasmwheel.publish.errors import (
    CredentialsRejected,
    GateRefused,
    IndexUnreachable,
    PublishError,
    UploadFailed,
)
from wasmwheel.publish.gate import GateOptions, check_all, unique_files
from wasmwheel.publish.refusal import Refusal
from wasmwheel.publish.repositories import Repository, resolve

__all__ = [
    "CredentialsRejected", "GateOptions", "GateRefused", "IndexUnreachable", "PublishError",
    "PublishResult", "Refusal", "Repository", "UploadFailed", "check_all", "publish", "resolve",
]


@dataclass(frozen=True)
class PublishResult:
    repository: str                      # printable label, never credentials
    files: list[Path]                    # every file that passed the gate
    uploaded: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)   # already on the index
    dry_run: bool = False


def publish(
    files: list[Path],
    repository: str,
    *,
    dry_run: bool = False,
    allow_approximate: bool = False,
    skip_tested_check: bool = False,
    target: Target | None = None,
) -> PublishResult:
    """Gate every file, then upload them all (or, with dry_run, stop after the gate)."""
    if not files:
        raise ConfigError("no files to publish", hint="pass wheels and sdists, e.g. dist/*")
    repo = resolve(repository)
    options = GateOptions(allow_approximate=allow_approximate, skip_tested_check=skip_tested_check)
    progress.step(f"checking {len(files)} file(s) for {repo.label}")
    refusals = check_all(files, repo, options, target or current_target())
    if refusals:
        raise GateRefused(refusals)
    unique = unique_files(files)
    if dry_run:
        for file in unique:
            progress.info(f"would upload {file.name}")
        return PublishResult(repo.label, unique, dry_run=True)
    outcome = upload.upload_files(unique, repo)
    return PublishResult(repo.label, unique, outcome.uploaded, outcome.skipped)
