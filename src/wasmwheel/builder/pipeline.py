"""`wasmwheel build`: stage the project, compile it with a route, check and stamp the wheel.

A pipeline of small steps; `dist/` only ever receives a finished, checked,
stamped wheel (written under a temporary name, then renamed).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from wasmwheel import progress
from wasmwheel.builder.pure_wheel import check_not_fallback
from wasmwheel.builder.source_date import describe as source_date_describe
from wasmwheel.builder.source_date import source_date
from wasmwheel.builder.thread_use import warn_about_threads
from wasmwheel.builder.undefined_symbols import check_symbols
from wasmwheel.config.pins import Target
from wasmwheel.config.project import stage
from wasmwheel.errors import BuildError
from wasmwheel.toolchain.pyodide_build import read_log
from wasmwheel.toolchain.routes import Route
from wasmwheel.wheel import compatibility
from wasmwheel.wheel.provenance import Provenance, stamp_wheel


@dataclass(frozen=True)
class BuildOutcome:
    wheel: Path
    provenance: Provenance


def check_wheel_tags(wheel: Path, target: Target) -> None:
    """A wheel that does not fit the target would never load in the pinned Pyodide.

    A pure-Python project's py3-none-any wheel fits: nothing was cross-compiled
    (a project with native sources is checked further: pure_wheel.py).
    """
    verdict = compatibility.check_filename(wheel.name, target)
    if not verdict.fits:
        raise BuildError(
            f"the route built {wheel.name}, which does not fit {target.name}: {verdict.reason}",
            hint="the cross-build environment does not match toolchain.toml; run `wasmwheel doctor`",
        )


def provenance_for(route: Route, target: Target) -> Provenance:
    return Provenance(
        target=target.name,
        pins_hash=target.pins_hash,
        route=route.name,
        approximate=route.approximate,
        emscripten=route.emscripten_version(),
        pinned_emscripten=target.emscripten,
        pyodide=target.pyodide,
        platform_tag=target.platform_tag,
        sdk_verified=route.sdk_verified(),
    )


def build_wheel(
    path: Path, outdir: Path, route: Route, target: Target, *, allow_pure_wheel: bool = False,
    allow_undefined_symbols: bool = False,
) -> BuildOutcome:
    route.install()
    found = source_date(path)
    progress.step(f"SOURCE_DATE_EPOCH={source_date_describe(found)}")
    outcome = build_stamped(
        path, outdir, route, target, found.epoch, allow_pure_wheel=allow_pure_wheel,
        allow_undefined_symbols=allow_undefined_symbols,
    )
    warn_if_approximate(outcome, target)
    return outcome


def build_stamped(
    path: Path,
    outdir: Path,
    route: Route,
    target: Target,
    source_date_epoch: int,
    *,
    allow_pure_wheel: bool = False,
    allow_undefined_symbols: bool = False,
) -> BuildOutcome:
    """Stage `path` in a fresh temporary directory, build it, check it and stamp it into `outdir`."""
    with tempfile.TemporaryDirectory(prefix="wasmwheel-build-") as tmp:
        workdir = Path(tmp)
        project = stage(path, workdir / "src")
        progress.step(f"building {project.origin} with the {route.name} route")
        raw = route.build(project.root, workdir / "out", source_date_epoch=source_date_epoch)
        check_wheel_tags(raw, target)
        check_not_fallback(raw, project.root, read_log(raw.parent), allowed=allow_pure_wheel)
        check_symbols(raw, target, allowed=allow_undefined_symbols)
        warn_about_threads(raw)
        provenance = provenance_for(route, target)
        outdir.mkdir(parents=True, exist_ok=True)
        wheel = stamp_wheel(raw, provenance, outdir / raw.name, source_date_epoch=source_date_epoch)
    return BuildOutcome(wheel=wheel, provenance=provenance)


def warn_if_approximate(outcome: BuildOutcome, target: Target) -> None:
    provenance = outcome.provenance
    if provenance.approximate:
        # The same release number can still be another build (Debian's: other LLVM, no
        # Pyodide patches), so say which differs.
        compiler = (f"Emscripten {provenance.emscripten}, not the pinned {target.emscripten}"
                    if provenance.emscripten != target.emscripten else
                    f"Emscripten {provenance.emscripten} but not the pinned toolchain's build")
        progress.step(
            f"warning: {outcome.wheel.name} was built with {compiler} ({provenance.route} "
            "route): it is an approximation, fine for testing, and `wasmwheel publish` refuses "
            "to send it to PyPI"
        )
    if provenance.sdk_verified is False:
        progress.step(
            f"warning: {outcome.wheel.name}: SDK archive NOT verified (no sha256 pinned): its "
            "provenance says sdk_verified: false, and `wasmwheel publish` refuses to send it to PyPI"
        )
