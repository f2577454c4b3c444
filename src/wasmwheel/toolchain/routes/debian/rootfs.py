"""Where the debian route installs Debian's toolchain: a chroot, or this system.

On a host the route debootstraps a chroot in the cache and runs every command
inside it (`Chroot`). In a container image built FROM Debian <suite>, the
same steps install the pinned packages into the running system itself
(`InPlace`): no chroot inside a container, and no root needed to build
afterwards. Both run a command with exactly the environment given.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path

from wasmwheel.errors import ToolchainError
from wasmwheel.toolchain.apt import apt_get
from wasmwheel.toolchain.failure import run_streamed
from wasmwheel.toolchain.routes.debian import chroot, slim

# Set at `wasmwheel toolchain install --route debian` to install into this
# system instead of a chroot (the Dockerfile's debian stage sets it).
IN_PLACE_ENV = "WASMWHEEL_DEBIAN_IN_PLACE"


def in_place_requested(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(IN_PLACE_ENV, "").strip().lower() in {"1", "true", "yes"}


class RootFS(ABC):
    """A Debian root filesystem the route installs into and runs commands in."""

    path: Path  # that root, as this process sees it
    description: str  # for progress lines and doctor

    @abstractmethod
    def prepare(self, suite: str, mirror: str, llvm_major: int) -> None:
        """Make the root ready for apt-get (create it, or check and configure it)."""

    @abstractmethod
    def env(self, *, path: Sequence[str], extra: Mapping[str, str]) -> dict[str, str]:
        """The complete environment of a command in this root."""

    @abstractmethod
    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        cwd: str | None = None,
        stream: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run `argv` in this root with exactly `env`; with `stream`, relay its output to stderr."""

    def install_packages(self, packages: Mapping[str, str], env: Mapping[str, str]) -> None:
        """Install exactly the pinned versions, then drop apt's caches and lists."""
        hint_mirror = f"check that the mirror is reachable (or set {chroot.MIRROR_ENV})"
        apt = apt_get
        chroot.check(self.run(apt("update"), env), "apt-get update", hint_mirror)
        pinned = [f"{name}={version}" for name, version in packages.items()]
        chroot.check(
            self.run(apt("install", "-y", "--no-install-recommends", *pinned), env),
            "apt-get install " + " ".join(pinned),
            "the mirror may no longer carry a pinned version: find the current ones with "
            f"`apt-cache policy <package>` in {self.description} and update toolchain.toml",
        )
        chroot.check(self.run(apt("clean"), env), "apt-get clean", hint_mirror)
        lists = self.path / "var/lib/apt/lists"
        for item in lists.iterdir() if lists.is_dir() else []:
            if item.is_file():
                item.unlink()

    def inside(self, path: Path) -> str:
        """`path` (under self.path) as commands in this root see it."""
        return "/" + path.relative_to(self.path).as_posix()


class Chroot(RootFS):
    """A debootstrapped chroot (host use: the cache entry's root/)."""

    def __init__(self, root: Path) -> None:
        self.path = root
        self.description = f"a Debian chroot in {root}"

    def prepare(self, suite: str, mirror: str, llvm_major: int) -> None:
        chroot.debootstrap(self.path, suite, mirror)
        chroot.configure(self.path, suite=suite, mirror=mirror, ca_bundle=chroot.host_ca_bundle(),
                         llvm_major=llvm_major)
        # debootstrap unpacked its packages before dpkg's exclusions existed.
        slim.remove_excluded(self.path, llvm_major)

    def env(self, *, path: Sequence[str], extra: Mapping[str, str]) -> dict[str, str]:
        return chroot.chroot_env(os.environ, path=path, extra=extra)

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        cwd: str | None = None,
        stream: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        return chroot.run(self.path, argv, env, cwd=cwd, stream=stream)


class InPlace(RootFS):
    """The running system (a container image built FROM Debian <suite>)."""

    def __init__(self) -> None:
        self.path = Path("/")
        self.description = "this system (installed in place)"

    def prepare(self, suite: str, mirror: str, llvm_major: int) -> None:
        if not Path("/etc/debian_version").is_file():
            raise ToolchainError(
                f"{IN_PLACE_ENV} is set but this system is not Debian",
                hint=f"install in place only in an image built FROM Debian {suite}; "
                f"unset {IN_PLACE_ENV} to use a chroot",
            )
        chroot.configure_apt(self.path, llvm_major)

    def env(self, *, path: Sequence[str], extra: Mapping[str, str]) -> dict[str, str]:
        env = chroot.chroot_env(os.environ, path=path)
        # The system's own home and CA bundle (the build may run as any uid).
        env["HOME"] = os.environ.get("HOME") or "/tmp"
        bundle = chroot.host_ca_bundle()
        for name in ("SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE"):
            if bundle is None:
                env.pop(name, None)
            else:
                env[name] = str(bundle)
        return env | dict(extra)

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        cwd: str | None = None,
        stream: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        # The command is looked up on `env`'s PATH, as it would be in a chroot.
        found = shutil.which(argv[0], path=env.get("PATH"))
        command = [found or argv[0], *argv[1:]]
        if stream:
            return run_streamed(command, cwd=cwd, env=env)
        return subprocess.run(
            command, capture_output=True, text=True, check=False, cwd=cwd, env=dict(env)
        )
