"""A toolchain route for tests that never compiles: subclasses say what `build` returns."""

from __future__ import annotations

from typing import ClassVar

from wasmwheel.toolchain.routes.base import Route, RouteStatus


class StandInRoute(Route):
    """Always available and installed, exact, reporting the target's own Emscripten."""

    name: ClassVar[str] = "stand-in"
    approximate = False

    def available(self) -> str | None:
        return None

    def status(self) -> RouteStatus:
        return RouteStatus(self.name, installed=True, approximate=False)

    def is_installed(self) -> bool:
        return True

    def install(self) -> None:
        pass

    def emscripten_version(self) -> str:
        return self.target.emscripten
