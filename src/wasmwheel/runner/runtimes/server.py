"""A loopback HTTP server for the browser runtimes: the job, Pyodide's files and the driver.

Everything the page loads comes from this one origin, so no CORS is needed.
COOP/COEP make the page cross-origin isolated (SharedArrayBuffer, which the
per-test timeout's interrupt buffer needs); the CSP stops the page, and
Pyodide inside it, from reaching any other host (a CDN above all).
"""

from __future__ import annotations

import errno
import shutil
import socketserver
import threading
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import unquote, urlsplit

from wasmwheel.errors import TestRunError

HOST = "127.0.0.1"
PORT_ENV = "WASMWHEEL_TEST_PORT"  # named by the error hint; read by runtime_browser

# Explicit: mimetypes reads /etc/mime.types, which may not know .wasm or .mjs,
# and WebAssembly.instantiateStreaming refuses anything but application/wasm.
MIME_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".py": "text/x-python; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
}
DEFAULT_TYPE = "application/octet-stream"

CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'; "
       "worker-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",  # a fresh profile per run anyway; never a stale wheel
}


def resolve(mounts: Mapping[str, Path], url_path: str) -> Path | None:
    """The file for `/<mount>/<rest>`, or None if it is outside the mount or not a file."""
    parts = unquote(urlsplit(url_path).path).split("/")
    if len(parts) < 3 or parts[0] != "" or parts[1] not in mounts:
        return None
    rest = parts[2:]
    if any(p in ("..", ".") or "\\" in p or "\0" in p for p in rest):
        return None
    root = mounts[parts[1]].resolve()
    path = root.joinpath(*rest).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None  # a symlink out of the mount counts as outside
    return path


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def _serve(self, *, body: bool) -> None:
        path = resolve(self.server.mounts, self.path)
        if path is None:
            self._status(HTTPStatus.NOT_FOUND)
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", MIME_TYPES.get(path.suffix, DEFAULT_TYPE))
        self.send_header("Content-Length", str(path.stat().st_size))
        self._common_headers()
        self.end_headers()
        if body:
            with path.open("rb") as file:
                try:
                    shutil.copyfileobj(file, self.wfile)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the page went away (a killed browser): nothing to tell it

    def _status(self, status: HTTPStatus) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self._common_headers()
        self.end_headers()

    def _common_headers(self) -> None:
        for name, value in HEADERS.items():
            self.send_header(name, value)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the controller reports failed requests; a line per file would drown pytest's output


class LoopbackServer(ThreadingHTTPServer):
    """Serve `mounts` ({"job": dir, ...} -> /job/...) on 127.0.0.1 in a background thread.

    Port 0 lets the OS pick a free port, so two runs never collide; an explicit
    port that is taken is a TestRunError.
    """

    daemon_threads = True

    def __init__(self, mounts: Mapping[str, Path], port: int = 0) -> None:
        self.mounts = dict(mounts)
        try:
            super().__init__((HOST, port), _Handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise TestRunError(
                f"cannot serve the test page: port {port} on {HOST} is already in use",
                hint=f"stop what listens there, or set {PORT_ENV}=0 (any free port)",
            ) from None
        # A short poll interval: shutdown() waits up to one interval.
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,),
                                        name="wasmwheel-http", daemon=True)

    def server_bind(self) -> None:
        # HTTPServer's own calls getfqdn(), a reverse DNS lookup that can stall offline.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, self.server_address[1]

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(5)
