"""Sessions: `wasm` (build + test in Pyodide under Node), `browser` (the same in
Chromium and Firefox), `publish` (gate + upload) and `tests` (our own suite).

CI calls these sessions; no logic lives only in CI scripts. Versions come
from toolchain.toml, read here only to say what is being built; development
tools come from pyproject.toml's [dependency-groups].

Without a virtualenv (`nox --no-venv`, or NOX_DEFAULT_VENV_BACKEND=none as
the Nix shell sets) the sessions use the wasmwheel already installed instead
of installing it: the Nix shell provides it, built by Nix, and downloads nothing.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"  # nox.project.dependency_groups; the Makefile installs this
nox.options.default_venv_backend = "venv"


ROOT = Path(__file__).parent
EXAMPLE = ROOT / "examples" / "fastmath"
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")


def _groups(*names: str) -> tuple[str, ...]:
    """The requirements of pyproject.toml's dependency groups (any pip can install them)."""
    return nox.project.dependency_groups(PYPROJECT, *names)


def _install_wasmwheel(session: nox.Session) -> None:
    """Install wasmwheel into the session's venv, or check the environment already has it."""
    if session.venv_backend == "none":
        if shutil.which("wasmwheel") is None:
            session.error("no virtualenv and no `wasmwheel` on PATH: install it, or drop --no-venv")
        return
    session.install(str(ROOT))


def _target_summary() -> str:
    pins = tomllib.loads((ROOT / "toolchain.toml").read_text())
    name = pins["default-target"]
    target = pins["targets"][name]
    return f"{name}: Pyodide {target['pyodide']}, CPython {target['python']}, Emscripten {target['emscripten']}"


def _build(session: nox.Session) -> tuple[Path, Path]:
    """Install wasmwheel, build posargs[0] (default: the example); return (project, wheel)."""
    project = Path(session.posargs[0]).resolve() if session.posargs else EXAMPLE
    session.log(f"target {_target_summary()}")
    _install_wasmwheel(session)
    outdir = Path(session.create_tmp()) / "dist"
    for stale in outdir.glob("*.whl"):
        stale.unlink()
    session.run("wasmwheel", "build", str(project), "--outdir", str(outdir))
    wheels = sorted(outdir.glob("*.whl"))
    if len(wheels) != 1:
        session.error(f"expected one wheel in {outdir}, found {len(wheels)}")
    return project, wheels[0]


@nox.session
def wasm(session: nox.Session) -> None:
    """Build a project (default: the bundled example) to a Pyodide wheel and run its tests in Node."""
    project, wheel = _build(session)
    session.run("wasmwheel", "test", str(project), "--wheel", str(wheel), *session.posargs[1:])


@nox.session(default=False)
def browser(session: nox.Session) -> None:
    """Build a project (default: the example) and run its tests in Chromium and Firefox (page + worker)."""
    project, wheel = _build(session)
    session.run("wasmwheel", "test", str(project), "--wheel", str(wheel),
                "--runtime", "chromium", "--runtime", "firefox", *session.posargs[1:])


@nox.session(default=False)
def doctor(session: nox.Session) -> None:
    """Show what is installed versus what toolchain.toml pins."""
    _install_wasmwheel(session)
    session.run("wasmwheel", "doctor", success_codes=[0, 1])


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Run the benchmarks (warm build overhead, provisioning, test time) and print a table."""
    _install_wasmwheel(session)
    session.run("python", str(ROOT / "benchmarks" / "run.py"), *session.posargs)


@nox.session(default=False)
def corpus(session: nox.Session) -> None:
    """Build the corpus of real sdists (corpus/packages.toml), smoke-test them, write docs/compatibility.md."""
    _install_wasmwheel(session)
    session.chdir(ROOT)  # `corpus` is a package at the repository root, next to this file
    session.run("python", "-m", "corpus", *session.posargs, env={"PYTHONPATH": str(ROOT)})


@nox.session(default=False)
def image(session: nox.Session) -> None:
    """Build the Docker image with toolchain.toml's pins (args: --route, --base, --no-browsers, --extra-ca)."""
    session.install(str(ROOT))
    session.run("python", str(ROOT / "docker" / "image.py"), *session.posargs)


@nox.session(default=False)
def publish(session: nox.Session) -> None:
    """Publish wheels/sdists through the gate (args go to `wasmwheel publish`, e.g. -r testpypi dist/*)."""
    _install_wasmwheel(session)
    session.run("wasmwheel", "publish", *session.posargs)


@nox.session(default=False)
def lint(session: nox.Session) -> None:
    """Static checks: ruff, mypy --strict and hadolint (the Dockerfile)."""
    session.install("-e", str(ROOT), *_groups("lint", "test"))  # mypy reads pytest's types too
    session.run("ruff", "check", "src", "tests", "benchmarks", "noxfile.py", "docker", "corpus")
    session.run("mypy")
    session.run("hadolint", "--failure-threshold", "info", str(ROOT / "Dockerfile"))


@nox.session
def tests(session: nox.Session) -> None:
    """Lint, then wasmwheel's own suite: tests/unit (fast), then tests/integration (real toolchain)."""
    lint(session)  # installs wasmwheel and the test group too
    session.run("pytest", *session.posargs)
