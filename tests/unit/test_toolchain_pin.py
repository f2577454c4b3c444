"""`wasmwheel toolchain pin` against a loopback stand-in for emsdk's storage, on a copy of
toolchain.toml (WASMWHEEL_TOOLCHAIN_FILE), and bad emsdk pins through the CLI."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from helpers.loopback import serve
from helpers.paths import REPO
from wasmwheel.config.pins import parse_toolchain
from wasmwheel.toolchain.routes.exact import sdk_archives

SHIPPED = parse_toolchain(REPO / "toolchain.toml").target()
XBUILDENV = b"stand-in xbuildenv"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """toolchain.toml with its archive sha256s empty and the xbuildenv pinned to a stand-in."""
    text = re.sub(r'^((?:sdk|node)-sha256 = )"[0-9a-f]*"', r'\1""',
                  (REPO / "toolchain.toml").read_text(), flags=re.MULTILINE)
    text = text.replace(SHIPPED.xbuildenv.sha256, hashlib.sha256(XBUILDENV).hexdigest())
    path = tmp_path / "toolchain.toml"
    path.write_text(text)
    return path


@pytest.fixture
def storage(tmp_path: Path):
    """Stand-in archives at every pinned URL's path, and the xbuildenv; yields (env, {url: sha})."""
    root = tmp_path / "storage"
    hashes = {}
    for key in SHIPPED.emsdk.archives:
        for archive in sdk_archives.archives_for(SHIPPED.emsdk, key):
            path = root / archive.pinned_url.split("://", 1)[1].split("/", 1)[1]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"stand-in " + archive.name.encode())
            hashes[archive.pinned_url] = hashlib.sha256(path.read_bytes()).hexdigest()
    tag, name = SHIPPED.xbuildenv.url.rsplit("/", 2)[-2:]
    (root / "xb" / tag).mkdir(parents=True)
    (root / "xb" / tag / name).write_bytes(XBUILDENV)
    with serve(root) as base:
        yield {sdk_archives.STORAGE_ENV: base, "WASMWHEEL_XBUILDENV_MIRROR": base + "/xb"}, hashes


def env_for(copy: Path, extra: dict[str, str]) -> dict[str, str]:
    return os.environ | {"WASMWHEEL_TOOLCHAIN_FILE": str(copy)} | extra


def test_dry_run_prints_the_hashes_and_changes_nothing(copy: Path, storage) -> None:
    extra, hashes = storage
    before = copy.read_text()
    result = wasmwheel("toolchain", "pin", "--dry-run", env=env_for(copy, extra))
    assert copy.read_text() == before
    for sha in hashes.values():
        assert f'-sha256 = "{sha}"' in result.stdout
    assert "dry run" in result.stdout


def test_pin_writes_the_hashes_in_place_and_keeps_every_other_line(copy: Path, storage) -> None:
    extra, hashes = storage
    before = copy.read_text().splitlines()
    result = wasmwheel("toolchain", "pin", env=env_for(copy, extra))
    assert f"wrote {copy}" in result.stdout
    after = copy.read_text().splitlines()
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert len(changed) == len(hashes) == 2 * len(SHIPPED.emsdk.archives)
    assert all(re.fullmatch(r'(sdk|node)-sha256 = "[0-9a-f]{64}"', new) for _, new in changed)
    pinned = parse_toolchain(copy).target().emsdk
    for archives in pinned.archives.values():
        assert archives.sdk_sha256 == hashes[archives.sdk_url]
        assert archives.node_sha256 == hashes[archives.node_url]
    again = wasmwheel("toolchain", "pin", env=env_for(copy, extra))
    assert "already pins" in again.stdout


def test_a_pinned_hash_that_differs_is_refused_and_nothing_written(copy: Path, storage) -> None:
    extra, _ = storage
    wrong = copy.read_text().replace('sdk-sha256 = ""', f'sdk-sha256 = "{"ab" * 32}"', 1)
    copy.write_text(wrong)
    result = wasmwheel("toolchain", "pin", check=False, env=env_for(copy, extra))
    assert result.returncode == 65
    assert result.stderr.count("error:") == 1 and "but [targets." in result.stderr
    assert "Traceback" not in result.stderr and copy.read_text() == wrong


def test_only_the_named_platform_and_unknown_ones_refused(copy: Path, storage) -> None:
    extra, _ = storage
    result = wasmwheel("toolchain", "pin", "--dry-run", "--platform", "linux-arm64",
                       env=env_for(copy, extra))
    assert "archives.linux-arm64]" in result.stdout and "linux-x86_64" not in result.stdout
    bad = wasmwheel("toolchain", "pin", "--platform", "windows-x86", check=False,
                    env=env_for(copy, extra))
    assert bad.returncode == 78 and "no table for windows-x86" in bad.stderr


@pytest.mark.parametrize(("line", "value", "message"), [
    ("revision", "5.0.3", "revision must be a full 40-hex git commit"),
    ("revision", "a620cf1", "revision must be a full 40-hex git commit"),
    ("sdk-sha256", "abc", "sdk-sha256 must be a sha256"),
])
def test_bad_emsdk_pins_are_one_config_error_at_load(
    copy: Path, line: str, value: str, message: str
) -> None:
    text = re.sub(rf'^{line} = "[^"]*"', f'{line} = "{value}"', copy.read_text(), count=1,
                  flags=re.MULTILINE)
    copy.write_text(text)
    result = wasmwheel("doctor", check=False, env=env_for(copy, {}))
    assert result.returncode == 78 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: [targets.pyodide-314.emsdk") and message in lines[0]
    assert repr(value) in lines[0] and lines[1].startswith("hint:") and len(lines) == 2
