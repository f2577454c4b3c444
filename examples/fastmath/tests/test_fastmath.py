import sys
import zlib

import pytest

import fastmath
from fastmath import _core


def test_runs_as_webassembly():
    # The point of the example: these tests run inside Pyodide, not natively.
    assert sys.platform == "emscripten"
    assert _core.__file__.endswith(".so")


@pytest.mark.parametrize(("n", "expected"), [(0, 0), (1, 1), (10, 55), (92, 7540113804746346429)])
def test_fib_computes(n, expected):
    assert fastmath.fib(n) == expected


def test_fib_rejects_negative():
    with pytest.raises(ValueError, match=">= 0"):
        fastmath.fib(-1)


def test_fib_rejects_overflow():
    with pytest.raises(OverflowError):
        fastmath.fib(93)


def test_primes_returns_list():
    assert fastmath.primes(30) == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
    assert fastmath.primes(0) == []


def test_greet_returns_str():
    assert fastmath.greet("wasm") == "Hello, wasm!"
    with pytest.raises(ValueError):
        fastmath.greet("")


def test_reverse_bytes_returns_bytes():
    assert fastmath.reverse_bytes(b"abc\x00") == b"\x00cba"
    assert fastmath.reverse_bytes(bytearray(b"xy")) == b"yx"


def test_checksum_matches_zlib():
    data = bytes(range(256)) * 10
    assert fastmath.checksum(data) == zlib.adler32(data)


def test_wrong_type_raises_type_error():
    with pytest.raises(TypeError):
        fastmath.fib("3")
