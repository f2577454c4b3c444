"""The same tests run natively (`pytest`, `nox -s tests`) and inside Pyodide
(`wasmwheel test`, `nox -s wasm`, `nox -s browser`)."""

import sys
import zlib

import pytest

import {{ cookiecutter.module_name }} as pkg
from {{ cookiecutter.module_name }} import _core


def test_add() -> None:
    assert pkg.add(2, 3) == 5
    assert pkg.add(-2**40, 1) == -2**40 + 1


def test_greet() -> None:
    assert pkg.greet("Pyodide") == "Hello, Pyodide!"
    assert pkg.greet("wörld") == "Hello, wörld!"


@pytest.mark.parametrize("data", [b"", b"a", b"Wikipedia", bytes(range(256)) * 300])
def test_checksum_is_adler32(data: bytes) -> None:
    assert pkg.checksum(data) == zlib.adler32(data)


def test_total() -> None:
    assert pkg.total([]) == 0.0
    assert pkg.total([0.5, 1.5, 2]) == 4.0


def test_safe_div() -> None:
    assert pkg.safe_div(7, 2) == 3.5
    with pytest.raises(ValueError, match="division by zero"):
        pkg.safe_div(1, 0)


def test_where_it_runs() -> None:
{%- if cookiecutter.variant == 'python' %}
    # Pure Python: the same source everywhere.
    assert _core.__file__.endswith(".py")
{%- else %}
    # A compiled module: native here, WebAssembly inside Pyodide.
    assert not _core.__file__.endswith(".py")
    if sys.platform == "emscripten":
        assert "emscripten" in _core.__file__
{%- endif %}
    assert sys.platform in {"emscripten", "linux", "darwin", "win32"} or sys.platform.startswith("freebsd")
