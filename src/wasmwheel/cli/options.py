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


def add_allow_pure_wheel_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-pure-wheel", action="store_true",
        help="accept a wheel without compiled extensions (e.g. py3-none-any) from a project "
        "with native sources, i.e. a build whose backend fell back to pure Python when its "
        "extensions failed to compile (by default that fails, naming the fallback and the "
        "first compiler error)",
    )


def add_allow_undefined_symbols_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-undefined-symbols", action="store_true",
        help="keep a wheel whose extension modules import symbols that neither the pinned "
        "Pyodide nor the wheel provides (by default that fails, naming them: such a module "
        "fails when Pyodide loads it or calls them); with this flag it is a warning",
    )
