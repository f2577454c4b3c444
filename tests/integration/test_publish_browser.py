"""Publish the example wheel to a real pypiserver, then install it with micropip inside
Pyodide in headless Chromium and call it.

pypiserver sends no CORS headers, so the page, the Pyodide runtime, micropip and the index
all come from ONE loopback origin: a small server here that serves the files and proxies
/simple/ and /packages/ to pypiserver unchanged.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from helpers import chromium
from helpers.loopback import serve_handler
from helpers.pypi_index import Index, download_micropip
from wasmwheel.config.pins import current_target
from wasmwheel.publish import publish
from wasmwheel.toolchain.pyodide_runtime import ensure_pyodide_dist

pytestmark = pytest.mark.integration

INDEX_PATH = "/simple"  # what the page gives micropip, under its own origin (no trailing slash)
PROXIED = ("/simple/", "/packages/")
MIME = {".html": "text/html; charset=utf-8", ".mjs": "text/javascript", ".js": "text/javascript",
        ".wasm": "application/wasm", ".json": "application/json", ".zip": "application/zip",
        ".whl": "application/zip", ".map": "application/json"}

PAGE = """\
<!doctype html>
<meta charset="utf-8">
<title>wasmwheel publish e2e</title>
<script type="module">
try {
  const { loadPyodide } = await import("/pyodide/pyodide.mjs");
  const pyodide = await loadPyodide({ indexURL: "/pyodide/" });
  await pyodide.loadPackage(new URL("/MICROPIP_WHEEL", location.origin).href);
  window.__result = await pyodide.runPythonAsync(`
import json, micropip
await micropip.install('fastmath', index_urls=['${location.origin}INDEX_PATH'])
import fastmath
json.dumps([fastmath.fib(10), fastmath.greet('wasm')])
`);
} catch (e) {
  window.__error = String(e?.message ?? e);
}
</script>
"""

@contextmanager
def same_origin(files: dict[str, Path], upstream: str, log: list[str]) -> Iterator[str]:
    """Serve `files` (URL prefix -> directory or file) and proxy PROXIED paths to `upstream`;
    yield the origin. Every proxied path is appended to `log`."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, content_type: str, cors: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if cors:
                self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path.startswith(PROXIED):
                log.append(path)
                request = urllib.request.Request(
                    upstream + self.path, headers={"Accept": self.headers.get("Accept", "*/*")})
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status, body = answer.status, answer.read()
                        content_type = answer.headers.get("Content-Type", "")
                except urllib.error.HTTPError as err:
                    status, body = err.code, err.read()
                    content_type = err.headers.get("Content-Type", "text/plain")
                self._send(status, body, content_type, cors=True)
                return
            for prefix, source in files.items():
                if path == prefix or (source.is_dir() and path.startswith(prefix + "/")):
                    found = source / path[len(prefix) + 1:] if source.is_dir() else source
                    if found.is_file() and ".." not in path:
                        self._send(200, found.read_bytes(),
                                   MIME.get(found.suffix, "application/octet-stream"))
                        return
            self._send(404, b"not found", "text/plain")

    with serve_handler(Handler) as origin:
        yield origin


def test_published_wheel_installs_with_micropip_in_chromium(
        tmp_path: Path, example_wheel: Path, index: Index, credentials: None) -> None:
    assert publish([example_wheel], index.upload_url).uploaded == [example_wheel]

    target = current_target()
    dist = ensure_pyodide_dist(target)
    micropip = download_micropip(tmp_path)
    page = tmp_path / "index.html"
    page.write_text(PAGE.replace("MICROPIP_WHEEL", micropip.name).replace("INDEX_PATH", INDEX_PATH))

    proxied: list[str] = []
    upstream = index.simple_url.removesuffix("/simple")
    files = {"/pyodide": dist, f"/{micropip.name}": micropip, "/index.html": page}
    with same_origin(files, upstream, proxied) as origin:
        outcome, _ = chromium.open_page(
            f"{origin}/index.html", tmp_path, timeout=240,
            wait_for="window.__result !== undefined || window.__error !== undefined",
            evaluate="() => ({ result: window.__result, error: window.__error })")
    assert outcome.get("error") is None, outcome["error"]
    fib, greeting = json.loads(outcome["result"])  # calls into the WebAssembly module
    assert fib == 55 and "wasm" in greeting
    # The browser really went through the index (via the proxy), not some other source.
    assert "/simple/fastmath/" in proxied, proxied
    assert f"/packages/{example_wheel.name}" in proxied, proxied
