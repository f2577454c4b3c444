"""Render the project template (templates/project) as `wasmwheel new` would.

The private keys are the pins `wasmwheel new` writes from toolchain.toml at
generation time; computed here from the same pins so a rendered project
matches what a user gets, whatever stand-in values cookiecutter.json holds.
"""

from __future__ import annotations

from pathlib import Path

from cookiecutter.main import cookiecutter

import wasmwheel
from helpers.paths import REPO
from wasmwheel.config.pins import current_target

TEMPLATE = REPO / "templates" / "project"
VARIANTS = ("c", "cpp", "cython", "python")


def private_context() -> dict[str, str]:
    target = current_target()
    major_minor = target.python_major_minor
    return {
        "_pyodide_version": target.pyodide,
        "_python_version": target.python,
        "_python_major_minor": major_minor,
        "_platform_tag": target.platform_tag,
        "_cibw_identifier": f"cp{major_minor.replace('.', '')}-pyodide_wasm32",
        "_wasmwheel_requirement": f"wasmwheel=={wasmwheel.__version__}",
        "_pyodide_index_url": f"https://cdn.jsdelivr.net/pyodide/v{target.pyodide}/full/",
    }


def render(output_dir: Path, **context: str) -> Path:
    """Generate a project into output_dir with the template's defaults, `context` overriding
    them; return the project directory."""
    extra = private_context() | context
    return Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(output_dir),
                             extra_context=extra))
