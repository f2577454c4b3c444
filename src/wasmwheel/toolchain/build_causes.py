"""Failed builds whose cause no fix to the code can solve, said in one line.

A build that needs an external native library (libxml2, ...) fails deep in
a compiler, linker, pkg-config, CMake or meson log; one that downloads
something at build time fails with a Python or curl/git traceback; one whose
build requirements cannot be installed fails in pip. `known_cause` reads the
build's output and names the cause (what was missing, what was reached) with
a hint, or returns None so the caller shows the first real errors as usual.

Only what the log says is claimed: a header counts as external only when no
file of that name is in the project, and headers that build requirements
provide (numpy, pybind11, ...) are not called native libraries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wasmwheel.toolchain.failure import clean_lines, diagnostics, shorten


@dataclass(frozen=True)
class Cause:
    message: str
    hint: str
    index_failed: bool = False  # the package index, not the project: retrying may help


LIBRARY_HINT = (
    "vendor the library's sources into the package so its build compiles them, build the "
    "library for Emscripten yourself and point CFLAGS/LDFLAGS (or PKG_CONFIG_PATH) at it, or "
    "use a package Pyodide already provides that wraps it"
)
NETWORK_HINT = (
    "a build must not download: include the dependency in the sdist (vendor it, or a "
    "meson `packagefiles`/CMake source directory instead of a download), or make it a build "
    "requirement in pyproject.toml"
)
INDEX_HINT = (
    "check the connection to the package index and PIP_INDEX_URL / proxy settings; "
    "retrying later may work"
)

# clang: `x.c:1:10: fatal error: 'libxml/xmlversion.h' file not found`;
# gcc: `x.c:1:10: fatal error: libxml/xmlversion.h: No such file or directory`.
_MISSING_HEADER = re.compile(
    r": (?:fatal )?error: (?:'(?P<clang>[^']+)' file not found"
    r"|(?P<gcc>[^:\s]+\.h(?:pp|h)?): No such file or directory)"
)
# wasm-ld and GNU ld: `unable to find library -lxml2`; ld: `cannot find -lxml2`.
_MISSING_LIBRARY = re.compile(r"(?:unable to find library|cannot find) -l(?P<name>[\w.+-]+)")
# meson: `meson.build:5:10: ERROR: Dependency "libxml-2.0" not found, tried pkgconfig`.
_MESON_DEPENDENCY = re.compile(r"ERROR: Dependency \"(?P<name>[^\"]+)\" not found")
# CMake's find_package(... REQUIRED): `  Could NOT find ZLIB (missing: ...)` under
# `CMake Error at`; without REQUIRED the line starts with `-- ` and stops nothing.
_CMAKE_PACKAGE = re.compile(r"^\s*Could NOT find (?P<name>\S+)")
_CMAKE_CONFIG = re.compile(r"provided by \"(?P<name>[^\"]+)\", but CMake did not find one")
# pkg-config itself, as a setup.py or CMake's pkg_check_modules calls it.
_PKG_CONFIG = re.compile(
    r"Package '?(?P<name>[\w.+-]+)'? was not found in the pkg-config search path"
    r"|No package '(?P<module>[\w.+-]+)' found"
)
# Headers and packages that Python build requirements provide, and CMake's own names for
# the interpreter: missing ones are a build-requirement or toolchain problem.
_NOT_NATIVE = re.compile(
    r"^(?:Python\w*|Py\w*\.h|numpy|NumPy|pybind11|nanobind|Cython|Threads|OpenMP)\b",
    re.IGNORECASE,
)

# pip could not install the build requirements: the index, not the build, failed.
_NO_DISTRIBUTION = re.compile(r"No matching distribution found for (?P<name>\S+)")
_PIP_RETRY = re.compile(r"Retrying \(Retry\(.*\)\) after connection broken by .*?: (?P<path>/\S+)")
_PIP_INDEX = re.compile(r"Looking in indexes: (?P<url>\S+)")
# What a download that cannot connect says: Python (urllib, requests, socket), curl, git,
# meson's wraps and CMake's file(DOWNLOAD)/FetchContent.
_NETWORK = re.compile(
    r"(?:URLError|ConnectionRefusedError|ConnectionError|socket\.gaierror): "  # not `raise X(`
    r"|Connection refused|Temporary failure in name resolution|Name or service not known"
    r"|Could not resolve host|Couldn't resolve host|Network is unreachable|No route to host"
    r"|Failed to establish a new connection|is the internet available\?"
    r"|Failed to clone repository|fatal: unable to access '",
)
_URL = re.compile(r"https?://[^\s'\"<>)]+")
_HOST_PORT = re.compile(r"host='(?P<host>[^']+)', port=(?P<port>\d+)")
_CURL_HOST = re.compile(r"(?:Could not|Couldn't) resolve host(?: name)?:? (?P<host>[\w.-]+)")
# A traceback frame; the project's own is the last one outside the Python installation.
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)')
_INSTALLED = re.compile(r"/lib/python3[.\d]*/|site-packages/")


def known_cause(output: str, project: Path | None = None) -> Cause | None:
    """The cause of a failed build, when its output shows one of the known ones."""
    lines = clean_lines(output)
    return (
        _missing_library(lines, project)
        or _index_failure(lines)
        or _network_at_build(lines)
    )


def _missing_library(lines: Sequence[str], project: Path | None) -> Cause | None:
    for line in lines:
        header = _MISSING_HEADER.search(line)
        if header:
            name = header.group("clang") or header.group("gcc")
            if _external_header(name, project):
                return _library_cause(f"the header {name}", line)
            return None  # a project header or a build requirement's: the usual errors say more
        library = _MISSING_LIBRARY.search(line)
        if library and not _NOT_NATIVE.match(library.group("name")):
            return _library_cause(f"the library -l{library.group('name')}", line)
        for pattern, what in ((_MESON_DEPENDENCY, "the meson dependency"),
                              (_CMAKE_CONFIG, "the CMake package"),
                              (_CMAKE_PACKAGE, "the CMake package")):
            found = pattern.search(line)
            if found and not line.startswith("-- ") and not _NOT_NATIVE.match(found["name"]):
                return _library_cause(f"{what} {found['name']}", line)
    if diagnostics(lines):
        return None  # pkg-config's words are often a probe; a compiler's error says more
    for line in lines:
        found = _PKG_CONFIG.search(line)
        if found:
            name = found.group("name") or found.group("module")
            if not _NOT_NATIVE.match(name):
                return _library_cause(f"the pkg-config package {name}", line)
    return None


def _external_header(name: str, project: Path | None) -> bool:
    if _NOT_NATIVE.match(name):
        return False
    if project is None:
        return True
    tail = Path(name)
    return not any(
        path.parts[-len(tail.parts):] == tail.parts for path in project.rglob(tail.name)
    )


def _library_cause(what: str, line: str) -> Cause:
    return Cause(
        f"the build needs {what}, from an external native library that is neither in the "
        f"sdist nor in the toolchain, and wasmwheel cannot provide external native libraries "
        f"({shorten(line.strip())})",
        LIBRARY_HINT,
    )


def _index_failure(lines: Sequence[str]) -> Cause | None:
    for line in lines:
        found = _NO_DISTRIBUTION.search(line)
        if not found:
            continue
        retried = next((m for m in map(_PIP_RETRY.search, lines) if m), None)
        index = next((m["url"] for m in map(_PIP_INDEX.search, lines) if m), "")
        reason = (f"; pip could not connect to the index {index} ({retried['path']})".replace(
            "  ", " ") if retried else "")
        return Cause(
            f"installing the build requirement {found['name']} from the package index "
            f"failed{reason}",
            INDEX_HINT if retried else (
                "check that the requirement's name and version exist on the index"),
            index_failed=retried is not None,
        )
    return None


def _network_at_build(lines: Sequence[str]) -> Cause | None:
    hits = [index for index, line in enumerate(lines)
            if _NETWORK.search(line) and not _PIP_RETRY.search(line)]
    if not hits:
        return None
    # A chained traceback says it twice (the socket's error, then urllib's): the hit whose
    # lines say what was reached tells more.
    found = ((index, _reached(lines[max(0, index - 5): index + 3]) or _caller(lines[:index]))
             for index in hits)
    index, target = next(((i, t) for i, t in found if t), (hits[0], None))
    tried = f" ({target})" if target else ""
    return Cause(
        f"the build tried to download{tried} and could not: builds must work "
        f"without network ({shorten(lines[index].strip())})",
        NETWORK_HINT,
    )


def _reached(lines: Sequence[str]) -> str | None:
    """What a failed download tried to reach, when its lines say."""
    for line in lines:
        url = _URL.search(line)
        if url:
            return url.group(0).rstrip(".,:;")
    for line in lines:
        host = _HOST_PORT.search(line) or _CURL_HOST.search(line)
        if host:
            return ":".join(value for value in host.groupdict().values() if value)
    return None


def _caller(lines: Sequence[str]) -> str | None:
    """The project's frame in the traceback that ends just before `lines` end."""
    for line in reversed(lines):
        if line.lstrip().startswith("Traceback (most recent call last)"):
            return None
        frame = _FRAME.match(line)
        if frame and not _INSTALLED.search(frame["file"]):
            # setuptools runs setup.py with exec(), so its frames are called `<string>`.
            name = "setup.py" if frame["file"] == "<string>" else frame["file"]
            return f"from {name}, line {frame['line']}"
    return None
