"""The debian route's chroot drops docs and tools no build reads, and nothing a build calls."""

from __future__ import annotations

import fnmatch
import subprocess
from pathlib import Path

import pytest

from wasmwheel.toolchain.routes.debian import chroot, slim

LLVM = 21
# Every tool Emscripten's tools/shared.py, emstrip, emsize, emsymbolizer and
# wasm-sourcemap call (as <tool>-21 in /usr/bin, LLVM_ADD_VERSION), plus
# llvm-readobj (pyodide-build's wrappers) and lld, which wasm-ld links to.
CALLED = (
    "clang", "clang++", "clang-scan-deps", "wasm-ld", "lld", "llvm-ar", "llvm-ranlib",
    "llvm-nm", "llvm-strip", "llvm-size", "llvm-objcopy", "llvm-dwarfdump", "llvm-dwp",
    "llvm-cxxfilt", "llvm-symbolizer", "llvm-profdata", "llvm-cov", "llvm-readobj",
    "llvm-objdump", "llvm-config",
)

KEPT = [
    "usr/share/doc/libc6/copyright",
    f"usr/lib/llvm-{LLVM}/lib/libclang-cpp.so.21.1",
    "usr/lib/x86_64-linux-gnu/libLLVM.so.21.1",
    "usr/lib/x86_64-linux-gnu/libstdc++.so.6",
    "usr/lib/gcc/x86_64-linux-gnu/16/libgcc.a",
    "usr/lib/python3.14/config-3.14-x86_64-linux-gnu/Makefile",
    "usr/include/python3.14/Python.h",
    "usr/share/emscripten/emcc.py",
    "usr/bin/cmake",
    *(f"usr/lib/llvm-{LLVM}/bin/{tool}" for tool in CALLED),
    *(f"usr/bin/{tool}-{LLVM}" for tool in CALLED),
]
DROPPED = [
    "usr/share/doc/libc6/changelog.Debian.gz",
    "usr/share/man/man1/ls.1.gz",
    "usr/share/info/grep.info.gz",
    "usr/share/locale/de/LC_MESSAGES/apt.mo",
    f"usr/lib/llvm-{LLVM}/bin/llvm-exegesis",
    f"usr/bin/llvm-exegesis-{LLVM}",
    f"usr/lib/llvm-{LLVM}/bin/obj2yaml",
    "usr/lib/x86_64-linux-gnu/libasan.so.8.0.0",
    "usr/lib/x86_64-linux-gnu/libtsan.so.2",
    "usr/lib/gcc/x86_64-linux-gnu/16/libasan.a",
    "usr/lib/x86_64-linux-gnu/libclang-21.so.21",
    f"usr/lib/llvm-{LLVM}/lib/libclang.so.1",
    "usr/lib/python3.14/config-3.14-x86_64-linux-gnu/libpython3.14.a",
    "usr/lib/python3.14/config-3.14-x86_64-linux-gnu/libpython3.14-pic.a",
    "usr/bin/ctest",
    "usr/bin/cpack",
]


def tree(root: Path, paths: list[str]) -> None:
    for path in paths:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("x" * 10)


def test_remove_excluded_drops_exactly_what_no_build_reads(tmp_path: Path) -> None:
    tree(tmp_path, KEPT + DROPPED)
    freed = slim.remove_excluded(tmp_path, LLVM)
    assert [p for p in KEPT if not (tmp_path / p).exists()] == []
    assert [p for p in DROPPED if (tmp_path / p).exists()] == []
    assert freed == 10 * len(DROPPED)
    assert (tmp_path / "usr/share/locale/de/LC_MESSAGES").is_dir()  # dpkg keeps directories


@pytest.mark.parametrize("tool", CALLED)
def test_no_tool_a_build_calls_is_excluded(tool: str) -> None:
    exclude, _ = slim.exclusions(LLVM)
    config = slim.dpkg_config(LLVM)
    for path in (f"/usr/lib/llvm-{LLVM}/bin/{tool}", f"/usr/bin/{tool}-{LLVM}"):
        assert not any(fnmatch.fnmatchcase(path, p) for p in exclude), path
        assert f"path-exclude={path}\n" not in config


def test_the_dpkg_rules_follow_the_pinned_llvm(tmp_path: Path) -> None:
    config = slim.dpkg_config(22)
    assert "path-exclude=/usr/lib/llvm-22/bin/llvm-exegesis\n" in config
    assert "path-exclude=/usr/bin/llvm-exegesis-22\n" in config
    assert "path-include=/usr/share/doc/*/copyright\n" in config
    assert "llvm-21" not in config


def test_configure_writes_the_exclusions_and_unsafe_io_for_the_chroot(tmp_path: Path) -> None:
    (tmp_path / "etc/apt").mkdir(parents=True)  # as debootstrap leaves it
    chroot.configure(tmp_path, suite="sid", mirror="http://deb.example/debian", ca_bundle=None,
                     llvm_major=LLVM)
    dpkg = tmp_path / "etc/dpkg/dpkg.cfg.d"
    assert (dpkg / "99wasmwheel-nodoc").read_text() == slim.dpkg_config(LLVM)
    assert (dpkg / "99wasmwheel-unsafe-io").read_text() == "force-unsafe-io\n"


def test_in_place_gets_the_exclusions_but_keeps_dpkg_syncing(tmp_path: Path) -> None:
    chroot.configure_apt(tmp_path, LLVM)
    dpkg = tmp_path / "etc/dpkg/dpkg.cfg.d"
    assert (dpkg / "99wasmwheel-nodoc").read_text() == slim.dpkg_config(LLVM)
    assert not (dpkg / "99wasmwheel-unsafe-io").exists()


def test_debootstraps_own_dpkg_runs_without_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    seen: list[str] = []

    def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        # What the chroot's dpkg will read once debootstrap reaches its second stage.
        seen.append((root / "etc/dpkg/dpkg.cfg.d/99wasmwheel-unsafe-io").read_text())
        return subprocess.CompletedProcess(command, 0, stdout="", stderr="")

    monkeypatch.setattr(chroot, "ensure_debootstrap", lambda: "/usr/sbin/debootstrap")
    monkeypatch.setattr(chroot.subprocess, "run", run)
    chroot.debootstrap(root, "sid", "http://deb.example/debian")
    assert seen == ["force-unsafe-io\n"]
