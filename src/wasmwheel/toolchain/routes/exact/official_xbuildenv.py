"""Pyodide's official cross-build environment: download, verify, unpack.

The tarball is checked against the sha256 pinned in toolchain.toml before a
single byte of it is unpacked (pyodide-build itself never checks the hash it
publishes). It is unpacked into the layout `pyodide xbuildenv install` makes,
so `pyodide build` finds it through PYODIDE_XBUILDENV_PATH and downloads
nothing:

    <root>/xbuildenv -> <version>            (relative symlink: the cache entry moves)
    <root>/<version>/.installed
    <root>/<version>/.build-python-version   ("3.14": checked against the running Python)
    <root>/<version>/xbuildenv/pyodide-root/{Makefile.envs, dist/, emsdk/patches/, ...}
"""

from __future__ import annotations

import os
import re
import tarfile
import tempfile
from pathlib import Path

from wasmwheel import progress
from wasmwheel.config.pins import Target, XbuildenvPin
from wasmwheel.errors import ConfigError, ToolchainError
from wasmwheel.toolchain.download import ExpectedHash, fetch

MIRROR_ENV = "WASMWHEEL_XBUILDENV_MIRROR"  # base URL holding <tag>/<file>, like GitHub releases
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MAKE_VAR = re.compile(r"^\s*(?:export\s+)?(\w+)\s*\??=\s*(.*?)\s*$")


def xbuildenv_url(pin: XbuildenvPin) -> str:
    """The pinned URL, or the same `<tag>/<file>` under $WASMWHEEL_XBUILDENV_MIRROR."""
    mirror = os.environ.get(MIRROR_ENV)
    if not mirror:
        return pin.url
    tag, name = pin.url.rstrip("/").split("/")[-2:]
    return f"{mirror.rstrip('/')}/{tag}/{name}"


def expected_hash(pin: XbuildenvPin) -> ExpectedHash:
    """The pinned sha256; an empty or malformed pin is refused, never skipped."""
    if not _SHA256.fullmatch(pin.sha256):
        raise ConfigError(
            f"the xbuildenv {pin.version or '(no version)'} has no valid sha256 pin "
            f"({pin.sha256!r})",
            hint="pin the sha256 Pyodide publishes in "
            "metadata/pyodide-cross-build-environments-v2.json in toolchain.toml",
        )
    return ExpectedHash.sha256_hex(pin.sha256)


def read_makefile_envs(pyodide_root: Path) -> dict[str, str]:
    """The simple `VAR ?= value` assignments of pyodide-root/Makefile.envs."""
    values: dict[str, str] = {}
    for line in (pyodide_root / "Makefile.envs").read_text(encoding="utf-8").splitlines():
        match = _MAKE_VAR.match(line)
        if match and "$" not in match.group(2):
            values.setdefault(match.group(1), match.group(2))
    return values


def check_matches_target(pyodide_root: Path, target: Target) -> None:
    """Refuse an xbuildenv that describes another Python, Emscripten or ABI than the target."""
    envs = read_makefile_envs(pyodide_root)
    wanted = {
        "PYVERSION": target.python,
        "PYODIDE_EMSCRIPTEN_VERSION": target.emscripten,
        "PYODIDE_ABI_VERSION": target.abi,
    }
    wrong = [
        f"{key}={envs.get(key)!r} (want {value!r})"
        for key, value in wanted.items()
        if envs.get(key) != value
    ]
    if wrong:
        raise ToolchainError(
            f"xbuildenv {target.xbuildenv.version} does not match target {target.name}: "
            + ", ".join(wrong),
            hint="pin an xbuildenv release built for this target in toolchain.toml",
        )


def _unpack(tarball: Path, dest: Path) -> None:
    # The "data" filter refuses absolute paths, `..`, device files and links
    # that leave `dest`: a tarball cannot write outside the cache entry.
    try:
        with tarfile.open(tarball) as archive:
            archive.extractall(dest, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise ToolchainError(f"could not unpack {tarball.name}: {exc}") from None


def install_xbuildenv(target: Target, root: Path) -> Path:
    """Download, verify and unpack the pinned xbuildenv under `root`; return its pyodide-root."""
    pin = target.xbuildenv
    expected = expected_hash(pin)
    url = xbuildenv_url(pin)
    version_dir = root / pin.version
    version_dir.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="wasmwheel-xbuildenv-", dir=root) as tmp:
        tarball = fetch(url, Path(tmp) / url.rsplit("/", 1)[-1], expected)
        progress.step(f"unpacking xbuildenv {pin.version}")
        _unpack(tarball, version_dir)
    pyodide_root = version_dir / "xbuildenv" / "pyodide-root"
    if not (pyodide_root / "Makefile.envs").is_file():
        raise ToolchainError(
            f"{url} does not have the xbuildenv layout (no xbuildenv/pyodide-root/Makefile.envs)"
        )
    check_matches_target(pyodide_root, target)
    # The markers `pyodide xbuildenv install` writes; with them pyodide-build
    # treats the environment as installed and never re-downloads it.
    (version_dir / ".installed").touch()
    (version_dir / ".build-python-version").write_text(target.python_major_minor)
    (root / "xbuildenv").symlink_to(pin.version)
    return pyodide_root
