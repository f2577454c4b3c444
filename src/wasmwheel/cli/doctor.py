"""`wasmwheel doctor`: what is installed versus what toolchain.toml pins, for every target."""

from __future__ import annotations

import argparse
from typing import Any

from wasmwheel.config.pins import ALL_TARGETS, load_toolchain, requested_target
from wasmwheel.toolchain.doctor import render


def run(args: argparse.Namespace) -> int:
    toolchain = load_toolchain()
    requested = requested_target(args.target)
    # Every target is shown; the exit status is about the ones a build would use:
    # the requested one(s), else the default target.
    judged = {t.name for t in toolchain.select(requested)}
    reports = []
    ready = True
    for target in toolchain.select(ALL_TARGETS if requested is None else requested):
        text, target_ready = render(target, default=target.name == toolchain.default_target)
        reports.append(text)
        ready = ready and (target_ready or target.name not in judged)
    print("\n\n".join(reports))
    return 0 if ready else 1


def add_parser(verbs: Any) -> None:
    doctor = verbs.add_parser(
        "doctor", help="compare what is installed with toolchain.toml",
        description="Shows, for every target in toolchain.toml (or only --target's), the Pyodide "
        "runtime, Node and each route: installed or not, exact or approximate, and the fix. "
        "Exits 1 unless the default target (or each --target) has a ready route.",
    )
    doctor.set_defaults(func=run)
