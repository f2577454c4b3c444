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
from wasmwheel.builder.pipeline import provenance_for
from wasmwheel.config.pins import EmsdkPin, Target, XbuildenvPin, current_target
from wasmwheel.errors import ConfigError, DownloadError, HashMismatchError, ToolchainError
from wasmwheel.toolchain import cache, doctor
from wasmwheel.toolchain.routes.exact import emsdk, host_python, official_xbuildenv, sdk_archives
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

# A stand-in for emsdk: `install` logs what is in its downloads/ folder (the
# real one uses those files when EMSDK_KEEP_DOWNLOADS is set), "downloads"
# $FAKE_EMSDK_FETCHES itself if set, and lays out upstream/emscripten as the
# real one would; `activate` writes the config. Every call is logged.
FAKE_EMSDK = """\
#!/bin/sh
set -e
cd "$(dirname "$0")"
echo "$* keep=${EMSDK_KEEP_DOWNLOADS:-} arch=${EMSDK_ARCH:-}" >> calls.log
case "$1" in
  install) if [ -d downloads ]; then ls downloads | sed 's/^/  has /' >> calls.log; fi
           if [ -n "${FAKE_EMSDK_FETCHES:-}" ]; then echo x > "downloads/$FAKE_EMSDK_FETCHES"; fi
           mkdir -p upstream/emscripten/tools
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


def emsdk_pin(repository: str, revision: str, **changes: object) -> EmsdkPin:
    """The shipped emsdk pin (release, archive URLs) with another repository and revision."""
    return dataclasses.replace(
        current_target().emsdk, repository=repository, revision=revision, **changes
    )


def test_clone_checks_out_the_pinned_commit_not_the_branch_tip(emsdk_repo, tmp_path: Path) -> None:
    repo, commit = emsdk_repo
    dest = tmp_path / "emsdk"
    assert emsdk.clone_at_revision(emsdk_pin(str(repo), commit), dest) == commit
    assert (dest / "emsdk").is_file()
    assert not (dest / "later.txt").exists()


def test_clone_refuses_a_commit_that_does_not_exist(emsdk_repo, tmp_path: Path) -> None:
    repo, _ = emsdk_repo
    with pytest.raises(ToolchainError, match="does not exist"):
        emsdk.clone_at_revision(emsdk_pin(str(repo), "0123456789" * 4), tmp_path / "e")


@pytest.mark.parametrize("revision", ["", "main", "HEAD", "5.0.3", "abc1234", "A" * 40])
def test_moving_or_short_refs_are_refused(emsdk_repo, tmp_path: Path, revision: str) -> None:
    repo, _ = emsdk_repo
    with pytest.raises(ConfigError, match="not a pinned commit"):
        emsdk.clone_at_revision(emsdk_pin(str(repo), revision), tmp_path / "e")
    assert not (tmp_path / "e").exists()


def test_repository_override_still_uses_the_pinned_commit(
    emsdk_repo, tmp_path, monkeypatch
) -> None:
    repo, commit = emsdk_repo
    monkeypatch.setenv(emsdk.REPOSITORY_ENV, str(repo))
    pin = emsdk_pin("https://github.invalid/emsdk.git", commit)
    assert emsdk.clone_at_revision(pin, tmp_path / "e") == commit


def test_xbuildenv_then_emsdk_steps_in_route_order(site, emsdk_repo, tmp_path: Path) -> None:
    """The exact route's steps before the Python one, on the real layout."""
    repo, commit = emsdk_repo
    target = pinned(*site)
    root = tmp_path / "root"
    pyodide_root = official_xbuildenv.install_xbuildenv(target, root)
    emsdk_dir = root / target.xbuildenv.version / "emsdk"
    emsdk.clone_at_revision(emsdk_pin(str(repo), commit), emsdk_dir)
    emsdk.install_sdk(emsdk_dir, target.emscripten, "x86_64")
    emscripten_root = emsdk_dir / "upstream" / "emscripten"
    applied = emsdk.apply_patches(emscripten_root, pyodide_root / "emsdk" / "patches", {})
    emsdk.activate_sdk(emsdk_dir, target.emscripten, "x86_64")
    assert applied == {"0001-value.patch": hashlib.sha256(PATCH).hexdigest()}
    assert (emscripten_root / "tools" / "file.py").read_text() == "VALUE = 2\n"
    assert (emsdk_dir / "calls.log").read_text().splitlines() == [
        f"install --build=Release {target.emscripten} keep=1 arch=x86_64",
        f"activate --embedded --build=Release {target.emscripten} keep=1 arch=x86_64",
    ]
    env = emsdk.environment(emsdk_dir)
    assert env["EMSDK"] == str(emsdk_dir.resolve())
    assert env["PATH"].startswith(f"{emsdk_dir.resolve()}/upstream/emscripten:")
    assert env["EM_CONFIG"].endswith(".emscripten")


def patches_and_tree(tmp_path: Path, value: int) -> Path:
    """patches/0001-value.patch (PATCH) beside em/tools/file.py saying VALUE = `value`."""
    patches = tmp_path / "patches"
    patches.mkdir()
    (patches / "0001-value.patch").write_bytes(PATCH)
    (tmp_path / "em" / "tools").mkdir(parents=True)
    (tmp_path / "em" / "tools" / "file.py").write_text(f"VALUE = {value}\n")
    return patches


def test_patches_differing_from_pins_are_refused(tmp_path: Path) -> None:
    patches = patches_and_tree(tmp_path, 1)
    with pytest.raises(ToolchainError, match="differ from the pins"):
        emsdk.apply_patches(tmp_path / "em", patches, {"0001-value.patch": "00" * 32})
    assert (tmp_path / "em" / "tools" / "file.py").read_text() == "VALUE = 1\n"  # untouched
    good = {"0001-value.patch": hashlib.sha256(PATCH).hexdigest()}
    assert emsdk.apply_patches(tmp_path / "em", patches, good) == good


def test_patch_that_does_not_apply_is_an_error(tmp_path: Path) -> None:
    patches = patches_and_tree(tmp_path, 7)
    with pytest.raises(ToolchainError, match="git apply 0001-value.patch .* failed"):
        emsdk.apply_patches(tmp_path / "em", patches, {})


# --- the SDK archives ----------------------------------------------------------


@pytest.mark.parametrize(("machine", "arch"), [
    ("x86_64", "x86_64"), ("AMD64", "x86_64"), ("aarch64", "arm64"), ("arm64", "arm64"),
])
def test_machine_names_map_to_emsdks_arch(machine: str, arch: str) -> None:
    assert sdk_archives.emsdk_arch(machine) == arch
    assert sdk_archives.platform_key("Linux", machine) == f"linux-{arch}"


def test_a_platform_without_pinned_archives_is_refused_before_anything() -> None:
    with pytest.raises(ToolchainError, match="no Emscripten SDK for this machine"):
        sdk_archives.emsdk_arch("riscv64")
    with pytest.raises(ConfigError, match="no emsdk archives for darwin-arm64") as info:
        sdk_archives.archives_for(current_target().emsdk, "darwin-arm64")
    assert "--route debian" in (info.value.hint or "")


def test_archives_get_emsdks_download_names() -> None:
    """emsdk's get_download_target: the releases tool's "<release>-" prefix + the URL's name."""
    pin = current_target().emsdk
    names = {a.role: a.name for a in sdk_archives.archives_for(pin, "linux-x86_64")}
    assert names == {"sdk": f"{pin.release}-wasm-binaries.tar.xz",
                     "node": pin.archives["linux-x86_64"].node_url.rsplit("/", 1)[-1]}
    arm = {a.role: a.name for a in sdk_archives.archives_for(pin, "linux-arm64")}
    assert arm["sdk"] == f"{pin.release}-wasm-binaries-arm64.tar.xz"


def test_storage_override_keeps_the_path(monkeypatch) -> None:
    archive = sdk_archives.archives_for(current_target().emsdk, "linux-x86_64")[0]
    monkeypatch.setenv(sdk_archives.STORAGE_ENV, "http://127.0.0.1:1234/")
    assert archive.url == "http://127.0.0.1:1234" + archive.pinned_url.split(".com", 1)[1]


@pytest.fixture
def storage(tmp_path: Path, monkeypatch):
    """A loopback stand-in for Google's storage (WASMWHEEL_EMSDK_STORAGE_URL points at it)."""
    root = tmp_path / "storage"
    root.mkdir()
    with serve(root) as base:
        monkeypatch.setenv(sdk_archives.STORAGE_ENV, base)
        yield root


def serve_archives(root: Path, pin: EmsdkPin, tag: bytes = b"") -> dict[str, str]:
    """Stand-in archives at every pinned URL's path; returns {URL: sha256}."""
    hashes = {}
    for key in pin.archives:
        for archive in sdk_archives.archives_for(pin, key):
            data = b"stand-in " + archive.name.encode() + tag
            path = root / archive.pinned_url.split("://", 1)[1].split("/", 1)[1]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            hashes[archive.pinned_url] = hashlib.sha256(data).hexdigest()
    return hashes


def with_hashes(pin: EmsdkPin, hashes: dict[str, str]) -> EmsdkPin:
    return dataclasses.replace(pin, archives={
        key: dataclasses.replace(a, sdk_sha256=hashes.get(a.sdk_url, ""),
                                 node_sha256=hashes.get(a.node_url, ""))
        for key, a in pin.archives.items()
    })


@pytest.fixture
def no_host_python(monkeypatch) -> None:
    """uv's CPython comes from GitHub: the fast tier stands in a venv whose `pyodide` logs its env."""
    def venv(target: Target, uv: Path, python: Path, dest: Path) -> None:
        (dest / "bin").mkdir(parents=True)
        script = dest / "bin" / "pyodide"
        script.write_text('#!/bin/sh\nenv > "$(dirname "$0")/../build-env.txt"\n'
                          'touch "$4/demo-1.0-py3-none-any.whl"\n')
        script.chmod(0o755)

    monkeypatch.setattr(host_python, "ensure_uv", lambda version: Path("uv"))
    def python(target: Target, uv: Path) -> Path:
        # A complete entry where the real one would be: `build` holds it like the toolchain.
        entry = host_python.python_entry(target)
        with cache.atomic_entry(entry, {"python": target.python}) as scratch:
            (scratch / "bin").mkdir()
        return entry / "bin" / "python"

    monkeypatch.setattr(host_python, "ensure_python", python)
    monkeypatch.setattr(host_python, "create_build_venv", venv)


def exact_target(site, emsdk_repo, storage: Path, *, pin_hashes: bool = True, **tar) -> Target:
    target = pinned(*site, **tar)
    pin = emsdk_pin(str(emsdk_repo[0]), emsdk_repo[1])
    hashes = serve_archives(storage, pin)
    return dataclasses.replace(target, emsdk=with_hashes(pin, hashes if pin_hashes else {}))


def good_entry_for_other_pins(route: ExactRoute) -> Path:
    """A complete toolchain of other pins: a failed install must never touch it."""
    other = route.entry.with_name(route.entry.name.rsplit("-", 1)[0] + "-0000000000000000")
    with cache.atomic_entry(other, {"route": "exact"}) as scratch:
        (scratch / "keep.txt").write_text("good")
    return other


def only_lock_and(route: ExactRoute, *kept: Path) -> None:
    assert not route.entry.exists()
    assert sorted(p.name for p in route.entry.parent.iterdir()) == sorted(
        [route.entry.name + ".lock", *(k.name for k in kept)])


def test_install_fetches_verifies_and_hands_the_archives_to_emsdk(
    site, emsdk_repo, storage, no_host_python, capfd
) -> None:
    target = exact_target(site, emsdk_repo, storage)
    route = route_for(target)
    route.install()
    archives = sdk_archives.archives_for(target.emsdk)
    arch = sdk_archives.emsdk_arch()
    log = (route.emsdk_dir / "calls.log").read_text().splitlines()
    assert log == [f"install --build=Release {target.emscripten} keep=1 arch={arch}",
                   *sorted(f"  has {a.name}" for a in archives),
                   f"activate --embedded --build=Release {target.emscripten} keep=1 arch={arch}"]
    stamp = cache.read_stamp(route.entry)
    assert stamp["archives"] == {
        a.name: {"url": a.pinned_url, "sha256": a.sha256, "verified": True} for a in archives
    }
    assert stamp["sdk_verified"] is True and route.sdk_verified() is True
    assert stamp["emsdk_commit"] == emsdk_repo[1]
    assert stamp["emsdk_release"] == target.emsdk.release
    assert stamp["patches"] == {"0001-value.patch": hashlib.sha256(PATCH).hexdigest()}
    assert not (route.emsdk_dir / "downloads").exists()  # unpacked; hashes are in the stamp
    assert "NOT verified" not in capfd.readouterr().err
    assert provenance_for(route, target).sdk_verified is True


def test_tampered_archive_is_one_error_and_nothing_is_installed(
    site, emsdk_repo, storage, no_host_python
) -> None:
    target = exact_target(site, emsdk_repo, storage)
    serve_archives(storage, target.emsdk, tag=b" swapped upstream")
    route = route_for(target)
    other = good_entry_for_other_pins(route)
    with pytest.raises(HashMismatchError) as info:
        route.install()
    assert "does not match its pinned hash" in info.value.message
    assert "\n" not in info.value.message and "nothing was installed" in (info.value.hint or "")
    only_lock_and(route, other)
    assert cache.is_complete(other) and (other / "keep.txt").read_text() == "good"


def test_unpinned_archives_install_unverified_and_say_so(
    site, emsdk_repo, storage, no_host_python, capfd
) -> None:
    target = exact_target(site, emsdk_repo, storage, pin_hashes=False)
    route = route_for(target)
    assert any("NOT verified" in p for p in route.status().problems)
    route.install()
    err = capfd.readouterr().err
    assert "warning: SDK archive NOT verified (no sha256 pinned)" in err
    served = serve_archives(storage, target.emsdk)
    stamp = cache.read_stamp(route.entry)
    for archive in sdk_archives.archives_for(target.emsdk):
        assert stamp["archives"][archive.name] == {
            "url": archive.pinned_url, "sha256": served[archive.pinned_url], "verified": False}
    assert stamp["sdk_verified"] is False and route.sdk_verified() is False
    assert any("NOT verified" in p for p in route.status().problems)
    assert provenance_for(route, target).sdk_verified is False


def test_emsdk_downloading_anything_unpinned_fails_the_install(
    site, emsdk_repo, storage, no_host_python, monkeypatch
) -> None:
    monkeypatch.setenv("FAKE_EMSDK_FETCHES", "python-3.13.3-linux.tar.xz")
    route = route_for(exact_target(site, emsdk_repo, storage))
    with pytest.raises(ToolchainError, match="emsdk downloaded python-3.13.3-linux.tar.xz, which"):
        route.install()
    only_lock_and(route)


def test_patch_that_does_not_apply_leaves_nothing_installed(
    site, emsdk_repo, storage, no_host_python
) -> None:
    bad = PATCH.replace(b"-VALUE = 1", b"-VALUE = 9").replace(b"+VALUE = 2", b"+VALUE = 3")
    target = exact_target(site, emsdk_repo, storage,
                          extra={"xbuildenv/pyodide-root/emsdk/patches/0002-bad.patch": bad})
    route = route_for(target)
    with pytest.raises(ToolchainError, match="git apply 0002-bad.patch .* failed") as info:
        route.install()
    assert "another Emscripten version" in (info.value.hint or "")
    only_lock_and(route)


def test_build_runs_pyodide_with_the_installed_emsdk(
    site, emsdk_repo, storage, no_host_python, tmp_path: Path
) -> None:
    route = route_for(exact_target(site, emsdk_repo, storage))
    route.install()
    wheel = route.build(tmp_path, tmp_path / "out", source_date_epoch=DEFAULT_EPOCH)
    assert wheel.name == "demo-1.0-py3-none-any.whl"
    env = dict(line.split("=", 1) for line in
               (route.entry / "venv" / "build-env.txt").read_text().splitlines() if "=" in line)
    assert env["EMSDK"] == str(route.emsdk_dir.resolve())
    # The venv's bin/ (the pinned cmake), then emsdk's PATH.
    assert env["PATH"].startswith(
        f"{route.entry}/venv/bin:{route.emsdk_dir.resolve()}/upstream/emscripten:"
    )
    assert env["PYODIDE_XBUILDENV_PATH"] == str(route.xbuildenv_root)
    assert env["PYODIDE_SKIP_EMSCRIPTEN_INSTALL"] == "1"


# --- the route -----------------------------------------------------------------


def route_for(target: Target) -> ExactRoute:
    return ExactRoute(target, cache.cache_root())


def test_available_when_pins_are_set_and_the_sources_answer(site, emsdk_repo, storage) -> None:
    target = exact_target(site, emsdk_repo, storage)
    assert route_for(target).available() is None
    assert route_for(target).status().fix == "wasmwheel toolchain install --route exact"


def test_unavailable_reasons(site, emsdk_repo, storage) -> None:
    target = exact_target(site, emsdk_repo, storage)
    missing = dataclasses.replace(
        target,
        xbuildenv=dataclasses.replace(target.xbuildenv, url=target.xbuildenv.url + ".missing"),
    )
    assert "404" in (route_for(missing).available() or "")
    unreachable = dataclasses.replace(
        target, xbuildenv=dataclasses.replace(target.xbuildenv, url=closed_port_url())
    )
    assert "unreachable" in (route_for(unreachable).available() or "")
    unpinned = dataclasses.replace(target, emsdk=emsdk_pin(str(emsdk_repo[0]), "main"))
    assert "emsdk revision" in (route_for(unpinned).available() or "")


def test_unreachable_storage_makes_the_route_unavailable(site, emsdk_repo, storage,
                                                         monkeypatch) -> None:
    target = exact_target(site, emsdk_repo, storage)
    monkeypatch.setenv(sdk_archives.STORAGE_ENV, closed_port_url().rstrip("/"))
    assert "unreachable" in (route_for(target).available() or "")


def test_doctor_never_suggests_an_install_known_to_fail(site, emsdk_repo, storage) -> None:
    """Its fix says what will work: pin first, or another route, never `--route exact`."""
    target = exact_target(site, emsdk_repo, storage)
    unpinned = dataclasses.replace(target, emsdk=emsdk_pin(str(emsdk_repo[0]), ""))
    fix = route_for(unpinned).status().fix or ""
    assert "pin it first" in fix and "--route debian" in fix and "--route exact" not in fix
    unreachable = dataclasses.replace(
        target, xbuildenv=dataclasses.replace(target.xbuildenv, url=closed_port_url())
    )
    fix = route_for(unreachable).status().fix or ""
    assert fix.startswith("the exact sources are unreachable from here")
    assert "--route debian" in fix and "--route exact" not in fix
    text, ready = doctor.render(unreachable)
    assert not ready and "toolchain install --route exact" not in text


def test_install_refuses_unpinned_emsdk_before_any_download(site) -> None:
    target = dataclasses.replace(pinned(*site), emsdk=emsdk_pin("https://github.invalid/e.git", ""))
    route = route_for(target)
    with pytest.raises(ConfigError, match="emsdk revision"):
        route.install()
    assert not route.entry.parent.exists() or not any(route.entry.parent.iterdir())
    status = route.status()
    assert not status.installed and status.fix and any("emsdk" in p for p in status.problems)


def test_install_refuses_a_platform_without_archives_before_any_download(site, emsdk_repo) -> None:
    target = dataclasses.replace(
        pinned(*site), emsdk=emsdk_pin(str(emsdk_repo[0]), emsdk_repo[1], archives={}))
    route = route_for(target)
    with pytest.raises(ConfigError, match="pins no emsdk archives for"):
        route.install()
    assert not route.entry.parent.exists() or not any(route.entry.parent.iterdir())


def test_failed_install_leaves_no_entry(site, emsdk_repo, storage) -> None:
    site_root, base = site
    target = exact_target((site_root, base), emsdk_repo, storage)
    version = target.xbuildenv.version
    make_xbuildenv(
        site_root / version / f"xbuildenv-{version}.tar.gz",
        target,
        extra={"xbuildenv/evil.txt": b"tampered"},
    )
    route = route_for(target)
    with pytest.raises(HashMismatchError):
        route.install()
    only_lock_and(route)
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
        emsdk.install_sdk(tmp_path, "4.0.9", "x86_64")
    out, err = capfd.readouterr()
    assert out == ""
    assert "Installing SDK" in err
    assert "downloading archive failed: HTTP 403" in info.value.message
