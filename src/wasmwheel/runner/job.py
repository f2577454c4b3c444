"""The job directory a runtime executes: wheels, a zip of the tests, the plugin, job.json.

Every file in job.json is a URL relative to job.json itself, so the same
directory works from the file system (Node) and over HTTP from a loopback
server (browsers). Only `indexURL`, `result` and `snapshot` differ between runtimes.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wasmwheel.runner.assets import plugin_source

SCHEMA = 1
PLUGIN_NAME = "wasmwheel_pytest_plugin.py"  # module name inside Pyodide
WORKDIR = "/home/pyodide/project"            # where the tests are unpacked inside Pyodide
# Files at the project root that configure pytest or provide fixtures.
ROOT_FILES = ("conftest.py", "pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
_SKIP_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same tests give the same archive


@dataclass(frozen=True)
class Job:
    directory: Path
    wheels: tuple[str, ...]          # relative to `directory`; the wheel under test is last
    import_check: tuple[str, ...]    # modules imported before pytest runs
    pytest_args: tuple[str, ...]
    test_timeout: float              # seconds per test, 0 = off
    run_timeout: float               # seconds for the whole run
    tests: str = "tests.zip"
    plugin: str = PLUGIN_NAME
    workdir: str = WORKDIR

    def to_json(self, *, index_url: str, result: str, snapshot: str | None = None,
                site: str | None = None, site_wheels: Collection[str] = ()) -> dict[str, Any]:
        """`site` (Node only): the URL of a compiled site that holds `site_wheels`, which
        are then mounted rather than installed (runtimes/compiled_site.py)."""
        extra = {"snapshot": snapshot} if snapshot else {}
        if site:
            extra["site"] = site
        return extra | {
            "schema": SCHEMA,
            "indexURL": index_url,
            "wheels": [w for w in self.wheels if w not in site_wheels],
            "tests": self.tests,
            "plugin": self.plugin,
            "workdir": self.workdir,
            "importCheck": list(self.import_check),
            "pytestArgs": list(self.pytest_args),
            "timeouts": {"test": self.test_timeout, "run": self.run_timeout},
            "result": result,
        }

    def write(self, name: str, *, index_url: str, result: str, snapshot: str | None = None,
              site: str | None = None, site_wheels: Collection[str] = ()) -> Path:
        """`snapshot`: the URL of a Pyodide memory snapshot to boot from (Node only)."""
        path = self.directory / name
        job = self.to_json(index_url=index_url, result=result, snapshot=snapshot, site=site,
                           site_wheels=site_wheels)
        path.write_text(json.dumps(job, indent=2), encoding="utf-8")
        return path


def _test_files(project_dir: Path, test_paths: Sequence[str]) -> list[Path]:
    files = {project_dir / name for name in ROOT_FILES if (project_dir / name).is_file()}
    for rel in test_paths:
        path = project_dir / rel
        candidates = [path] if path.is_file() else path.rglob("*")
        files.update(p for p in candidates if p.is_file() and not _SKIP_PARTS & set(p.parts)
                     and p.suffix not in {".pyc", ".pyo"})
    return sorted(files)


def write_tests_archive(project_dir: Path, test_paths: Sequence[str], dest: Path) -> list[str]:
    """Zip the test paths and root config files; return the archived names.

    The package's own source is left out on purpose: the tests must import
    the installed wheel, not a source tree that lacks the compiled modules.
    """
    names = []
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _test_files(project_dir, test_paths):
            name = path.relative_to(project_dir).as_posix()
            info = zipfile.ZipInfo(name, _EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
            names.append(name)
    return names


def installed_test_paths(test_paths: Sequence[str], wheel_names: Sequence[str]) -> dict[str, str]:
    """Test paths the wheel installs too (PKG/tests, src/PKG/tests, PKG): path -> module name.

    Those run from the installed copy (`pytest --pyargs PKG.tests`): a copy beside it
    would be imported under the same module name as the installed one, and pytest
    refuses the mismatch (or, for PKG itself, the sources would shadow the wheel).
    """
    installed = {}
    for path in test_paths:
        inside = path.removeprefix("src/").rstrip("/")
        module = inside.removesuffix(".py")
        found = inside in wheel_names if inside.endswith(".py") \
            else any(name.startswith(f"{inside}/") for name in wheel_names)
        if found and all(part.isidentifier() for part in module.split("/")):
            installed[path] = module.replace("/", ".")
    return installed


def pytest_arguments(project_dir: Path, test_paths: Sequence[str], config_args: Sequence[str],
                     extra_args: Sequence[str]) -> list[str]:
    """Configured args, then the caller's; the test paths unless the caller names tests itself."""
    selects = any(not arg.startswith("-") and (project_dir / arg.split("::")[0]).exists()
                  for arg in extra_args)
    return [*config_args, *extra_args] if selects else [*config_args, *extra_args, *test_paths]


def prepare_job(directory: Path, *, project_dir: Path, test_paths: Sequence[str],
                wheels: Sequence[Path], import_check: Sequence[str], pytest_args: Sequence[str],
                test_timeout: float, run_timeout: float) -> Job:
    """Fill `directory` with everything a runtime needs; return the job describing it."""
    (directory / "wheels").mkdir(parents=True, exist_ok=True)
    relative = []
    for wheel in wheels:
        shutil.copyfile(wheel, directory / "wheels" / wheel.name)
        relative.append(f"wheels/{wheel.name}")
    job = Job(directory=directory, wheels=tuple(relative), import_check=tuple(import_check),
              pytest_args=tuple(pytest_args), test_timeout=test_timeout, run_timeout=run_timeout)
    write_tests_archive(project_dir, test_paths, directory / job.tests)
    (directory / job.plugin).write_bytes(plugin_source())
    return job
