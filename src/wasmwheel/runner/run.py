"""`run_tests`: the library entry point behind `wasmwheel test`.

A pipeline of small steps: read the settings, inspect the wheel, fetch the
pure-Python wheels the tests need, prepare one job directory, run it in each
runtime.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from wasmwheel import progress
from wasmwheel.config.pins import Target, current_target, load_toolchain
from wasmwheel.config.settings import TestConfig, load_test_config
from wasmwheel.errors import TestRunError
from wasmwheel.runner import requirements
from wasmwheel.runner.job import Job, installed_test_paths, prepare_job, pytest_arguments
from wasmwheel.runner.needs import Needs, pyodide_packages, test_needs
from wasmwheel.runner.report import TestReport
from wasmwheel.runner.runtimes import expand_runtimes, get_runtime
from wasmwheel.runner.runtimes.base import Echo, Outcome, Runtime, echo_stdout
from wasmwheel.runner.schedule import default_jobs, group_by, run_concurrently
from wasmwheel.wheel import compatibility
from wasmwheel.wheel.archive import WheelInfo, read_wheel


def run_tests(
    project_dir: Path,
    wheel: Path,
    runtimes: Sequence[str] | None = ("node",),
    *,
    target: Target | None = None,
    pytest_args: Sequence[str] = (),
    timeout: float | None = None,
    test_timeout: float | None = None,
    extra_wheels: Sequence[Path] = (),
    echo: Echo | None = echo_stdout,
    keep_job: Path | None = None,
    output_dir: Path | None = None,
    config: TestConfig | None = None,
    jobs: int | None = None,
) -> list[TestReport]:
    """Run the project's tests against `wheel` in each runtime; one report per runtime.

    `timeout` (whole run, per runtime) and `test_timeout` (per test) override
    the project's settings; `extra_wheels` are installed too and satisfy
    requirements by name (e.g. Pyodide builds of C-extension dependencies).
    pytest's output goes to `echo` as it is produced. A failing test is a
    report with a non-zero exit_code; a run that yields no pytest result
    raises TestRunError. `keep_job` keeps the job directory there.
    `runtimes` may name groups (`chromium` = page + Web Worker, `all`); a
    failed browser run leaves a screenshot and the page log in `output_dir`
    (default PROJECT/.wasmwheel/test-output). `config` is the project's test
    settings when the caller has read them already. Runtimes run side by side, at
    most `jobs` launches at once (default: schedule.default_jobs); with more
    than one runtime every output line starts with `[<runtime>] `. If a runtime
    yields no result, the first such TestRunError is raised once all have ended.
    """
    target = target or current_target()
    runtimes = runtimes or ("node",)
    project_dir = project_dir.resolve()
    config = config or load_test_config(project_dir)
    output_dir = output_dir or project_dir / ".wasmwheel" / "test-output"
    runtime_objects = [get_runtime(name, target, output_dir)  # fail fast on a bad name
                       for name in expand_runtimes(runtimes)]

    under_test = _fitting_wheel(wheel, target)
    extras = [_fitting_wheel(path, target) for path in extra_wheels]
    support = _support_wheels(test_needs(config, project_dir, under_test, extras, target), target)

    with zipfile.ZipFile(under_test.path) as archive:
        installed = installed_test_paths(config.test_paths, archive.namelist())
    copied = [path for path in config.test_paths if path not in installed]
    directory = Path(tempfile.mkdtemp(prefix="wasmwheel-test-")) if keep_job is None else keep_job
    try:
        job = prepare_job(
            directory, project_dir=project_dir, test_paths=copied,
            wheels=[*support, *(w.path for w in extras), under_test.path],
            import_check=under_test.top_level,
            pytest_args=pytest_arguments(project_dir, [*copied, *installed.values()],
                                         [*config.test_args, *(["--pyargs"] if installed else [])],
                                         pytest_args),
            test_timeout=config.test_timeout if test_timeout is None else test_timeout,
            run_timeout=config.test_run_timeout if timeout is None else timeout,
        )
        return _run_all(runtime_objects, job, echo, default_jobs() if jobs is None else jobs)
    finally:
        if keep_job is None:
            shutil.rmtree(directory, ignore_errors=True)


def _support_wheels(needs: Needs, target: Target) -> list[Path]:
    if not needs.optional:
        return requirements.ensure_wheels(needs.required, target)
    progress.step(f"test requirements from {', '.join(needs.sources)}: {' '.join(needs.optional)}")
    wheels, skipped = requirements.ensure_wheels_best_effort(
        needs.required, needs.optional, target, pyodide_packages(target))
    for item in skipped:
        progress.info(f"skipped {item.requirement}: {item.reason}")
    return wheels


def _fitting_wheel(path: Path, target: Target) -> WheelInfo:
    """Read the wheel and refuse one the policy says does not fit: Pyodide would fail obscurely."""
    wheel = read_wheel(path)
    verdict = compatibility.check_tags(wheel.tags, target)
    if not verdict.fits:
        own = [t.name for t in compatibility.targets_of(path.name, load_toolchain())]
        hint = (f"it is a {own[0]} wheel: test it with --target {own[0]} (or without --target)"
                if own else f"build the wheel for {target.name} with `wasmwheel build`")
        raise TestRunError(f"{path.name} does not fit {target.name}: {verdict.reason}", hint=hint)
    return wheel


def _run_all(runtimes: Sequence[Runtime], job: Job, echo: Echo | None, jobs: int
             ) -> list[TestReport]:
    for runtime in runtimes:  # one at a time: installs (apt-get, npm) must not race
        runtime.provision()
    names = ", ".join(r.name for r in runtimes)
    launches = group_by(runtimes, lambda r: r.launch)
    at_once = min(jobs, len(launches))
    progress.step(f"running pytest {' '.join(job.pytest_args)} in Pyodide "
                  f"{runtimes[0].target.pyodide} on {names}"
                  + (f" ({at_once} at a time)" if len(runtimes) > 1 else ""))
    labelled = len(runtimes) > 1

    def task(group: list[Runtime]) -> Callable[[], list[Outcome]]:
        return lambda: group[0].run_together(group[1:], job, echo=echo, labelled=labelled)

    outcomes = {runtime.name: outcome
                for group, results in zip(launches, run_concurrently([task(g) for g in launches],
                                                                      jobs))
                for runtime, outcome in zip(group, results, strict=True)}
    ordered = [outcomes[r.name] for r in runtimes]
    for outcome in ordered:
        if isinstance(outcome, TestRunError):
            raise outcome
    return [o for o in ordered if isinstance(o, TestReport)]
