"""Read `toolchain.toml`, the one file that pins versions and hashes.

Every other part of wasmwheel asks this module for a pin; nothing else
spells a version. Unknown keys are errors so that a typo never silently
falls back to a default, a missing key is an error (only the few keys with a
documented default are optional), and every key's type and format (hashes,
commits) is checked on load: a bad pin is one error naming its key, never a
traceback or a failed download later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import MISSING, asdict, dataclass, field, fields, is_dataclass
from functools import cache
from pathlib import Path
from types import UnionType
from typing import Any, Union, cast, get_args, get_origin, get_type_hints

from packaging.version import InvalidVersion, Version

from wasmwheel.errors import ConfigError

TOOLCHAIN_ENV = "WASMWHEEL_TOOLCHAIN_FILE"
TARGET_ENV = "WASMWHEEL_TARGET"
ALL_TARGETS = "all"  # `--target all`: every [targets.<name>] table, in file order


# --- formats a pin string must have, checked when toolchain.toml is loaded ----

_SHA256 = re.compile(r"[0-9a-f]{64}")
_GIT_COMMIT = re.compile(r"[0-9a-f]{40}")
_SRI_DIGEST_BYTES = {"sha256": 32, "sha384": 48, "sha512": 64}
# The emsdk revision of a target whose emsdk commit nobody could read yet: the
# exact route refuses to install until it is set (see toolchain.toml).
NOT_PINNED_YET = ""


def _is_sri(value: str) -> bool:
    algorithm, _, encoded = value.partition("-")
    size = _SRI_DIGEST_BYTES.get(algorithm)
    if size is None:
        return False
    try:
        digest = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        return False
    return len(digest) == size


_FORMATS: dict[str, tuple[Callable[[str], bool], str]] = {
    "sha256": (lambda v: bool(_SHA256.fullmatch(v)), "64 lowercase hex digits (a sha256)"),
    "sri": (_is_sri, '"sha256-", "sha384-" or "sha512-" and the digest in base64 (npm\'s integrity)'),
    "sha256-or-unpinned": (
        lambda v: v == NOT_PINNED_YET or bool(_SHA256.fullmatch(v)),
        'a sha256 (64 lowercase hex digits), or "" while it is not pinned yet',
    ),
    "git-revision": (
        lambda v: v == NOT_PINNED_YET or bool(_GIT_COMMIT.fullmatch(v)),
        'a full 40-hex git commit, or "" while it is not pinned yet',
    ),
    # sysconfig captures names like `[A-Z][A-Za-z0-9_]+`; pinned ones are those it does not.
    "uncaptured-c-name": (
        lambda v: v.isascii() and v.isidentifier() and (v[0] == "_" or v[0].islower()),
        "a C macro name starting with `_` or a lowercase letter (sysconfig captures the rest)",
    ),
}


def _format(name: str) -> dict[str, str]:
    """Field metadata: the pin (or each item or value of a list or table) must have this format."""
    return {"format": name}


def _key_format(name: str) -> dict[str, str]:
    """Field metadata: each key of a pinned table must have this format."""
    return {"key-format": name}


# --- the pins -----------------------------------------------------------------
# Every field is a required key unless it has a default; a default marks a
# documented optional key (tests/unit/test_pins.py lists the allowed ones).


@dataclass(frozen=True)
class NpmPin:
    package: str
    version: str
    integrity: str = field(metadata=_format("sri"))  # npm's SRI string, e.g. "sha512-<base64>"


@dataclass(frozen=True)
class NodePin:
    major: int
    wheel: str
    version: str


@dataclass(frozen=True)
class XbuildenvPin:
    version: str
    url: str
    sha256: str = field(metadata=_format("sha256"))


@dataclass(frozen=True)
class EmsdkArchivesPin:
    """What `emsdk install <emscripten>` downloads on one platform, pinned by sha256.

    wasmwheel downloads these itself, checks them, and hands them to emsdk
    under emsdk's own file names, so emsdk downloads nothing. A sha256 may be
    NOT_PINNED_YET: the archive is then used unverified and everything says so.
    """

    sdk_url: str  # wasm-binaries archive of the emscripten-releases build
    sdk_sha256: str = field(metadata=_format("sha256-or-unpinned"))
    node_url: str  # the Node emsdk's SDK uses (runs emcc's JS passes)
    node_sha256: str = field(metadata=_format("sha256-or-unpinned"))


@dataclass(frozen=True)
class EmsdkPin:
    repository: str
    revision: str = field(metadata=_format("git-revision"))  # may be NOT_PINNED_YET
    # emscripten-releases build that emsdk at `revision` maps the target's Emscripten to.
    release: str = field(metadata=_format("git-revision"))
    # "<os>-<arch>" (emsdk's arch names: x86_64, arm64) -> that platform's archives.
    archives: dict[str, EmsdkArchivesPin]
    # Optional: without it, any patch set the hash-pinned xbuildenv ships is applied.
    patches: dict[str, str] = field(default_factory=dict, metadata=_format("sha256"))

    @property
    def pinned(self) -> bool:
        return self.revision != NOT_PINNED_YET


@dataclass(frozen=True)
class ExactPin:
    """Tools the exact route provisions besides the xbuildenv and emsdk."""

    uv: str  # uv from PyPI; its embedded download list pins (and hash-checks) the CPython build
    # The CPython that runs pyodide-build, one uv's list knows. pyodide-build
    # checks only X.Y against the target, and a pre-release runtime's exact
    # CPython (a release candidate, say) may be in no download list.
    host_python: str
    # PyPI's cmake wheel, installed beside pyodide-build: emsdk ships no cmake, and
    # setup.py files that run `cmake` themselves reach it through emcmake on PATH.
    cmake: str


@dataclass(frozen=True)
class MakefileEnvsPin:
    """The build flags of the target's own Makefile.envs, for a cross-build env made without it."""

    cflags_base: str
    cxxflags_base: str
    ldflags_base: str  # the route's EXTRA_LDFLAGS are appended from the environment
    rustflags: str


@dataclass(frozen=True)
class PyconfigPin:
    """pyconfig.h names sysconfig does not capture whose native value is wrong for the target."""

    define: dict[str, str] = field(metadata=_key_format("uncaptured-c-name"))  # name -> value
    undefine: list[str] = field(metadata=_format("uncaptured-c-name"))


@dataclass(frozen=True)
class DebianPin:
    suite: str
    llvm_major: int  # /usr/lib/llvm-<major>/bin goes on PATH
    extra_ldflags: str  # EXTRA_LDFLAGS for this LLVM's wasm-ld ("" for none)
    packages: dict[str, str]  # name -> exact version
    makefile_envs: MakefileEnvsPin
    pyconfig: PyconfigPin


@dataclass(frozen=True)
class BrowsersPin:
    """The browser test runtimes: Debian's browsers, driven by puppeteer-core from npm."""

    puppeteer_core: str  # npm version; driver/npm-lock.json locks its dependencies
    # npm's SRI string; the lock file must carry the same
    puppeteer_core_integrity: str = field(metadata=_format("sri"))
    chromium_packages: list[str]  # Debian packages `ensure_browser("chromium")` installs
    firefox_packages: list[str]


@dataclass(frozen=True)
class WheelPin:
    """One file from PyPI, pinned by URL and sha256 (flake.nix fetches it as a fixed-output derivation)."""

    url: str
    sha256: str = field(metadata=_format("sha256"))


@dataclass(frozen=True)
class NixPin:
    """What only flake.nix reads: the Python distributions nixpkgs does not package."""

    python_wheels: dict[str, WheelPin]  # distribution name -> its wheel


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
    nix: NixPin | None = None  # optional: only flake.nix reads it

    @property
    def python_major_minor(self) -> str:
        return ".".join(self.python.split(".")[:2])

    @property
    def prerelease(self) -> bool:
        """A target whose Pyodide is not final yet (read from the pin, never pinned twice).

        Wheels for it may break at the final release: `publish` keeps them off PyPI
        unless the user says otherwise.
        """
        try:
            return Version(self.pyodide).is_prerelease
        except InvalidVersion:
            return True  # a version PEP 440 cannot read is no promise of stability

    @property
    def pins_hash(self) -> str:
        """A short digest of every pin that may shape a built wheel: provenance uses it.

        Wheels (their provenance, `wasmwheel test`'s reuse, the publish gate)
        are judged against this whole set, whichever route built them: a
        rebuild after any bump is cheap. Toolchain cache entries, which are
        not, are keyed by `pins_hash_of` the pins their route reads.
        The browser pins only drive tests, so bumping puppeteer must not void
        the provenance of wheels already built; the Nix pins only describe how
        flake.nix installs the same pyodide-build.
        """
        return self.pins_hash_of([f.name for f in fields(self) if f.name not in ("browsers", "nix")])

    def pins_hash_of(self, names: Collection[str]) -> str:
        """A short digest of only the named pins (Target fields, e.g. "debian", "npm").

        A cache entry keyed this way survives bumps of pins it never reads
        (pinning emsdk leaves the debian route's chroot alone). A name that is
        not a pin is a programming error, refused rather than silently hashed away.
        """
        pins = asdict(self)
        unknown = sorted(set(names) - set(pins))
        if unknown:
            raise ValueError(f"not pins of a target: {', '.join(unknown)}")
        canonical = json.dumps({name: pins[name] for name in names}, sort_keys=True).encode()
        return hashlib.sha256(canonical).hexdigest()[:16]


@dataclass(frozen=True)
class Toolchain:
    path: Path
    default_target: str
    targets: dict[str, Target]

    def target(self, name: str | None = None) -> Target:
        """One target: `name`, else $WASMWHEEL_TARGET, else default-target."""
        name = requested_target(name) or self.default_target
        if name == ALL_TARGETS:
            raise ConfigError(
                f"this command works on one target, not `{ALL_TARGETS}`",
                hint=f"pass --target with one of: {', '.join(self.targets)}",
            )
        return self._named(name, also="")

    def select(self, name: str | None = None) -> list[Target]:
        """The targets a command runs for: one, or every target for `all`."""
        name = requested_target(name) or self.default_target
        if name == ALL_TARGETS:
            return list(self.targets.values())
        return [self._named(name, also=f", or {ALL_TARGETS} for every one")]

    def _named(self, name: str, also: str) -> Target:
        try:
            return self.targets[name]
        except KeyError:
            raise ConfigError(
                f"unknown target {name!r} in {self.path}",
                hint=f"use one of: {', '.join(sorted(self.targets))}{also}",
            ) from None


def requested_target(name: str | None = None) -> str | None:
    """The target the user asked for (--target, else $WASMWHEEL_TARGET), or None."""
    return name or os.environ.get(TARGET_ENV) or None


# --- loading: every key's type and format is checked here, not where it is used --


def _key(name: str) -> str:
    return name.replace("_", "-")


def _describe(kind: Any) -> str:
    origin, args = get_origin(kind), get_args(kind)
    if kind is str:
        return "a string"
    if kind is int:
        return "an integer"
    if origin is list:
        return f"a list of {_describe(args[0]).removeprefix('a ').removeprefix('an ')}s"
    if origin is dict:
        return f"a table of {_describe(args[1]).removeprefix('a ').removeprefix('an ')}s"
    if is_dataclass(kind):
        return "a table"
    raise TypeError(f"no TOML form for {kind!r}")  # a new pin type needs a case here


def _refuse(where: str, key: str, value: object, expected: str) -> ConfigError:
    return ConfigError(
        f"[{where}] {key} must be {expected}, not {value!r}",
        hint="fix that key in toolchain.toml",
    )


def _check_format(where: str, key: str, value: str, spec: Mapping[str, Any]) -> None:
    if spec.get("format") is None:
        return
    valid, expected = _FORMATS[spec["format"]]
    if not valid(value):
        raise _refuse(where, key, value, expected)


def _convert(kind: Any, value: object, where: str, key: str, spec: Mapping[str, Any]) -> Any:
    """`value` from TOML as a `kind`, or one ConfigError naming the key and what it should be."""
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, UnionType):  # X | None: an optional table or key
        (kind,) = [a for a in args if a is not type(None)]
        return _convert(kind, value, where, key, spec)
    if is_dataclass(kind):
        if not isinstance(value, dict):
            raise _refuse(where, key, value, _describe(kind))
        return _build(cast("type", kind), value, f"{where}.{key}")
    # bool is an int to Python, never a pin; a float version ("1.0") must be quoted.
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str):
        _check_format(where, key, value, spec)
        return value
    if origin is list and isinstance(value, list):
        return [_convert(args[0], item, where, f"{key}[{i}]", spec) for i, item in enumerate(value)]
    if origin is dict and isinstance(value, dict):
        for name in value:
            _check_format(where, f"{key} key", name, {"format": spec.get("key-format")})
        return {name: _convert(args[1], item, where, f"{key}.{name}", spec)
                for name, item in value.items()}
    raise _refuse(where, key, value, _describe(kind))


def _build(cls: type, table: dict[str, Any], where: str, **extra: Any) -> Any:
    """A pin dataclass from its TOML table: unknown, missing or mistyped keys are refused.

    `extra` fills fields that do not come from the table (a target's name).
    """
    hints = get_type_hints(cls)
    wanted = {_key(f.name): f for f in fields(cls) if f.name not in extra}
    unknown = sorted(set(table) - set(wanted))
    if unknown:
        raise ConfigError(
            f"unknown key(s) {', '.join(unknown)} in [{where}]",
            hint="check the spelling against toolchain.toml's documented keys",
        )
    values = dict(extra)
    for key, f in wanted.items():
        optional = f.default is not MISSING or f.default_factory is not MISSING
        if key in table:
            values[f.name] = _convert(hints[f.name], table[key], where, key, f.metadata)
        elif not optional:
            kind = hints[f.name]
            table_like = is_dataclass(kind) or get_origin(kind) is dict
            what = f"[{where}.{key}] table" if table_like else f"key {key}"
            raise ConfigError(
                f"[{where}] is incomplete: the {what} is missing ({_describe(kind)})",
                hint="every pin is required; add it to toolchain.toml",
            )
    return cls(**values)


def _check_consistency(target: Target) -> None:
    """Rules between keys, for the mistakes a bump makes most easily."""
    where = f"targets.{target.name}.node"
    if not target.node.version.startswith(f"{target.node.major}."):
        raise _refuse(where, "version", target.node.version, f"a Node {target.node.major}.x version")
    for platform, archives in target.emsdk.archives.items():
        release = target.emsdk.release
        if release and f"/{release}/" not in archives.sdk_url:
            raise _refuse(f"targets.{target.name}.emsdk.archives.{platform}", "sdk-url",
                          archives.sdk_url, f"the URL of release {release} (the emsdk release key)")
    host = target.exact.host_python
    if host.split(".")[:2] != target.python.split(".")[:2]:
        raise _refuse(f"targets.{target.name}.exact", "host-python", host,
                      f"a CPython {target.python_major_minor}.x (the runtime's X.Y)")
    clash = sorted(set(target.debian.pyconfig.define) & set(target.debian.pyconfig.undefine))
    if clash:
        raise ConfigError(
            f"[targets.{target.name}.debian.pyconfig] defines and undefines {', '.join(clash)}",
            hint="keep each name in one of `define` and `undefine`",
        )


def _parse_target(name: str, table: object) -> Target:
    if not isinstance(table, dict):
        raise _refuse("targets", name, table, "a table")
    target: Target = _build(Target, table, f"targets.{name}", name=name)
    _check_consistency(target)
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
    unknown = sorted(set(data) - {"schema", "default-target", "targets"})
    if unknown:
        raise ConfigError(
            f"{path}: unknown top-level key(s) {', '.join(unknown)}",
            hint="pins go in a [targets.<name>] table",
        )
    tables = data.get("targets", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}: `targets` must be [targets.<name>] tables, not {tables!r}")
    try:
        targets = {name: _parse_target(name, table) for name, table in tables.items()}
    except ConfigError as exc:  # say which file: WASMWHEEL_TOOLCHAIN_FILE may point elsewhere
        raise ConfigError(exc.message, hint=f"{exc.hint} ({path})") from None
    default = data.get("default-target", "")
    if not isinstance(default, str) or default not in targets:
        raise ConfigError(f"{path}: default-target {default!r} has no [targets.{default}] table")
    return Toolchain(path=path, default_target=default, targets=targets)


@cache
def _load_cached(path: Path) -> Toolchain:
    return parse_toolchain(path)


def load_toolchain(path: Path | None = None) -> Toolchain:
    return _load_cached((path or default_toolchain_file()).resolve())


def current_target(name: str | None = None) -> Target:
    return load_toolchain().target(name)


def current_targets(name: str | None = None) -> list[Target]:
    """The targets a command runs for (`all`: every one), from the toolchain file in use."""
    return load_toolchain().select(name)
