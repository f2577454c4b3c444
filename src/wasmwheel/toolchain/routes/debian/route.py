"""The `debian` route: Debian sid's Emscripten in a debootstrapped chroot,
or installed in place in a container image built FROM Debian sid.

Needs only Debian's mirror, PyPI and npm, so it works where GitHub and
emsdk are out of reach (our own CI). Debian's Emscripten is not the build
Pyodide was made with (another release for Pyodide 314; for 315 the same
release, but Debian's LLVM and no Pyodide emsdk patches), so its wheels are
an approximation: they load and run in the target's Pyodide (same libc++ ABI
tag, same sigset_t) but are not what the exact toolchain would produce.

Cache entry layout (`<cache>/toolchains/<target>-debian-<hash of `pinned`>/`):
    root/                      the chroot (Debian <suite>, pinned packages)
    root/opt/wasmwheel/venv    Python X.Y venv (the target's CPython X.Y) with pyodide-build
    root/opt/wasmwheel/xbuildenv  cross-build env assembled from npm Pyodide
    route.json                 versions measured at install (emcc, python, ...)

Installed in place ($WASMWHEEL_DEBIAN_IN_PLACE=1 at install, recorded in the
stamp), the packages, /opt/wasmwheel/venv and /opt/wasmwheel/xbuildenv are
in the running system and the entry holds only route.json and the stamp.
The steps are the same either way (rootfs.py says where they run).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from wasmwheel import progress
from wasmwheel.errors import BuildError, ToolchainError
from wasmwheel.toolchain import cache, emtools
from wasmwheel.toolchain.backend_settings import CROSS_FILE_QUERY, config_settings, cross_file_from
from wasmwheel.toolchain.pyodide_build import build_error, keep_log, reproducibility_env
from wasmwheel.toolchain.pyodide_runtime import ensure_pyodide_dist
from wasmwheel.toolchain.routes.base import Route, RouteStatus
from wasmwheel.toolchain.routes.debian import chroot
from wasmwheel.toolchain.routes.debian.assembled_xbuildenv import assemble_xbuildenv
from wasmwheel.toolchain.routes.debian.rootfs import (
    Chroot,
    InPlace,
    RootFS,
    in_place_requested,
)

VENV = "/opt/wasmwheel/venv"
XBUILDENV = "/opt/wasmwheel/xbuildenv"
EM_CACHE = "/var/cache/emscripten"  # Debian's emcc cache for root (its config file)
# Where Debian's Emscripten launchers really are (/usr/bin holds symlinks to them): first
# on PATH, as emsdk does, or emnm breaks when called by name (toolchain/emtools.py).
EMSCRIPTEN_DIR = "/usr/share/emscripten"
INSTALL_FIX = "wasmwheel toolchain install --route debian"
_SMOKE_C = "int wasmwheel_smoke(int x) { return x + 1; }\n"
# A build only reads the shared chroot, so concurrent builds cannot race on it: no
# bytecode written beside shared modules (install precompiles them, see
# _precompile); Emscripten's cache is filled at install (_check) and locks itself.
SHARED_READ_ONLY = {"PYTHONDONTWRITEBYTECODE": "1"}
# Python code every build runs: compiled once at install, never by a build.
_PRECOMPILED = (VENV, EMSCRIPTEN_DIR)
_VERSIONS_PY = "import sys, pyodide_build; print(sys.version.split()[0], pyodide_build.__version__)"


class DebianRoute(Route):
    name = "debian"
    approximate = True
    # Debian's packages and flags; pyodide-build; the npm runtime the cross-build
    # env is assembled from, and the versions written into its Makefile.envs.
    pinned = ("debian", "pyodide_build", "npm", "pyodide", "python", "emscripten", "abi")

    # --- locations ---------------------------------------------------------

    @property
    def in_place(self) -> bool:
        """Installed (or to be installed) into this system rather than a chroot."""
        if cache.is_complete(self.entry):
            return bool(cache.read_stamp(self.entry).get("in_place"))
        return in_place_requested()

    @property
    def rootfs(self) -> RootFS:
        return InPlace() if self.in_place else Chroot(self.entry / "root")

    @property
    def root(self) -> Path:
        return self.rootfs.path

    def _env(self, rootfs: RootFS | None = None, **extra: str) -> dict[str, str]:
        # pyodide-build's wrappers need llvm-readobj, which Debian keeps in the LLVM prefix.
        llvm_bin = f"/usr/lib/llvm-{self.target.debian.llvm_major}/bin"
        return (rootfs or self.rootfs).env(
            path=[f"{VENV}/bin", EMSCRIPTEN_DIR, llvm_bin], extra=extra
        )

    def build_env(self, rootfs: RootFS | None = None, **extra: str) -> dict[str, str]:
        """The environment `pyodide build` runs with inside the chroot (or this system)."""
        return self._env(
            rootfs,
            PYODIDE_XBUILDENV_PATH=XBUILDENV,
            # Debian's emcc is not target.emscripten: skip the check, never fetch emsdk.
            SKIP_EMSCRIPTEN_VERSION_CHECK="1",
            PYODIDE_SKIP_EMSCRIPTEN_INSTALL="1",
            # Linker flags Debian's LLVM needs (toolchain.toml says why).
            EXTRA_LDFLAGS=self.target.debian.extra_ldflags,
            # In place, the cache root filled at install serves every uid (Debian's
            # emcc would otherwise start an empty one in each user's home).
            **({"EM_CACHE": EM_CACHE} if self.in_place else {}),
            **extra,
        )

    # --- Route API -----------------------------------------------------------

    def available(self) -> str | None:
        if self.in_place:
            return self._in_place_available()
        if not sys.platform.startswith("linux"):
            return "the debian route needs Linux (it debootstraps a chroot); use --route exact"
        if os.geteuid() != 0:
            return (
                "the debian route needs root (it debootstraps a chroot); "
                "run as root or use --route exact"
            )
        for tool in ("unshare", "chroot"):
            if not shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin"):
                return f"the debian route needs `{tool}` (util-linux/coreutils), which is missing"
        if not (
            shutil.which("debootstrap", path="/usr/sbin:/usr/bin:/sbin") or shutil.which("apt-get")
        ):
            return "the debian route needs debootstrap (or apt-get to install it)"
        return None

    def _in_place_available(self) -> str | None:
        if cache.is_complete(self.entry):
            return None  # building needs no root: the toolchain is in this system
        if not sys.platform.startswith("linux") or not Path("/etc/debian_version").is_file():
            return "installing the debian route in place needs a Debian system"
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            return "installing the debian route in place needs root and apt-get"
        return None

    def status(self) -> RouteStatus:
        installed = cache.is_complete(self.entry)
        info = self._info() if installed else {}
        problems = []
        if not installed:
            problems.append(f"not installed (expected at {self.entry})")
        if (reason := self.available()) is not None:
            problems.append(reason)
        return RouteStatus(
            route=self.name,
            installed=installed,
            approximate=self.approximate,
            location=self.entry if installed else None,
            where=self.rootfs.description if installed else None,
            emscripten=info.get("emscripten"),
            python=info.get("python"),
            pyodide_build=info.get("pyodide_build"),
            problems=problems,
            fix=None if installed else INSTALL_FIX,
        )

    def emscripten_version(self) -> str:
        measured = self._info().get("emscripten")
        if measured:
            return str(measured)
        pinned = self.target.debian.packages.get("emscripten", "")
        return re.split(r"[+~-]", pinned)[0]  # Debian version "X.Y.Z+dfsg...-N" -> "X.Y.Z"

    def install(self) -> None:
        if cache.hold(self.entry):  # installed: keep it ours (no prune) while we run
            return
        if (reason := self.available()) is not None:
            raise ToolchainError(reason, hint="run as root on Linux, or use --route exact")
        with cache.locked(self.entry):
            if cache.is_complete(self.entry):
                return
            cache.discard_incomplete(self.entry)
            mirror = chroot.debian_mirror()
            in_place = in_place_requested()
            stamp = {
                "route": self.name,
                "target": self.target.name,
                "pins": self.pins_key,
                "in_place": in_place,
            }
            with (
                cache.atomic_entry(self.entry, stamp) as scratch,
                ThreadPoolExecutor(max_workers=1) as background,
            ):
                # Node and the Pyodide runtime (downloads, mostly waiting) arrive while
                # debootstrap and apt run; the runtime is needed only from the xbuildenv on.
                runtime = background.submit(ensure_pyodide_dist, self.target)
                rootfs = InPlace() if in_place else Chroot(scratch / "root")
                self._prepare(rootfs, mirror)
                dist = runtime.result()  # an npm failure stops the install here
                self._create_venv(rootfs)
                self._assemble_xbuildenv(rootfs, dist)
                self._precompile(rootfs)
                info = self._check(rootfs)
                (scratch / "route.json").write_text(json.dumps(info, indent=2))
            progress.info(f"debian route ready in {self.entry}")
        cache.hold(self.entry)

    def build(self, source_dir: Path, outdir: Path, *, source_date_epoch: int) -> Path:
        # Held until we exit: `cache prune` cannot remove the chroot under a running build.
        if not cache.hold(self.entry):
            raise ToolchainError("the debian route is not installed", hint=f"run `{INSTALL_FIX}`")
        if (reason := self.available()) is not None:  # entering the chroot needs root too
            raise ToolchainError(reason, hint="run as root, or build with --route exact")
        rootfs = self.rootfs
        if self.in_place:
            work = Path(tempfile.mkdtemp(prefix="wasmwheel-build-"))
        else:
            (rootfs.path / "tmp").mkdir(exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix="wasmwheel-build-", dir=rootfs.path / "tmp"))
        inside = rootfs.inside(work)  # the same directory, seen from inside the chroot
        try:
            shutil.copytree(
                source_dir,
                work / "src",
                symlinks=True,
                ignore=shutil.ignore_patterns(".pyodide_build"),
            )
            (work / "tmp").mkdir()
            (work / "home").mkdir()
            progress.step(
                f"building {source_dir.name} with pyodide build "
                f"(Debian Emscripten {self.emscripten_version()}, approximate)"
            )
            # Builds share the toolchain and may run at once: each gets its own TMPDIR
            # (emcc's response files, pyodide-build's scratch) and HOME (pip's and
            # platformdirs' caches), all gone with `work`. See SHARED_READ_ONLY.
            env = self.build_env(
                rootfs,
                TMPDIR=f"{inside}/tmp",
                HOME=f"{inside}/home",
                **SHARED_READ_ONLY,
                **reproducibility_env(f"{inside}/src", source_date_epoch, {}),
            )
            settings = config_settings(
                work / "src",
                lambda: cross_file_from(
                    rootfs.run(["pyodide", *CROSS_FILE_QUERY], env, cwd=f"{inside}/src")
                ),
            )
            result = rootfs.run(
                ["pyodide", "build", *settings, "--outdir", f"{inside}/dist", "."],
                env,
                cwd=f"{inside}/src",
                stream=True,
            )
            if result.returncode != 0:
                raise build_error(source_dir, result.returncode, result.stdout)
            wheel = self._single_wheel(work / "dist")
            outdir.mkdir(parents=True, exist_ok=True)
            keep_log(outdir, result.stdout)
            return Path(shutil.copy2(wheel, outdir / wheel.name))
        finally:
            shutil.rmtree(work, ignore_errors=True)

    # --- install steps -------------------------------------------------------

    def _prepare(self, rootfs: RootFS, mirror: str) -> None:
        suite = self.target.debian.suite
        if isinstance(rootfs, Chroot):
            progress.step(
                f"creating a Debian {suite} chroot with debootstrap from {mirror} (about a minute)"
            )
        rootfs.prepare(suite, mirror, self.target.debian.llvm_major)
        packages = self.target.debian.packages
        progress.step(
            f"installing {len(packages)} pinned Debian packages into {rootfs.description} "
            f"(emscripten {packages.get('emscripten', '?')}, LLVM {self.target.debian.llvm_major})"
        )
        rootfs.install_packages(packages, self._env(rootfs))

    def _create_venv(self, rootfs: RootFS) -> None:
        python = f"python{self.target.python_major_minor}"
        spec = f"pyodide-build=={self.target.pyodide_build}"
        progress.step(f"creating a {python} venv in {rootfs.description} with {spec} from PyPI")
        env = self._env(rootfs)
        # In place, an interrupted install may have left these behind (never stamped).
        for leftover in (VENV, XBUILDENV):
            cache.remove_tree(rootfs.path / leftover.lstrip("/"))
        chroot.check(
            rootfs.run([python, "-m", "venv", VENV], env),
            f"{python} -m venv",
            f"is {python}-venv among the pinned packages?",
        )
        chroot.check(
            # --no-compile: _precompile compiles the venv on every core afterwards.
            rootfs.run(
                [f"{VENV}/bin/pip", "install", "--quiet", "--no-cache-dir", "--no-compile", spec],
                env,
            ),
            f"pip install {spec}",
            "check that PyPI is reachable from the chroot (proxy, PIP_INDEX_URL, CA bundle)",
        )

    def _precompile(self, rootfs: RootFS) -> None:
        """Bytecode for the shared Python code, so that no build ever writes it.

        pip and Debian's postinst compile most of it already; this makes it a property
        of the route rather than of their defaults. A file that does not compile (a
        test fixture with deliberate syntax errors) is skipped, not an error.
        """
        python = f"python{self.target.python_major_minor}"
        rootfs.run([python, "-m", "compileall", "-q", "-j0", *_PRECOMPILED], self._env(rootfs))

    def _assemble_xbuildenv(self, rootfs: RootFS, dist: Path) -> None:
        root = rootfs.path
        progress.step(f"assembling the Pyodide {self.target.pyodide} cross-build environment")
        mm = self.target.python_major_minor
        native = sorted(root.glob(f"usr/include/*-linux-gnu*/python{mm}/pyconfig.h"))
        if not native:
            raise ToolchainError(
                f"no native pyconfig.h for Python {mm} in the chroot",
                hint=f"pin python{mm}-dev and libpython{mm}-dev in toolchain.toml",
            )
        assemble_xbuildenv(
            root / XBUILDENV.lstrip("/"),
            target=self.target,
            pyodide_dist=dist,
            python_include=root / f"usr/include/python{mm}",
            native_pyconfig=native[0],
            build_python=mm,
        )

    def _check(self, rootfs: RootFS) -> dict[str, Any]:
        """Prove the toolchain works before stamping it, and record what it is."""
        progress.step("checking the toolchain (emcc, pyodide-build, cross-build env)")
        root = rootfs.path
        env = self.build_env(rootfs)
        hint = "the pinned packages do not work together; see the output above"
        emcc = chroot.check(rootfs.run(["emcc", "--version"], env), "emcc --version", hint)
        match = re.search(r"\b(\d+\.\d+\.\d+)\b", emcc)
        # Compiling once also fills Emscripten's system-header cache, so builds never write it.
        (root / "tmp/wasmwheel-smoke.c").write_text(_SMOKE_C)
        chroot.check(
            rootfs.run(
                ["emcc", "-fPIC", "-c", "/tmp/wasmwheel-smoke.c", "-o", "/tmp/wasmwheel-smoke.o"],
                env,
            ),
            "emcc -c",
            hint,
        )
        for leftover in ("tmp/wasmwheel-smoke.c", "tmp/wasmwheel-smoke.o"):
            (root / leftover).unlink(missing_ok=True)
        self._check_tools(rootfs, env)
        # pyodide-build would download an xbuildenv if ours did not satisfy it.
        abi = (
            chroot.check(
                rootfs.run(["pyodide", "config", "get", "pyemscripten_platform_version"], env),
                "pyodide config get",
                "the assembled cross-build env was rejected",
            )
            .strip()
            .splitlines()
        )
        if not abi or abi[-1].strip() != self.target.abi:
            raise ToolchainError(
                f"pyodide-build reports ABI {abi[-1:] or '?'}, expected {self.target.abi}"
            )
        python = chroot.check(
            rootfs.run([f"{VENV}/bin/python", "-c", _VERSIONS_PY], env),
            "venv python",
            hint,
        ).split()
        return {
            "emscripten": match.group(1) if match else None,
            "python": python[0] if python else None,
            "pyodide_build": python[1] if len(python) > 1 else None,
            "suite": self.target.debian.suite,
            "packages": self.target.debian.packages,
        }

    def _check_tools(self, rootfs: RootFS, env: dict[str, str]) -> None:
        """Every Emscripten tool a build calls by name runs (one shell, not one chroot each)."""
        result = rootfs.run(["sh", "-c", emtools.probe_script()], env)
        broken = emtools.broken_tools(result.stdout)
        if broken:
            raise ToolchainError(
                f"Emscripten tools that builds call do not run on the build PATH: "
                f"{', '.join(broken)}",
                hint=f"their launchers should be in {EMSCRIPTEN_DIR}; the pinned emscripten "
                "package may lay them out differently",
            )

    # --- helpers -------------------------------------------------------------

    def _info(self) -> dict[str, Any]:
        try:
            data = json.loads((self.entry / "route.json").read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _single_wheel(self, dist: Path) -> Path:
        wheels = sorted(dist.glob("*.whl"))
        if len(wheels) != 1:
            raise BuildError(f"pyodide build produced {len(wheels)} wheels in {dist}, expected one")
        wheel = wheels[0]
        # Its tags are judged by builder.pipeline.check_wheel_tags, as every route's are.
        with zipfile.ZipFile(wheel) as archive:
            wrong = [
                n
                for n in archive.namelist()
                if ".cpython-" in n and n.endswith(".so") and not n.endswith(self.target.ext_suffix)
            ]
        if wrong:
            raise BuildError(
                f"{wheel.name} holds extensions without the suffix "
                f"{self.target.ext_suffix}: {', '.join(wrong)}"
            )
        return wheel
