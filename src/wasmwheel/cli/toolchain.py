"""`wasmwheel toolchain install|pin`: provision a route into the cache; pin the SDK archives."""

from __future__ import annotations

import argparse
from typing import Any

from wasmwheel.cli.options import add_route_option
from wasmwheel.config.pins import load_toolchain
from wasmwheel.toolchain import pin
from wasmwheel.toolchain.routes import requested_route, select_route


def run_install(args: argparse.Namespace) -> int:
    targets = load_toolchain().select(args.target)  # `all`: each target's route
    for target in targets:
        route = select_route(requested_route(args.route), target)
        route.install()
        verified = route.sdk_verified()
        note = " (approximate)" if route.approximate else ""
        if verified is False:
            note += " (SDK archive NOT verified: no sha256 pinned)"
        which = f" for {target.name}" if len(targets) > 1 else ""
        print(f"{route.name} route ready{which}: Emscripten {route.emscripten_version()}{note}",
              flush=True)
    return 0


def run_pin(args: argparse.Namespace) -> int:
    toolchain = load_toolchain()
    updates = pin.compute(toolchain.target(args.target), args.platform or None)
    for update in updates:
        print(update.describe())
    if args.dry_run:
        print(f"dry run: {toolchain.path.resolve()} was not changed")
        return 0
    if not any(update.changes for update in updates):
        print(f"{toolchain.path.resolve()} already pins these sha256s")
        return 0
    print(f"wrote {pin.write(toolchain, updates)}")
    return 0


def add_parser(verbs: Any) -> None:
    toolchain = verbs.add_parser("toolchain", help="provision the pinned toolchain into the cache")
    actions = toolchain.add_subparsers(dest="toolchain_verb", metavar="ACTION", required=True)
    install = actions.add_parser("install", help="install a route (idempotent)")
    add_route_option(install)
    install.set_defaults(func=run_install)
    pinning = actions.add_parser(
        "pin",
        help="download emsdk's SDK archives and write their sha256s into toolchain.toml",
        description="For a maintainer who can reach emsdk's storage: downloads every archive "
        "[targets.<target>.emsdk.archives] names (each platform), checks the xbuildenv "
        "against its pin, and rewrites the *-sha256 lines of toolchain.toml in place "
        "(comments kept). Select the target with `wasmwheel --target T toolchain pin`. "
        "WASMWHEEL_EMSDK_STORAGE_URL serves the same paths from a mirror.",
    )
    pinning.add_argument("--dry-run", action="store_true",
                         help="print what would be written; change nothing")
    pinning.add_argument("--platform", action="append", metavar="OS-ARCH",
                         help="only this platform's table, e.g. linux-x86_64 (repeatable)")
    pinning.set_defaults(func=run_pin)
