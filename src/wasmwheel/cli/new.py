"""`wasmwheel new PATH --template c|cpp|cython|python`: start a project from the template."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from wasmwheel import scaffold
from wasmwheel.config.pins import current_target

DESCRIPTION = """\
Generates a package whose Pyodide wheel builds and passes its tests out of the box:
pyproject.toml, src/ layout, tests run natively and inside Pyodide, a noxfile (`nox`,
`nox -s wasm`, `nox -s browser`, `nox -s publish`), README, LICENSE. Its pins (Pyodide,
CPython, platform tag, cibuildwheel identifier) come from this wasmwheel's toolchain.toml.

On a terminal, cookiecutter asks for the description, author and import name; --no-input
(or no terminal) takes the defaults. Nothing is written if a name is refused."""


def run(args: argparse.Namespace) -> int:
    interactive = not args.no_input and sys.stdin.isatty() and sys.stdout.isatty()
    made = scaffold.new(args.path, args.template, dist_name=args.name, interactive=interactive,
                        target=current_target(args.target))
    print(made)
    return 0


def add_parser(verbs: Any) -> None:
    new = verbs.add_parser("new", help="generate a new wasm-ready project from the template",
                           description=DESCRIPTION,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    new.add_argument("path", type=Path, metavar="PATH",
                     help="directory to create (must be new or empty)")
    new.add_argument("--template", required=True, choices=scaffold.VARIANTS,
                     help="c (setuptools C extension), cpp (pybind11, scikit-build-core), "
                          "cython (setuptools), python (pure Python)")
    new.add_argument("--name", metavar="DIST_NAME", default=None,
                     help="distribution name on PyPI (default: PATH's last component); "
                          "the import name is derived from it")
    new.add_argument("--no-input", action="store_true",
                     help="never prompt; take the template's defaults")
    new.set_defaults(func=run)
