"""`wasmwheel test`: find the wheel, run the suite in each runtime, record the outcome.

The record (keyed by the wheel's sha256) is what `wasmwheel publish` checks
before uploading these exact bytes.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from packaging.utils import canonicalize_name, parse_wheel_filename

from wasmwheel.config.pins import Target
from wasmwheel.config.project import check_source, stage
from wasmwheel.errors import NoInputError, ProjectError
from wasmwheel.runner.report import TestReport, format_summary, overall_exit_code
from wasmwheel.runner.run import run_tests
from wasmwheel.wheel import verdicts


def find_built_wheel(project_dir: Path, target: Target) -> Path:
    """The newest wheel in PROJECT/dist for this project and target (what `build` wrote)."""
    dist = project_dir / "dist"
    candidates = []
    for wheel in dist.glob("*.whl"):
        _, _, _, tags = parse_wheel_filename(wheel.name)
        if any(tag.platform in (target.platform_tag, "any") for tag in tags):
            candidates.append(wheel)
    name = _project_name(project_dir)
    if name:
        candidates = [w for w in candidates if parse_wheel_filename(w.name)[0] == name]
    if not candidates:
        raise ProjectError(
            f"no {target.platform_tag} wheel for {project_dir} in {dist}",
            hint=f"build one first (`wasmwheel build {project_dir}`) or pass --wheel",
        )
    return max(candidates, key=lambda w: w.stat().st_mtime)


def _project_name(project_dir: Path) -> str | None:
    import tomllib

    try:
        data = tomllib.loads((project_dir / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    name = data.get("project", {}).get("name")
    return canonicalize_name(name) if isinstance(name, str) else None


def record(wheel: Path, target: Target, reports: Sequence[TestReport]) -> None:
    verdicts.save(
        wheel, target.name, target.pins_hash,
        [verdicts.RuntimeOutcome(r.runtime, r.exit_code, r.passed, r.failed, r.errors)
         for r in reports],
    )


def run_test_command(
    project: Path,
    wheel: Path | None,
    runtimes: Sequence[str] | None,
    target: Target,
    pytest_args: Sequence[str],
    timeout: float | None,
    output_dir: Path | None = None,
) -> int:
    check_source(project)
    # Not inside an unpacked sdist: that is a temporary directory.
    output_dir = output_dir or (project if project.is_dir() else Path.cwd()) / ".wasmwheel" / "test-output"
    with tempfile.TemporaryDirectory(prefix="wasmwheel-test-src-") as tmp:
        # An sdist carries its tests: unpack it and test from there.
        project_dir = project if project.is_dir() else stage(project, Path(tmp)).root
        if wheel is None:
            wheel = find_built_wheel(project_dir, target)
        elif not wheel.is_file():
            raise NoInputError(f"wheel {wheel} does not exist", hint="check the --wheel path")
        reports = run_tests(project_dir, wheel, runtimes or ("node",), target=target,
                            pytest_args=pytest_args, timeout=timeout, output_dir=output_dir)
    print(format_summary(reports), flush=True)
    record(wheel, target, reports)
    code = overall_exit_code(reports)
    if code != 0:
        print(f"error: tests failed for {wheel.name}", file=sys.stderr)
    return code
