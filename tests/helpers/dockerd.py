"""A real, private Docker daemon for the image tests: Debian's dockerd, its
state in a temporary directory, stopped and removed at the end, pass or fail.

If `dockerd` is not installed, Debian's docker.io, containerd, runc and tini
packages are fetched with `apt-get download` and unpacked with `dpkg-deb -x`
(no install scripts, nothing outside the temporary directory). The daemon
has no bridge (`--bridge=none`, no iptables), so builds and containers use
`--network host`. Root only.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("docker.io", "containerd", "runc", "tini")
READY_TIMEOUT = 60.0  # seconds for the daemon to answer


@dataclass(frozen=True)
class Daemon:
    host: str  # DOCKER_HOST
    env: dict[str, str]  # os.environ with the daemon's client first on PATH and DOCKER_HOST set

    def docker(self, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["docker", *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)


def _unpack_packages(into: Path) -> list[str]:
    """Debian's docker packages unpacked under `into`; the PATH entries they need."""
    debs = into / "debs"
    debs.mkdir(parents=True)
    download = ["apt-get", "download", *PACKAGES]
    result = subprocess.run(download, cwd=debs, capture_output=True, text=True, check=False)
    if result.returncode != 0:  # package lists never fetched: once, then retry
        subprocess.run(["apt-get", "update"], capture_output=True, text=True, check=False)
        result = subprocess.run(download, cwd=debs, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"apt-get download {' '.join(PACKAGES)} failed:\n{result.stderr}")
    root = into / "root"
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return [str(root / "usr/bin"), str(root / "usr/sbin")]


def _unmount_under(path: Path) -> None:
    """Leftover overlay/shm mounts of a daemon that did not stop cleanly."""
    mounts = Path("/proc/self/mounts").read_text().splitlines()
    targets = [line.split()[1] for line in mounts if len(line.split()) > 1]
    for target in sorted((t for t in targets if t.startswith(str(path))), reverse=True):
        subprocess.run(["umount", "-l", target], capture_output=True, check=False)


@contextmanager
def running_dockerd() -> Iterator[Daemon]:
    # A short path: the socket's must stay under the 108-byte limit.
    state = Path(tempfile.mkdtemp(prefix="wasmwheel-dockerd-"))
    process: subprocess.Popen[bytes] | None = None
    log = None
    try:
        path = [] if shutil.which("dockerd") else _unpack_packages(state / "pkgs")
        env = os.environ | {"PATH": os.pathsep.join([*path, os.environ.get("PATH", "")])}
        sock = state / "docker.sock"
        log = (state / "dockerd.log").open("wb")
        process = subprocess.Popen(
            ["dockerd", "--data-root", str(state / "data"), "--exec-root", str(state / "exec"),
             "--pidfile", str(state / "docker.pid"), "-H", f"unix://{sock}",
             "--bridge=none", "--iptables=false", "--ip-masq=false",
             "--storage-driver", "overlay2", "--default-ulimit", "nofile=20000:20000"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        daemon = Daemon(host=f"unix://{sock}", env=env | {"DOCKER_HOST": f"unix://{sock}",
                                                          "DOCKER_BUILDKIT": "1"})
        deadline = time.monotonic() + READY_TIMEOUT
        while daemon.docker("version", timeout=30).returncode != 0:  # readiness, not an outcome
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("dockerd did not start:\n"
                                   + (state / "dockerd.log").read_text(errors="replace")[-3000:])
            time.sleep(0.5)
        yield daemon
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if log is not None:
            log.close()
        _unmount_under(state)
        shutil.rmtree(state, ignore_errors=True)
