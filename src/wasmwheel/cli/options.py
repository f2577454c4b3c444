"""Flags that several verbs share."""

from __future__ import annotations

import argparse

from wasmwheel.toolchain.routes import ROUTE_NAMES


def add_route_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--route", choices=("auto", *ROUTE_NAMES), default=None,
        help="toolchain route: exact (official Emscripten + xbuildenv, hash-checked), debian "
        "(offline approximation in a chroot, root only), system (emcc on PATH); default: auto "
        "(or $WASMWHEEL_ROUTE)",
    )
