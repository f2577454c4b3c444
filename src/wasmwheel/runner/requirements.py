"""Pure-Python wheels for the test run, fetched from PyPI with pip into the cache.

Pyodide must never resolve these by name against its lock file (its sha256s
differ from PyPI's and its CDN is out of reach): we hand the driver wheel
files, which `loadPackage` installs as given.

pip resolves for Python `target.python_major_minor` and platform `any`; it
evaluates the markers of *transitive* dependencies against the host, except
`python_version`. The top-level requirements are filtered for Emscripten here.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from wasmwheel import progress
from wasmwheel.config.pins import Target
from wasmwheel.errors import ConfigError, TestRunError
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.failure import summarize


def parse_requirements(lines: Iterable[str], where: str) -> list[Requirement]:
    try:
        return [Requirement(line) for line in lines]
    except InvalidRequirement as exc:
        raise ConfigError(f"invalid requirement in {where}: {exc}") from None


def merge(requirements: Iterable[Requirement], provided: Iterable[NormalizedName]) -> list[str]:
    """Sorted, de-duplicated requirement strings, minus what local wheels already provide.

    pytest is always added: the driver runs it.
    """
    skip = set(provided)
    kept = [req for req in requirements if canonicalize_name(req.name) not in skip]
    merged = {str(req) for req in kept}
    if "pytest" not in skip | {canonicalize_name(req.name) for req in kept}:
        merged.add("pytest")
    return sorted(merged)


def requirement_set_key(requirements: list[str], target: Target) -> str:
    """Cache key: the same requirement strings for the same Python give the same wheel set."""
    canonical = json.dumps({"python": target.python_major_minor, "platform": "any",
                            "requirements": sorted(requirements)}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def pip_download_command(requirements: list[str], target: Target, dest: Path) -> list[str]:
    # No --isolated/--no-index: the user's pip configuration (index, find-links,
    # proxy, certificates) is how PyPI is reached here.
    return [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-input",
            "--only-binary=:all:", "--python-version", target.python_major_minor,
            "--implementation", "py", "--abi", "none", "--platform", "any",
            "--dest", str(dest), *requirements]


_NOT_FOUND = re.compile(r"No matching distribution found for (\S+)")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


class NoPureWheelError(TestRunError):
    """A requirement (maybe a transitive one) has no pure-Python wheel on the index."""

    def __init__(self, message: str, *, hint: str, missing: str) -> None:
        super().__init__(message, hint=hint)
        self.missing = missing  # the requirement pip named, e.g. "numpy>=2"


def _explain_failure(output: str, requirements: list[str]) -> TestRunError:
    missing = _NOT_FOUND.search(output)
    if missing:
        return NoPureWheelError(
            f"no pure-Python wheel (py3-none-any) for {missing.group(1)}, needed by the test run "
            f"({', '.join(requirements)})",
            hint="a dependency with C extensions needs its own Pyodide wheel: pass it as an extra "
            "wheel, or remove it from test-requires / the wheel's Requires-Dist",
            missing=missing.group(1),
        )
    return TestRunError(f"pip could not download the test requirements: {summarize(output)}",
                        hint="check that PyPI is reachable with your pip configuration")


def ensure_wheels(requirements: list[str], target: Target) -> list[Path]:
    """Download (once) the wheels that satisfy `requirements`; return their paths."""
    entry = cache.cache_root() / "wheels" / f"py{target.python_major_minor}-" \
        f"{requirement_set_key(requirements, target)}"
    stamp = {"requirements": requirements, "python": target.python_major_minor}
    cache.ensure(entry, stamp, lambda scratch: _download(requirements, target, scratch))
    return sorted(entry.glob("*.whl"))


def _download(requirements: list[str], target: Target, scratch: Path) -> None:
    progress.step(f"downloading test requirements: {' '.join(requirements)}")
    result = subprocess.run(pip_download_command(requirements, target, scratch),
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise _explain_failure(result.stdout + result.stderr, requirements)
    for path in scratch.iterdir():
        if not path.name.endswith("-none-any.whl"):  # pip had a sdist or a platform wheel
            raise TestRunError(f"pip fetched {path.name}, which is not a pure-Python wheel")


@dataclass(frozen=True)
class Skipped:
    requirement: str
    reason: str


def _name(requirement: str) -> str:
    match = _NAME.match(requirement.strip())
    return canonicalize_name(match.group(0)) if match else requirement


def ensure_wheels_best_effort(
    required: list[str], optional: list[str], target: Target, in_pyodide: Iterable[str] = (),
    fetch: Callable[[list[str], Target], list[Path]] | None = None,
) -> tuple[list[Path], list[Skipped]]:
    """Wheels for `required` and as many of `optional` as have pure-Python wheels.

    `optional` are what the project's metadata says its tests need (a test extra, a
    dependency group): one with no pure wheel (a C extension, or a tool such as ruff)
    is dropped and reported, not fatal. `in_pyodide` names Pyodide's own packages
    (its lock file), built for it but only on its CDN, which the test run does not
    reach: the reason says so. A missing `required` one stays an error.
    """
    fetch = fetch or ensure_wheels
    lock = {canonicalize_name(name) for name in in_pyodide}
    skipped: list[Skipped] = []
    remaining = list(optional)
    while True:
        try:
            return fetch(sorted({*required, *remaining}), target), skipped
        except NoPureWheelError as exc:
            culprits = [r for r in remaining if _name(r) == _name(exc.missing)]
            if not culprits:  # a dependency of one of them: find which, one at a time
                culprits = [r for r in remaining if not _fetches(r, required, target, fetch)]
            if not culprits:
                raise
            for requirement in culprits:
                remaining.remove(requirement)
                reason = ("Pyodide's own build is on its CDN, not reachable from the test run"
                          if _name(requirement) in lock else "no pure-Python wheel (py3-none-any)")
                skipped.append(Skipped(requirement, reason))


def _fetches(requirement: str, required: list[str], target: Target,
             fetch: Callable[[list[str], Target], list[Path]]) -> bool:
    try:
        fetch(sorted({*required, requirement}), target)
    except NoPureWheelError:
        return False
    return True
