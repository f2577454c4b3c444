"""A real pypiserver on loopback for publish tests (anyone downloads, uploads need a password),
and micropip's wheel. The `index` and `credentials` fixtures wrap these in
tests/integration/conftest.py.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from helpers.loopback import free_port
from wasmwheel.config.pins import current_target
from wasmwheel.runner.requirements import pip_download_command

USER, PASSWORD = "publisher", "correct horse battery staple"
STARTUP_SECONDS = 60  # a generous bound: a healthy server answers in about a second


@dataclass(frozen=True)
class Index:
    upload_url: str
    simple_url: str        # no trailing slash: micropip appends "/<name>/"
    packages: Path


@contextmanager
def running_index(workdir: Path) -> Iterator[Index]:
    """pypiserver on loopback serving workdir/packages: anyone may download, uploads need
    USER/PASSWORD. Yields once it answers its health check."""
    # Apache's {SHA} htpasswd format, written directly: importing passlib here would raise
    # its `crypt` DeprecationWarning, an error under this suite's filterwarnings.
    sha = base64.b64encode(hashlib.sha1(PASSWORD.encode()).digest()).decode()
    (workdir / "htpasswd").write_text(f"{USER}:{{SHA}}{sha}\n")
    packages = workdir / "packages"
    packages.mkdir()
    port = free_port()
    log_path = workdir / "pypiserver.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-p", str(port),
             "-P", str(workdir / "htpasswd"), "-a", "update", "--disable-fallback",
             "--hash-algo", "sha256", str(packages)],
            stdout=log, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(base, server, log_path)
            yield Index(f"{base}/", f"{base}/simple", packages)
        finally:
            server.terminate()
            server.wait(timeout=10)


def _wait_until_healthy(base: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    # pypiserver has no readiness signal: poll its health page until it answers or exits.
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            urllib.request.urlopen(f"{base}/health", timeout=2).close()
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(log_path.read_text()) from None
            time.sleep(0.2)


MICROPIP = "micropip==0.11.1"  # not in Pyodide's npm package; the CDN is out of reach


def download_micropip(dest: Path) -> Path:
    """micropip's pure-Python wheel from PyPI, as wasmwheel fetches test requirements."""
    command = [*pip_download_command([MICROPIP], current_target(), dest), "--no-deps", "--quiet"]
    subprocess.run(command, check=True, capture_output=True, text=True)
    (wheel,) = dest.glob("micropip-*.whl")
    return wheel
