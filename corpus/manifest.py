"""corpus/packages.toml -> typed, validated Package records.

Versions and sha256s here are corpus data (which sdist was tried), not toolchain
pins: the toolchain's versions live in toolchain.toml only.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MANIFEST = Path(__file__).with_name("packages.toml")
BACKENDS = ("setuptools-c", "setuptools-cpp", "cython", "cython-cpp", "mypyc", "meson-python",
            "scikit-build-core", "hatchling-c")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_KEYS = {"name", "version", "sdist", "sha256", "backend", "smoke", "smoke-requires", "needs",
         "subsets", "replaces", "note", "own-tests-note"}


class ManifestError(ValueError):
    """packages.toml is malformed; the message names the entry and the key."""


@dataclass(frozen=True)
class Package:
    name: str                           # the PyPI project name
    version: str                        # exact version: the corpus is reproducible
    sdist: str                          # the sdist's file name on PyPI
    sha256: str                         # of the sdist, from PyPI's JSON API
    backend: str                        # one of BACKENDS, for the table
    smoke: str                          # Python run inside Pyodide; calls compiled code, asserts
    smoke_requires: tuple[str, ...] = ()  # pure-Python wheels the smoke check needs (PyPI)
    needs: tuple[str, ...] = ()         # other corpus packages whose wheels it needs at run time
    subsets: tuple[str, ...] = ()       # named subsets, e.g. "ci"
    note: str = ""                      # why it cannot work in a browser, when that is known
    own_tests_note: str = ""            # why its own tests fail or do not run, when that is known


def _strings(entry: dict[str, object], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ManifestError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def _string(entry: dict[str, object], key: str, where: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str) or (default is None and not value):
        raise ManifestError(f"{where}: {key} must be a non-empty string")
    return value


def parse(text: str, where: str = "packages.toml") -> list[Package]:
    data = tomllib.loads(text)
    entries = data.get("package")
    if not isinstance(entries, list) or not entries:
        raise ManifestError(f"{where}: no [[package]] entries")
    packages = []
    for index, entry in enumerate(entries):
        label = f"{where}: package #{index + 1}"
        unknown = set(entry) - _KEYS
        if unknown:
            raise ManifestError(f"{label}: unknown key(s) {', '.join(sorted(unknown))}")
        name = _string(entry, "name", label)
        label = f"{where}: {name}"
        package = Package(
            name=name, version=_string(entry, "version", label), sdist=_string(entry, "sdist", label),
            sha256=_string(entry, "sha256", label), backend=_string(entry, "backend", label),
            smoke=_string(entry, "smoke", label),
            smoke_requires=_strings(entry, "smoke-requires", label),
            needs=_strings(entry, "needs", label), subsets=_strings(entry, "subsets", label),
            note=_string(entry, "note", label, default=""),
            own_tests_note=_string(entry, "own-tests-note", label, default=""),
        )
        if not _SHA256.match(package.sha256):
            raise ManifestError(f"{label}: sha256 must be 64 lowercase hex digits")
        if package.backend not in BACKENDS:
            raise ManifestError(f"{label}: backend {package.backend!r} is not one of {', '.join(BACKENDS)}")
        if not package.sdist.endswith((".tar.gz", ".zip")) or package.version not in package.sdist:
            raise ManifestError(f"{label}: sdist {package.sdist!r} is not this version's sdist")
        compile(package.smoke, f"{name} smoke", "exec")  # a typo fails here, not in Pyodide
        packages.append(package)
    names = [p.name for p in packages]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ManifestError(f"{where}: listed twice: {', '.join(duplicates)}")
    for package in packages:
        missing = [n for n in package.needs if n not in names]
        if missing:
            raise ManifestError(f"{where}: {package.name} needs {', '.join(missing)}, not in the corpus")
    return packages


def load(path: Path = MANIFEST) -> list[Package]:
    return parse(path.read_text(encoding="utf-8"), path.name)


def select(packages: Sequence[Package], only: Sequence[str] = (), subset: str | None = None,
           ) -> list[Package]:
    """The packages asked for, plus the corpus packages they need (their wheels are needed)."""
    by_name = {p.name: p for p in packages}
    unknown = [n for n in only if n not in by_name]
    if unknown:
        raise ManifestError(f"not in the corpus: {', '.join(unknown)}")
    if subset is not None and not any(subset in p.subsets for p in packages):
        raise ManifestError(f"no package is in subset {subset!r}")
    wanted = {p.name for p in packages
              if (not only or p.name in only) and (subset is None or subset in p.subsets)}
    pending = list(wanted)
    while pending:
        for need in by_name[pending.pop()].needs:
            if need not in wanted:
                wanted.add(need)
                pending.append(need)
    return [p for p in packages if p.name in wanted]


def dependency_order(packages: Sequence[Package]) -> list[Package]:
    """The packages with every corpus package each needs before it (a cycle is refused)."""
    by_name = {p.name: p for p in packages}
    ordered: list[Package] = []
    visiting: set[str] = set()

    def visit(package: Package) -> None:
        if package in ordered:
            return
        if package.name in visiting:
            raise ManifestError(f"{package.name} needs itself (through {', '.join(package.needs)})")
        visiting.add(package.name)
        for need in package.needs:
            if need in by_name:
                visit(by_name[need])
        ordered.append(package)

    for package in packages:
        visit(package)
    return ordered
