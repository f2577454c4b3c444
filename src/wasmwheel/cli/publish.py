"""The `publish` verb: flags only; the work is `wasmwheel.publish.publish()`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wasmwheel.config.pins import ALL_TARGETS, Target, load_toolchain, requested_target
from wasmwheel.publish import EXTERNAL_BUILDERS, publish

DEFAULT_GLOBS = ("dist/*.whl", "dist/*.tar.gz")


def _files(args: argparse.Namespace) -> list[Path]:
    if args.dists:
        return [Path(d) for d in args.dists]
    return sorted(p for pattern in DEFAULT_GLOBS for p in Path.cwd().glob(pattern))


def _target(args: argparse.Namespace) -> Target:
    """For wheels that name no target themselves (no provenance, no pinned tag)."""
    requested = requested_target(args.target)
    toolchain = load_toolchain()
    # `all` (flag or $WASMWHEEL_TARGET): each wheel is judged by its own target; the
    # default one is only the fallback for a wheel that names none.
    return toolchain.target(toolchain.default_target if requested in (None, ALL_TARGETS)
                            else requested)


def run(args: argparse.Namespace) -> int:
    result = publish(
        _files(args), args.repository, dry_run=args.dry_run,
        allow_approximate=args.allow_approximate,
        allow_prerelease_abi=args.allow_prerelease_abi, skip_tested_check=args.skip_tested_check,
        external_builder=args.external_builder, target=_target(args),
    )
    word = (f" ({len(result.external)} on your word: built by {args.external_builder})"
            if result.external else "")
    if result.dry_run:
        print(f"dry run: {len(result.files)} file(s) passed every check for "
              f"{result.repository}{word}")
    else:
        print(f"{result.repository}: {len(result.uploaded)} uploaded, "
              f"{len(result.skipped)} already there{word}")
    return 0


def add_parser(subparsers: Any) -> None:
    """Add `wasmwheel publish` to the CLI's verbs (an argparse subparsers object)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "publish", help="check wheels and sdists, then upload them with twine",
        description="Every file is checked first (tags, archive, metadata, `twine check`, "
        "provenance, `wasmwheel test` record); if any file is refused, nothing is uploaded. "
        "Each wheel is judged against its own target (its provenance, else its platform tag). "
        "Credentials come from TWINE_USERNAME/TWINE_PASSWORD, keyring or ~/.pypirc.",
    )
    parser.add_argument("dists", nargs="*", metavar="DIST",
                        help="wheels and sdists (default: dist/*.whl dist/*.tar.gz)")
    parser.add_argument("--repository", "-r", default="pypi",
                        help="pypi, testpypi, a ~/.pypirc section or an upload URL (default: pypi)")
    parser.add_argument("--dry-run", action="store_true",
                        help="run every check, upload nothing")
    parser.add_argument("--allow-approximate", action="store_true",
                        help="let wheels from an approximate toolchain route go to PyPI/TestPyPI")
    parser.add_argument("--allow-prerelease-abi", action="store_true",
                        help="let wheels for a pre-release target (e.g. an alpha Pyodide) go to "
                        "PyPI/TestPyPI; they may break when that Pyodide is released")
    parser.add_argument("--skip-tested-check", action="store_true",
                        help="publish wheels that have no passing `wasmwheel test` record")
    parser.add_argument("--external-builder", choices=EXTERNAL_BUILDERS, default=None,
                        help="state that the Pyodide wheels without wasmwheel provenance were "
                        "built by this tool (e.g. `cibuildwheel --platform pyodide`); they "
                        "pass only if their exact bytes passed `wasmwheel test` on Node, and "
                        "the gate reports the claim as yours, since the wheel cannot show it")
    parser.set_defaults(func=run)
