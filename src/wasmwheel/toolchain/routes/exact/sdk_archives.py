"""The archives `emsdk install` would download, fetched and checked by wasmwheel instead.

emsdk downloads the SDK (`wasm-binaries.tar.xz`) and its Node from Google's
storage and checks no hash. With EMSDK_KEEP_DOWNLOADS=1 its `download_file`
skips a file already present in `<emsdk>/downloads/`, so wasmwheel downloads
each pinned archive itself, checks its sha256 from toolchain.toml, and puts
it there under emsdk's own name: emsdk then downloads nothing. An archive
whose sha256 is not pinned yet is downloaded all the same, hashed, recorded
and reported as UNVERIFIED, never as verified.
"""

from __future__ import annotations

import os
import platform
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from wasmwheel import progress
from wasmwheel.config.pins import EmsdkArchivesPin, EmsdkPin
from wasmwheel.errors import ConfigError, ToolchainError
from wasmwheel.toolchain.download import ExpectedHash, fetch, fetch_unpinned

# scheme://host[:port] serving the same paths as the pinned storage (a mirror,
# or the tests' loopback stand-in); the sha256 pins still apply.
STORAGE_ENV = "WASMWHEEL_EMSDK_STORAGE_URL"
DOWNLOADS = "downloads"  # emsdk.py: download_dir = 'downloads/' (relative to the emsdk root)
UNVERIFIED = "SDK archive NOT verified (no sha256 pinned)"

# platform.machine() -> emsdk's ARCH (emsdk.py maps x64/amd64/x86_64 and aarch64/arm64 the same way).
_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "x64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


@dataclass(frozen=True)
class Archive:
    role: str  # "sdk" or "node"
    pinned_url: str
    name: str  # the file name emsdk looks for in downloads/
    sha256: str  # "" while not pinned yet

    @property
    def url(self) -> str:
        """The pinned URL, or the same path under $WASMWHEEL_EMSDK_STORAGE_URL."""
        base = os.environ.get(STORAGE_ENV)
        if not base:
            return self.pinned_url
        parts = urllib.parse.urlsplit(self.pinned_url)
        return base.rstrip("/") + urllib.parse.urlunsplit(("", "", parts.path, parts.query, ""))

    @property
    def verified(self) -> bool:
        return bool(self.sha256)


def emsdk_arch(machine: str | None = None) -> str:
    machine = (machine or platform.machine()).lower()
    try:
        return _ARCH[machine]
    except KeyError:
        raise ToolchainError(
            f"the exact route has no Emscripten SDK for this machine ({machine})",
            hint="emsdk ships x86_64 and arm64 builds; use --route debian or --route system",
        ) from None


def platform_key(system: str | None = None, machine: str | None = None) -> str:
    """toolchain.toml's key for this machine: "<os>-<emsdk arch>", e.g. linux-x86_64."""
    return f"{(system or platform.system()).lower()}-{emsdk_arch(machine)}"


def _basename(url: str) -> str:
    return urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]


def archives_of(pin: EmsdkPin, pinned: EmsdkArchivesPin) -> list[Archive]:
    # emsdk_manifest.json: the releases tool's download_prefix is "%releases-tag%-",
    # node's is none; emsdk.py's get_download_target prepends it to the URL's file name.
    return [
        Archive("sdk", pinned.sdk_url, f"{pin.release}-{_basename(pinned.sdk_url)}",
                pinned.sdk_sha256),
        Archive("node", pinned.node_url, _basename(pinned.node_url), pinned.node_sha256),
    ]


def archives_for(pin: EmsdkPin, key: str | None = None) -> list[Archive]:
    """This platform's archives; refused when toolchain.toml pins none for it."""
    key = key or platform_key()
    if not pin.release:
        raise ConfigError(
            "the emsdk release is not pinned ([targets.<name>.emsdk] release is empty)",
            hint="set it from emscripten-releases-tags.json at the pinned emsdk revision",
        )
    try:
        pinned = pin.archives[key]
    except KeyError:
        known = ", ".join(sorted(pin.archives)) or "none"
        raise ConfigError(
            f"toolchain.toml pins no emsdk archives for {key} (pinned: {known})",
            hint="use --route debian or --route system here, or add "
            f"[targets.<name>.emsdk.archives.{key}] from emsdk_manifest.json",
        ) from None
    return archives_of(pin, pinned)


def unverified(archives: list[Archive]) -> list[str]:
    return [a.name for a in archives if not a.verified]


def fetch_into(archives: list[Archive], emsdk_dir: Path) -> dict[str, dict[str, object]]:
    """Download each archive into emsdk's downloads folder; return the stamp's record.

    A pinned sha256 is checked before the file gets its final name (a
    mismatch raises and leaves nothing); an unpinned one is recorded.
    """
    downloads = emsdk_dir / DOWNLOADS
    record: dict[str, dict[str, object]] = {}
    for archive in archives:
        dest = downloads / archive.name
        if archive.verified:
            fetch(archive.url, dest, ExpectedHash.sha256_hex(archive.sha256))
            digest = archive.sha256
        else:
            progress.step(f"warning: {UNVERIFIED}: {archive.name} (`wasmwheel toolchain pin` pins it)")
            digest = fetch_unpinned(archive.url, dest)
        record[archive.name] = {"url": archive.pinned_url, "sha256": digest,
                                "verified": archive.verified}
    return record


def check_nothing_else(archives: list[Archive], emsdk_dir: Path) -> None:
    """After `emsdk install`: refuse if emsdk fetched a file that is not pinned here.

    With EMSDK_KEEP_DOWNLOADS=1 emsdk keeps whatever it downloaded, so an extra
    file means the pins no longer describe what the pinned emsdk installs.
    """
    downloads = emsdk_dir / DOWNLOADS
    present = {p.name for p in downloads.iterdir()} if downloads.is_dir() else set()
    extra = sorted(present - {a.name for a in archives})
    if extra:
        raise ToolchainError(
            f"emsdk downloaded {', '.join(extra)}, which toolchain.toml does not pin",
            hint="the emsdk revision and [emsdk.archives] disagree; re-read emsdk_manifest.json "
            "at the pinned revision and fix the archive URLs",
        )
