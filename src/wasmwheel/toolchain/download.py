"""Downloads that are verified by hash before anything uses them.

The file is streamed to a temporary name beside its destination, hashed on
the way, and renamed into place only if the hash matches the pin. A failed,
interrupted or tampered download leaves nothing behind.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from wasmwheel.errors import DownloadError, HashMismatchError
from wasmwheel.progress import Progress

CHUNK = 1 << 20


@dataclass(frozen=True)
class ExpectedHash:
    """A pinned digest: `algorithm` is a hashlib name, `digest` the raw bytes."""

    algorithm: str
    digest: bytes

    @classmethod
    def sha256_hex(cls, hexdigest: str) -> ExpectedHash:
        return cls("sha256", bytes.fromhex(hexdigest))

    @classmethod
    def sri(cls, integrity: str) -> ExpectedHash:
        """npm's Subresource Integrity string, e.g. 'sha512-<base64>'."""
        algorithm, _, encoded = integrity.partition("-")
        if algorithm not in {"sha256", "sha384", "sha512"} or not encoded:
            raise ValueError(f"not an SRI hash: {integrity!r}")
        return cls(algorithm, base64.b64decode(encoded))

    def describe(self, digest: bytes) -> str:
        return f"{self.algorithm}:{digest.hex()}"


def hash_file(path: Path, algorithm: str) -> bytes:
    hasher = hashlib.new(algorithm)
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            hasher.update(chunk)
    return hasher.digest()


def verify_file(path: Path, expected: ExpectedHash, *, source: str) -> None:
    """Raise HashMismatchError unless `path` has the expected digest."""
    actual = hash_file(path, expected.algorithm)
    if actual != expected.digest:
        raise HashMismatchError(
            f"{source} does not match its pinned hash "
            f"(expected {expected.describe(expected.digest)}, got {expected.describe(actual)})",
            hint="the download was tampered with or re-uploaded; check the source, then update "
            "the pin in toolchain.toml only if you trust the new file",
        )


def fetch(url: str, dest: Path, expected: ExpectedHash, *, timeout: float = 60) -> Path:
    """Download `url` to `dest`, verified against `expected`. Returns `dest`."""
    _download(url, dest, expected.algorithm, expected, timeout)
    return dest


def fetch_unpinned(url: str, dest: Path, *, timeout: float = 60) -> str:
    """Download `url` to `dest` with NO pin to check; return its sha256 (hex).

    Only for artifacts whose pin is explicitly "not pinned yet": the caller
    must record the returned hash and say the file is unverified.
    """
    return _download(url, dest, "sha256", None, timeout).hex()


def _download(
    url: str, dest: Path, algorithm: str, expected: ExpectedHash | None, timeout: float
) -> bytes:
    # Imported here: urllib.request (http.client, email, ssl) is only worth its start-up
    # time to a run that downloads, and most runs find everything in the cache.
    import urllib.error
    import urllib.request

    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f"{dest.name}.download-{os.getpid()}")
    hasher = hashlib.new(algorithm)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, partial.open("wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            progress = Progress(f"downloading {url}", total)
            while chunk := response.read(CHUNK):
                hasher.update(chunk)
                out.write(chunk)
                progress.advance(len(chunk))
            progress.done()
        actual = hasher.digest()
        if expected is not None and actual != expected.digest:
            raise HashMismatchError(
                f"{url} does not match its pinned hash "
                f"(expected {expected.describe(expected.digest)}, got {expected.describe(actual)})",
                hint="the file was tampered with or re-uploaded upstream; nothing was installed. "
                "Update the pin in toolchain.toml only if you trust the new file",
            )
        partial.replace(dest)
        return actual
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        if isinstance(exc, urllib.error.HTTPError):
            exc.close()  # an HTTPError holds the response's socket open
        reason = getattr(exc, "reason", exc)
        raise DownloadError(
            f"could not download {url}: {reason}",
            hint="check the network (or use --route debian, which needs only Debian's mirror, PyPI and npm)",
        ) from None
    except OSError as exc:
        raise DownloadError(
            f"could not write {dest}: {exc.strerror or exc}",
            hint="free some disk space or point WASMWHEEL_CACHE_DIR at a larger disk",
        ) from None
    finally:
        if partial.exists():
            partial.unlink()


def copy_verified(src: Path, dest: Path, expected: ExpectedHash) -> Path:
    """Copy a local artifact into the cache after checking its hash."""
    verify_file(src, expected, source=str(src))
    shutil.copyfile(src, dest)
    return dest


def probe(url: str, *, timeout: float = 5.0) -> str | None:
    """None if `url` answers a HEAD request, else why not (for `available()`)."""
    import urllib.error  # here, as in _download: only a run that probes pays for it
    import urllib.request

    request = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return None
    except urllib.error.HTTPError as exc:
        exc.close()
        return f"{url} answered HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        return f"{url} is unreachable ({getattr(exc, 'reason', exc)})"
