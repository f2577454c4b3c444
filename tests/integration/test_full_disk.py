"""A full disk mid-download or mid-install leaves the cache consistent.

Uses a real, tiny tmpfs as the cache (root only, like the debian route).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.loopback import serve
from wasmwheel.errors import DownloadError
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.download import ExpectedHash, fetch

pytestmark = pytest.mark.integration


@pytest.fixture
def tiny_cache(empty_cache: Path) -> Iterator[Path]:
    """The empty cache, on a 256 KiB tmpfs."""
    if os.geteuid() != 0:
        pytest.fail("this test mounts a tmpfs and needs root (CI runs as root)")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(empty_cache)],
                   check=True)
    try:
        yield empty_cache
    finally:
        subprocess.run(["umount", str(empty_cache)], check=True)


def test_download_onto_full_disk_fails_cleanly(tiny_cache: Path, tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    payload = os.urandom(1 << 20)  # 1 MiB into a 256 KiB disk
    (served / "big.bin").write_bytes(payload)
    expected = ExpectedHash("sha256", hashlib.sha256(payload).digest())
    with serve(served) as base, pytest.raises(DownloadError, match="could not write") as info:
        fetch(f"{base}/big.bin", tiny_cache / "downloads" / "big.bin", expected)
    assert "free some disk space" in (info.value.hint or "")
    assert list((tiny_cache / "downloads").iterdir()) == []  # no partial file


def test_install_onto_full_disk_leaves_no_entry(tiny_cache: Path) -> None:
    entry = tiny_cache / "toolchains" / "demo"
    with pytest.raises(OSError), cache.locked(entry), cache.atomic_entry(entry, {}) as scratch:
        (scratch / "blob").write_bytes(os.urandom(1 << 20))
    assert not entry.exists()
    assert [p.name for p in entry.parent.iterdir()] == ["demo.lock"]
