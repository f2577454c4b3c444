"""The exact route's pieces against local stand-ins: an xbuildenv tarball served
over HTTP on 127.0.0.1 and an emsdk git repository made in the test."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from helpers.loopback import closed_port_url, serve
from wasmwheel.config.pins import EmsdkPin, Target, XbuildenvPin, current_target
from wasmwheel.errors import ConfigError, DownloadError, HashMismatchError, ToolchainError
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.routes.exact import emsdk, official_xbuildenv
from wasmwheel.toolchain.routes.exact.route import ExactRoute
from wasmwheel.wheel.reproducible import DEFAULT_EPOCH

PATCH = b"""\
diff --git a/tools/file.py b/tools/file.py
--- a/tools/file.py
+++ b/tools/file.py
@@ -1 +1 @@
-VALUE = 1
+VALUE = 2
"""

# A stand-in for emsdk: `install` lays out upstream/emscripten as the real one
# would, `activate` writes the config; every call is logged for the test.
FAKE_EMSDK = """\
#!/bin/sh
set -e
cd "$(dirname "$0")"
echo "$*" >> calls.log
case "$1" in
  install) mkdir -p upstream/emscripten/tools
           printf 'VALUE = 1\\n' > upstream/emscripten/tools/file.py ;;
  activate) echo "activated" > .emscripten ;;
esac
"""
FAKE_ENV_SH = """\
EMSDK="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export EMSDK
export EM_CONFIG="$EMSDK/.emscripten"
export PATH="$EMSDK/upstream/emscripten:$PATH"
"""


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def make_xbuildenv(
    path: Path,
    target: Target,
    *,
    emscripten: str | None = None,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A tiny tarball with the official xbuildenv's layout; returns its bytes."""
    makefile = (
        f"export PYVERSION ?= {target.python}\n"
        f"export PYODIDE_EMSCRIPTEN_VERSION ?= {emscripten or target.emscripten}\n"
        f"export PYODIDE_ABI_VERSION ?= {target.abi}\n"
        "export CPYTHONROOT=$(PYODIDE_ROOT)/cpython\n"
    ).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        _add(archive, "xbuildenv/requirements.txt", b"")
        _add(archive, "xbuildenv/pyodide-root/Makefile.envs", makefile)
        _add(archive, "xbuildenv/pyodide-root/dist/pyodide-lock.json", b"{}")
        _add(archive, "xbuildenv/pyodide-root/emsdk/patches/0001-value.patch", PATCH)
        for name, data in (extra or {}).items():
            _add(archive, name, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def emsdk_repo(tmp_path: Path) -> tuple[Path, str]:
    """A local git repository standing in for emsdk; returns (path, commit)."""
    repo = tmp_path / "emsdk-src"
    repo.mkdir()
    git("init", "-q", ".", cwd=repo)
    (repo / "emsdk").write_text(FAKE_EMSDK)
    (repo / "emsdk").chmod(0o755)
    (repo / "emsdk_env.sh").write_text(FAKE_ENV_SH)
    git("add", ".", cwd=repo)
    git("commit", "-q", "-m", "pinned", cwd=repo)
    commit = git("rev-parse", "HEAD", cwd=repo)
    (repo / "later.txt").write_text("a commit after the pin")
    git("add", ".", cwd=repo)
    git("commit", "-q", "-m", "moves main", cwd=repo)
    return repo, commit


@pytest.fixture
def site(tmp_path: Path):
    root = tmp_path / "site"
    root.mkdir()
    with serve(root) as base:
        yield root, base


def pinned(site_root: Path, base: str, data_for: Target | None = None, **tar_options) -> Target:
    """The shipped target, with its xbuildenv pin pointed at a tarball served locally."""
    target = current_target()
    version = target.xbuildenv.version
    name = f"xbuildenv-{version}.tar.gz"
    data = make_xbuildenv(site_root / version / name, target, **tar_options)
    pin = XbuildenvPin(
        version=version, url=f"{base}/{version}/{name}", sha256=hashlib.sha256(data).hexdigest()
    )
    return dataclasses.replace(target, xbuildenv=pin)


# --- xbuildenv -----------------------------------------------------------------


def test_xbuildenv_installs_in_pyodide_build_layout(site, tmp_path: Path) -> None:
    target = pinned(*site)
    root = tmp_path / "root"
    pyodide_root = official_xbuildenv.install_xbuildenv(target, root)
    version_dir = root / target.xbuildenv.version
    assert pyodide_root == version_dir / "xbuildenv" / "pyodide-root"
    assert (root / "xbuildenv").is_symlink()
    assert os.readlink(root / "xbuildenv") == target.xbuildenv.version  # relative: entry can move
    assert (root / "xbuildenv").resolve() == version_dir.resolve()
    assert (version_dir / ".installed").is_file()
    assert (version_dir / ".build-python-version").read_text() == target.python_major_minor
    assert (pyodide_root / "emsdk" / "patches" / "0001-value.patch").read_bytes() == PATCH
    assert sorted(p.name for p in root.iterdir()) == sorted([target.xbuildenv.version, "xbuildenv"])


def test_tampered_xbuildenv_is_refused(site, tmp_path: Path) -> None:
    site_root, base = site
    target = pinned(site_root, base)
    tarball = site_root / target.xbuildenv.version / f"xbuildenv-{target.xbuildenv.version}.tar.gz"
    make_xbuildenv(tarball, target, extra={"xbuildenv/evil.txt": b"swapped upstream"})
    root = tmp_path / "root"
    with pytest.raises(HashMismatchError):
        official_xbuildenv.install_xbuildenv(target, root)
    assert list(root.rglob("*")) == [root / target.xbuildenv.version]  # nothing unpacked


def test_unpinned_xbuildenv_is_refused_before_download(site, tmp_path: Path) -> None:
    target = pinned(*site)
    unpinned = dataclasses.replace(
        target, xbuildenv=dataclasses.replace(target.xbuildenv, sha256="")
    )
    with pytest.raises(ConfigError, match="sha256"):
        official_xbuildenv.install_xbuildenv(unpinned, tmp_path / "root")
    assert not (tmp_path / "root").exists()


def test_xbuildenv_for_another_emscripten_is_refused(site, tmp_path: Path) -> None:
    target = pinned(*site, emscripten="0.0.1")
    with pytest.raises(ToolchainError, match="PYODIDE_EMSCRIPTEN_VERSION"):
        official_xbuildenv.install_xbuildenv(target, tmp_path / "root")


def test_tarball_escaping_its_directory_is_refused(site, tmp_path: Path) -> None:
    target = pinned(*site, extra={"../../escaped.txt": b"outside"})
    with pytest.raises(ToolchainError, match="unpack"):
        official_xbuildenv.install_xbuildenv(target, tmp_path / "a" / "b" / "root")
    assert not list(tmp_path.rglob("escaped.txt"))


def test_mirror_env_serves_the_same_pinned_file(site, tmp_path: Path, monkeypatch) -> None:
    target = pinned(*site)
    version = target.xbuildenv.version
    official = dataclasses.replace(
        target,
        xbuildenv=dataclasses.replace(
            target.xbuildenv,
            url=f"https://github.invalid/releases/download/{version}/xbuildenv-{version}.tar.gz",
        ),
    )
    monkeypatch.setenv(official_xbuildenv.MIRROR_ENV, site[1] + "/")
    assert official_xbuildenv.xbuildenv_url(official.xbuildenv) == target.xbuildenv.url
    official_xbuildenv.install_xbuildenv(official, tmp_path / "root")


def test_missing_xbuildenv_is_a_download_error(site, tmp_path: Path) -> None:
    target = pinned(*site)
    gone = dataclasses.replace(
        target,
        xbuildenv=dataclasses.replace(
            target.xbuildenv, url=target.xbuildenv.url.replace(".tar.gz", "-gone.tar.gz")
        ),
    )
    with pytest.raises(DownloadError) as info:
        official_xbuildenv.install_xbuildenv(gone, tmp_path / "root")
    context = info.value.__context__  # fetch leaves the HTTPError open
    if context is not None and hasattr(context, "close"):
        context.close()


# --- emsdk ---------------------------------------------------------------------


def test_clone_checks_out_the_pinned_commit_not_the_branch_tip(emsdk_repo, tmp_path: Path) -> None:
    repo, commit = emsdk_repo
    dest = tmp_path / "emsdk"
    assert emsdk.clone_at_revision(EmsdkPin(repository=str(repo), revision=commit), dest) == commit
    assert (dest / "emsdk").is_file()
    assert not (dest / "later.txt").exists()


def test_clone_refuses_a_commit_that_does_not_exist(emsdk_repo, tmp_path: Path) -> None:
    repo, _ = emsdk_repo
    with pytest.raises(ToolchainError, match="does not exist"):
        emsdk.clone_at_revision(
            EmsdkPin(repository=str(repo), revision="0123456789" * 4), tmp_path / "e"
        )


@pytest.mark.parametrize("revision", ["", "main", "HEAD", "5.0.3", "abc1234", "A" * 40])
def test_moving_or_short_refs_are_refused(emsdk_repo, tmp_path: Path, revision: str) -> None:
    repo, _ = emsdk_repo
    with pytest.raises(ConfigError, match="not a pinned commit"):
        emsdk.clone_at_revision(EmsdkPin(repository=str(repo), revision=revision), tmp_path / "e")
    assert not (tmp_path / "e").exists()


def test_repository_override_still_uses_the_pinned_commit(
    emsdk_repo, tmp_path, monkeypatch
) -> None:
    repo, commit = emsdk_repo
    monkeypatch.setenv(emsdk.REPOSITORY_ENV, str(repo))
    pin = EmsdkPin(repository="https://github.invalid/emsdk.git", revision=commit)
    assert emsdk.clone_at_revision(pin, tmp_path / "e") == commit


def test_xbuildenv_then_emsdk_steps_in_route_order(site, emsdk_repo, tmp_path: Path) -> None:
    """The exact route's steps before the Python one, on the real layout."""
    repo, commit = emsdk_repo
    target = pinned(*site)
    root = tmp_path / "root"
    pyodide_root = official_xbuildenv.install_xbuildenv(target, root)
    emsdk_dir = root / target.xbuildenv.version / "emsdk"
    emsdk.clone_at_revision(EmsdkPin(repository=str(repo), revision=commit), emsdk_dir)
    emsdk.install_sdk(emsdk_dir, target.emscripten)
    emscripten_root = emsdk_dir / "upstream" / "emscripten"
    applied = emsdk.apply_patches(emscripten_root, pyodide_root / "emsdk" / "patches", {})
    emsdk.activate_sdk(emsdk_dir, target.emscripten)
    assert applied == {"0001-value.patch": hashlib.sha256(PATCH).hexdigest()}
    assert (emscripten_root / "tools" / "file.py").read_text() == "VALUE = 2\n"
    assert (emsdk_dir / "calls.log").read_text().splitlines() == [
        f"install --build=Release {target.emscripten}",
        f"activate --embedded --build=Release {target.emscripten}",
    ]
    env = emsdk.environment(emsdk_dir)
    assert env["EMSDK"] == str(emsdk_dir.resolve())
    assert env["PATH"].startswith(f"{emsdk_dir.resolve()}/upstream/emscripten:")
    assert env["EM_CONFIG"].endswith(".emscripten")


def test_patches_differing_from_pins_are_refused(tmp_path: Path) -> None:
    patches = tmp_path / "patches"
    patches.mkdir()
    (patches / "0001-value.patch").write_bytes(PATCH)
    (tmp_path / "em" / "tools").mkdir(parents=True)
    (tmp_path / "em" / "tools" / "file.py").write_text("VALUE = 1\n")
    with pytest.raises(ToolchainError, match="differ from the pins"):
        emsdk.apply_patches(tmp_path / "em", patches, {"0001-value.patch": "00" * 32})
    assert (tmp_path / "em" / "tools" / "file.py").read_text() == "VALUE = 1\n"  # untouched
    good = {"0001-value.patch": hashlib.sha256(PATCH).hexdigest()}
    assert emsdk.apply_patches(tmp_path / "em", patches, good) == good


def test_patch_that_does_not_apply_is_an_error(tmp_path: Path) -> None:
    patches = tmp_path / "patches"
    patches.mkdir()
    (patches / "0001-value.patch").write_bytes(PATCH)
    (tmp_path / "em" / "tools").mkdir(parents=True)
    (tmp_path / "em" / "tools" / "file.py").write_text("VALUE = 7\n")
    with pytest.raises(ToolchainError, match="git apply 0001-value.patch .* failed"):
        emsdk.apply_patches(tmp_path / "em", patches, {})


# --- the route -----------------------------------------------------------------


def route_for(target: Target) -> ExactRoute:
    return ExactRoute(target, cache.cache_root())


def test_available_when_pins_are_set_and_the_xbuildenv_answers(site, emsdk_repo) -> None:
    target = dataclasses.replace(pinned(*site), emsdk=EmsdkPin(str(emsdk_repo[0]), emsdk_repo[1]))
    assert route_for(target).available() is None


def test_unavailable_reasons(site, emsdk_repo) -> None:
    target = dataclasses.replace(pinned(*site), emsdk=EmsdkPin(str(emsdk_repo[0]), emsdk_repo[1]))
    missing = dataclasses.replace(
        target,
        xbuildenv=dataclasses.replace(target.xbuildenv, url=target.xbuildenv.url + ".missing"),
    )
    assert "404" in (route_for(missing).available() or "")
    unreachable = dataclasses.replace(
        target, xbuildenv=dataclasses.replace(target.xbuildenv, url=closed_port_url())
    )
    assert "unreachable" in (route_for(unreachable).available() or "")
    unpinned = dataclasses.replace(target, emsdk=EmsdkPin(str(emsdk_repo[0]), "main"))
    assert "emsdk revision" in (route_for(unpinned).available() or "")


def test_install_refuses_unpinned_emsdk_before_any_download(site) -> None:
    target = dataclasses.replace(pinned(*site), emsdk=EmsdkPin("https://github.invalid/e.git", ""))
    route = route_for(target)
    with pytest.raises(ConfigError, match="emsdk revision"):
        route.install()
    assert not route.entry.parent.exists() or not any(route.entry.parent.iterdir())
    status = route.status()
    assert not status.installed and status.fix and any("emsdk" in p for p in status.problems)


def test_failed_install_leaves_no_entry(site, emsdk_repo) -> None:
    site_root, base = site
    target = dataclasses.replace(
        pinned(site_root, base), emsdk=EmsdkPin(str(emsdk_repo[0]), emsdk_repo[1])
    )
    version = target.xbuildenv.version
    make_xbuildenv(
        site_root / version / f"xbuildenv-{version}.tar.gz",
        target,
        extra={"xbuildenv/evil.txt": b"tampered"},
    )
    route = route_for(target)
    with pytest.raises(HashMismatchError):
        route.install()
    assert not route.entry.exists()
    assert [p.name for p in route.entry.parent.iterdir()] == [route.entry.name + ".lock"]
    with pytest.raises(ToolchainError, match="not installed"):
        route.build(Path("."), Path("dist"), source_date_epoch=DEFAULT_EPOCH)


def test_emsdk_output_goes_to_stderr_and_its_failure_is_summarised(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """stdout carries only results (`wasmwheel build` prints the wheel's path)."""
    (tmp_path / "emsdk").write_text(
        "#!/bin/sh\necho \"Installing SDK 'sdk-releases-123'...\"\n"
        "echo 'error: downloading archive failed: HTTP 403' >&2\nexit 1\n"
    )
    (tmp_path / "emsdk").chmod(0o755)
    with pytest.raises(ToolchainError) as info:
        emsdk.install_sdk(tmp_path, "4.0.9")
    out, err = capfd.readouterr()
    assert out == ""
    assert "Installing SDK" in err
    assert "downloading archive failed: HTTP 403" in info.value.message
