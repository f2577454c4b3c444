"""What the debian route leaves out of Debian's packages: files no wasm build reads.

dpkg's `path-exclude` rules keep these from ever being unpacked by apt (less
to write, less disk); `remove_excluded` applies the same rules once to what
debootstrap unpacked before the rules existed. Measured on the pinned sid
packages they save about 230 MB of the chroot's 1.2 GB.

Everything Emscripten's tools call stays: emcc and its siblings find clang,
wasm-ld (lld) and llvm-{ar,ranlib,nm,strip,size,objcopy,dwarfdump,dwp,
cxxfilt,symbolizer,profdata,cov} and clang-scan-deps through their config
(tools/shared.py, LLVM_ROOT + LLVM_ADD_VERSION); pyodide-build's wrappers
call llvm-readobj. Only LLVM's developer tools below are dropped.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

# LLVM tools for LLVM's own development, in llvm-<major>'s bin/ (the largest
# first; llvm-exegesis alone is 60 MB). None is called by a build.
_LLVM_DEV_TOOLS = (
    "llvm-exegesis", "obj2yaml", "llvm-tblgen", "yaml2obj", "llvm-jitlink-executor",
    "lli-child-target", "llvm-pdbutil", "bugpoint", "llvm-xray", "llvm-test-mustache-spec",
    "llvm-jitlink", "llvm-profgen", "dsymutil", "llvm-reduce", "llvm-dwarfutil", "llvm-mca",
    "lli", "llvm-debuginfo-analyzer",
)
# GCC's sanitizer runtimes (clang-21 depends on libgcc-dev): native-only.
_SANITIZERS = ("asan", "hwasan", "lsan", "tsan", "ubsan")


def exclusions(llvm_major: int) -> tuple[list[str], list[str]]:
    """dpkg-style (path-exclude, path-include) patterns; `*` also matches `/`."""
    llvm = f"/usr/lib/llvm-{llvm_major}"
    exclude = [
        # Documentation and translations (copyright files stay).
        "/usr/share/doc/*", "/usr/share/man/*", "/usr/share/info/*", "/usr/share/locale/*",
        # libclang's C API (libclang1-<major>): clang, lld and the LLVM tools link
        # libclang-cpp and libLLVM, not this.
        f"/usr/lib/*/libclang-{llvm_major}.so*", f"{llvm}/lib/libclang.so*",
        # The native static libpython: extensions link against Pyodide's main module.
        "/usr/lib/python3*/config-*/libpython*.a",
        # CMake's test and packaging drivers (32 MB): builds run `cmake` only.
        "/usr/bin/ctest", "/usr/bin/cpack",
    ]
    for tool in _LLVM_DEV_TOOLS:
        exclude += [f"{llvm}/bin/{tool}", f"/usr/bin/{tool}-{llvm_major}"]
    for name in _SANITIZERS:
        exclude += [f"/usr/lib/*/lib{name}.so*", f"/usr/lib/gcc/*/lib{name}*"]
    return exclude, ["/usr/share/doc/*/copyright"]


def dpkg_config(llvm_major: int) -> str:
    """The dpkg.cfg.d file that keeps the excluded paths from being unpacked."""
    exclude, include = exclusions(llvm_major)
    lines = [f"path-exclude={p}" for p in exclude] + [f"path-include={p}" for p in include]
    return "\n".join(lines) + "\n"


def _fixed_prefix(pattern: str) -> str:
    """The directory part of `pattern` before its first wildcard: where to look."""
    head = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    return head if head.endswith("/") else os.path.dirname(head)


def remove_excluded(root: Path, llvm_major: int) -> int:
    """Delete what dpkg would have excluded from the tree at `root`; return bytes freed.

    Files and symlinks only (dpkg keeps directories too), so packages still
    install and remove cleanly.
    """
    exclude, include = exclusions(llvm_major)
    freed = 0
    for top in sorted({_fixed_prefix(p) for p in exclude}):
        for dirpath, _dirs, files in os.walk(root / top.lstrip("/")):
            for name in files:
                path = Path(dirpath) / name
                inside = "/" + path.relative_to(root).as_posix()
                if any(fnmatch.fnmatchcase(inside, p) for p in exclude) and not any(
                    fnmatch.fnmatchcase(inside, p) for p in include
                ):
                    freed += path.lstat().st_size
                    path.unlink()
    return freed
