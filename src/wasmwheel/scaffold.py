"""`wasmwheel new`: a project generated from the cookiecutter template in templates/project.

The template's private keys (`_pyodide_version`, ...) are written from toolchain.toml's
target, so a generated project pins what this wasmwheel builds and tests with. Names are
checked with the template's own pre-generation hook before anything is written, and the
project is generated beside PATH and renamed into place: a refused or failed run leaves
nothing on disk.
"""

from __future__ import annotations

import runpy
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from wasmwheel import __version__, progress
from wasmwheel.config.pins import Target
from wasmwheel.errors import ScaffoldError

VARIANTS = ("c", "cpp", "cython", "python")
# The pinned values the template asks for, by their cookiecutter.json keys.
PINNED_KEYS = ("_pyodide_version", "_python_version", "_python_major_minor", "_platform_tag",
               "_cibw_identifier", "_wasmwheel_requirement", "_pyodide_index_url")


def template_dir() -> Path:
    """The template: shipped inside the package (wheel), or the checkout's templates/project."""
    packaged = Path(__file__).parent / "templates" / "project"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates" / "project"


def pinned_context(target: Target) -> dict[str, str]:
    """The template's private keys, from the target's pins."""
    cp = "cp" + target.python_major_minor.replace(".", "")
    return {
        "_pyodide_version": target.pyodide,
        "_python_version": target.python,
        "_python_major_minor": target.python_major_minor,
        "_platform_tag": target.platform_tag,
        "_cibw_identifier": f"{cp}-pyodide_wasm32",
        "_wasmwheel_requirement": f"wasmwheel>={__version__}",
        "_pyodide_index_url": f"https://cdn.jsdelivr.net/pyodide/v{target.pyodide}/full/",
    }


def module_name_for(dist_name: str) -> str:
    """The import name the template derives from a distribution name (cookiecutter.json)."""
    return dist_name.lower().replace("-", "_").replace(".", "_")


def name_problem(dist_name: str, module_name: str) -> str | None:
    """Why the template's hook would refuse these names, or None (the hook's own rules)."""
    hook = runpy.run_path(str(template_dir() / "hooks" / "pre_gen_project.py"))
    problem: Callable[[str, str], str | None] = hook["problem"]
    return problem(dist_name, module_name)


def _check_target(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise ScaffoldError(f"{path} exists and is not a directory",
                            hint="choose a new directory for the project")
    if path.is_dir() and any(path.iterdir()):
        raise ScaffoldError(f"{path} exists and is not empty",
                            hint="choose a new or empty directory; nothing was written")


def new(path: Path, variant: str, *, dist_name: str | None = None, interactive: bool = False,
        target: Target) -> Path:
    """Generate a project into `path` (new or empty); return it."""
    if variant not in VARIANTS:
        raise ScaffoldError(f"unknown template {variant!r}",
                            hint=f"choose one of: {', '.join(VARIANTS)}")
    path = path.absolute()
    name = dist_name or path.name
    _check_target(path)
    reason = name_problem(name, module_name_for(name))
    if reason:
        hint = ("pass --name DIST_NAME" if dist_name is None else "choose another --name")
        raise ScaffoldError(reason, hint=f"{hint}; nothing was written")
    # Imported here, not at the top: cookiecutter (jinja2, requests, rich) costs every
    # other verb a tenth of a second of start-up.
    from cookiecutter.exceptions import CookiecutterException, FailedHookException
    from cookiecutter.main import cookiecutter

    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".wasmwheel-new-", dir=path.parent))
    try:
        progress.step(f"generating a {variant} project in {path}")
        made = Path(cookiecutter(
            str(template_dir()),
            no_input=not interactive,
            extra_context={"dist_name": name, "variant": variant, **pinned_context(target)},
            output_dir=str(staging / "out"),
            # No user config, and the replay file stays in the staging dir.
            default_config={"replay_dir": str(staging / "replay"),
                            "cookiecutters_dir": str(staging / "cookiecutters")},
        ))
        if path.is_dir():
            path.rmdir()  # empty, checked above
        made.rename(path)
    except FailedHookException:
        raise ScaffoldError("the template's checks refused the names given (see above)",
                            hint="nothing was written; run again with other names") from None
    except CookiecutterException as exc:
        raise ScaffoldError(f"the template could not be generated: {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path
