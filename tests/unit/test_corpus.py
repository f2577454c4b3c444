"""The corpus runner (corpus/): its manifest, downloads, error lines, table and the run itself."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from corpus import cli, manifest, owntests, sdists
from corpus.build import Built
from corpus.errorline import first_error
from corpus.manifest import ManifestError, Package
from corpus.owntests import OwnTests, parse_report, run_own_tests
from corpus.smoke import Smoked, most_specific, smoke_project
from corpus.table import Row, render, write_atomically

from helpers.loopback import serve

ENTRY = """
[[package]]
name = "{name}"
version = "1.0"
sdist = "{name}-1.0.tar.gz"
sha256 = "{sha}"
backend = "setuptools-c"
smoke = "assert 1 + 1 == 2"
{extra}
"""


def entry(name: str = "demo", sha: str = "a" * 64, extra: str = "") -> str:
    return ENTRY.format(name=name, sha=sha, extra=extra)


def package(name: str = "demo", **changes: Any) -> Package:
    return dataclasses.replace(manifest.parse(entry(name))[0], **changes)


# --- the real corpus file -------------------------------------------------------------------

def test_the_corpus_has_at_least_30_packages_with_pinned_sdists() -> None:
    packages = manifest.load()
    assert len(packages) >= 30
    assert all(p.sdist.endswith(".tar.gz") and len(p.sha256) == 64 for p in packages)


def test_the_corpus_covers_every_build_backend_the_issue_names() -> None:
    backends = {p.backend for p in manifest.load()}
    assert {"setuptools-c", "setuptools-cpp", "cython", "mypyc", "meson-python",
            "scikit-build-core"} <= backends


def test_the_ci_subset_is_at_least_six_packages_and_covers_each_backend_family() -> None:
    ci = manifest.select(manifest.load(), subset="ci")
    assert len(ci) >= 6
    families = {p.backend.removesuffix("-cpp").removesuffix("-c") for p in ci}
    assert {"setuptools", "cython", "mypyc", "meson-python", "scikit-build-core"} <= families
    assert "cython" not in {p.name for p in ci}  # far too slow for CI


def test_every_smoke_check_calls_something_and_asserts() -> None:
    for p in manifest.load():
        assert "assert" in p.smoke, p.name


# --- manifest validation --------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    (entry(sha="nothex"), "sha256 must be 64"),
    (entry(extra='colour = "red"'), "unknown key(s) colour"),
    (entry().replace("setuptools-c", "bazel"), "backend 'bazel'"),
    (entry(extra='needs = ["ghost"]'), "needs ghost, not in the corpus"),
    (entry() + entry(), "listed twice: demo"),
    (entry().replace('sdist = "demo-1.0.tar.gz"', 'sdist = "demo-2.0.tar.gz"'), "not this version"),
    ("", "no [[package]] entries"),
])
def test_a_malformed_manifest_is_refused_naming_what(text: str, message: str) -> None:
    with pytest.raises(ManifestError, match=re.escape(message)):
        manifest.parse(text)


def test_a_smoke_check_that_is_not_python_is_refused_before_any_build() -> None:
    with pytest.raises(SyntaxError):
        manifest.parse(entry().replace("assert 1 + 1 == 2", "assert ("))


def test_select_only_brings_the_corpus_packages_it_needs() -> None:
    packages = manifest.parse(entry("a", extra='needs = ["b"]') + entry("b") + entry("c"))
    assert [p.name for p in manifest.select(packages, ["a"])] == ["a", "b"]
    assert [p.name for p in manifest.select(packages)] == ["a", "b", "c"]


def test_dependency_order_puts_what_a_package_needs_first_and_refuses_a_cycle() -> None:
    packages = manifest.parse(entry("a", extra='needs = ["b"]') + entry("b", extra='needs = ["c"]')
                              + entry("c"))
    assert [p.name for p in manifest.dependency_order(packages)] == ["c", "b", "a"]
    cyclic = manifest.parse(entry("a", extra='needs = ["b"]') + entry("b", extra='needs = ["a"]'))
    with pytest.raises(ManifestError, match="needs itself"):
        manifest.dependency_order(cyclic)


def test_select_refuses_an_unknown_name_or_an_empty_subset() -> None:
    packages = manifest.parse(entry("a"))
    with pytest.raises(ManifestError, match="not in the corpus: zzz"):
        manifest.select(packages, ["zzz"])
    with pytest.raises(ManifestError, match="no package is in subset 'ci'"):
        manifest.select(packages, subset="ci")


# --- downloads ------------------------------------------------------------------------------

def _pypi(tmp_path: Path, payload: bytes) -> Path:
    """A fake PyPI JSON API + file, with the file URL relative as some mirrors give it."""
    (tmp_path / "pypi" / "demo").mkdir(parents=True)
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "demo-1.0.tar.gz").write_bytes(payload)
    releases = {"1.0": [{"filename": "demo-1.0.tar.gz", "url": "../../files/demo-1.0.tar.gz"}]}
    (tmp_path / "pypi" / "demo" / "json").write_text(json.dumps({"releases": releases}))
    return tmp_path


def test_fetch_verifies_the_sha256_and_keeps_the_file(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    payload = b"an sdist"
    with serve(_pypi(tmp_path / "site", payload)) as base:
        monkeypatch.setattr(sdists, "PYPI_JSON", base + "/pypi/{name}/json")
        got = sdists.fetch(package(sha256=hashlib.sha256(payload).hexdigest()), tmp_path / "cache")
    assert got.read_bytes() == payload and got.name == "demo-1.0.tar.gz"


def test_fetch_refuses_other_bytes_and_leaves_nothing(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with serve(_pypi(tmp_path / "site", b"tampered")) as base:
        monkeypatch.setattr(sdists, "PYPI_JSON", base + "/pypi/{name}/json")
        with pytest.raises(sdists.DownloadError, match="packages.toml pins"):
            sdists.fetch(package(sha256="b" * 64), tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


# --- what a failure says --------------------------------------------------------------------

def test_first_error_prefers_the_compilers_own_line_to_wasmwheels_summary() -> None:
    log = ("Building wheel...\nsrc/x.c:3:10: fatal error: 'libxml/tree.h' file not found\n"
           "error: subprocess-exited-with-error\nerror: the project did not compile\n")
    assert first_error(log) == "src/x.c:3:10: fatal error: 'libxml/tree.h' file not found"


def test_first_error_names_a_failed_tool_and_what_it_said() -> None:
    log = ("[3/3] Linking CXX shared module x.so\nFAILED: [code=2] x.so\n"
           "Command 'emnm -j --export-symbols a.o b.o' failed. Output to stderr was:\n"
           "/tmp/env/bin/python3: can't open file '/tmp/b/.py': [Errno 2] No such file or directory\n"
           "error: pyodide build of x-1.0 failed (exit 1); the end of its output:\n")
    assert first_error(log) == ("emnm failed: bin/python3: can't open file '.py': "
                                "[Errno 2] No such file or directory")


def test_first_error_prefers_mesons_located_error_to_its_summary() -> None:
    log = ("ERROR: Subproject libcsiphash-1 is buildable: NO\n"
           "../meson.build:14:14: ERROR: Git program not found, cannot download libcsiphash-1.wrap via git.\n")
    assert first_error(log).startswith("../meson.build:14:14: ERROR: Git program not found")


def test_first_error_finds_a_backends_error_then_falls_back_to_wasmwheels() -> None:
    assert first_error("meson.build:4:0: ERROR: Dependency \"zlib\" not found\nerror: x\n") \
        .startswith("meson.build:4:0: ERROR: Dependency")
    assert first_error("lots of output\nerror: the build produced no wheel\n") == \
        "error: the build produced no wheel"
    assert first_error("") == "(no output)"


# --- own tests: the CLI's JSON report --------------------------------------------------------

REPORT = {"schema": 1, "wheel": "a.whl", "test_paths": ["tests"], "exit_code": 1,
          "runtimes": {"node": {"passed": 12, "failed": 1, "skipped": 4, "errors": 0,
                                "unsupported": 3, "unsupported_kinds": {"threads": 2, "subprocess": 1},
                                "exit_code": 1}}}


def test_parse_report_reads_the_node_counts() -> None:
    got = parse_report(json.dumps(REPORT), 1)
    assert (got.passed, got.failed, got.errors, got.skipped, got.unsupported) == (12, 1, 0, 4, 3)
    assert got.cell() == "12 passed, 1 failed, 4 skipped, 3 unsupported (subprocess, threads)"


def test_the_cell_names_unsupported_only_when_there_are_some() -> None:
    assert OwnTests(0, passed=5).cell() == "5 passed, 0 failed, 0 skipped"
    assert OwnTests(1, passed=5, failed=1, errors=2).cell() == "5 passed, 1 failed, 0 skipped, 2 errors"


def test_parse_report_says_when_the_report_has_no_counts() -> None:
    assert parse_report("{}", 69).cell() == "no node counts in the JSON report (exit 69)"
    assert parse_report("not json", 2).note
    assert OwnTests(4).cell() == "did not run: pytest usage error (pytest exit 4)"
    assert OwnTests(5).cell() == "did not run: no tests collected (pytest exit 5)"
    assert OwnTests(2, errors=1).cell() == "did not run: 1 collection error (pytest exit 2)"
    assert OwnTests(70).cell() == "did not run (pytest exit 70)"


def _fake_wasmwheel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """`wasmwheel test` replaced by a script that gets the same arguments."""
    fake = tmp_path / "fake_wasmwheel.py"
    fake.write_text(script)
    monkeypatch.setattr(owntests, "wasmwheel_command",
                        lambda *args: [sys.executable, str(fake), *args])


def test_run_own_tests_reads_the_report_it_asked_for(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_wasmwheel(tmp_path, monkeypatch, f"""
import sys, pathlib
path = pathlib.Path(sys.argv[sys.argv.index("--json-report") + 1])
assert sys.argv[-2:] == ["--", "--continue-on-collection-errors"], sys.argv
path.write_text({json.dumps(json.dumps(REPORT))})
print("runtime  result"); sys.exit(1)
""")
    got = run_own_tests(tmp_path / "a-1.0.tar.gz", tmp_path / "a.whl", tmp_path)
    assert got is not None and (got.passed, got.failed, got.exit_code) == (12, 1, 1)


def test_run_own_tests_is_none_when_the_sdist_ships_no_tests(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_wasmwheel(tmp_path, monkeypatch, """
import sys
print("error: a-1.0.tar.gz ships no tests: no pytest testpaths", file=sys.stderr); sys.exit(66)
""")
    assert run_own_tests(tmp_path / "a-1.0.tar.gz", tmp_path / "a.whl", tmp_path) is None


def test_run_own_tests_says_why_when_no_report_came_back(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "own-tests.json").write_text(json.dumps(REPORT))  # an older run's: never read
    _fake_wasmwheel(tmp_path, monkeypatch, """
import sys
print("error: wheel a.whl does not exist", file=sys.stderr); sys.exit(66)
""")
    got = run_own_tests(tmp_path / "a-1.0.tar.gz", tmp_path / "a.whl", tmp_path)
    assert got is not None and got.cell() == "not run (exit 66): wheel a.whl does not exist"


# --- the smoke project ----------------------------------------------------------------------

def test_the_smoke_project_is_one_test_with_the_check_as_its_body(tmp_path: Path) -> None:
    p = package(smoke="import math\nassert math.gcd(4, 6) == 2\n", smoke_requires=("ruamel.yaml",))
    project = smoke_project(p, tmp_path)
    namespace: dict[str, object] = {}
    exec((project / "tests" / "test_smoke.py").read_text(), namespace)  # noqa: S102
    test = namespace["test_smoke"]
    assert callable(test)
    test()
    assert '"ruamel.yaml"' in (project / "pyproject.toml").read_text()


# --- the table ------------------------------------------------------------------------------

def test_render_has_one_row_per_package_with_the_measured_columns() -> None:
    rows = [Row(package("b"), "build failed", 12.4, None, "x.c:1:1: error: a | b"),
            Row(package("a"), "ok", 3.0, 2048, "", OwnTests(0, passed=5))]
    text = render(rows, "**1 of 2 green**")
    lines = [line for line in text.splitlines() if line.startswith(("| a", "| b"))]
    assert lines == [
        "| a | 1.0 | setuptools-c | ok | 3 s | 2 KiB | 5 passed, 0 failed, 0 skipped |  |",
        "| b | 1.0 | setuptools-c | build failed | 12 s |  |  | x.c:1:1: error: a \\| b |",
    ]


def test_a_known_own_tests_reason_follows_the_first_error_when_the_tests_ran() -> None:
    p = package("a", own_tests_note="needs threads")
    rows = [Row(p, "ok", 1.0, 1, "", OwnTests(1, passed=3, failed=1)),
            Row(dataclasses.replace(p, name="b"), "smoke failed", 1.0, 1, "boom", OwnTests(0, passed=1)),
            Row(dataclasses.replace(p, name="c"), "build failed", 1.0, None, "x.c: error")]
    lines = [line for line in render(rows, "").splitlines() if line.startswith("| ")][1:]
    assert lines[0].endswith("| 3 passed, 1 failed, 0 skipped | own tests: needs threads |")
    assert lines[1].endswith("| boom; own tests: needs threads |")
    assert lines[2].endswith("|  | x.c: error |")  # no tests ran: nothing to explain


def test_write_atomically_keeps_the_old_table_when_the_write_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = tmp_path / "compatibility.md"
    table.write_text("old")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(table, "new")
    assert table.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == [table.name]


# --- the run: one failure never stops the others --------------------------------------------

def test_a_failing_package_never_stops_the_others(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    packages = manifest.parse(entry("good") + entry("broken") + entry("user", extra='needs = ["broken"]')
                              + entry("crashy") + entry("gone") + entry("fan", extra='needs = ["gone"]'))
    monkeypatch.setattr(cli.manifest, "load", lambda: packages)

    def fake_fetch(p: Package, cache: Path) -> Path:
        if p.name == "gone":
            raise sdists.DownloadError("demo: PyPI lists no gone-1.0.tar.gz")
        (tmp_path / p.sdist).write_bytes(b"s")
        return tmp_path / p.sdist
    monkeypatch.setattr(cli.sdists, "fetch", fake_fetch)

    def fake_build(p: Package, sdist: Path, workdir: Path, extra: tuple[str, ...]) -> Built:
        if p.name == "broken":
            return Built(p, 1.0, None, workdir / "log", "b.c:1:1: error: nope")
        wheel = workdir / f"{p.name}.whl"
        wheel.write_bytes(b"w" * 10)
        return Built(p, 2.0, wheel, workdir / "log")

    def fake_smoke(p: Package, wheel: Path, needed: list[Path], workdir: Path) -> Smoked:
        if p.name == "crashy":
            raise RuntimeError("node vanished")
        return Smoked(True)
    monkeypatch.setattr(cli, "build", fake_build)
    monkeypatch.setattr(cli, "smoke", fake_smoke)
    output = tmp_path / "table.md"
    code = cli.main(["--jobs", "2", "--own-tests", "none", "--workdir", str(tmp_path / "work"),
                     "--output", str(output)])
    assert code == 1
    text = output.read_text()
    assert "**1 of 6 green** (built and smoke check passed), measured" in text
    assert "| gone | 1.0 | setuptools-c | download failed |" in text
    assert "| fan | 1.0 | setuptools-c | blocked |" in text and "needs gone (corpus)" in text
    assert "| good | 1.0 | setuptools-c | ok |" in text
    assert "| broken | 1.0 | setuptools-c | build failed | 1 s |  |  | b.c:1:1: error: nope |" in text
    assert "| user | 1.0 | setuptools-c | blocked |" in text and "needs broken (corpus)" in text
    assert "| crashy | 1.0 | setuptools-c | runner error |" in text and "node vanished" in text


def test_a_bad_selection_is_one_error_line_and_exit_64(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--only", "no-such-package"]) == 64
    assert capsys.readouterr().err == "error: not in the corpus: no-such-package\n"


def test_own_tests_can_be_all_none_or_named() -> None:
    assert cli.wants_own_tests("all", "yarl") and not cli.wants_own_tests("none", "yarl")
    assert cli.wants_own_tests("cymem,yarl", "yarl") and not cli.wants_own_tests("cymem", "yarl")


def test_a_loader_failure_is_reported_by_its_cause_not_its_preamble() -> None:
    message = ("node: Pyodide could not install the wheels:\nThe following error occurred while "
               "loading aiohttp:\nFailed to load dynamic library /lib/x.so: 'Could not load dynamic "
               "lib: /lib/x.so\nError: Dynamic linking error: undefined symbol 'wasm_on_url'\n"
               "not installed: wheels/aiohttp.whl")
    assert most_specific(message) == "Error: Dynamic linking error: undefined symbol 'wasm_on_url'"
    assert most_specific("no pure-Python wheel for numpy") == "no pure-Python wheel for numpy"


def test_own_tests_that_cannot_start_say_what_wasmwheel_said(tmp_path: Path) -> None:
    got = run_own_tests(tmp_path / "gone-1.0.tar.gz", tmp_path / "gone.whl", tmp_path)
    assert got is not None and got.exit_code == 66 and got.note.startswith("not run (exit 66): "), got
    assert "gone-1.0.tar.gz" in got.cell()


def test_the_summary_counts_own_test_suites_that_ran_clean() -> None:
    rows = [Row(package("a"), "ok", 1.0, 1, "", OwnTests(0, passed=5)),
            Row(package("b"), "ok", 1.0, 1, "", OwnTests(1, passed=5, failed=1)),
            Row(package("c"), "ok", 1.0, 1, "", OwnTests(2)),
            Row(package("d"), "ok", 1.0, 1)]
    assert "Own test suites: 1 of 3 run with no failures." in cli.summary(rows, 4, 2)
    assert "Own test suites" not in cli.summary(rows[3:], 1, 2)


def test_an_unfinished_run_says_so_in_its_summary() -> None:
    rows = [Row(package("a"), "ok", 1.0, 1)]
    assert "(1 of 3 checked so far" in cli.summary(rows, 3, 2)
    assert "so far" not in cli.summary(rows, 1, 2)


def test_a_known_reason_is_shown_next_to_what_the_run_measured() -> None:
    assert cli.explain(package(note="needs a patch"), "undefined symbol x") == \
        "needs a patch (this run: undefined symbol x)"
    assert cli.explain(package(), "undefined symbol x") == "undefined symbol x"
