"""Read `toolchain.toml`, the one file that pins versions and hashes.

Every other part of wasmwheel asks this module for a pin; nothing else
spells a version. Unknown keys are errors so that a typo never silently
falls back to a default.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

from wasmwheel.errors import ConfigError

TOOLCHAIN_ENV = "WASMWHEEL_TOOLCHAIN_FILE"
TARGET_ENV = "WASMWHEEL_TARGET"


@dataclass(frozen=True)
class NpmPin:
    package: str
    version: str
    integrity: str  # npm's SRI string, e.g. "sha512-<base64>"


@dataclass(frozen=True)
class NodePin:
    major: int
    wheel: str
    version: str


@dataclass(frozen=True)
class XbuildenvPin:
    version: str
    url: str
    sha256: str


@dataclass(frozen=True)
class EmsdkPin:
    repository: str
    revision: str
    patches: dict[str, str] = field(default_factory=dict)  # file name -> sha256


@dataclass(frozen=True)
class ExactPin:
    """Tools the exact route provisions besides the xbuildenv and emsdk."""

    uv: str  # uv from PyPI; its embedded download list pins (and hash-checks) the CPython build


@dataclass(frozen=True)
class DebianPin:
    suite: str
    packages: dict[str, str] = field(default_factory=dict)  # name -> exact version
    llvm_major: int = 0


@dataclass(frozen=True)
class BrowsersPin:
    """The browser test runtimes: Debian's browsers, driven by puppeteer-core from npm."""

    puppeteer_core: str              # npm version; driver/npm-lock.json locks its dependencies
    puppeteer_core_integrity: str    # npm's SRI string; the lock file must carry the same
    chromium_packages: list[str]     # Debian packages `ensure_browser("chromium")` installs
    firefox_packages: list[str]


@dataclass(frozen=True)
class Target:
    name: str
    pyodide: str
    python: str
    emscripten: str
    abi: str
    platform_tag: str
    ext_suffix: str
    pyodide_build: str
    npm: NpmPin
    node: NodePin
    xbuildenv: XbuildenvPin
    emsdk: EmsdkPin
    exact: ExactPin
    debian: DebianPin
    browsers: BrowsersPin | None = None  # optional: only `wasmwheel test` in a browser needs it

    @property
    def python_major_minor(self) -> str:
        return ".".join(self.python.split(".")[:2])

    @property
    def pins_hash(self) -> str:
        """A short digest of the pins that shape a built wheel: cache keys and provenance use it.

        The browser pins only drive tests, so bumping puppeteer must not
        invalidate toolchains or the provenance of wheels already built.
        """
        pins = asdict(self)
        pins.pop("browsers", None)
        canonical = json.dumps(pins, sort_keys=True).encode()
        return hashlib.sha256(canonical).hexdigest()[:16]


@dataclass(frozen=True)
class Toolchain:
    path: Path
    default_target: str
    targets: dict[str, Target]

    def target(self, name: str | None = None) -> Target:
        name = name or os.environ.get(TARGET_ENV) or self.default_target
        try:
            return self.targets[name]
        except KeyError:
            known = ", ".join(sorted(self.targets))
            raise ConfigError(
                f"unknown target {name!r} in {self.path}",
                hint=f"use one of: {known}",
            ) from None


def _kebab_to_snake(table: dict[str, Any]) -> dict[str, Any]:
    return {key.replace("-", "_"): value for key, value in table.items()}


def _build(cls: type, table: dict[str, Any], where: str, **extra: Any) -> Any:
    """Construct a pin dataclass from a TOML table, refusing unknown or missing keys."""
    values = _kebab_to_snake(table) | extra
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(
            f"unknown key(s) {', '.join(unknown)} in [{where}]",
            hint="check the spelling against toolchain.toml's documented keys",
        )
    try:
        return cls(**values)
    except TypeError as exc:
        raise ConfigError(f"[{where}] is incomplete: {exc}") from None


_NESTED = {
    "npm": NpmPin,
    "node": NodePin,
    "xbuildenv": XbuildenvPin,
    "emsdk": EmsdkPin,
    "exact": ExactPin,
    "debian": DebianPin,
    "browsers": BrowsersPin,
}
_OPTIONAL = {"browsers"}


def _parse_target(name: str, table: dict[str, Any]) -> Target:
    scalars = {k: v for k, v in table.items() if k not in _NESTED}
    nested = {}
    for key, cls in _NESTED.items():
        if key not in table:
            if key in _OPTIONAL:
                continue
            raise ConfigError(f"[targets.{name}.{key}] is missing from toolchain.toml")
        nested[key] = _build(cls, table[key], f"targets.{name}.{key}")
    target: Target = _build(Target, scalars, f"targets.{name}", name=name, **nested)
    return target


def default_toolchain_file() -> Path:
    """The toolchain.toml in use: $WASMWHEEL_TOOLCHAIN_FILE, else the one shipped with wasmwheel."""
    override = os.environ.get(TOOLCHAIN_ENV)
    if override:
        return Path(override)
    # The package ships toolchain.toml next to this module (a symlink to the
    # repository root's copy in a source checkout).
    return Path(__file__).parents[1] / "toolchain.toml"


def parse_toolchain(path: Path) -> Toolchain:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"toolchain file not found: {path}",
            hint=f"set {TOOLCHAIN_ENV} to a toolchain.toml, or reinstall wasmwheel",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    if data.get("schema") != 1:
        raise ConfigError(f"{path}: unsupported schema {data.get('schema')!r} (expected 1)")
    targets = {name: _parse_target(name, table) for name, table in data.get("targets", {}).items()}
    default = data.get("default-target", "")
    if default not in targets:
        raise ConfigError(f"{path}: default-target {default!r} has no [targets.{default}] table")
    return Toolchain(path=path, default_target=default, targets=targets)


@cache
def _load_cached(path: Path) -> Toolchain:
    return parse_toolchain(path)


def load_toolchain(path: Path | None = None) -> Toolchain:
    return _load_cached((path or default_toolchain_file()).resolve())


def current_target(name: str | None = None) -> Target:
    return load_toolchain().target(name)
