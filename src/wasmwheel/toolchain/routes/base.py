"""What every toolchain route provides: status, install, build.

A route is one way to get Emscripten + a cross-build environment + a
Python of the target's X.Y running pyodide-build. `exact` is the official toolchain,
`debian` an approximation that needs only Debian's mirror, PyPI and npm,
`system` whatever emcc is already on PATH (a container image, a Nix shell).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from wasmwheel.config.pins import Target
from wasmwheel.toolchain import cache


@dataclass
class RouteStatus:
    """What `wasmwheel doctor` shows for one route."""

    route: str
    installed: bool
    approximate: bool
    location: Path | None = None
    where: str | None = None           # where the toolchain lives, in words ("this system", ...)
    emscripten: str | None = None      # version actually in use
    python: str | None = None          # the Python running pyodide-build
    pyodide_build: str | None = None
    problems: list[str] = field(default_factory=list)
    fix: str | None = None             # the one command that fixes the problems


class Route(ABC):
    name: ClassVar[str]
    # The Target fields (pins) this route's cache entry is made from: its key
    # hashes these only, so bumping another route's pins never re-provisions it.
    # A pin the install reads but this list misses would let a stale entry be
    # reused: list every one (tests/unit/test_route_keys.py checks the split).
    pinned: ClassVar[tuple[str, ...]]
    # Class-level for routes that always are (or never are) approximate; the
    # system route decides per machine and overrides it with a property.
    approximate: bool

    def __init__(self, target: Target, cache_dir: Path) -> None:
        self.target = target
        self.cache_dir = cache_dir

    @property
    def pins_key(self) -> str:
        """The digest of the pins this route uses (`pinned`); its cache entry's key."""
        return self.target.pins_hash_of(self.pinned)

    @property
    def entry(self) -> Path:
        """This route's cache entry for this target; new pins of this route mean a new entry."""
        return self.cache_dir / "toolchains" / f"{self.target.name}-{self.name}-{self.pins_key}"

    def is_installed(self) -> bool:
        """Ready to build, from local state only (no probing: route selection asks it first)."""
        return cache.is_complete(self.entry)

    @abstractmethod
    def available(self) -> str | None:
        """None if this route can be installed/used here, else the reason it cannot."""

    @abstractmethod
    def status(self) -> RouteStatus:
        """Inspect the installed state without changing anything."""

    @abstractmethod
    def install(self) -> None:
        """Provision the route into the cache; idempotent, locked, all-or-nothing."""

    def sdk_verified(self) -> bool | None:
        """Whether the installed Emscripten's archives were checked against pinned hashes;
        None where the route installs no pinned archives (debian, system)."""
        return None

    @abstractmethod
    def emscripten_version(self) -> str:
        """The Emscripten version this route compiles with (after install)."""

    @abstractmethod
    def build(self, source_dir: Path, outdir: Path, *, source_date_epoch: int) -> Path:
        """Run `pyodide build` on `source_dir` (a project directory the route may
        freely modify), write the wheel into `outdir` and return its path. Its
        output goes to `outdir`/.wasmwheel-build.log (`pyodide_build.keep_log`).

        The build sees SOURCE_DATE_EPOCH=`source_date_epoch` and compiler flags
        that keep `source_dir`'s path out of the binary
        (`pyodide_build.reproducibility_env`)."""
