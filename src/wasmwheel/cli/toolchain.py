"""`wasmwheel toolchain install`: provision a route into the cache."""

from __future__ import annotations

import argparse
from typing import Any

from wasmwheel.cli.options import add_route_option
from wasmwheel.config.pins import current_target
from wasmwheel.toolchain.routes import requested_route, select_route


def run_install(args: argparse.Namespace) -> int:
    route = select_route(requested_route(args.route), current_target(args.target))
    route.install()
    print(f"{route.name} route ready: Emscripten {route.emscripten_version()}"
          f"{' (approximate)' if route.approximate else ''}")
    return 0


def add_parser(verbs: Any) -> None:
    toolchain = verbs.add_parser("toolchain", help="provision the pinned toolchain into the cache")
    actions = toolchain.add_subparsers(dest="toolchain_verb", metavar="ACTION", required=True)
    install = actions.add_parser("install", help="install a route (idempotent)")
    add_route_option(install)
    install.set_defaults(func=run_install)
