"""The browser runtimes' loopback server: types, isolation headers, and what it refuses."""

from __future__ import annotations

import http.client
import socket
import urllib.request
from pathlib import Path

import pytest

from wasmwheel import errors
from wasmwheel.runner.runtimes.server import PORT_ENV, LoopbackServer, resolve


@pytest.fixture
def mounts(tmp_path: Path) -> dict[str, Path]:
    job = tmp_path / "job"
    (job / "wheels").mkdir(parents=True)
    (job / "wheels" / "a-1.0-py3-none-any.whl").write_bytes(b"PK\x03\x04")
    (job / "job.json").write_text("{}")
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "pyodide.asm.wasm").write_bytes(b"\0asm\1\0\0\0")
    (dist / "pyodide.mjs").write_text("export {};")
    (tmp_path / "secret.txt").write_text("not for the page")
    (dist / "escape.txt").symlink_to(tmp_path / "secret.txt")
    return {"job": job, "pyodide": dist}


def get(server: LoopbackServer, path: str) -> tuple[int, dict[str, str], bytes]:
    # http.client sends the path as given: no client-side normalisation of "..".
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(("path", "mime"), [
    ("/pyodide/pyodide.asm.wasm", "application/wasm"),
    ("/pyodide/pyodide.mjs", "text/javascript"),
    ("/job/wheels/a-1.0-py3-none-any.whl", "application/zip"),
    ("/job/job.json?cache=no", "application/json"),
])
def test_files_are_served_with_explicit_types(mounts: dict[str, Path], path: str, mime: str) -> None:
    with LoopbackServer(mounts) as server:
        status, headers, body = get(server, path)
    assert status == 200 and headers["Content-Type"] == mime
    file = mounts[path.split("/")[1]].joinpath(*path.split("?")[0].split("/")[2:])
    assert body == file.read_bytes()


def test_every_response_isolates_the_page_and_keeps_it_on_this_origin(
        mounts: dict[str, Path]) -> None:
    with LoopbackServer(mounts) as server:
        for path in ("/pyodide/pyodide.mjs", "/job/missing.json"):
            _, headers, _ = get(server, path)
            assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
            assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
            assert "connect-src 'self'" in headers["Content-Security-Policy"]


def test_the_origin_is_loopback_on_a_free_port(mounts: dict[str, Path]) -> None:
    with LoopbackServer(mounts) as one, LoopbackServer(mounts) as two:
        assert one.origin.startswith("http://127.0.0.1:") and one.origin != two.origin
        with urllib.request.urlopen(one.origin + "/job/job.json", timeout=10) as response:
            assert response.read() == b"{}"


@pytest.mark.parametrize("path", [
    "/job/../secret.txt",
    "/job/%2e%2e/secret.txt",
    "/job/wheels/..%2f..%2fsecret.txt",
    "/pyodide/escape.txt",          # a symlink that leads out of the mount
    "/secret.txt",                  # not under a mount
    "/other/secret.txt",
    "/job/wheels",                  # a directory: no listings
])
def test_paths_outside_the_mounts_are_refused(mounts: dict[str, Path], path: str) -> None:
    with LoopbackServer(mounts) as server:
        status, _, body = get(server, path)
    assert status == 404 and body == b""
    assert resolve(mounts, path) is None


def test_a_taken_port_is_a_clear_error(mounts: dict[str, Path]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(errors.TestRunError, match=f"port {port} on 127.0.0.1 is already in use") as info:
            LoopbackServer(mounts, port=port)
    assert info.value.hint and PORT_ENV in info.value.hint
