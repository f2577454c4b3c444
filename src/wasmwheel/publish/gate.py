"""The rules every file must pass before any byte is sent.

A file is first loaded (it exists, its name parses, its archive is intact);
then each rule, a small function, returns a `Refusal` or None. Wasm rules
(fits the target, provenance, tested) apply to Pyodide wheels; whether a
Pyodide wheel fits is wheel.compatibility's verdict, the one `build` and
`test` use too. Native wheels and sdists published alongside get the generic
and registry rules. `twine check` runs last, on every file whose archive and
metadata could be read.

Wheels built outside wasmwheel (cibuildwheel, `pyodide build` run directly)
carry no `.dist-info/wasmwheel.json`, and nothing else in their bytes names
the compiler: pyodide-build writes no Emscripten version or xbuildenv into
the wheel (WHEEL's Generator is the build backend's, e.g. setuptools; the
platform tag comes from the xbuildenv's ABI version, not from emcc), and a
side module built with -O2 -g0 keeps no `producers` section, only
`dylink.0`. What does hold: pyodide-build refuses an emcc other than the
xbuildenv's Emscripten unless SKIP_EMSCRIPTEN_VERSION_CHECK is set, and
cibuildwheel installs exactly that Emscripten through pyodide-build. So such
a wheel is accepted only when the user states who built it
(`--external-builder cibuildwheel|pyodide-build`) and its exact bytes passed
`wasmwheel test` on Node against the current pins, the one piece of
evidence that can be checked. The statement is reported as the user's word,
never as a recorded toolchain: a wheel built with the check skipped (an
approximate compiler) looks the same, and the gate cannot tell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.metadata import Metadata, parse_email
from packaging.tags import Tag
from packaging.utils import (
    InvalidSdistFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
)
from packaging.version import InvalidVersion, Version

from wasmwheel.config.pins import Target, Toolchain, load_toolchain
from wasmwheel.publish import twine_check
from wasmwheel.publish.refusal import Refusal
from wasmwheel.publish.repositories import Repository
from wasmwheel.wheel import compatibility, verdicts
from wasmwheel.wheel.archive import ArchiveError, read_sdist, read_wheel
from wasmwheel.wheel.provenance import Provenance, read_provenance

# The builders whose toolchain check we have read (see the module docstring): each runs
# pyodide-build, which refuses an Emscripten other than the xbuildenv's unless told not to.
EXTERNAL_BUILDERS = ("cibuildwheel", "pyodide-build")


@dataclass(frozen=True)
class GateOptions:
    allow_approximate: bool = False
    allow_prerelease_abi: bool = False    # wheels for a pre-release target may go to PyPI
    skip_tested_check: bool = False
    external_builder: str | None = None   # who built the wheels that carry no provenance


@dataclass(frozen=True)
class Context:
    repository: Repository
    options: GateOptions
    target: Target            # for Pyodide wheels that carry no provenance
    toolchain: Toolchain


@dataclass(frozen=True)
class Candidate:
    path: Path
    kind: str                 # "wheel" or "sdist"
    name: NormalizedName
    version: Version
    metadata: bytes           # METADATA or PKG-INFO
    tags: frozenset[Tag] = frozenset()
    has_wasm: bool = False
    provenance: Provenance | None = None

    @property
    def is_external(self) -> bool:
        """A Pyodide wheel wasmwheel did not build: nothing in it says which toolchain did."""
        return self.is_pyodide and self.provenance is None

    @property
    def is_pyodide(self) -> bool:
        """A wheel meant for Pyodide, whatever its (possibly wrong) tag says."""
        wasm_tag = any(compatibility.is_wasm_platform(t.platform) for t in self.tags)
        return self.kind == "wheel" and (wasm_tag or self.has_wasm or self.provenance is not None)


def load(path: Path) -> Candidate | Refusal:
    """Parse the file name and read the archive: the rules need both."""
    if not path.is_file():
        return Refusal(path, "exists", "no such file")
    if path.name.endswith(".whl"):
        return _load_wheel(path)
    if path.name.endswith((".tar.gz", ".zip")):
        return _load_sdist(path)
    return Refusal(path, "file-type", "not a wheel (.whl) or sdist (.tar.gz)")


def _load_wheel(path: Path) -> Candidate | Refusal:
    try:
        wheel = read_wheel(path)
    except ArchiveError as exc:
        return Refusal(path, exc.rule, exc.reason)
    try:
        provenance = read_provenance(path)
    except (ValueError, TypeError) as exc:
        return Refusal(path, "provenance", f"unreadable wasmwheel.json: {exc}")
    return Candidate(path, "wheel", wheel.name, wheel.version, wheel.metadata, wheel.tags,
                     wheel.has_wasm, provenance)


def _load_sdist(path: Path) -> Candidate | Refusal:
    try:
        name, version = parse_sdist_filename(path.name)
    except (InvalidSdistFilename, InvalidVersion) as exc:
        return Refusal(path, "filename", f"sdist file name does not parse: {exc}")
    try:
        return Candidate(path, "sdist", name, version, read_sdist(path))
    except ArchiveError as exc:
        return Refusal(path, exc.rule, exc.reason)


def _wheel_target(c: Candidate, ctx: Context) -> Target:
    """The target a wheel is judged against: the one it was built for (provenance), else the
    one its platform tag names (each target's own tag is accepted), else --target's."""
    if c.provenance and c.provenance.target in ctx.toolchain.targets:
        return ctx.toolchain.targets[c.provenance.target]
    tagged = [t for t in ctx.toolchain.targets.values() if t.platform_tag in _platforms(c)]
    return tagged[0] if len(tagged) == 1 else ctx.target


def _platforms(c: Candidate) -> set[str]:
    return {t.platform for t in c.tags}


# --- rules: (candidate, context) -> Refusal | None -------------------------------------------

def metadata_complete(c: Candidate, ctx: Context) -> Refusal | None:
    source = "METADATA" if c.kind == "wheel" else "PKG-INFO"
    raw, _ = parse_email(c.metadata)
    required = {"metadata_version": "Metadata-Version", "name": "Name", "version": "Version"}
    missing = [label for key, label in required.items() if not raw.get(key)]
    if missing:
        return Refusal(c.path, "metadata", f"{source} lacks {', '.join(missing)}")
    try:
        Metadata.from_raw(raw)  # the same validation twine applies before uploading
        same = canonicalize_name(raw["name"]) == c.name and Version(raw["version"]) == c.version
    except (ExceptionGroup, ValueError) as exc:
        errors = getattr(exc, "exceptions", [exc])
        return Refusal(c.path, "metadata", f"{source} is invalid: {'; '.join(map(str, errors))}")
    if not same:
        return Refusal(c.path, "metadata", f"{source} says {raw['name']} {raw['version']} "
                       f"but the file name says {c.name} {c.version}")
    return None


def fits_target(c: Candidate, ctx: Context) -> Refusal | None:
    """The shared policy's verdict: the same answer `build` and `test` give for this file."""
    if not c.is_pyodide:
        return None
    if (mismatch := _provenance_tag_mismatch(c, ctx)) is not None:
        return mismatch
    verdict = compatibility.check_tags(c.tags, _wheel_target(c, ctx))
    if verdict.fits:
        return None
    reason = verdict.reason
    if verdict.rule == "platform-tag":  # a native tag on a Pyodide wheel: say why we think so
        why = "it contains WebAssembly" if c.has_wasm else "wasmwheel built it for Pyodide"
        reason = f"{reason}, yet {why}"
    return Refusal(c.path, verdict.rule, reason)


def _provenance_tag_mismatch(c: Candidate, ctx: Context) -> Refusal | None:
    """Tagged for one target, stamped as built for another: one of the two claims is false."""
    prov = c.provenance
    target = ctx.toolchain.targets.get(prov.target) if prov else None
    if prov is None or target is None:
        return None  # no target: provenance_exact says so
    others = {t.platform_tag for t in ctx.toolchain.targets.values()} - {target.platform_tag}
    # Any other wrong tag (legacy, native, unknown ABI, `any`) is the compatibility verdict's.
    if not (_platforms(c) & others) and prov.platform_tag == target.platform_tag:
        return None
    tags = ", ".join(sorted(_platforms(c)))
    return Refusal(c.path, "provenance-tag", f"tagged {tags} but its provenance says it was built "
                   f"for {prov.target} ({prov.platform_tag}; {target.name} is now "
                   f"{target.platform_tag}): rebuild it with `wasmwheel --target {prov.target} build`")


def wasm_payload(c: Candidate, ctx: Context) -> Refusal | None:
    """A pure-Python tag on WebAssembly: any pip on any machine would install it, then fail."""
    if c.kind != "wheel" or not c.has_wasm:
        return None
    if all(t.platform == "any" for t in c.tags):
        return Refusal(c.path, "platform-tag", "tagged any (pure Python) but it contains "
                       f"WebAssembly: it must be tagged {_wheel_target(c, ctx).platform_tag}")
    return None


def native_platform(c: Candidate, ctx: Context) -> Refusal | None:
    if c.is_pyodide or not ctx.repository.public_pypi:
        return None
    plain = sorted(t.platform for t in c.tags if t.platform.startswith("linux_"))
    if plain:
        return Refusal(c.path, "native-tag", f"PyPI rejects {plain[0]} wheels: repair them "
                       "with auditwheel to get a manylinux/musllinux tag")
    return None


def provenance_exact(c: Candidate, ctx: Context) -> Refusal | None:
    if not c.is_pyodide:
        return None
    prov = c.provenance
    if prov is None:
        if ctx.options.external_builder:
            return None  # external_build judges it
        return Refusal(c.path, "provenance", "no wasmwheel provenance (.dist-info/wasmwheel.json), "
                       "so nothing says which toolchain built it: build it with `wasmwheel build`, "
                       "or, if cibuildwheel built it, test it with `wasmwheel test . --wheel "
                       f"{c.path}` and pass --external-builder cibuildwheel")
    target = ctx.toolchain.targets.get(prov.target)
    if target is None:
        return Refusal(c.path, "provenance", f"built for target {prov.target!r}, which "
                       "toolchain.toml does not define")
    if prov.pins_hash != target.pins_hash:
        return Refusal(c.path, "provenance", f"built against other pins ({prov.pins_hash}; "
                       f"toolchain.toml now {target.pins_hash}): rebuild it")
    if not prov.approximate and prov.emscripten != target.emscripten:
        return Refusal(c.path, "provenance", f"built with Emscripten {prov.emscripten}, not the "
                       f"pinned {target.emscripten}, yet not marked approximate")
    return None


def prerelease_abi(c: Candidate, ctx: Context) -> Refusal | None:
    """PyPI accepts a pre-release ABI's tag, but the runtime may change before its final release,
    and an upload is permanent: only on the user's word."""
    if not (c.is_pyodide and c.has_wasm and ctx.repository.public_pypi):
        return None
    target = _wheel_target(c, ctx)
    if not target.prerelease or target.platform_tag not in _platforms(c):
        return None
    if ctx.options.allow_prerelease_abi:
        return None
    return Refusal(c.path, "prerelease-abi", f"built for {target.name}, a pre-release ABI "
                   f"(Pyodide {target.pyodide}, {target.platform_tag}): it may break at the final "
                   f"release; not for {ctx.repository.label}: use your own index, or pass "
                   "--allow-prerelease-abi")


def approximate_route(c: Candidate, ctx: Context) -> Refusal | None:
    prov = c.provenance
    if not (prov and prov.approximate and ctx.repository.public_pypi):
        return None
    if ctx.options.allow_approximate:
        return None
    # The same version number can be another build (Debian's: other LLVM, no Pyodide patches).
    compiler = (f"Emscripten {prov.emscripten}, pinned {prov.pinned_emscripten}"
                if prov.emscripten != prov.pinned_emscripten else
                f"its own build of Emscripten {prov.emscripten}, not the pinned toolchain's")
    return Refusal(c.path, "approximate", f"built by the approximate {prov.route} route "
                   f"({compiler}); not for "
                   f"{ctx.repository.label}: use your own index, or pass --allow-approximate")


def external_build(c: Candidate, ctx: Context) -> Refusal | None:
    """A wheel without provenance, on the user's word: its Node test is the only evidence."""
    builder = ctx.options.external_builder
    if not (builder and c.is_external):
        return None
    if builder not in EXTERNAL_BUILDERS:
        return Refusal(c.path, "external", f"unknown --external-builder {builder!r}: "
                       f"wasmwheel knows {', '.join(EXTERNAL_BUILDERS)}")
    if ctx.options.skip_tested_check:
        return Refusal(c.path, "external", f"built by {builder}, so its `wasmwheel test` record is "
                       "the only evidence it works: --skip-tested-check does not apply to it")
    try:
        record = verdicts.load(c.path)
    except verdicts.RecordError:
        return None  # `tested` reports it
    run = record.runs.get(verdicts.REQUIRED_RUNTIME) if record else None
    pins = _wheel_target(c, ctx).pins_hash
    if run is not None and run.pins_hash != pins:
        return Refusal(c.path, "external", f"its Node test ran against other pins ({run.pins_hash}; "
                       f"toolchain.toml now {pins}): run `wasmwheel test . --wheel {c.path}` "
                       "again")
    return None  # no record or a failed run: `tested` says so


def sdk_verified(c: Candidate, ctx: Context) -> Refusal | None:
    """Emscripten installed from archives no pinned sha256 checked: not proven to be the
    pinned toolchain, so PyPI (where an upload is permanent) gets the approximate rule."""
    prov = c.provenance
    if not (prov and prov.sdk_verified is False and ctx.repository.public_pypi):
        return None
    if ctx.options.allow_approximate:
        return None
    return Refusal(c.path, "sdk-unverified", "built by an Emscripten SDK whose archives were NOT "
                   "verified (no sha256 pinned in toolchain.toml); not for "
                   f"{ctx.repository.label}: pin them (`wasmwheel toolchain pin`) and rebuild, "
                   "or pass --allow-approximate")


def tested(c: Candidate, ctx: Context) -> Refusal | None:
    if not c.is_pyodide or ctx.options.skip_tested_check:
        return None
    try:
        record = verdicts.load(c.path)
    except verdicts.RecordError as exc:
        return Refusal(c.path, "tested", f"{exc.message}: delete it and re-run `wasmwheel test`")
    if record is None:
        sha = verdicts.wheel_sha256(c.path)[:12]
        skip = "" if c.is_external else "; or pass --skip-tested-check"  # external_build refuses it
        return Refusal(c.path, "tested", f"these bytes (sha256 {sha}...) never passed "
                       f"`wasmwheel test --wheel {c.path.name}`{skip}")
    refusal = record.refusal()
    return None if refusal is None else Refusal(c.path, "tested", refusal)


Rule = Callable[[Candidate, Context], "Refusal | None"]
RULES: tuple[Rule, ...] = (
    metadata_complete, fits_target, wasm_payload, native_platform,
    provenance_exact, prerelease_abi, approximate_route, sdk_verified, external_build, tested,
)


def external_wheels(files: Iterable[Path]) -> list[Path]:
    """The Pyodide wheels among `files` that carry no wasmwheel provenance."""
    return [path for path in unique_files(files)
            if isinstance(c := load(path), Candidate) and c.is_external]


def unique_files(files: Iterable[Path]) -> list[Path]:
    seen: dict[Path, Path] = {}
    for file in files:
        seen.setdefault(file.resolve(), file)
    return list(seen.values())


def check_all(
    files: Iterable[Path], repository: Repository, options: GateOptions, target: Target
) -> list[Refusal]:
    """Every refusal for `files` (empty: all may be uploaded)."""
    ctx = Context(repository, options, target, load_toolchain())
    refusals: list[Refusal] = []
    readable: list[Path] = []
    for path in unique_files(files):
        loaded = load(path)
        if isinstance(loaded, Refusal):
            refusals.append(loaded)
            continue
        found = [r for rule in RULES if (r := rule(loaded, ctx)) is not None]
        if not any(r.rule == "metadata" for r in found):  # twine would only repeat that
            readable.append(path)
        refusals += found
    if readable:
        failed = twine_check.check(readable)
        refusals += [Refusal(f, "twine-check", why) for f, why in failed.items()]
    return refusals
