"""toolchain.toml is the only file that spells a pin.

Every other file (code, Makefile, Dockerfile, flake.nix, CI) must read the
pins from toolchain.toml. The values checked are read from toolchain.toml
itself, so the test keeps working when the pins change. Markdown and tests
may quote pins.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from wasmwheel.config.pins import Target, parse_toolchain

REPO = Path(__file__).resolve().parents[2]
TOOLCHAIN = REPO / "toolchain.toml"
_GENERATED = {
    ".git",
    ".venv",
    "venv",
    ".nox",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "__pycache__",
    "node_modules",
    "build",
    "dist",
    "wheelhouse",
    ".wasmwheel",
}


def pinned_values(target: Target) -> dict[str, str]:
    values = {
        "pyodide": target.pyodide,
        "emscripten": target.emscripten,
        "abi": target.abi,
        "platform-tag": target.platform_tag,
        "pyodide-build": target.pyodide_build,
        "node.version": target.node.version,
        "npm.integrity": target.npm.integrity,
        "xbuildenv.version": target.xbuildenv.version,
        "xbuildenv.sha256": target.xbuildenv.sha256,
        "emsdk.revision": target.emsdk.revision,
        "exact.uv": target.exact.uv,
        "python": target.python,
        "exact.host-python": target.exact.host_python,
        "exact.cmake": target.exact.cmake,
        **{f"debian.packages.{name}": version
           for name, version in (target.debian.packages.items() if target.debian else ())},
    }
    return {name: value for name, value in values.items() if value}


def pattern(value: str) -> re.Pattern[str]:
    # Whole tokens only: 5.0.3 must not match 15.0.3 or 5.0.31; a leading "v" still counts.
    return re.compile(
        r"(?:(?<![0-9A-Za-z.])|(?<=[^0-9A-Za-z.]v))" + re.escape(value) + r"(?![0-9A-Za-z]|\.[0-9])"
    )


def repository_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\0")
        files = [REPO / name for name in listed if name]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (an sdist)
        files = [p for p in REPO.rglob("*") if not _GENERATED & set(p.relative_to(REPO).parts)]
    return [p for p in files if p.is_file() and not p.is_symlink()]


# Files that must spell pins, each compared with toolchain.toml by its own test.
COMPARED_ELSEWHERE = {
    # plain `cookiecutter templates/project` has no other source for its private keys;
    # tests/unit/test_scaffold.py checks they equal toolchain.toml's default target.
    Path("templates/project/cookiecutter.json"),
}


def checked(path: Path) -> bool:
    relative = path.relative_to(REPO)
    return (
        path.resolve() != TOOLCHAIN.resolve()
        and relative not in COMPARED_ELSEWHERE
        and path.suffix != ".md"
        and relative.parts[0] not in {"tests", ".git"}
        and not _GENERATED & set(relative.parts)
    )


def test_no_file_outside_toolchain_toml_spells_a_pin() -> None:
    toolchain = parse_toolchain(TOOLCHAIN)
    patterns = {
        f"{target.name}.{name} = {value!r}": pattern(value)
        for target in toolchain.targets.values()
        for name, value in pinned_values(target).items()
    }
    found = []
    for path in filter(checked, repository_files()):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files carry no hand-written pins
        for what, regex in patterns.items():
            for match in regex.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(REPO)}:{line}: spells {what}")
    assert not found, "read these from toolchain.toml instead:\n" + "\n".join(found)


def test_the_image_files_are_checked() -> None:
    """The Dockerfile and its scripts get their pins as build arguments: they are scanned."""
    scanned = {p.relative_to(REPO).as_posix() for p in filter(checked, repository_files())}
    assert {"Dockerfile", "docker/entrypoint.sh", "docker/image.py", "Makefile"} <= scanned


def test_the_token_pattern_is_strict_enough() -> None:
    regex = pattern("5.0.3")
    assert regex.search("emscripten 5.0.3 here") and regex.search('"v5.0.3"')
    assert not regex.search("15.0.3") and not regex.search("5.0.31") and not regex.search("5.0.3.1")
    assert pattern("2026_0").search("pyemscripten_2026_0_wasm32")


def test_the_nix_files_are_scanned() -> None:
    # flake.nix and nix/*.nix read every pin with builtins.fromTOML; the scan above proves it.
    scanned = set(filter(checked, repository_files()))
    nix_files = {REPO / "flake.nix", REPO / "flake.lock", *REPO.joinpath("nix").glob("*.nix")}
    assert len(nix_files) > 3 and nix_files <= scanned
