"""flake.nix, evaluated by a real Nix against a stand-in nixpkgs.

Real nixpkgs cannot be fetched here, so tests/nix/stand-in-nixpkgs provides the
attributes the flake uses (each a real, never-built derivation). What this
checks: every .nix file parses; `nix flake show` and `nix flake check
--no-build` pass; `lib.pins` is toolchain.toml's default target; the dev shell's
derivation exports what `wasmwheel doctor` and the system route need; the
Emscripten derivation uses the pinned archive hashes and refuses while they are
empty. What it cannot check (a connected machine can): building anything.

Debian's Nix (nix-bin) runs single-user with a store, config and HOME in a
temporary directory; it is installed with apt-get when missing (as root).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from helpers.paths import REPO

pytestmark = pytest.mark.integration

STAND_IN = "tests/nix/stand-in-nixpkgs"
SYSTEMS = ("x86_64-linux", "aarch64-linux")
NIX_CONF = """\
experimental-features = nix-command flakes
substituters =
flake-registry =
build-users-group =
sandbox = false
"""


def ensure_nix() -> None:
    if shutil.which("nix") and shutil.which("nix-instantiate"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("Nix is not installed and cannot be (needs root and apt-get: nix-bin)")
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "nix-bin"]
    if subprocess.run(install, capture_output=True, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, env=env, check=False)
        subprocess.run(install, capture_output=True, env=env, check=True)


def copy_checkout(dest: Path) -> Path:
    """The files a fresh clone has (tracked, plus new files not ignored): what the flake sees."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    return dest


class Nix:
    def __init__(self, root: Path) -> None:
        (root / "conf").mkdir()
        (root / "conf" / "nix.conf").write_text(NIX_CONF)
        (root / "home").mkdir()
        self.store = root / "store"
        self.env = os.environ | {"NIX_CONF_DIR": str(root / "conf"), "HOME": str(root / "home"),
                                 "XDG_CACHE_HOME": str(root / "home" / ".cache")}

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(["nix", "--store", str(self.store), *args], capture_output=True,
                                text=True, env=self.env, timeout=300, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"nix {' '.join(args)} failed:\n{result.stderr[-4000:]}")
        return result

    def on_flake(self, verb: list[str], flake: Path, attribute: str = "",
                 *, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run(*verb, "--override-input", "nixpkgs", f"path:{flake / STAND_IN}",
                        f"path:{flake}{'#' + attribute if attribute else ''}", check=check)

    def eval_json(self, flake: Path, attribute: str) -> Any:
        return json.loads(self.on_flake(["eval", "--json"], flake, attribute).stdout)

    def derivation_env(self, flake: Path, attribute: str) -> dict[str, str]:
        drv = self.on_flake(["eval", "--raw"], flake, f"{attribute}.drvPath").stdout
        shown = json.loads(self.run("show-derivation", drv).stdout)
        return dict(shown[drv]["env"])


@pytest.fixture(scope="module")
def nix(tmp_path_factory: pytest.TempPathFactory) -> Nix:
    ensure_nix()
    return Nix(tmp_path_factory.mktemp("nix"))


@pytest.fixture(scope="module")
def flake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_checkout(tmp_path_factory.mktemp("checkout"))


def default_target(flake: Path) -> dict[str, Any]:
    toolchain = tomllib.loads((flake / "toolchain.toml").read_text())
    target: dict[str, Any] = toolchain["targets"][toolchain["default-target"]]
    return target


def test_every_nix_file_parses(nix: Nix, flake: Path) -> None:
    files = sorted(flake.rglob("*.nix"))
    assert flake / "flake.nix" in files and flake / STAND_IN / "flake.nix" in files
    for path in files:
        result = subprocess.run(["nix-instantiate", "--parse", str(path)], capture_output=True,
                                text=True, env=nix.env, check=False)
        assert result.returncode == 0, f"{path.relative_to(flake)}: {result.stderr}"


def test_flake_show_and_check(nix: Nix, flake: Path) -> None:
    shown = nix.on_flake(["flake", "show", "--json"], flake)
    outputs = json.loads(shown.stdout)
    for system in SYSTEMS:
        assert set(outputs["packages"][system]) >= {"default", "wasmwheel", "emscripten",
                                                    "pyodide-build", "xbuildenv"}
        assert set(outputs["apps"][system]) >= {"wasm", "browser", "doctor"}
        assert "default" in outputs["devShells"][system]
        assert system in outputs["formatter"]
    nix.on_flake(["flake", "check", "--no-build"], flake)


def test_lib_pins_is_the_default_target_of_toolchain_toml(nix: Nix, flake: Path) -> None:
    assert nix.eval_json(flake, "lib.pins") == default_target(flake)


@pytest.mark.parametrize("system", SYSTEMS)
def test_the_dev_shell_exports_what_the_system_route_needs(
    nix: Nix, flake: Path, system: str
) -> None:
    target = default_target(flake)
    env = nix.derivation_env(flake, f"devShells.{system}.default")
    assert env["WASMWHEEL_ROUTE"] == "system"
    assert env["PYODIDE_XBUILDENV_PATH"].endswith(f"-pyodide-xbuildenv-{target['xbuildenv']['version']}")
    assert env["PYODIDE_SKIP_EMSCRIPTEN_INSTALL"] == "1"
    # nothing downloaded behind Nix's back
    assert env["PIP_NO_INDEX"] == "1" and env["PIP_FIND_LINKS"].startswith("/nix/store/")
    assert env["UV_OFFLINE"] == "1" and env["UV_PYTHON_DOWNLOADS"] == "never"
    assert env["NOX_DEFAULT_VENV_BACKEND"] == "none"
    assert env["WASMWHEEL_NODE"].endswith(f"-nodejs-{target['node']['major']}/bin/node")
    assert env["WASMWHEEL_PYODIDE_TARBALL"].endswith(f"-pyodide-{target['npm']['version']}.tgz")
    # the shell's packages: the target's CPython env (wasmwheel, pyodide-build, nox), Emscripten
    packages = env["packages"].split()
    python = "python" + "".join(target["python"].split(".")[:2])
    assert any(p.endswith(f"-{python}-env") or "-python3.14-env" in p for p in packages), packages
    emscripten = nix.on_flake(["eval", "--raw"], flake, f"packages.{system}.emscripten.outPath")
    assert emscripten.stdout in packages


def fixed_output_downloads(nix: Nix, flake: Path, attribute: str) -> dict[str, str]:
    """url -> outputHash of every fixed-output derivation `attribute` depends on."""
    drv = nix.on_flake(["eval", "--raw"], flake, f"{attribute}.drvPath").stdout
    shown = json.loads(nix.run("show-derivation", "--recursive", drv).stdout)
    return {d["env"]["url"]: d["env"]["outputHash"] for d in shown.values()
            if "outputHash" in d["env"]}


def test_downloads_are_fixed_output_derivations_with_the_pinned_hashes(
    nix: Nix, flake: Path
) -> None:
    target = default_target(flake)
    downloads = fixed_output_downloads(nix, flake, "devShells.x86_64-linux.default")
    assert downloads[target["xbuildenv"]["url"]] == target["xbuildenv"]["sha256"]
    npm = target["npm"]
    runtime_url = f"https://registry.npmjs.org/{npm['package']}/-/{npm['package']}-{npm['version']}.tgz"
    assert downloads[runtime_url] == npm["integrity"]
    for wheel in target["nix"]["python-wheels"].values():
        assert downloads[wheel["url"]] == wheel["sha256"]
    # while the emsdk archives are unpinned, no download of them exists at all
    archives = target["emsdk"]["archives"]["linux-x86_64"]
    for part in ("sdk", "node"):
        if not archives[f"{part}-sha256"]:
            assert archives[f"{part}-url"] not in downloads


def with_archive_hashes(flake: Path, dest: Path, sha256: str) -> Path:
    """A copy of the checkout whose toolchain.toml has every emsdk archive sha256 filled in."""
    copy = shutil.copytree(flake, dest, symlinks=True)
    toolchain = copy / "toolchain.toml"
    text = toolchain.read_text()
    for key in ("sdk-sha256", "node-sha256"):  # both platforms' tables
        text = text.replace(f'{key} = ""', f'{key} = "{sha256}"')
    toolchain.write_text(text)
    return copy


def test_emscripten_refuses_while_its_archives_are_unpinned(nix: Nix, flake: Path) -> None:
    archives = default_target(flake)["emsdk"]["archives"]["linux-x86_64"]
    if archives["sdk-sha256"] and archives["node-sha256"]:
        pytest.skip("toolchain.toml pins the archives: nothing to refuse")
    assert nix.eval_json(flake, "packages.x86_64-linux.emscripten.pinned") is False
    script = nix.eval_json(flake, "packages.x86_64-linux.emscripten.buildCommand")
    assert "wasmwheel toolchain pin" in script and "exit 1" in script


def test_pinned_archives_are_fixed_output_downloads_with_those_hashes(
    nix: Nix, flake: Path, tmp_path: Path
) -> None:
    fake = "0123456789abcdef" * 4  # evaluation only: nothing is fetched
    pinned = with_archive_hashes(flake, tmp_path / "pinned", fake)
    assert nix.eval_json(pinned, "packages.x86_64-linux.emscripten.pinned") is True
    archives = default_target(pinned)["emsdk"]["archives"]["linux-x86_64"]
    for part in ("sdk", "node"):
        env = nix.derivation_env(pinned, f"packages.x86_64-linux.emscripten.{part}")
        assert env["outputHash"] == fake and env["url"] == archives[f"{part}-url"]
    shell = nix.derivation_env(pinned, "devShells.x86_64-linux.default")
    emscripten = nix.on_flake(["eval", "--raw"], pinned,
                              "packages.x86_64-linux.emscripten.outPath").stdout
    assert emscripten in shell["packages"].split()


def test_the_apps_run_the_nox_sessions(nix: Nix, flake: Path) -> None:
    for session in ("wasm", "browser", "doctor"):
        app = nix.eval_json(flake, f"apps.x86_64-linux.{session}")
        assert app["type"] == "app" and app["program"].startswith("/nix/store/")
        assert app["program"].endswith(f"-wasmwheel-nox-{session}")
