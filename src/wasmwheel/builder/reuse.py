"""Reuse the last wheel of a source when nothing it was built from changed; else build it.

One policy for `wasmwheel build` and `wasmwheel test`: the wheel in the output
directory (`config.project.wheel_dir`: PROJECT/dist, or beside an sdist) is
reused only if its build record (`builder.build_record`) matches a key made
now: a digest of the sources as they would be staged, the pins, the route,
SOURCE_DATE_EPOCH and wasmwheel's version. Bytes decide, not mtimes: a
`touch` or a fresh checkout reuses, a changed byte rebuilds, and a wheel
with no record (built before records, or by another tool) is built again.

Test paths outside every Python package are left out of the digest:
`wasmwheel test` copies the tests from the project at every run, so editing
them needs no rebuild. Test paths inside a package (an `__init__.py` in
them or above them) may be in the wheel, so they count.

`build` compares the route it is about to use; `test` with route auto takes
the wheel whichever route built it. `--force`, `--reproducible-check` and
`--compare` always build (and record what they built).
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

from packaging.utils import parse_wheel_filename

from wasmwheel import progress
from wasmwheel.builder.build_record import BuildKey, difference, read_record, write_record
from wasmwheel.builder.pipeline import BuildOutcome, build_wheel
from wasmwheel.builder.source_date import source_date
from wasmwheel.config.pins import Target
from wasmwheel.config.project import identity, source_digest, wheel_dir
from wasmwheel.config.settings import ConfigWarning, load_test_config
from wasmwheel.config.suite import NoTestsError
from wasmwheel.errors import ConfigError
from wasmwheel.toolchain.routes import Route, select_route
from wasmwheel.wheel import compatibility


def _candidates(source: Path, outdir: Path, target: Target) -> list[Path]:
    """The wheels in `outdir` for this source (name, and version when known) and target."""
    candidates = []
    for wheel in outdir.glob("*.whl"):
        if compatibility.check_filename(wheel.name, target).fits:  # the policy build and publish use
            candidates.append(wheel)
    wanted = identity(source)
    if wanted.name:
        candidates = [w for w in candidates if parse_wheel_filename(w.name)[0] == wanted.name]
    if wanted.version:
        candidates = [w for w in candidates if parse_wheel_filename(w.name)[1] == wanted.version]
    return candidates


def find_built_wheel(source: Path, outdir: Path, target: Target) -> Path | None:
    """The newest wheel in `outdir` for this source and target, whatever it was built from."""
    return max(_candidates(source, outdir, target), key=lambda w: w.stat().st_mtime_ns, default=None)


def _in_a_package(project: Path, relative: str) -> bool:
    """Whether `relative` is, or sits below, a directory holding an `__init__.py`."""
    path = (project / relative).resolve()
    root = project.resolve()
    directory = path if path.is_dir() else path.parent
    while directory.is_relative_to(root):
        if (directory / "__init__.py").is_file():
            return True
        if directory == root:
            break
        directory = directory.parent
    return False


def unbuilt_paths(source: Path, *, strict: bool = True) -> tuple[str, ...]:
    """The test paths that cannot be in the wheel, so do not count for reuse.

    `strict`: a broken [tool.wasmwheel] test setting fails now, before a
    build, with the message the test run would give (`wasmwheel test`);
    otherwise (`wasmwheel build`, which never reads them) every file counts.
    """
    if source.is_file():
        return ()
    with warnings.catch_warnings():  # the test run reads (and warns about) the settings itself
        warnings.simplefilter("ignore", ConfigWarning)
        try:
            test_paths = load_test_config(source).test_paths
        except NoTestsError:
            return ()  # nothing to leave out (`build` of a project without tests is fine)
        except ConfigError:
            if strict:
                raise
            return ()
    return tuple(p for p in test_paths if not _in_a_package(source, p))


def build_key(source: Path, target: Target, route: str, unbuilt: tuple[str, ...] = ()) -> BuildKey:
    """What a build of `source` with `route` would be made from, right now."""
    return BuildKey(sources=source_digest(source, unbuilt=unbuilt), pins=target.pins_hash,
                    route=route, source_date_epoch=source_date(source).epoch)


def reusable(source: Path, outdir: Path, target: Target, key: BuildKey,
             *, any_route: bool = False) -> tuple[Path | None, str]:
    """(a wheel in `outdir` built from exactly `key`, "") or (None, why there is none)."""
    candidates = sorted(_candidates(source, outdir, target),
                        key=lambda w: w.stat().st_mtime_ns, reverse=True)
    if not candidates:
        return None, f"no wheel for {source} in {outdir}"
    newest_reason = ""
    for wheel in candidates:  # one at a time: each record check hashes its wheel
        reason = difference(read_record(wheel), key, any_route=any_route)
        if reason is None:
            return wheel, ""
        newest_reason = newest_reason or f"{wheel.name}: {reason}"
    return None, newest_reason


def build_recorded(source: Path, outdir: Path, route: Route, target: Target,
                   key: BuildKey, *, allow_pure_wheel: bool = False,
                   allow_undefined_symbols: bool = False) -> BuildOutcome:
    """Build, then record the key (made before the build: an edit during it rebuilds next time)."""
    outcome = build_wheel(source, outdir, route, target, allow_pure_wheel=allow_pure_wheel,
                          allow_undefined_symbols=allow_undefined_symbols)
    write_record(outcome.wheel, dataclasses.replace(key, route=route.name))
    return outcome


def build_or_reuse(source: Path, outdir: Path, route: Route, target: Target,
                   *, force: bool = False, allow_pure_wheel: bool = False,
                   allow_undefined_symbols: bool = False) -> Path:
    """`wasmwheel build`: the wheel of `source` in `outdir`, built unless an identical build is there."""
    key = build_key(source, target, route.name, unbuilt_paths(source, strict=False))
    if force:
        progress.step("--force: building even if the last wheel is up to date")
    else:
        wheel, why = reusable(source, outdir, target, key)
        if wheel is not None:
            progress.step(f"up to date: reusing {wheel} (sources, pins and route unchanged); "
                          "--force rebuilds")
            return wheel
        progress.step(f"{why}: building")
    return build_recorded(source, outdir, route, target, key,
                          allow_pure_wheel=allow_pure_wheel,
                          allow_undefined_symbols=allow_undefined_symbols).wheel


def wheel_for(source: Path, target: Target, route: str = "auto", *,
              allow_pure_wheel: bool = False, allow_undefined_symbols: bool = False) -> Path:
    """`wasmwheel test`: the up-to-date wheel of `source`, built with `route` if there is none."""
    outdir = wheel_dir(source)
    key = build_key(source, target, route, unbuilt_paths(source))
    wheel, why = reusable(source, outdir, target, key, any_route=route == "auto")
    if wheel is not None:
        progress.step(f"using {wheel} (up to date with {source})")
        return wheel
    progress.step(f"{why}: building it")
    return build_recorded(source, outdir, select_route(route, target), target, key,
                          allow_pure_wheel=allow_pure_wheel,
                          allow_undefined_symbols=allow_undefined_symbols).wheel
