"""The CLI's contract: helpful --help, clear errors with exit codes, no traceback."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

import wasmwheel.publish.errors  # noqa: F401 - its error classes join the subclass walk below
from wasmwheel import errors
from wasmwheel.cli import DEBUG_ENV, build, main
from wasmwheel.errors import EXIT_CODES, ExitCode, ToolchainError, WasmwheelError

README = Path(__file__).resolve().parents[2] / "README.md"
PYTEST_CODES = range(1, 6)  # `wasmwheel test` passes these through from pytest


def _all_subclasses(cls: type[WasmwheelError]) -> list[type[WasmwheelError]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


def _fail_with(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    """Make `wasmwheel build` raise `exc` from inside the verb."""

    def run(args: argparse.Namespace) -> int:
        raise exc

    monkeypatch.setattr(build, "run", run)

VERBS = ("toolchain", "doctor", "build", "test", "publish", "cache", "new")


def test_help_lists_every_verb_with_its_summary(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    # The verb list only: the epilog's examples and environment lines name verbs too.
    listing = out.split("COMMAND\n", 1)[1].split("\n\n", 1)[0].splitlines()
    summaries = dict(line.split(maxsplit=1) for line in listing)
    assert tuple(summaries) == VERBS
    assert all(summaries.values())


@pytest.mark.parametrize("verb", VERBS)
def test_each_verb_has_its_own_help(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([verb, "--help"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: wasmwheel {verb} ")


def test_build_of_missing_path_fails_fast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(tmp_path / "missing")]) == ExitCode.NO_INPUT
    err = capsys.readouterr().err
    assert "does not exist" in err
    assert "hint:" in err


def test_build_of_non_project_explains(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["build", str(tmp_path)]) == ExitCode.DATA
    assert "neither pyproject.toml nor setup.py" in capsys.readouterr().err
    assert not (tmp_path / "dist").exists()


def test_unknown_target_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "setup.py").write_text("")
    assert main(["--target", "pyodide-0", "build", str(tmp_path)]) == ExitCode.CONFIG
    assert "unknown target 'pyodide-0'" in capsys.readouterr().err


def test_broken_toolchain_file_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "toolchain.toml"
    bad.write_text("schema = 1\n[targets\n")
    monkeypatch.setenv("WASMWHEEL_TOOLCHAIN_FILE", str(bad))
    assert main(["doctor"]) == ExitCode.CONFIG
    assert "not valid TOML" in capsys.readouterr().err


# --- exit codes: one table, never pytest's -----------------------------------


def test_every_error_kind_has_a_documented_code_outside_pytests() -> None:
    kinds = [WasmwheelError, *_all_subclasses(WasmwheelError)]
    assert any(k.__module__ == "wasmwheel.publish.errors" for k in kinds)
    for kind in kinds:
        assert kind.return_code in EXIT_CODES, kind
        assert kind.return_code not in PYTEST_CODES, kind
        assert 64 <= kind.return_code <= 78, kind


def test_help_lists_the_exit_codes_from_the_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(errors.EXIT_CODES, 99, "a code that exists only in this test")
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "exit codes:" in out
    assert "99    a code that exists only in this test" in out  # derived, not a copy
    for code in EXIT_CODES:
        assert re.search(rf"^  {'1-5' if code == 1 else code}\s", out, re.MULTILINE), code


def test_readme_explains_every_exit_code() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code in EXIT_CODES:
        label = "1-5" if code == 1 else str(code)
        assert re.search(rf"^\| `{label}` \|", section, re.MULTILINE), label


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["build", "--no-such-flag"], id="unknown-flag"),
        pytest.param([], id="no-command"),
        pytest.param(["frobnicate"], id="unknown-command"),
        pytest.param(["build", ".", "--route", "nowhere"], id="bad-choice"),
        pytest.param(["build", ".", "--", "-k", "x"], id="passthrough-not-for-build"),
    ],
)
def test_usage_errors_exit_64_not_pytests_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "hint: `wasmwheel" in err
    assert "Traceback" not in err


# --- unexpected exceptions ------------------------------------------------------


def test_unexpected_exception_is_an_internal_error_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    _fail_with(monkeypatch, ValueError("pin 'emscripten' must be a string"))
    assert main(["build", "."]) == ExitCode.INTERNAL
    out, err = capsys.readouterr()
    assert out == ""
    assert "internal error: ValueError: pin 'emscripten' must be a string" in err
    assert "wasmwheel --version" in err and "wasmwheel build ." in err  # what to report
    assert "issue" in err
    assert "--debug" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_shows_the_traceback(
    how: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    if how == "env":
        monkeypatch.setenv(DEBUG_ENV, "1")
    _fail_with(monkeypatch, KeyError("emscripten"))
    argv = ["--debug", "build", "."] if how == "flag" else ["build", "."]
    assert main(argv) == ExitCode.INTERNAL
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "internal error: KeyError: 'emscripten'" in err


def test_known_errors_show_a_traceback_only_with_debug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    _fail_with(monkeypatch, ToolchainError("no emcc", hint="install it"))
    assert main(["build", "."]) == ExitCode.UNAVAILABLE
    assert "Traceback" not in capsys.readouterr().err
    assert main(["--debug", "build", "."]) == ExitCode.UNAVAILABLE
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.rstrip().endswith("error: no emcc\nhint: install it")


def test_an_exception_that_cannot_be_printed_is_still_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("__str__ is broken too")

    monkeypatch.delenv(DEBUG_ENV, raising=False)
    _fail_with(monkeypatch, Unprintable())
    assert main(["build", "."]) == ExitCode.INTERNAL
    assert "internal error: Unprintable: <the message could not be printed>" in (
        capsys.readouterr().err
    )


def test_full_disk_is_an_io_error_not_a_bug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _fail_with(monkeypatch, OSError(28, "No space left on device", "/tmp/dist/x.whl"))
    assert main(["build", "."]) == ExitCode.IO
    err = capsys.readouterr().err
    assert "error: No space left on device: /tmp/dist/x.whl" in err
    assert "internal error" not in err


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _fail_with(monkeypatch, KeyboardInterrupt())
    assert main(["build", "."]) == ExitCode.INTERRUPTED == 130
    assert "interrupted" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["/proc/wasmwheel-cannot-be-here", "FILE/cache"])
def test_unwritable_cache_dir_is_a_clear_error(
    bad: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "FILE").write_text("")
    monkeypatch.setenv("WASMWHEEL_CACHE_DIR", bad.replace("FILE", str(tmp_path / "FILE")))
    assert main(["doctor"]) == ExitCode.IO
    err = capsys.readouterr().err
    assert "error: cannot create the cache directory" in err
    assert "hint: set WASMWHEEL_CACHE_DIR" in err
    assert "Traceback" not in err
