"""Sessions: `wasm` (build + test in Pyodide under Node), `browser` (the same in
Chromium and Firefox), `publish` (gate + upload) and `tests` (our own suite).

Targets: $WASMWHEEL_TARGET (`make wasm TARGET=pyodide-315`) names one target or
`all`; without it `wasm` builds and tests every target, `browser` the default one.

CI calls these sessions; no logic lives only in CI scripts. Versions come
from toolchain.toml, read here only to say what is being built; development
tools come from pyproject.toml's [dependency-groups].

Without a virtualenv (`nox --no-venv`, or NOX_DEFAULT_VENV_BACKEND=none as
the Nix shell sets) the sessions use the wasmwheel already installed instead
of installing it: the Nix shell provides it, built by Nix, and downloads nothing.

Speed (a warm `make wasm` should cost little more than typing `wasmwheel build`
and `wasmwheel test`): venvs are reused, and wasmwheel is installed into one
only when a digest of what goes into its wheel (src/, templates/,
pyproject.toml, toolchain.toml, README.md, LICENSE) differs from the one
stamped in the venv by the last install. `nox --reuse-venv=no` starts afresh.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tomllib
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"  # nox.project.dependency_groups; the Makefile installs this
nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"  # a session's venv outlives the run; _install_wasmwheel keeps it current


ROOT = Path(__file__).parent
TARGET_ENV = "WASMWHEEL_TARGET"  # wasmwheel's own variable: `all` or a [targets.<name>] name
DEFAULT_TARGET = tomllib.loads((ROOT / "toolchain.toml").read_text())["default-target"]
EXAMPLE = ROOT / "examples" / "fastmath"
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")


def _groups(*names: str) -> tuple[str, ...]:
    """The requirements of pyproject.toml's dependency groups (any pip can install them)."""
    return nox.project.dependency_groups(PYPROJECT, *names)


# What hatchling puts into wasmwheel's wheel (pyproject.toml's build targets).
PACKAGE_INPUTS = ("src", "templates", "pyproject.toml", "toolchain.toml", "README.md", "LICENSE")
INSTALLED_STAMP = "wasmwheel-installed-from.sha256"


def source_digest(root: Path = ROOT) -> str:
    """sha256 of the files wasmwheel's wheel is built from: paths, exec bits and bytes."""
    digest = hashlib.sha256()
    for name in PACKAGE_INPUTS:
        top = root / name
        files = [top] if top.is_file() else sorted(
            path for path in top.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts)
        for path in files:
            executable = "x" if path.stat().st_mode & 0o111 else "-"
            digest.update(f"{path.relative_to(root).as_posix()}\0{executable}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _install_wasmwheel(session: nox.Session) -> None:
    """Install wasmwheel into the session's venv unless that venv already has this source's build."""
    if session.venv_backend == "none":
        if shutil.which("wasmwheel") is None:
            session.error("no virtualenv and no `wasmwheel` on PATH: install it, or drop --no-venv")
        return
    stamp = Path(session.virtualenv.location) / INSTALLED_STAMP
    wanted = source_digest()
    if stamp.is_file() and stamp.read_text().strip() == wanted:
        session.log("wasmwheel in this venv is built from the current source: not reinstalling")
        return
    stamp.unlink(missing_ok=True)  # an interrupted install must not look current
    session.install(str(ROOT))  # pip reinstalls a local path even at the same version
    stamp.write_text(wanted + "\n")


def _targets(session: nox.Session, default: str) -> list[str]:
    """The targets to build: $WASMWHEEL_TARGET (`make ... TARGET=`), else `default`.

    Exported for the session, so every `wasmwheel` it runs means the same targets.
    """
    pins = tomllib.loads((ROOT / "toolchain.toml").read_text())
    chosen = os.environ.get(TARGET_ENV) or default
    session.env[TARGET_ENV] = chosen
    names = list(pins["targets"]) if chosen == "all" else [chosen]
    for name in names:
        target = pins["targets"].get(name)
        if target is None:
            session.error(f"unknown target {name!r}: use one of {', '.join(pins['targets'])}, all")
        session.log(f"target {name}: Pyodide {target['pyodide']}, CPython {target['python']}, "
                    f"Emscripten {target['emscripten']}")
    return names


def _build(session: nox.Session, default_target: str) -> Path:
    """Install wasmwheel, build posargs[0] (default: the example) for each target; return it.

    Exactly what a user types: `wasmwheel build PROJECT`, the wheels going where
    `wasmwheel test PROJECT` then finds them (PROJECT/dist, or beside an sdist),
    so an unchanged project reuses its last wheels (the build says so).
    """
    project = Path(session.posargs[0]).resolve() if session.posargs else EXAMPLE
    _targets(session, default_target)
    _install_wasmwheel(session)
    session.run("wasmwheel", "build", str(project))  # every target in $WASMWHEEL_TARGET
    return project


@nox.session
def wasm(session: nox.Session) -> None:
    """Build a project (default: the example) for every target and run its tests in Node."""
    project = _build(session, default_target="all")
    session.run("wasmwheel", "test", str(project), *session.posargs[1:])  # each in its own runtime


@nox.session(default=False)
def browser(session: nox.Session) -> None:
    """Build a project (default: the example) and run its tests in Chromium and Firefox (page + worker)."""
    project = _build(session, default_target=DEFAULT_TARGET)
    session.run("wasmwheel", "test", str(project),
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
    _install_wasmwheel(session)
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
