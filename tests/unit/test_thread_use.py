"""A build says so when an extension module can start threads, which Pyodide lacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.wasm_modules import side_module, wheel_with
from wasmwheel.builder.thread_use import thread_starters, warn_about_threads


def test_modules_importing_pthread_create_are_named(tmp_path: Path) -> None:
    wheel = wheel_with(tmp_path, {"_threads": side_module("pthread_create", "pthread_join"),
                                  "_plain": side_module("PyLong_FromLong")})
    assert thread_starters(wheel) == ["demo/_threads.cpython-314-wasm32-emscripten.so"]


def test_the_warning_names_the_module_and_what_happens(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wheel = wheel_with(tmp_path, {"_threads": side_module("pthread_create")})
    warn_about_threads(wheel)
    err = capsys.readouterr().err
    assert "warning:" in err and "demo/_threads.cpython-314-wasm32-emscripten.so can start threads (pthread_create)" in err
    assert "hangs" in err


def test_no_threads_no_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warn_about_threads(wheel_with(tmp_path, {"_plain": side_module("PyLong_FromLong")}))
    assert capsys.readouterr().err == ""
