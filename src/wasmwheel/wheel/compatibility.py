"""Does this wheel fit the target? One answer for `build`, `test` and `publish`.

A wheel's name makes two kinds of claims, and they are judged differently:

- Platform tags are claims about the bytes inside: every one must be true.
  A wheel fits only if each platform tag is `any` (pure Python) or exactly
  the target's PEP 783 tag (`pyemscripten_<abi>_wasm32`). Another ABI's tag
  is refused (micropip refuses it too: "Wheel was built with Emscripten vX
  but Pyodide was built with Emscripten vY"), and so is a native tag
  (manylinux_..., linux_..., macosx_..., win_...).
- Interpreter/ABI tags are alternatives: one pair must run on the target's
  CPython (`py3`, `py3X` with X <= the target's minor, `cp3X-cp3X` of that
  very CPython, or `cp3Y-abi3` with Y <= it). `py2.py3-none-any` fits.

Legacy tags (`pyodide_<abi>_wasm32`, `emscripten_<version>_wasm32`, from
before PEP 783) are refused by every verb, even when they name the target's
own ABI: PyPI rejects the file, `wasmwheel build` never writes one, and a
test verdict on bytes that can never be published would only mislead. So
`build` fails on one, `test` refuses to run one (and `find_built_wheel`
skips one in dist/), and `publish` refuses to send one; the reason says how
to retag a wheel that was built for the target's ABI.

Registry-only rules (a plain linux_ wheel on PyPI, a pure tag on a wheel
that holds WebAssembly) stay in publish/gate.py: they are not about fitting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion

from wasmwheel.config.pins import Target, Toolchain

LEGACY_PLATFORM = re.compile(r"^(?P<kind>pyodide|emscripten)_(?P<version>\w+)_wasm32$")
PYEMSCRIPTEN_PLATFORM = re.compile(r"^pyemscripten_(?P<abi>\d+_\d+)_wasm32$")


@dataclass(frozen=True)
class Verdict:
    fits: bool
    rule: str     # what decided: pure, exact-tag, filename, legacy-tag, abi, platform-tag, python-tag
    reason: str   # one line, fit for `error: <wheel>: <reason>`


def is_wasm_platform(platform: str) -> bool:
    """A platform tag meant for some Pyodide/Emscripten runtime (right or wrong)."""
    return "wasm32" in platform or "emscripten" in platform


def check_tags(tags: Iterable[Tag], target: Target) -> Verdict:
    """The verdict for a wheel carrying `tags` (as parsed from its file name)."""
    tags = frozenset(tags)
    if not tags:
        return Verdict(False, "filename", "the file name carries no tags")
    platforms = sorted({t.platform for t in tags})
    for platform in platforms:  # a false claim about the bytes refuses the whole file
        if (refused := _platform_refusal(platform, target)) is not None:
            return refused
    if not any(_runs_on(t, target) for t in tags):
        pairs = sorted({f"{t.interpreter}-{t.abi}" for t in tags})
        return Verdict(False, "python-tag", f"{', '.join(pairs)} does not run on CPython "
                       f"{target.python_major_minor} ({target.name})")
    if platforms == ["any"]:
        return Verdict(True, "pure", f"a pure-Python wheel: it runs on {target.name}")
    return Verdict(True, "exact-tag", f"tagged {target.platform_tag}, the tag of {target.name} "
                   f"(ABI {target.abi}, CPython {target.python_major_minor})")


def check_filename(filename: str, target: Target) -> Verdict:
    """The verdict for a wheel file name; a name that does not parse does not fit."""
    try:
        _, _, _, tags = parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion) as exc:
        return Verdict(False, "filename", f"not a valid wheel file name: {exc}")
    return check_tags(tags, target)


def _platform_refusal(platform: str, target: Target) -> Verdict | None:
    expected = target.platform_tag
    if platform in ("any", expected):
        return None
    if legacy := LEGACY_PLATFORM.match(platform):
        same_abi = legacy["version"] in (target.abi, target.emscripten.replace(".", "_"))
        fix = (f"if it really is a {target.name} build, retag it with `wheel tags --remove "
               f"--platform-tag {expected} FILE`" if same_abi else "rebuild it with `wasmwheel build`")
        return Verdict(False, "legacy-tag", f"{platform} is a pre-PEP 783 tag that PyPI rejects "
                       f"and wasmwheel does not use (the target's tag is {expected}); {fix}")
    if match := PYEMSCRIPTEN_PLATFORM.match(platform):
        return Verdict(False, "abi", f"built for Pyodide ABI {match['abi']} ({platform}) but "
                       f"{target.name} is ABI {target.abi} ({expected}): micropip refuses it")
    return Verdict(False, "platform-tag", f"tagged {platform}, not {expected}: it does not load "
                   f"in {target.name}")


def _runs_on(tag: Tag, target: Target) -> bool:
    """Whether this interpreter/ABI pair runs on the target's CPython."""
    minor = int(target.python_major_minor.split(".")[1])
    interpreter = re.fullmatch(r"(?P<impl>py|cp)3(?P<minor>\d*)", tag.interpreter)
    if interpreter is None:
        return False  # py2, pp310, ...: not CPython 3
    impl, tag_minor = interpreter["impl"], interpreter["minor"]
    if tag.abi == "none":
        if impl == "py":
            return tag_minor == "" or int(tag_minor) <= minor
        return tag_minor == str(minor)
    if tag.abi == "abi3":
        return impl == "cp" and tag_minor != "" and int(tag_minor) <= minor
    return impl == "cp" and tag_minor == str(minor) and tag.abi == f"cp3{minor}"


def targets_of(filename: str, toolchain: Toolchain) -> list[Target]:
    """The targets a wheel is tagged for: the one its platform tag names, or every target
    for a pure-Python wheel; [] when the name does not parse or names no pinned target."""
    try:
        _, _, _, tags = parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion):
        return []
    platforms = {t.platform for t in tags}
    if platforms == {"any"}:
        return list(toolchain.targets.values())
    return [t for t in toolchain.targets.values() if t.platform_tag in platforms]
