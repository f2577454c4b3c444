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
from wasmwheel.publish.gate import (
    EXTERNAL_BUILDERS,
    GateOptions,
    check_all,
    external_wheels,
    unique_files,
)
from wasmwheel.publish.refusal import Refusal
from wasmwheel.publish.repositories import Repository, resolve

__all__ = [
    "EXTERNAL_BUILDERS", "CredentialsRejected", "GateOptions", "GateRefused", "IndexUnreachable",
    "PublishError", "PublishResult", "Refusal", "Repository", "UploadFailed", "check_all", "publish", "resolve",
]


@dataclass(frozen=True)
class PublishResult:
    repository: str                      # printable label, never credentials
    files: list[Path]                    # every file that passed the gate
    uploaded: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)   # already on the index
    dry_run: bool = False
    external: list[Path] = field(default_factory=list)  # passed on the user's word (no provenance)


def publish(
    files: list[Path],
    repository: str,
    *,
    dry_run: bool = False,
    allow_approximate: bool = False,
    allow_prerelease_abi: bool = False,
    skip_tested_check: bool = False,
    external_builder: str | None = None,
    target: Target | None = None,
) -> PublishResult:
    """Gate every file, then upload them all (or, with dry_run, stop after the gate).

    `external_builder` is the user's statement of who built the Pyodide wheels
    that carry no wasmwheel provenance (see `gate`): they pass only with it,
    and only if their exact bytes passed `wasmwheel test` on Node.
    """
    if not files:
        raise ConfigError("no files to publish", hint="pass wheels and sdists, e.g. dist/*")
    repo = resolve(repository)
    options = GateOptions(allow_approximate=allow_approximate,
                          allow_prerelease_abi=allow_prerelease_abi,
                          skip_tested_check=skip_tested_check,
                          external_builder=external_builder)
    progress.step(f"checking {len(files)} file(s) for {repo.label}")
    refusals = check_all(files, repo, options, target or current_target())
    if refusals:
        raise GateRefused(refusals)
    unique = unique_files(files)
    external = external_wheels(unique)
    for file in external:
        progress.info(f"{file.name}: no wasmwheel provenance; accepted as built by "
                      f"{external_builder} on your word (the wheel does not record its Emscripten "
                      "version); its exact bytes passed `wasmwheel test` on Node")
    if dry_run:
        for file in unique:
            progress.info(f"would upload {file.name}")
        return PublishResult(repo.label, unique, dry_run=True, external=external)
    outcome = upload.upload_files(unique, repo)
    return PublishResult(repo.label, unique, outcome.uploaded, outcome.skipped, external=external)
