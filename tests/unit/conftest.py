"""The fast tier: every unit test gets an empty cache, a clean WASMWHEEL_* environment, and
no network beyond 127.0.0.1."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wasmwheel.config.pins import TOOLCHAIN_ENV


@pytest.fixture(autouse=True)
def isolated_cache(empty_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # WASMWHEEL_TOOLCHAIN_FILE stays: it runs the suite against other pins on purpose.
    for name in list(os.environ):
        if name.startswith("WASMWHEEL_") and name not in (TOOLCHAIN_ENV, "WASMWHEEL_CACHE_DIR"):
            monkeypatch.delenv(name)
    return empty_cache


def _is_loopback(host: object) -> bool:
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Refuse lookups and connections beyond loopback, and fail the test that tried: code
    under test may well catch the OSError and carry on ("unreachable"), so the refusal
    alone would not be seen."""
    attempts: list[str] = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host):
            attempts.append(f"DNS lookup of {host}")
            raise socket.gaierror(socket.EAI_NONAME, "the unit tier has no network")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            attempts.append(f"connection to {address}")
            raise OSError("the unit tier has no network")
        real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    yield
    if attempts:
        pytest.fail("a unit test reached beyond 127.0.0.1 (use helpers.loopback instead): "
                    + "; ".join(attempts), pytrace=False)
