"""`wasmwheel build --reproducible-check` / `--compare OTHER.whl`: prove a build is byte-reproducible.

`--reproducible-check` builds the source twice, each time staged in its own
fresh temporary directory (so the paths differ) and at least zip's 2-second
time resolution apart, and requires the two wheels to be byte-identical.
`--compare` requires the wheel built here to be byte-identical to one built
elsewhere (a Docker image, a Nix shell, CI). The wheel reaches the output
directory only when every comparison passed: a wheel that failed the check
never replaces a good one.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from wasmwheel import progress
from wasmwheel.builder.pipeline import BuildOutcome, build_stamped, warn_if_approximate
from wasmwheel.builder.source_date import describe as source_date_describe
from wasmwheel.builder.source_date import source_date
from wasmwheel.config.pins import Target
from wasmwheel.errors import NoInputError, NotReproducibleError, ProjectError
from wasmwheel.toolchain.routes import Route
from wasmwheel.wheel.reproducible import compare_wheel_files

ZIP_TIME_RESOLUTION = 2.0  # seconds: builds closer than this could hide a timestamp difference
HINT = (
    "something in the build depends on when or where it ran: look for __DATE__/__TIME__, "
    "time.time() or absolute paths written by setup.py or the build system; "
    "SOURCE_DATE_EPOCH is set for the build and -ffile-prefix-map hides the staging path"
)

COMPARE_HINT = (
    "check both were built from the same source with the same SOURCE_DATE_EPOCH, route and "
    "pins (the wasmwheel.json in each wheel's .dist-info says which); `--reproducible-check` "
    "tells whether this machine's builds agree with each other"
)


@dataclass(frozen=True)
class CheckedOutcome:
    outcome: BuildOutcome
    sha256: str


def check_compare_target(other: Path) -> None:
    """Refuse a `--compare` wheel that cannot be compared, before any toolchain work."""
    if not other.is_file():
        raise NoInputError(f"{other} does not exist", hint="pass the path of a wheel built elsewhere")
    if other.suffix != ".whl":
        raise ProjectError(f"{other} is not a wheel (.whl)", hint="pass the .whl built elsewhere")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_checked(
    path: Path,
    outdir: Path,
    route: Route,
    target: Target,
    *,
    twice: bool,
    compare: Path | None,
    allow_pure_wheel: bool = False,
    allow_undefined_symbols: bool = False,
) -> CheckedOutcome:
    """Build `path` (twice if `twice`), compare, and only then put the wheel in `outdir`."""
    if compare is not None:
        check_compare_target(compare)
    route.install()
    found = source_date(path)
    progress.step(f"SOURCE_DATE_EPOCH={source_date_describe(found)}")
    with tempfile.TemporaryDirectory(prefix="wasmwheel-check-") as tmp:
        scratch = Path(tmp)
        started = time.monotonic()
        first = build_stamped(path, scratch / "first", route, target, found.epoch,
                              allow_pure_wheel=allow_pure_wheel,
                              allow_undefined_symbols=allow_undefined_symbols)
        if twice:
            # Zip times have a 2-second resolution: a second build inside the same
            # two seconds could hide a timestamp leak.
            _pause(max(0.0, ZIP_TIME_RESOLUTION - (time.monotonic() - started)))
            progress.step("building again in another staging directory, to compare")
            second = build_stamped(path, scratch / "second", route, target, found.epoch,
                                   allow_pure_wheel=allow_pure_wheel,
                                   allow_undefined_symbols=allow_undefined_symbols)
            _require_identical(first.wheel, second.wheel, "the two builds", HINT)
        if compare is not None:
            _require_identical(first.wheel, compare, f"the wheel built here and {compare}",
                               COMPARE_HINT)
        outdir.mkdir(parents=True, exist_ok=True)
        dest = outdir / first.wheel.name
        partial = dest.with_name(f".{dest.name}.partial")
        try:
            shutil.copyfile(first.wheel, partial)
            partial.replace(dest)
        finally:
            partial.unlink(missing_ok=True)
    outcome = BuildOutcome(wheel=dest, provenance=first.provenance)
    warn_if_approximate(outcome, target)
    return CheckedOutcome(outcome=outcome, sha256=sha256_of(dest))


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def _require_identical(first: Path, second: Path, what: str, hint: str) -> None:
    difference = compare_wheel_files(first, second)
    if difference is not None:
        raise NotReproducibleError(
            f"{what} are not byte-identical (sha256 {sha256_of(first)[:16]}... versus "
            f"{sha256_of(second)[:16]}...): {difference.describe()}",
            hint=hint,
        )
