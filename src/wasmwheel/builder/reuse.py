"""Find the wheel built from a source, or build it: what `wasmwheel test` does first.

The wheel lives where `wasmwheel build` writes it (`config.project.wheel_dir`:
PROJECT/dist, or beside an sdist). It is reused unless it is stale, and the
user is told which, in one line on stderr:

- no matching wheel: build one;
- a source file is newer than the wheel (an sdist is one file): rebuild.
  Files under the project's test paths do not count: `wasmwheel test` copies
  the tests from the project at every run, so editing them needs no rebuild.
  A deleted source file is not noticed; `wasmwheel build` always rebuilds;
- the wheel was built against other pins (its provenance's pins_hash), or by
  another route than the one explicitly asked for: rebuild.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

from packaging.utils import parse_wheel_filename

from wasmwheel import progress
from wasmwheel.builder.pipeline import build_wheel
from wasmwheel.config.pins import Target
from wasmwheel.config.project import identity, newest_source, wheel_dir
from wasmwheel.config.settings import ConfigWarning, load_test_config
from wasmwheel.toolchain.routes import select_route
from wasmwheel.wheel import compatibility
from wasmwheel.wheel.provenance import read_provenance


def find_built_wheel(source: Path, outdir: Path, target: Target) -> Path | None:
    """The newest wheel in `outdir` for this source (name, and version when known) and target."""
    candidates = []
    for wheel in outdir.glob("*.whl"):
        if compatibility.check_filename(wheel.name, target).fits:  # the policy build and publish use
            candidates.append(wheel)
    wanted = identity(source)
    if wanted.name:
        candidates = [w for w in candidates if parse_wheel_filename(w.name)[0] == wanted.name]
    if wanted.version:
        candidates = [w for w in candidates if parse_wheel_filename(w.name)[1] == wanted.version]
    return max(candidates, key=lambda w: w.stat().st_mtime_ns, default=None)


def _test_paths(source: Path) -> tuple[str, ...]:
    if source.is_file():
        return ()
    # The test run reads (and warns about) the settings itself; here they only
    # say which files are not built into the wheel. A broken setting fails now,
    # before a build, with the same message the test run would give.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)
        return load_test_config(source).test_paths


def rebuild_reason(wheel: Path, source: Path, target: Target, route: str = "auto",
                   unbuilt: tuple[str, ...] = ()) -> str | None:
    """Why `wheel` no longer stands for `source` (one phrase), or None if it still does."""
    try:
        provenance = read_provenance(wheel)
    except (zipfile.BadZipFile, ValueError, TypeError, KeyError):
        return f"{wheel.name} is unreadable"
    if provenance is not None and provenance.pins_hash != target.pins_hash:
        return f"{wheel.name} was built with other pins than toolchain.toml's"
    if provenance is not None and route != "auto" and provenance.route != route:
        return f"{wheel.name} was built by the {provenance.route} route, not {route}"
    newest = newest_source(source, unbuilt=unbuilt)
    if newest is not None and newest[1] > wheel.stat().st_mtime_ns:
        changed = newest[0].name if source.is_file() else newest[0].relative_to(source)
        return f"sources changed since {wheel.name} ({changed})"
    return None


def wheel_for(
    source: Path, target: Target, route: str = "auto", *, allow_pure_wheel: bool = False
) -> Path:
    """The up-to-date wheel of `source` for `target`, built with `route` if there is none."""
    outdir = wheel_dir(source)
    unbuilt = _test_paths(source)
    wheel = find_built_wheel(source, outdir, target)
    if wheel is None:
        progress.step(f"no wheel for {source} in {outdir}: building it")
    else:
        reason = rebuild_reason(wheel, source, target, route, unbuilt)
        if reason is None:
            progress.step(f"using {wheel} (up to date with {source})")
            return wheel
        progress.step(f"{reason}: rebuilding")
    return build_wheel(
        source, outdir, select_route(route, target), target, allow_pure_wheel=allow_pure_wheel
    ).wheel
