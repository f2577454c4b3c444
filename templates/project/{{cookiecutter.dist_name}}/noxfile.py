"""`nox` runs the tests natively; `nox -s wasm`, `nox -s browser` and `nox -s publish`
build the Pyodide wheel with wasmwheel, test it in Node or browsers, and publish it."""

from __future__ import annotations

import nox

nox.needs_version = ">=2025.2.9"  # nox.project.dependency_groups
nox.options.default_venv_backend = "venv"

PYPROJECT = nox.project.load_toml("pyproject.toml")


def _install_wasmwheel(session: nox.Session) -> None:
    session.install(*nox.project.dependency_groups(PYPROJECT, "wasm"))


def _pytest_args(session: nox.Session) -> list[str]:
    """`nox -s wasm -- -k add`: what follows goes to pytest inside Pyodide."""
    return ["--", *session.posargs] if session.posargs else []


@nox.session
def tests(session: nox.Session) -> None:
    """Run the tests natively."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "test"))
    session.install(".")
    session.run("pytest", *session.posargs)


@nox.session(default=False)
def wasm(session: nox.Session) -> None:
    """Build the Pyodide wheel into dist/ and run the tests inside Pyodide in Node."""
    _install_wasmwheel(session)
    session.run("wasmwheel", "build", ".", "--outdir", "dist")
    session.run("wasmwheel", "test", ".", "--runtime", "node", *_pytest_args(session))


@nox.session(default=False)
def browser(session: nox.Session) -> None:
    """Run the tests inside Pyodide in headless Chromium and Firefox (page and worker)."""
    _install_wasmwheel(session)
    session.run("wasmwheel", "test", ".", "--runtime", "chromium", "--runtime", "firefox",
                *_pytest_args(session))


@nox.session(default=False)
def publish(session: nox.Session) -> None:
    """Check dist/ with wasmwheel's publish gate and upload it (pass --dry-run to only check)."""
    _install_wasmwheel(session)
    session.run("wasmwheel", "publish", *session.posargs)
