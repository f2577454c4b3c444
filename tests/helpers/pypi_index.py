"""A real pypiserver on loopback for publish tests (anyone downloads, uploads need a password).

Import the fixtures into a test module by name: `from pypi_index import index, credentials,
hermetic_keyring` (hermetic_keyring is autouse within the importing module).
"""

from __future__ import annotations

import base64
import hashlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

USER, PASSWORD = "publisher", "correct horse battery staple"


@dataclass(frozen=True)
class Index:
    upload_url: str
    simple_url: str        # no trailing slash: micropip appends "/<name>/"
    packages: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    """pypiserver on loopback: anyone may download, uploads need USER/PASSWORD."""
    # Apache's {SHA} htpasswd format, written directly: importing passlib here would raise
    # its `crypt` DeprecationWarning, an error under this suite's filterwarnings.
    sha = base64.b64encode(hashlib.sha1(PASSWORD.encode()).digest()).decode()
    (tmp_path / "htpasswd").write_text(f"{USER}:{{SHA}}{sha}\n")
    packages = tmp_path / "packages"
    packages.mkdir()
    port = _free_port()
    log = (tmp_path / "pypiserver.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-p", str(port),
         "-P", str(tmp_path / "htpasswd"), "-a", "update", "--disable-fallback",
         "--hash-algo", "sha256", str(packages)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/health", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "pypiserver.log").read_text()) from None
                time.sleep(0.2)
        yield Index(f"{base}/", f"{base}/simple", packages)
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWINE_USERNAME", USER)
    monkeypatch.setenv("TWINE_PASSWORD", PASSWORD)


@pytest.fixture(autouse=True)
def hermetic_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    # Credentials come from the environment here, never from this machine's keyring.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    for name in ("TWINE_USERNAME", "TWINE_PASSWORD", "TWINE_REPOSITORY", "TWINE_REPOSITORY_URL"):
        monkeypatch.delenv(name, raising=False)


MICROPIP = "micropip==0.11.1"  # not in Pyodide's npm package; the CDN is out of reach


def download_micropip(dest: Path) -> Path:
    """micropip's pure-Python wheel from PyPI, as wasmwheel fetches test requirements."""
    from wasmwheel.config.pins import current_target
    from wasmwheel.runner.requirements import pip_download_command

    command = [*pip_download_command([MICROPIP], current_target(), dest), "--no-deps", "--quiet"]
    subprocess.run(command, check=True, capture_output=True, text=True)
    (wheel,) = dest.glob("micropip-*.whl")
    return wheel
