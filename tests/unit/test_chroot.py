"""The chroot helpers that need no root: mirror discovery, the clean environment, the command line."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from wasmwheel.errors import ConfigError, ToolchainError
from wasmwheel.toolchain.routes.debian import chroot

MIRROR = "http://mirror.invalid/debian"

DEB822 = f"""\
Types: deb
# a snapshot comment
URIs: {MIRROR}-security
Suites: bookworm-security
Components: main

Types: deb
URIs: {MIRROR}/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


# --- mirror -------------------------------------------------------------------


def test_one_line_format_skips_security_updates_and_third_party() -> None:
    text = f"""\
# deb {MIRROR}/old bookworm main
deb https://vendor.invalid/apt cloud-sdk-bookworm main
deb {MIRROR}-security bookworm-security main
deb-src {MIRROR}/src bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] {MIRROR}/ bookworm main contrib
"""
    assert chroot.mirror_from_one_line(text) == MIRROR


def test_one_line_format_without_a_debian_entry() -> None:
    assert (
        chroot.mirror_from_one_line("deb https://nodes.invalid/node_20.x nodistro main\n") is None
    )


def test_deb822_picks_the_archive_stanza() -> None:
    assert chroot.mirror_from_deb822(DEB822) == MIRROR


def test_deb822_skips_disabled_and_source_only_stanzas() -> None:
    text = f"""\
Types: deb
URIs: http://disabled.invalid/debian
Suites: sid
Enabled: no

Types: deb-src
URIs: http://src.invalid/debian
Suites: sid

Types: deb
URIs: {MIRROR}
Suites: sid
"""
    assert chroot.mirror_from_deb822(text) == MIRROR


def test_debian_mirror_reads_sources_list_d(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(DEB822)
    (tmp_path / "sources.list.d" / "aaa.list.disabled-by-farm").write_text(
        "deb http://wrong.invalid/debian bookworm main\n"
    )
    assert chroot.debian_mirror({}, tmp_path) == MIRROR


def test_debian_mirror_prefers_sources_list(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text("deb http://first.invalid/debian trixie main\n")
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(DEB822)
    assert chroot.debian_mirror({}, tmp_path) == "http://first.invalid/debian"


def test_environment_overrides_apt_config(tmp_path: Path) -> None:
    env = {chroot.MIRROR_ENV: "http://override.invalid/debian/"}
    assert chroot.debian_mirror(env, tmp_path) == "http://override.invalid/debian"


def test_no_mirror_is_a_config_error_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        chroot.debian_mirror({}, tmp_path)
    assert chroot.MIRROR_ENV in (info.value.hint or "")


# --- environment ------------------------------------------------------------------

HOST_ENV = {
    "PATH": "/host/bin",
    "EM_CONFIG": "/host/.emscripten",
    "PIP_FIND_LINKS": "/opt/wheels",
    "PIP_INDEX_URL": "https://index.invalid/simple",
    "PIP_EXTRA_INDEX_URL": "file:///opt/pypi/simple https://extra.invalid/simple",
    "https_proxy": "http://proxy.invalid:3128",
    "SSL_CERT_FILE": "/host/ca.crt",
    "VIRTUAL_ENV": "/host/venv",
}


def test_chroot_env_is_clean() -> None:
    env = chroot.chroot_env(HOST_ENV, path=["/opt/venv/bin", "/usr/lib/llvm-21/bin"])
    for leaked in ("EM_CONFIG", "PIP_FIND_LINKS", "VIRTUAL_ENV"):
        assert leaked not in env
    assert env["PATH"].startswith("/opt/venv/bin:/usr/lib/llvm-21/bin:")
    assert "/host/bin" not in env["PATH"]
    assert env["HOME"] == "/root"
    assert env["SSL_CERT_FILE"] == env["PIP_CERT"] == chroot.CHROOT_CA


def test_chroot_env_keeps_only_http_indexes_and_proxies() -> None:
    env = chroot.chroot_env(HOST_ENV, path=[])
    assert env["PIP_INDEX_URL"] == "https://index.invalid/simple"
    assert env["PIP_EXTRA_INDEX_URL"] == "https://extra.invalid/simple"
    assert env["https_proxy"] == "http://proxy.invalid:3128"
    only_file = chroot.chroot_env({"PIP_EXTRA_INDEX_URL": "file:///x"}, path=[])
    assert "PIP_EXTRA_INDEX_URL" not in only_file


def test_chroot_env_extra_wins() -> None:
    env = chroot.chroot_env({}, path=[], extra={"HOME": "/tmp/h", "PYODIDE_XBUILDENV_PATH": "/x"})
    assert env["HOME"] == "/tmp/h" and env["PYODIDE_XBUILDENV_PATH"] == "/x"


def test_host_ca_bundle_prefers_ssl_cert_file(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.crt"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert chroot.host_ca_bundle({"SSL_CERT_FILE": str(bundle)}) == bundle


# --- command line ---------------------------------------------------------------------


def test_command_runs_in_a_private_mount_namespace_with_env_i() -> None:
    cmd = chroot.chroot_command(
        Path("/c/root"), ["pyodide", "build"], {"B": "2", "A": "1"}, cwd="/tmp/w"
    )
    assert cmd[:5] == ["unshare", "--mount", "--propagation", "private", "--"]
    root_at = cmd.index("/c/root")
    inner = cmd[root_at + 1 :]
    assert inner[:4] == ["/usr/bin/env", "-i", "-C", "/tmp/w"]
    assert inner[4:6] == ["A=1", "B=2"]
    assert inner[-2:] == ["pyodide", "build"]


def test_enter_script_mounts_inside_and_is_valid_sh() -> None:
    assert 'mount -t proc proc "$root/proc"' in chroot._ENTER
    assert 'exec chroot "$root"' in chroot._ENTER
    subprocess.run(["sh", "-n", "-c", chroot._ENTER], check=True)


def test_check_raises_with_output_tail_and_hint() -> None:
    failed = subprocess.CompletedProcess(
        ["x"], 100, stdout="E: Unable to locate package emscripten\n", stderr=""
    )
    with pytest.raises(ToolchainError) as info:
        chroot.check(failed, "apt-get install", "update toolchain.toml")
    assert "exit 100" in info.value.message
    assert "Unable to locate package" in info.value.message
    assert info.value.hint == "update toolchain.toml"
    ok = subprocess.CompletedProcess(["x"], 0, stdout="fine\n", stderr="")
    assert chroot.check(ok, "x", "y") == "fine\n"


def test_configure_writes_apt_options_and_ca(tmp_path: Path) -> None:
    for d in ("etc/apt/apt.conf.d", "etc/dpkg"):
        (tmp_path / d).mkdir(parents=True)
    ca = tmp_path / "host-ca.crt"
    ca.write_text("CA")
    chroot.configure(tmp_path, suite="sid", mirror=MIRROR, ca_bundle=ca, llvm_major=21)
    assert (tmp_path / "etc/apt/sources.list").read_text() == f"deb {MIRROR} sid main\n"
    assert 'Check-Valid-Until "false"' in (tmp_path / "etc/apt/apt.conf.d/99wasmwheel").read_text()
    assert (tmp_path / chroot.CHROOT_CA.lstrip("/")).read_text() == "CA"
    assert (tmp_path / "etc/resolv.conf").exists()


def test_debootstrap_install_waits_for_the_dpkg_lock_and_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[list[str]] = []

    def which(name: str, *args: Any, **kwargs: Any) -> str | None:
        if name == "apt-get":
            return "/usr/bin/apt-get"
        return "/usr/sbin/debootstrap" if calls else None  # present once apt-get ran

    def run(command: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(list(command))
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(chroot.shutil, "which", which)
    monkeypatch.setattr(chroot.subprocess, "run", run)
    assert chroot.ensure_debootstrap() == "/usr/sbin/debootstrap"
    (install,) = calls
    assert install[:3] == ["apt-get", "-o", "DPkg::Lock::Timeout=300"]
    assert install[-1] == "debootstrap"
    assert "waits up to 5 minutes" in capsys.readouterr().err
