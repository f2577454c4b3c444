"""$WASMWHEEL_NODE: a Node the environment provides (the Nix shell) instead of PyPI's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from wasmwheel.config.pins import current_target
from wasmwheel.errors import ToolchainError
from wasmwheel.toolchain import node

TARGET = current_target()


def fake_node(directory: Path, version: str, *, with_npm: bool = True) -> Path:
    """A `node` printing `version`, laid out like nodejs.org's archives and nixpkgs' nodejs."""
    binary = directory / "bin" / "node"
    binary.parent.mkdir(parents=True)
    binary.write_text(f"#!/bin/sh\necho {version}\n")
    binary.chmod(0o755)
    if with_npm:
        cli = directory / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
        cli.parent.mkdir(parents=True)
        cli.write_text("")
    return binary


def test_the_provided_node_is_used_and_nothing_is_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    binary = fake_node(tmp_path, f"v{TARGET.node.major}.1.0")
    monkeypatch.setenv(node.NODE_ENV, str(binary))
    assert node.ensure_node(TARGET) == binary
    assert not node.node_dir(TARGET).exists()  # no pip install into the cache
    assert node.npm_command(TARGET) == [
        str(binary), str(tmp_path / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js")
    ]


def test_another_major_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = TARGET.node.major + 1
    monkeypatch.setenv(node.NODE_ENV, str(fake_node(tmp_path, f"v{other}.0.0")))
    with pytest.raises(ToolchainError, match=rf"is Node {other}\.0\.0, the target needs Node "):
        node.ensure_node(TARGET)


def test_something_that_is_not_node_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(node.NODE_ENV, str(fake_node(tmp_path, "hello")))
    with pytest.raises(ToolchainError, match="is not Node"):
        node.ensure_node(TARGET)
    monkeypatch.setenv(node.NODE_ENV, str(tmp_path / "missing"))
    with pytest.raises(ToolchainError, match="does not run"):
        node.ensure_node(TARGET)


def test_a_provided_node_without_npm_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    binary = fake_node(tmp_path, f"v{TARGET.node.major}.1.0", with_npm=False)
    monkeypatch.setenv(node.NODE_ENV, str(binary))
    with pytest.raises(ToolchainError, match="has no npm beside it"):
        node.npm_command(TARGET)


def test_doctor_shows_the_provided_node(tmp_path: Path) -> None:
    good = fake_node(tmp_path / "good", f"v{TARGET.node.major}.1.0")
    result = wasmwheel("doctor", check=False, env=os.environ | {node.NODE_ENV: str(good)})
    assert f"node     {good} ($WASMWHEEL_NODE): ready (Node {TARGET.node.major}.1.0)" in (
        result.stdout
    )
    bad = fake_node(tmp_path / "bad", "v1.0.0")
    result = wasmwheel("doctor", check=False, env=os.environ | {node.NODE_ENV: str(bad)})
    assert f"node     {bad} ($WASMWHEEL_NODE): unusable: " in result.stdout
