"""The CLI's contract: helpful --help, clear errors with exit codes, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from wasmwheel.cli import main

VERBS = ("toolchain", "doctor", "build", "test", "publish")


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
    assert main(["build", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err
    assert "hint:" in err


def test_build_of_non_project_explains(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    assert main(["build", str(tmp_path)]) == 2
    assert "neither pyproject.toml nor setup.py" in capsys.readouterr().err
    assert not (tmp_path / "dist").exists()


def test_unknown_target_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "setup.py").write_text("")
    assert main(["--target", "pyodide-0", "build", str(tmp_path)]) == 2
    assert "unknown target 'pyodide-0'" in capsys.readouterr().err


def test_broken_toolchain_file_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "toolchain.toml"
    bad.write_text("schema = 1\n[targets\n")
    monkeypatch.setenv("WASMWHEEL_TOOLCHAIN_FILE", str(bad))
    assert main(["doctor"]) == 2
    assert "not valid TOML" in capsys.readouterr().err
