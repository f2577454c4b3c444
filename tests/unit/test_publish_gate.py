"""The publish gate: every bad file is refused with one line, and nothing is uploaded."""

from __future__ import annotations

import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from helpers.wheels import make_sdist, make_wheel
from wasmwheel.cli import main
from wasmwheel.config.pins import current_target
from wasmwheel.errors import ExitCode
from wasmwheel.publish import GateRefused, publish, twine_check, upload
from wasmwheel.publish.gate import GateOptions, Refusal, check_all
from wasmwheel.publish.repositories import resolve
from wasmwheel.wheel import verdicts
from wasmwheel.wheel.provenance import Provenance, stamp_wheel

TARGET = current_target()
TAG = TARGET.platform_tag
META = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nSummary: demo\n"
WASM_SO = b"\0asm\x01\0\0\0"


def demo_wheel(directory: Path, tags: str = f"cp314-cp314-{TAG}", *, meta: bytes = META,
               so: bytes | None = WASM_SO) -> Path:
    """demo-1.0-<tags>.whl: a package importing its extension module `so` (if any)."""
    files = {"demo/__init__.py": b"from demo._core import add\n"}
    if so is not None:
        files["demo/_core.cpython-314-wasm32-emscripten.so"] = so
    return make_wheel(directory, "demo", "1.0", tags, files=files, metadata=meta)


def provenance(*, approximate: bool = True, **changes: Any) -> Provenance:
    prov = Provenance(
        target=TARGET.name, pins_hash=TARGET.pins_hash, route="debian" if approximate else "exact",
        approximate=approximate, emscripten="6.0.5" if approximate else TARGET.emscripten,
        pinned_emscripten=TARGET.emscripten, pyodide=TARGET.pyodide, platform_tag=TAG,
    )
    return replace(prov, **changes)


def stamped(tmp_path: Path, tags: str = f"cp314-cp314-{TAG}", *, prov: Provenance | None = None,
            passed: bool | None = True, **kwargs: Any) -> Path:
    """A wheel as `wasmwheel build` leaves it, optionally with a `wasmwheel test` record."""
    raw_dir, dist = tmp_path / "raw", tmp_path / "dist"
    raw_dir.mkdir(exist_ok=True)
    dist.mkdir(exist_ok=True)
    raw = demo_wheel(raw_dir, tags, **kwargs)
    wheel = stamp_wheel(raw, prov or provenance(), dist / raw.name)
    if passed is not None:
        outcome = verdicts.RuntimeOutcome("node", 0 if passed else 1, 3, 0 if passed else 1, 0)
        verdicts.save(wheel, TARGET.name, TARGET.pins_hash, [outcome])
    return wheel


@pytest.fixture
def real_twine() -> None:
    """Requested by the tests that run the real `twine check`."""


@pytest.fixture(autouse=True)
def quick_twine_check(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    # twine check costs ~0.5 s a run: most tests stand in a "PASSED" verdict for every file.
    if "real_twine" not in request.fixturenames:
        monkeypatch.setattr(twine_check, "_run", lambda files: "".join(
            f"Checking {file}: PASSED\n" for file in files))


def refusals(files: list[Path], repository: str = "http://127.0.0.1:9/",
             **options: bool) -> list[Refusal]:
    return check_all(files, resolve(repository), GateOptions(**options), TARGET)


def rules(found: list[Refusal]) -> list[str]:
    return [r.rule for r in found]


# --- files that pass --------------------------------------------------------------------------

def test_tested_approximate_wheel_and_sdist_pass_for_a_private_index(
        tmp_path: Path, real_twine: None) -> None:
    assert refusals([stamped(tmp_path), make_sdist(tmp_path)]) == []


def test_exact_tested_wheel_passes_for_pypi(tmp_path: Path) -> None:
    assert refusals([stamped(tmp_path, prov=provenance(approximate=False))], "pypi") == []


def test_native_wheel_is_published_alongside_with_generic_rules_only(tmp_path: Path) -> None:
    native = demo_wheel(tmp_path, "cp314-cp314-manylinux_2_17_x86_64", so=b"\x7fELF")
    assert refusals([native, make_sdist(tmp_path)], "pypi") == []


# --- tags -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("tags", "rule", "words"), [
    ("cp314-cp314-manylinux_2_17_x86_64", "platform-tag", TAG),
    ("cp314-cp314-pyodide_2025_0_wasm32", "legacy-tag", "PyPI rejects"),
    ("cp314-cp314-emscripten_4_0_9_wasm32", "legacy-tag", "PyPI rejects"),
    ("cp314-cp314-pyemscripten_2025_0_wasm32", "abi", "ABI 2025_0"),
    (f"cp313-cp313-{TAG}", "python-tag", "CPython 3.14"),
])
def test_wrong_tags_are_refused(tmp_path: Path, tags: str, rule: str, words: str) -> None:
    found = refusals([stamped(tmp_path, tags)])
    assert rules(found) == [rule]
    assert words in found[0].reason


def test_manylinux_tag_on_a_wasm_payload_is_refused_even_without_provenance(tmp_path: Path) -> None:
    wheel = demo_wheel(tmp_path, "cp314-cp314-manylinux_2_17_x86_64")  # .so is WebAssembly
    found = refusals([wheel], skip_tested_check=True)
    assert "platform-tag" in rules(found)
    assert "contains WebAssembly" in next(r for r in found if r.rule == "platform-tag").reason


def test_pure_wheel_built_by_wasmwheel_is_accepted(tmp_path: Path) -> None:
    assert refusals([stamped(tmp_path, "py3-none-any", so=None)]) == []


def test_pure_tag_on_a_wasm_payload_is_refused(tmp_path: Path) -> None:
    found = refusals([stamped(tmp_path, "py3-none-any")])  # the .so is WebAssembly
    assert rules(found) == ["platform-tag"] and "tagged any (pure Python)" in found[0].reason


def test_abi3_wheel_for_older_cpython_is_accepted(tmp_path: Path) -> None:
    assert refusals([stamped(tmp_path, f"cp312-abi3-{TAG}")]) == []


def test_plain_linux_wheel_is_refused_for_pypi_only(tmp_path: Path) -> None:
    native = demo_wheel(tmp_path, "cp314-cp314-linux_x86_64", so=b"\x7fELF")
    assert rules(refusals([native], "pypi")) == ["native-tag"]
    assert refusals([native]) == []


# --- archives, names, metadata ----------------------------------------------------------------

def test_corrupt_zip_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / f"demo-1.0-cp314-cp314-{TAG}.whl"
    wheel.write_bytes(b"PK\x03\x04 this is not a zip")
    assert rules(refusals([wheel])) == ["archive"]


def test_truncated_wheel_is_refused(tmp_path: Path) -> None:
    wheel = stamped(tmp_path)
    wheel.write_bytes(wheel.read_bytes()[: wheel.stat().st_size // 2])
    found = refusals([wheel])
    assert rules(found) == ["archive"] and "corrupt zip" in found[0].reason


def test_wheel_with_bad_crc_is_refused(tmp_path: Path) -> None:
    wheel = demo_wheel(tmp_path, so=WASM_SO * 64)
    data = bytearray(wheel.read_bytes())
    data[data.index(b"demo/__init__.py") + len(b"demo/__init__.py") + 2] ^= 0xFF  # member bytes
    wheel.write_bytes(bytes(data))
    found = refusals([wheel])
    assert rules(found) == ["archive"]


@pytest.mark.parametrize("field", ["Name", "Version", "Metadata-Version"])
def test_metadata_missing_a_required_field_is_refused(tmp_path: Path, field: str) -> None:
    meta = b"".join(line + b"\n" for line in META.splitlines()
                    if not line.startswith(f"{field}:".encode()))
    found = refusals([stamped(tmp_path, meta=meta)])
    assert rules(found) == ["metadata"]
    assert f"METADATA lacks {field}" in found[0].reason


def test_metadata_that_disagrees_with_the_file_name_is_refused(tmp_path: Path) -> None:
    found = refusals([stamped(tmp_path, meta=META.replace(b"Version: 1.0", b"Version: 2.0"))])
    assert rules(found) == ["metadata"] and "file name says demo 1.0" in found[0].reason


def test_unparsable_wheel_name_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "demo.whl"
    wheel.write_bytes(demo_wheel(tmp_path).read_bytes())
    assert rules(refusals([wheel])) == ["filename"]


def test_missing_file_and_unknown_file_type_are_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hi")
    found = refusals([tmp_path / "gone.whl", tmp_path / "notes.txt"])
    assert rules(found) == ["exists", "file-type"]


def test_long_description_that_would_not_render_fails_twine_check(
        tmp_path: Path, real_twine: None) -> None:
    meta = META + b"Description-Content-Type: text/x-rst\n\nTitle\n===\n\n.. image::\n"
    found = refusals([stamped(tmp_path, meta=meta)])
    assert rules(found) == ["twine-check"] and "would not be rendered" in found[0].reason


# --- sdists -----------------------------------------------------------------------------------

def test_sdist_bad_name_corrupt_no_pkg_info_and_incomplete_pkg_info_are_refused(
        tmp_path: Path) -> None:
    bad_name = make_sdist(tmp_path, filename="demo.tar.gz")
    corrupt = tmp_path / "corrupt-1.0.tar.gz"
    corrupt.write_bytes(make_sdist(tmp_path, filename="c.tar.gz").read_bytes()[:40])
    (tmp_path / "nopkg").mkdir()
    no_pkg_info = make_sdist(tmp_path / "nopkg", pkg_info=None)
    (tmp_path / "nover").mkdir()
    incomplete = make_sdist(tmp_path / "nover", pkg_info=META.replace(b"Version: 1.0\n", b""))
    found = refusals([bad_name, corrupt, no_pkg_info, incomplete])
    assert rules(found) == ["filename", "archive", "archive", "metadata"]
    assert "PKG-INFO lacks Version" in found[3].reason


# --- provenance and approximate routes --------------------------------------------------------

def test_wheel_without_provenance_is_refused_naming_both_ways_out(tmp_path: Path) -> None:
    wheel = demo_wheel(tmp_path)
    found = refusals([wheel], skip_tested_check=True)
    assert rules(found) == ["provenance"]
    reason = found[0].reason
    assert "`wasmwheel build`" in reason and "--external-builder cibuildwheel" in reason
    assert f"`wasmwheel test . --wheel {wheel}`" in reason


# --- wheels built outside wasmwheel (cibuildwheel, pyodide-build) ------------------------------

def external(tmp_path: Path, *, passed: bool | None = True, pins_hash: str = TARGET.pins_hash,
             **kwargs: Any) -> Path:
    """A wheel as cibuildwheel leaves it (no wasmwheel.json), maybe with a Node test record."""
    wheel = demo_wheel(tmp_path, **kwargs)
    if passed is not None:
        outcome = verdicts.RuntimeOutcome("node", 0 if passed else 1, 3, 0 if passed else 1, 0)
        verdicts.save(wheel, TARGET.name, pins_hash, [outcome])
    return wheel


@pytest.mark.parametrize("builder", ["cibuildwheel", "pyodide-build"])
@pytest.mark.parametrize("repository", ["pypi", "http://127.0.0.1:9/"])
def test_external_wheel_tested_on_node_passes_with_the_builder_stated(
        tmp_path: Path, builder: str, repository: str) -> None:
    wheel = external(tmp_path)
    assert rules(refusals([wheel], repository)) == ["provenance"]  # not without the statement
    assert refusals([wheel], repository, external_builder=builder) == []


def test_external_wheel_never_tested_is_refused_naming_the_test_command(tmp_path: Path) -> None:
    wheel = external(tmp_path, passed=None)
    found = refusals([wheel], "pypi", external_builder="cibuildwheel")
    assert rules(found) == ["tested"] and f"--wheel {wheel.name}" in found[0].reason
    assert "--skip-tested-check" not in found[0].reason  # it would not help: never suggest it


def test_external_wheel_that_failed_on_node_is_refused(tmp_path: Path) -> None:
    found = refusals([external(tmp_path, passed=False)], "pypi", external_builder="cibuildwheel")
    assert rules(found) == ["tested"] and "node: exit 1" in found[0].reason


def test_external_wheel_tested_against_other_pins_is_refused(tmp_path: Path) -> None:
    wheel = external(tmp_path, pins_hash="0" * 16)
    found = refusals([wheel], "pypi", external_builder="cibuildwheel")
    assert rules(found) == ["external"]
    assert "other pins" in found[0].reason and f"--wheel {wheel}" in found[0].reason


def test_external_wheel_cannot_skip_its_test_record(tmp_path: Path) -> None:
    found = refusals([external(tmp_path, passed=None)], "pypi",
                     external_builder="cibuildwheel", skip_tested_check=True)
    assert rules(found) == ["external"] and "--skip-tested-check" in found[0].reason


def test_external_builder_the_gate_does_not_know_is_refused(tmp_path: Path) -> None:
    found = refusals([external(tmp_path)], "pypi", external_builder="my-script")
    assert rules(found) == ["external"] and "cibuildwheel, pyodide-build" in found[0].reason


def test_external_builder_does_not_launder_a_stamped_approximate_wheel(tmp_path: Path) -> None:
    found = refusals([stamped(tmp_path)], "pypi", external_builder="cibuildwheel")
    assert rules(found) == ["approximate"]


def test_cli_dry_run_says_which_files_passed_on_the_users_word(
        tmp_path: Path, no_uploads: list[list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    wheel = external(tmp_path)
    argv = ["publish", "--dry-run", str(wheel)]
    assert main(argv) == ExitCode.REFUSED
    assert "--external-builder cibuildwheel" in capsys.readouterr().err
    assert main([*argv, "--external-builder", "cibuildwheel"]) == 0
    assert capsys.readouterr().out == ("dry run: 1 file(s) passed every check for pypi "
                                       "(1 on your word: built by cibuildwheel)\n")


def test_cli_refuses_an_unknown_external_builder_as_a_usage_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["publish", "--dry-run", "--external-builder", "my-script", str(external(tmp_path))])
    assert code == ExitCode.USAGE
    assert "invalid choice: 'my-script'" in capsys.readouterr().err


def test_external_builder_leaves_stamped_wheels_to_their_own_rules(tmp_path: Path) -> None:
    exact = stamped(tmp_path, prov=provenance(approximate=False), passed=None)
    assert refusals([exact], "pypi", external_builder="cibuildwheel",
                    skip_tested_check=True) == []


def test_external_wheel_still_needs_the_pinned_tags(tmp_path: Path) -> None:
    wheel = external(tmp_path, tags="cp314-cp314-pyemscripten_2025_0_wasm32")
    found = refusals([wheel], "pypi", external_builder="cibuildwheel")
    assert rules(found) == ["abi"]


def test_publish_reports_external_wheels_as_the_users_word(
        tmp_path: Path, no_uploads: list[list[str]], capsys: pytest.CaptureFixture[str]) -> None:
    wheel, stamped_exact = external(tmp_path), stamped(tmp_path, prov=provenance(approximate=False))
    result = publish([wheel, stamped_exact], "pypi", dry_run=True, external_builder="cibuildwheel")
    assert result.external == [wheel]
    err = capsys.readouterr().err
    assert f"{wheel.name}: no wasmwheel provenance; accepted as built by cibuildwheel on your word" \
        in err
    assert "does not record its Emscripten version" in err


def test_wheel_built_against_other_pins_is_refused(tmp_path: Path) -> None:
    found = refusals([stamped(tmp_path, prov=provenance(pins_hash="0" * 16))])
    assert rules(found) == ["provenance"] and "other pins" in found[0].reason


def test_exact_claim_with_another_emscripten_is_refused(tmp_path: Path) -> None:
    prov = provenance(approximate=False, emscripten="6.0.5")
    assert rules(refusals([stamped(tmp_path, prov=prov)])) == ["provenance"]


@pytest.mark.parametrize("repository", ["pypi", "testpypi", "https://test.pypi.org/legacy/"])
def test_approximate_wheel_is_refused_for_public_pypi(tmp_path: Path, repository: str) -> None:
    found = refusals([stamped(tmp_path)], repository)
    assert rules(found) == ["approximate"]
    assert "--allow-approximate" in found[0].reason and "debian route" in found[0].reason


def test_approximate_wheel_is_allowed_with_the_flag(tmp_path: Path) -> None:
    assert refusals([stamped(tmp_path)], "pypi", allow_approximate=True) == []


def test_exact_wheel_from_an_unverified_sdk_is_refused_for_pypi_only(tmp_path: Path) -> None:
    """sdk_verified: false = Emscripten's archives matched no pinned sha256: not proven exact."""
    unverified = stamped(tmp_path, prov=provenance(approximate=False, sdk_verified=False))
    found = refusals([unverified], "pypi")
    assert rules(found) == ["sdk-unverified"]
    assert "NOT verified" in found[0].reason and "wasmwheel toolchain pin" in found[0].reason
    assert refusals([unverified], "pypi", allow_approximate=True) == []
    assert refusals([unverified]) == []  # a private index: the user's own call
    (tmp_path / "v").mkdir()
    verified = stamped(tmp_path / "v", prov=provenance(approximate=False, sdk_verified=True))
    assert refusals([verified], "pypi") == []


# --- tested -----------------------------------------------------------------------------------

def test_untested_wheel_is_refused_unless_the_check_is_skipped(tmp_path: Path) -> None:
    wheel = stamped(tmp_path, passed=None)
    found = refusals([wheel])
    assert rules(found) == ["tested"] and "--skip-tested-check" in found[0].reason
    assert refusals([wheel], skip_tested_check=True) == []


def test_wheel_that_failed_its_tests_is_refused(tmp_path: Path) -> None:
    found = refusals([stamped(tmp_path, passed=False)])
    assert rules(found) == ["tested"] and "node: exit 1, 1 failed" in found[0].reason


def test_a_node_pass_after_a_failed_browser_run_is_refused_naming_the_browser(
        tmp_path: Path) -> None:
    wheel = stamped(tmp_path, passed=None)
    verdicts.save(wheel, TARGET.name, TARGET.pins_hash,
                  [verdicts.RuntimeOutcome("chromium-worker", 1, 2, 1, 0)])
    verdicts.save(wheel, TARGET.name, TARGET.pins_hash, [verdicts.RuntimeOutcome("node", 0, 3, 0, 0)])
    found = refusals([wheel])
    assert rules(found) == ["tested"] and "chromium-worker: exit 1, 1 failed" in found[0].reason


def test_a_browser_pass_alone_is_refused_node_is_required(tmp_path: Path) -> None:
    wheel = stamped(tmp_path, passed=None)
    verdicts.save(wheel, TARGET.name, TARGET.pins_hash,
                  [verdicts.RuntimeOutcome("firefox-main", 0, 3, 0, 0)])
    found = refusals([wheel])
    assert rules(found) == ["tested"] and "never ran on node" in found[0].reason


def test_passing_on_node_and_browsers_is_accepted(tmp_path: Path) -> None:
    wheel = stamped(tmp_path)  # passed on node
    verdicts.save(wheel, TARGET.name, TARGET.pins_hash,
                  [verdicts.RuntimeOutcome("chromium-main", 0, 3, 0, 0)])
    assert refusals([wheel]) == []


def test_an_unreadable_test_record_is_refused_with_its_path(tmp_path: Path) -> None:
    wheel = stamped(tmp_path)
    record = verdicts.record_file(verdicts.wheel_sha256(wheel))
    record.write_text("{ truncated")
    found = refusals([wheel])
    assert rules(found) == ["tested"] and str(record) in found[0].reason


def test_record_is_for_exact_bytes(tmp_path: Path) -> None:
    wheel = stamped(tmp_path)
    with zipfile.ZipFile(wheel, "a") as archive:  # same name, other bytes
        archive.writestr("demo/extra.py", b"")
    assert rules(refusals([wheel])) == ["tested"]


# --- publish(): all or nothing ----------------------------------------------------------------

@pytest.fixture
def no_uploads(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Record every subprocess; fail the test if any of them is a twine upload."""
    calls: list[list[str]] = []
    real_run: Callable[..., Any] = subprocess.run

    def spy(argv: list[str], *args: Any, **kwargs: Any) -> Any:
        calls.append(list(argv))
        assert "upload" not in argv, "an upload was attempted"
        return real_run(argv, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    monkeypatch.setattr(upload, "upload_files", lambda *a: pytest.fail("upload_files was called"))
    return calls


def test_one_bad_file_means_nothing_is_uploaded(
        tmp_path: Path, no_uploads: list[list[str]], real_twine: None) -> None:
    good, sdist = stamped(tmp_path, prov=provenance(approximate=False)), make_sdist(tmp_path)
    (tmp_path / "legacy").mkdir()
    bad = stamped(tmp_path / "legacy", "cp314-cp314-pyodide_2025_0_wasm32",
                  prov=provenance(approximate=False))
    with pytest.raises(GateRefused) as caught:
        publish([good, sdist, bad], "pypi")
    lines = caught.value.message.splitlines()
    assert lines[0] == "1 file(s) refused, nothing was uploaded:"
    assert lines[1:] == [f"  {bad.name}: [legacy-tag] {caught.value.refusals[0].reason}"]
    assert not any("upload" in argv for argv in no_uploads)


def test_dry_run_checks_everything_and_uploads_nothing(
        tmp_path: Path, no_uploads: list[list[str]]) -> None:
    wheel, sdist = stamped(tmp_path), make_sdist(tmp_path)
    result = publish([wheel, sdist, wheel], "http://127.0.0.1:9/", dry_run=True)
    assert result.dry_run and result.files == [wheel, sdist] and result.uploaded == []


def test_each_refusal_is_one_line_naming_file_and_rule(tmp_path: Path) -> None:
    found = refusals([stamped(tmp_path, "cp313-cp313-pyodide_2025_0_wasm32", passed=False)], "pypi")
    assert sorted(rules(found)) == ["approximate", "legacy-tag", "tested"]
    for refusal in found:
        text = str(refusal)
        name = "demo-1.0-cp313-cp313-pyodide_2025_0_wasm32.whl"
        assert "\n" not in text and text.startswith(f"{name}: [{refusal.rule}] ")
