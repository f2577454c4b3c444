"""Render the project template (templates/project) as `wasmwheel new` would.

The private keys are the pins `wasmwheel new` writes from toolchain.toml at
generation time; computed here from the same pins so a rendered project
matches what a user gets, whatever stand-in values cookiecutter.json holds.
"""

from __future__ import annotations

from pathlib import Path

from cookiecutter.main import cookiecutter

from helpers.paths import REPO
from wasmwheel.config.pins import current_target
from wasmwheel.scaffold import pinned_context

TEMPLATE = REPO / "templates" / "project"
VARIANTS = ("c", "cpp", "cython", "python")


def private_context() -> dict[str, str]:
    return pinned_context(current_target())  # exactly what `wasmwheel new` writes


def render(output_dir: Path, **context: str) -> Path:
    """Generate a project into output_dir with the template's defaults, `context` overriding
    them; return the project directory."""
    extra = private_context() | context
    return Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(output_dir),
                             extra_context=extra))
