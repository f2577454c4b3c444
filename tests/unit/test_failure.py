"""Summaries of failed tools: the tool's own diagnostics, never a wrapper's traceback.

The fixtures in data/tool_output are real output (see its README).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from wasmwheel.errors import BuildError, ToolchainError
from wasmwheel.toolchain import failure
from wasmwheel.toolchain.pyodide_build import run_pyodide_build
from wasmwheel.toolchain.routes.debian import chroot

DATA = Path(__file__).parent / "data" / "tool_output"
COMPILE_ERROR = "src/fastmath/_core.c:114:1: error: unknown type name 'this'"


def output(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def test_compile_error_summary_is_the_compilers_errors() -> None:
    summary = failure.summarize(output("pyodide-build-compile-error.txt"))
    assert summary.splitlines() == [
        COMPILE_ERROR,
        "  114 | this is not C;",
        "      | ^",
        "src/fastmath/_core.c:114:8: error: expected ';' after top level declarator",
        "  114 | this is not C;",
        "      |        ^",
        "      |        ;",
    ]


def test_link_error_summary_names_the_symbol_and_stays_short() -> None:
    summary = failure.summarize(output("emcc-duplicate-symbol.txt")).splitlines()
    assert summary[:3] == [
        "wasm-ld-21: error: duplicate symbol: twice",
        ">>> defined in /tmp/emscripten_temp_qndnjmfh/a.o",
        ">>> defined in /tmp/emscripten_temp_qndnjmfh/b.o",
    ]
    assert summary[3].startswith("emcc: error: '/usr/bin/wasm-ld-21 -o")
    assert summary[3].endswith("failed (returned 1)")
    assert all(len(line) <= failure.MAX_LINE for line in summary)  # not the whole command
    assert not any("cache:INFO" in line for line in summary)


def test_without_diagnostics_the_end_is_shown_with_tracebacks_reduced_to_their_error() -> None:
    summary = failure.summarize(output("pyodide-build-setup-py-raises.txt"))
    lines = summary.splitlines()
    assert "RuntimeError: libfoo headers not found: set FOO_ROOT" in lines
    assert "Traceback (most recent call last)" not in summary
    assert not any(line.lstrip().startswith('File "') for line in lines)
    assert len(lines) == len(set(lines))  # the retried hook's repeat is shown once
    assert "\x1b[" not in summary


def test_failure_message_heads_the_summary_with_the_exit_code() -> None:
    message = failure.failure_message(
        "apt-get install coreutils", 100, output("apt-get-dpkg-lock-held.txt")
    )
    assert message.splitlines() == [
        "apt-get install coreutils failed (exit 100); the end of its output:",
        "  E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 8680 (python3)",
        (
            "  E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), "
            "is another process using it?"
        ),
    ]
    assert failure.failure_message("x", 1, "\n\n") == "x failed (exit 1) without any output"
    compile_message = failure.failure_message(
        "pyodide build", 1, output("pyodide-build-compile-error.txt")
    )
    assert compile_message.startswith("pyodide build failed (exit 1); its errors:\n  " + COMPILE_ERROR)


def test_many_errors_are_capped_at_the_first_few() -> None:
    text = "".join(f"big.c:{n}:1: error: unknown type name 'x{n}'\n" for n in range(1, 100))
    lines = failure.summarize(text).splitlines()
    assert len(lines) == failure.MAX_DIAGNOSTICS
    assert lines[0] == "big.c:1:1: error: unknown type name 'x1'"


def test_chroot_check_reports_the_summary(tmp_path: Path) -> None:
    failed = subprocess.CompletedProcess(
        ["pyodide", "build"], 1, stdout=output("pyodide-build-compile-error.txt"), stderr=""
    )
    with pytest.raises(ToolchainError) as info:
        chroot.check(failed, "pyodide build", "fix it")
    assert COMPILE_ERROR in info.value.message
    assert "Traceback (most recent call last)" not in info.value.message


def test_run_streamed_relays_to_stderr_and_keeps_the_output(
    capfd: pytest.CaptureFixture[str],
) -> None:
    script = "import sys; print('to stdout'); print('to stderr', file=sys.stderr); sys.exit(3)"
    result = failure.run_streamed([sys.executable, "-c", script])
    out, err = capfd.readouterr()
    assert result.returncode == 3
    assert "to stdout" in result.stdout and "to stderr" in result.stdout
    assert out == ""  # the tool's output never reaches our stdout
    assert "to stdout" in err and "to stderr" in err


def test_failed_pyodide_build_ends_with_the_compilers_error(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The exact and system routes' `pyodide build`, played by a script that
    writes the real output of a failed build and exits 1."""
    fake = tmp_path / "fake_pyodide.py"
    fake.write_text(
        "import sys\n"
        f"sys.stderr.write(open({str(DATA / 'pyodide-build-compile-error.txt')!r}).read())\n"
        "sys.exit(1)\n"
    )
    (tmp_path / "project").mkdir()
    with pytest.raises(BuildError) as info:
        run_pyodide_build([sys.executable, str(fake)], tmp_path / "project", tmp_path / "dist", {})
    assert COMPILE_ERROR in info.value.message
    assert "Traceback (most recent call last)" not in info.value.message
    out, err = capfd.readouterr()
    assert out == ""
    assert "Traceback (most recent call last)" in err  # streamed live, in full
