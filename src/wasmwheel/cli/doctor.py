"""`wasmwheel doctor`: what is installed versus what toolchain.toml pins."""

from __future__ import annotations

import argparse
from typing import Any

from wasmwheel.config.pins import current_target
from wasmwheel.toolchain.doctor import render


def run(args: argparse.Namespace) -> int:
    text, ready = render(current_target(args.target))
    print(text)
    return 0 if ready else 1


def add_parser(verbs: Any) -> None:
    doctor = verbs.add_parser("doctor", help="compare what is installed with toolchain.toml")
    doctor.set_defaults(func=run)
