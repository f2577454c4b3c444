"""What a test run needs installed: what must be there, and what the metadata asks for.

Required: `test-requires` (default pytest), the wheel's own Requires-Dist and
its configured `test-extras`, and those of the extra wheels. A missing one
fails the run, as before.

Asked for by the project's metadata, when `test-requires` is not set (an
unmodified sdist from PyPI): its `test`/`tests`/`testing` extra and its PEP 735
test (or dev) dependency group. Best effort: those with no pure-Python wheel
are reported and skipped (see requirements.ensure_wheels_best_effort).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

from wasmwheel.config.pins import Target
from wasmwheel.config.settings import TestConfig
from wasmwheel.config.suite import TEST_EXTRAS, dependency_group
from wasmwheel.runner import requirements
from wasmwheel.toolchain.pyodide_runtime import dist_dir
from wasmwheel.wheel.archive import WheelInfo
from wasmwheel.wheel.markers import provided_extras, requirements_in_pyodide, runtime_requirements


@dataclass(frozen=True)
class Needs:
    required: list[str]          # sorted requirement strings, pytest included
    optional: list[str]          # from the metadata, minus what is required or provided
    sources: tuple[str, ...]     # where `optional` came from, for the progress line


def test_needs(config: TestConfig, project_dir: Path, under_test: WheelInfo,
               extras: Sequence[WheelInfo], target: Target) -> Needs:
    wanted = [*requirements.parse_requirements(config.test_requires, "test-requires"),
              *runtime_requirements(under_test, target, config.test_extras),
              *(req for extra in extras for req in runtime_requirements(extra, target))]
    provided = [canonicalize_name(w.name) for w in (under_test, *extras)]
    required = requirements.merge(wanted, provided)
    if config.requires_configured:
        return Needs(required, [], ())
    metadata, sources = _from_metadata(project_dir, under_test, target)
    # by string, not name: `pytest>=8` from the extra still narrows the required `pytest`
    optional = sorted({str(r) for r in metadata
                       if canonicalize_name(r.name) not in provided and str(r) not in required})
    return Needs(required, optional, sources)


def _from_metadata(project_dir: Path, wheel: WheelInfo, target: Target
                   ) -> tuple[list[Requirement], tuple[str, ...]]:
    found: list[Requirement] = []
    sources: list[str] = []
    extras = tuple(e for e in provided_extras(wheel) if e in TEST_EXTRAS)
    if extras:
        base = {str(r) for r in runtime_requirements(wheel, target)}
        found += [r for r in runtime_requirements(wheel, target, extras) if str(r) not in base]
        sources += [f"extra [{e}]" for e in extras]
    group = dependency_group(project_dir)
    if group:
        name, lines = group
        found += requirements_in_pyodide(lines, target, f"[dependency-groups] {name}")
        sources.append(f"dependency group {name!r}")
    return found, tuple(sources)


def pyodide_packages(target: Target) -> set[NormalizedName]:
    """Names in Pyodide's lock file (empty if the runtime is not provisioned yet)."""
    try:
        lock = json.loads((dist_dir(target) / "pyodide-lock.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {canonicalize_name(name) for name in lock.get("packages", {})}
