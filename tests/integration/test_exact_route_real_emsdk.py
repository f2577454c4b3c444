"""The whole exact route against the REAL emsdk commit, with STAND-IN archives.

What is real: emsdk itself, cloned at the pinned commit from a local git mirror
($WASMWHEEL_TEST_EMSDK_GIT) and run as `emsdk install` / `emsdk activate`
(its manifest, its download names, its unpacking, its `npm ci` step, its
config); Pyodide's emsdk patches (`emsdk/patches/*.patch` at the xbuildenv's
tag in $WASMWHEEL_TEST_PYODIDE_GIT); the Emscripten files those patches touch
(`git archive <emscripten> <paths>` of $WASMWHEEL_TEST_EMSCRIPTEN_GIT).

What is a STAND-IN, made by this test and served from 127.0.0.1 in place of
Google's storage and GitHub's releases: the wasm-binaries archive (only
`emscripten/` with those real files, an empty-dependency package.json and
package-lock.json so `npm ci` runs offline, and an `emcc` script that records
its calls: no clang, no binaryen), the Node archive (`bin/node` and `bin/npm`
scripts that run the host's node and npm), and the xbuildenv (only
Makefile.envs and the real patches). CPython via uv is stood in too (uv
downloads it from GitHub). The real 5.0.3 binaries are never downloaded here:
`wasmwheel toolchain pin` and the README's connected check cover them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from helpers.loopback import serve
from helpers.paths import REPO
from wasmwheel.builder.pipeline import provenance_for
from wasmwheel.config.pins import Target, parse_toolchain
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.routes.exact import emsdk, host_python, official_xbuildenv, sdk_archives
from wasmwheel.toolchain.routes.exact.route import ExactRoute
from wasmwheel.wheel.reproducible import DEFAULT_EPOCH

MIRRORS = ("WASMWHEEL_TEST_EMSDK_GIT", "WASMWHEEL_TEST_EMSCRIPTEN_GIT", "WASMWHEEL_TEST_PYODIDE_GIT")
MISSING = [name for name in MIRRORS if not os.environ.get(name)]
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(bool(MISSING), reason="needs local git mirrors of emsdk, emscripten and "
                       f"pyodide: set {', '.join(MISSING)}"),
]
NPM = shutil.which("npm")
NODE = shutil.which("node")


def git(mirror: str, *args: str) -> bytes:
    return subprocess.run(["git", "-C", os.environ[mirror], *args], check=True,
                          capture_output=True).stdout


def add(archive: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    archive.addfile(info, io.BytesIO(data))


def tarball(members: dict[str, bytes | tuple[bytes, int]], mode: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:  # type: ignore[call-overload]
        for name, data in members.items():
            content, perm = data if isinstance(data, tuple) else (data, 0o644)
            add(archive, name, content, perm)
    return buffer.getvalue()


def real_patches(target: Target) -> dict[str, bytes]:
    tag = target.xbuildenv.version
    names = git("WASMWHEEL_TEST_PYODIDE_GIT", "ls-tree", "--name-only",
                f"{tag}:emsdk/patches").decode().split()
    return {name: git("WASMWHEEL_TEST_PYODIDE_GIT", "show", f"{tag}:emsdk/patches/{name}")
            for name in names if name.endswith(".patch")}


def touched_files(target: Target, patches: dict[str, bytes]) -> dict[str, bytes]:
    """The real Emscripten files the patches change, from `git archive <version> <paths>`."""
    paths = sorted({m.decode() for p in patches.values()
                    for m in re.findall(rb"^diff --git a/(\S+) b/", p, re.MULTILINE)})
    raw = git("WASMWHEEL_TEST_EMSCRIPTEN_GIT", "archive", target.emscripten, *paths)
    with tarfile.open(fileobj=io.BytesIO(raw)) as archive:
        return {m.name: archive.extractfile(m).read()  # type: ignore[union-attr]
                for m in archive.getmembers() if m.isfile()}


EMCC = b'#!/bin/sh\necho "$0 $*" >> "$EMCC_LOG"\necho "emcc (stand-in) 5.0.3"\n'
PYODIDE = """#!/bin/sh
# Stand-in for pyodide-build's CLI: check the emcc it finds, then write a wheel.
emcc --version > /dev/null
env > "$4/build-env.txt"
touch "$4/demo-1.0-py3-none-any.whl"
"""


def sdk_archive(target: Target, files: dict[str, bytes]) -> bytes:
    lock = {"name": "emscripten", "lockfileVersion": 3, "requires": True,
            "packages": {"": {"name": "emscripten"}}}
    members: dict[str, bytes | tuple[bytes, int]] = {
        f"install/emscripten/{path}": data for path, data in files.items()}
    members["install/emscripten/package.json"] = b'{"name": "emscripten", "private": true}\n'
    members["install/emscripten/package-lock.json"] = json.dumps(lock).encode()
    members["install/emscripten/emcc"] = (EMCC, 0o755)
    members["install/bin/README.stand-in"] = b"no clang here: a test stand-in\n"
    return tarball(members, "w:xz")


def node_archive(name: str) -> bytes:
    top = name.removesuffix(".tar.xz")
    npm = f"#!/bin/sh\nexport npm_config_offline=true npm_config_audit=false npm_config_fund=false\nexec {NPM} \"$@\"\n"
    return tarball({f"{top}/bin/node": (f'#!/bin/sh\nexec {NODE} "$@"\n'.encode(), 0o755),
                    f"{top}/bin/npm": (npm.encode(), 0o755)}, "w:xz")


def xbuildenv_archive(target: Target, patches: dict[str, bytes]) -> bytes:
    makefile = (f"export PYVERSION ?= {target.python}\n"
                f"export PYODIDE_EMSCRIPTEN_VERSION ?= {target.emscripten}\n"
                f"export PYODIDE_ABI_VERSION ?= {target.abi}\n").encode()
    members: dict[str, bytes | tuple[bytes, int]] = {
        "xbuildenv/pyodide-root/Makefile.envs": makefile}
    members |= {f"xbuildenv/pyodide-root/emsdk/patches/{n}": d for n, d in patches.items()}
    return tarball(members, "w:gz")


def put(root: Path, url: str, data: bytes) -> str:
    path = root / url.split("://", 1)[1].split("/", 1)[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


@pytest.mark.skipif(NPM is None or NODE is None, reason="needs node and npm on PATH for npm ci")
def test_real_emsdk_installs_stand_in_archives_applies_real_patches_and_is_used(
    tmp_path: Path, empty_cache: Path, monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    started = time.monotonic()
    shipped = parse_toolchain(REPO / "toolchain.toml").target()
    key = sdk_archives.platform_key()
    sdk, node = sdk_archives.archives_for(shipped.emsdk, key)
    patches = real_patches(shipped)
    originals = touched_files(shipped, patches)

    root = tmp_path / "storage"
    sdk_sha = put(root, sdk.pinned_url, sdk_archive(shipped, originals))
    node_sha = put(root, node.pinned_url, node_archive(node.name))
    xbuildenv_sha = put(root, "x://h/xb/" + "/".join(shipped.xbuildenv.url.split("/")[-2:]),
                        xbuildenv_archive(shipped, patches))

    # A test copy of toolchain.toml: the stand-ins' sha256s pinned, everything else as shipped.
    text = (REPO / "toolchain.toml").read_text()
    text = text.replace(shipped.xbuildenv.sha256, xbuildenv_sha)
    table = f"[targets.{shipped.name}.emsdk.archives.{key}]"
    head, _, rest = text.partition(table)
    rest = rest.replace('sdk-sha256 = ""', f'sdk-sha256 = "{sdk_sha}"', 1)
    rest = rest.replace('node-sha256 = ""', f'node-sha256 = "{node_sha}"', 1)
    copy = tmp_path / "toolchain.toml"
    copy.write_text(head + table + rest)
    target = parse_toolchain(copy).target()
    assert [a.sha256 for a in sdk_archives.archives_for(target.emsdk)] == [sdk_sha, node_sha]

    monkeypatch.setenv(emsdk.REPOSITORY_ENV, os.environ["WASMWHEEL_TEST_EMSDK_GIT"])
    monkeypatch.setenv("EMCC_LOG", str(tmp_path / "emcc.log"))
    monkeypatch.setattr(host_python, "ensure_uv", lambda version: Path("uv"))

    def stand_in_python(t: Target, uv: Path) -> Path:
        # uv's CPython comes from GitHub: a complete entry stands where the real one would be
        # (`build` holds it, as it holds the toolchain).
        entry = host_python.python_entry(t)
        with cache.atomic_entry(entry, {"python": t.python}) as scratch:
            (scratch / "bin").mkdir()
        return entry / "bin" / "python"

    monkeypatch.setattr(host_python, "ensure_python", stand_in_python)

    def stand_in_venv(t: Target, uv: Path, python: Path, venv: Path) -> None:
        (venv / "bin").mkdir(parents=True)
        (venv / "bin" / "pyodide").write_text(PYODIDE)
        (venv / "bin" / "pyodide").chmod(0o755)

    monkeypatch.setattr(host_python, "create_build_venv", stand_in_venv)
    with serve(root) as base:
        monkeypatch.setenv(sdk_archives.STORAGE_ENV, base)
        monkeypatch.setenv(official_xbuildenv.MIRROR_ENV, f"{base}/xb")
        route = ExactRoute(target, cache.cache_root())
        route.install()
    installed = time.monotonic()
    err = capfd.readouterr().err

    # emsdk used the archives wasmwheel placed, under its own names, and downloaded nothing.
    for archive in (sdk, node):
        assert f"downloads/{archive.name}' already downloaded, skipping" in err
    assert "Running post-install step: npm ci" in err and "Done running: npm ci" in err

    # Stamped: the real emsdk commit, the verified archives, the real patches.
    stamp = cache.read_stamp(route.entry)
    assert stamp["emsdk_commit"] == shipped.emsdk.revision
    assert stamp["emsdk_release"] == shipped.emsdk.release
    assert stamp["archives"] == {
        sdk.name: {"url": sdk.pinned_url, "sha256": sdk_sha, "verified": True},
        node.name: {"url": node.pinned_url, "sha256": node_sha, "verified": True},
    }
    assert stamp["sdk_verified"] is True
    assert stamp["patches"] == {n: hashlib.sha256(d).hexdigest() for n, d in patches.items()}
    assert len(patches) >= 1

    # Installed where emsdk's manifest says, and patched.
    emsdk_dir = route.emsdk_dir
    upstream = emsdk_dir / "upstream"
    assert (upstream / ".emsdk_version").read_text().strip() == (
        f"releases-{shipped.emsdk.release}-64bit")
    assert (upstream / "emscripten" / "emscripten-version.txt").read_text().strip() == (
        f'"{shipped.emscripten}"')
    for path, original in originals.items():
        assert (upstream / "emscripten" / path).read_bytes() != original, f"{path} not patched"
    assert not (emsdk_dir / "downloads").exists()
    config = (emsdk_dir / ".emscripten").read_text()
    assert "LLVM_ROOT = emsdk_path + '/upstream/bin'" in config
    assert "NODE_JS = emsdk_path + '/node/" in config

    # Used: the build runs with this emsdk's emcc first on PATH.
    project = tmp_path / "project"
    project.mkdir()
    wheel = route.build(project, tmp_path / "out", source_date_epoch=DEFAULT_EPOCH)
    assert wheel.name == "demo-1.0-py3-none-any.whl"
    env = dict(line.split("=", 1) for line in
               (tmp_path / "out" / "build-env.txt").read_text().splitlines() if "=" in line)
    assert Path(env["EMSDK"]) == emsdk_dir.resolve()
    assert env["PYODIDE_XBUILDENV_PATH"] == str(route.xbuildenv_root)
    assert env["EMSDK_NODE"].startswith(str(emsdk_dir.resolve() / "node"))
    called = (tmp_path / "emcc.log").read_text().split()[0]
    assert Path(called).resolve() == (upstream / "emscripten" / "emcc").resolve()
    assert provenance_for(route, target).sdk_verified is True
    print(f"\nexact route with the real emsdk: install {installed - started:.1f}s, "
          f"total {time.monotonic() - started:.1f}s")
