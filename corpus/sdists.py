"""Download a corpus sdist once, verified against the sha256 in packages.toml.

The file's URL comes from PyPI's JSON API (the same index pip uses); nothing is
kept unless its bytes match the pinned sha256, so the corpus is reproducible.
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

from corpus.manifest import Package
from wasmwheel.toolchain.download import hash_file

PYPI_JSON = os.environ.get("CORPUS_PYPI_JSON", "https://pypi.org/pypi/{name}/json")


class DownloadError(RuntimeError):
    """The sdist could not be fetched, or its bytes are not the pinned ones."""


def sdist_url(package: Package, timeout: float = 60) -> str:
    """The sdist's URL, read from PyPI's JSON API (relative URLs resolved against it)."""
    api = PYPI_JSON.format(name=package.name)
    with urllib.request.urlopen(api, timeout=timeout) as response:
        releases = json.load(response).get("releases", {})
    for upload in releases.get(package.version, []):
        if upload.get("filename") == package.sdist:
            return urllib.parse.urljoin(api, str(upload["url"]))
    raise DownloadError(f"{package.name} {package.version}: PyPI lists no {package.sdist}")


def fetch(package: Package, cache_dir: Path, timeout: float = 300) -> Path:
    """The verified sdist in cache_dir, downloaded first if missing (all or nothing)."""
    target = cache_dir / package.sdist
    if target.is_file() and hash_file(target, "sha256").hex() == package.sha256:
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    url = sdist_url(package)
    handle, scratch = tempfile.mkstemp(prefix=f".{package.sdist}.", dir=cache_dir)
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            while block := response.read(1 << 20):
                out.write(block)
        actual = hash_file(Path(scratch), "sha256").hex()
        if actual != package.sha256:
            raise DownloadError(f"{package.sdist}: sha256 {actual}, packages.toml pins {package.sha256}")
        os.replace(scratch, target)
    finally:
        Path(scratch).unlink(missing_ok=True)
    return target
