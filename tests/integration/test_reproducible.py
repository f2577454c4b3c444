"""Byte-reproducible wheels with the real toolchain: two builds of the same source,
seconds apart and staged in different directories, give the same sha256; and
`build --reproducible-check` / `--compare` pass or name what differs.

The pause between builds exceeds zip's 2-second time resolution, so it can
only expose a timestamp leak, never hide one: the tests assert equality.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tarfile
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from helpers.paths import EXAMPLE
from helpers.sdists import MSGPACK, download_sdist
from wasmwheel.errors import ExitCode
from wasmwheel.wheel.reproducible import zip_date_time

pytestmark = pytest.mark.integration

PAUSE = 3  # seconds: more than zip's 2-second resolution


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(source: Path, outdir: Path, *flags: str) -> Path:
    result = wasmwheel("build", str(source), "--outdir", str(outdir), *flags)
    (line,) = result.stdout.splitlines()  # stdout is the wheel's path, with or without a check
    return Path(line)


def assert_canonical(wheel: Path, epoch: int) -> None:
    with zipfile.ZipFile(wheel) as archive:
        infos = archive.infolist()
    assert {info.date_time for info in infos} == {zip_date_time(epoch)}
    assert {(info.external_attr >> 16) & 0o777 for info in infos} <= {0o644, 0o755}
    assert infos[-1].filename.endswith(".dist-info/RECORD")


def test_two_builds_of_the_example_are_byte_identical(tmp_path: Path) -> None:
    first = build(EXAMPLE, tmp_path / "one")
    time.sleep(PAUSE)
    second = build(EXAMPLE, tmp_path / "two")
    assert sha256(first) == sha256(second)


def test_two_builds_of_a_pypi_sdist_are_byte_identical(tmp_path: Path) -> None:
    sdist = download_sdist(MSGPACK, tmp_path / "sdist")
    first = build(sdist, tmp_path / "one")
    time.sleep(PAUSE)
    second = build(sdist, tmp_path / "two")
    assert sha256(first) == sha256(second)
    # The time inside is the sdist's (its PKG-INFO's), not the build's.
    with tarfile.open(sdist) as archive:
        (pkg_info,) = (m for m in archive if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO"))
    assert_canonical(first, int(pkg_info.mtime))


def test_reproducible_check_and_compare_pass_on_the_example(tmp_path: Path) -> None:
    result = wasmwheel("build", str(EXAMPLE), "--outdir", str(tmp_path / "dist"),
                       "--reproducible-check")
    wheel = Path(result.stdout.strip())
    assert wheel.is_file()
    assert f"reproducible: sha256 {sha256(wheel)}" in result.stderr
    assert result.stderr.count(f"==> building {EXAMPLE} with") == 2  # it did build twice
    elsewhere = tmp_path / "elsewhere" / wheel.name
    elsewhere.parent.mkdir()
    shutil.copyfile(wheel, elsewhere)
    again = build(EXAMPLE, tmp_path / "again", "--compare", str(elsewhere))
    assert sha256(again) == sha256(elsewhere)


# A project that writes the time of its build into a module: never reproducible.
DRIFTING = {
    "pyproject.toml": """\
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "drifting"
        version = "0.1"
        """,
    "setup.py": """\
        import pathlib, time
        from setuptools import Extension, setup

        pathlib.Path("src/drifting/_stamp.py").write_text(f"BUILT = {time.time_ns()}\\n")
        setup(ext_modules=[Extension("drifting._core", ["src/drifting/_core.c"])],
              package_dir={"": "src"}, packages=["drifting"])
        """,
    "src/drifting/__init__.py": "from ._stamp import BUILT\n",
    "src/drifting/_core.c": """\
        #include <Python.h>
        static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", NULL, -1, NULL};
        PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&module); }
        """,
}

# A C extension that records its source path (absolute, as CMake passes it), date and
# time: SOURCE_DATE_EPOCH fixes the date and time, -ffile-prefix-map hides the path.
LEAKY = {
    "pyproject.toml": DRIFTING["pyproject.toml"].replace('"drifting"', '"leaky"'),
    "setup.py": """\
        import os
        from setuptools import Extension, setup

        setup(ext_modules=[Extension("leaky._where", [os.path.abspath("src/leaky/_where.c")])],
              package_dir={"": "src"}, packages=["leaky"])
        """,
    "src/leaky/__init__.py": "from ._where import built\n",
    "src/leaky/_where.c": """\
        #include <Python.h>
        static PyObject *built(PyObject *self, PyObject *args) {
            return Py_BuildValue("(sss)", __FILE__, __DATE__, __TIME__);
        }
        static PyMethodDef methods[] = {{"built", built, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
        static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_where", NULL, -1, methods};
        PyMODINIT_FUNC PyInit__where(void) { return PyModule_Create(&module); }
        """,
}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return root


def test_reproducible_check_fails_naming_the_member_that_drifts(tmp_path: Path) -> None:
    project = write(tmp_path / "drifting", DRIFTING)
    dist = tmp_path / "dist"
    result = wasmwheel("build", str(project), "--outdir", str(dist), "--reproducible-check",
                       check=False)
    assert result.returncode == ExitCode.DATA, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "member drifting/_stamp.py: bytes differ" in errors[0]
    assert "hint:" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not dist.exists() or not list(dist.iterdir())  # a wheel that failed is not kept


def test_compiler_dates_and_staging_paths_stay_out_of_the_binary(tmp_path: Path) -> None:
    project = write(tmp_path / "leaky", LEAKY)
    wheel = build(project, tmp_path / "dist", "--reproducible-check")
    with zipfile.ZipFile(wheel) as archive:
        (so,) = (n for n in archive.namelist() if n.endswith(".so"))
        binary = archive.read(so)
    assert b"wasmwheel-build-" not in binary and str(tmp_path).encode() not in binary
    assert b"src/leaky/_where.c" in binary  # __FILE__, relative to the project
    today = time.strftime("%b %e %Y", time.gmtime()).encode()
    assert today not in binary  # __DATE__ is SOURCE_DATE_EPOCH's (1980 outside git)
    assert re.search(rb"Jan  1 1980", binary)
