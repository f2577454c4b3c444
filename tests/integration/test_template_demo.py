"""The project template's demo page, rendered and opened in headless Chromium.

Everything the page loads comes from one loopback server: the rendered
demo/, the pinned Pyodide runtime from wasmwheel's cache (plus micropip's
wheel, which Pyodide's npm package leaves out), and a PEP 503 simple index
holding a small pure-Python wheel of the rendered project's name, exposing the contract's `greet` and `add`. The page's config.js
takes `?pyodide=` and `?index=` on a loopback host, which is how the test
points it here; nothing else in the page is changed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from helpers import chromium
from helpers.loopback import serve
from helpers.pypi_index import download_micropip
from helpers.template import private_context, render
from helpers.wheels import make_wheel
from wasmwheel.config.pins import current_target
from wasmwheel.toolchain.pyodide_runtime import ensure_pyodide_dist

pytestmark = pytest.mark.integration

# A distribution name unlike its import name, so the page must use each where it belongs.
DIST_NAME, MODULE_NAME = "fast-thing-demo", "fast_thing_demo"

# What the package stands in for: the contract's functions, in plain Python.
MODULE = '''\
def greet(name: str) -> str:
    return f"Hello, {name}!"


def add(a: int, b: int) -> int:
    return a + b
'''

def simple_index(site: Path, wheel: Path) -> None:
    """A PEP 503 index for one wheel under site/simple/, the wheel under site/packages/."""
    packages = site / "packages"
    packages.mkdir(parents=True)
    (packages / wheel.name).write_bytes(wheel.read_bytes())
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    project = site / "simple" / DIST_NAME
    project.mkdir(parents=True)
    (project / "index.html").write_text(
        f'<!doctype html><a href="../../packages/{wheel.name}#sha256={sha}">{wheel.name}</a>\n')


def pyodide_dir(site: Path, dist: Path, micropip: Path) -> None:
    """site/pyodide/: the cached runtime's files, linked (never copied into or out of the
    cache), and micropip's wheel under the name Pyodide's lock file gives it.

    The CDN's micropip wheel is out of reach and PyPI's has other bytes, so the served lock
    file is the runtime's own with micropip's sha256 set to PyPI's wheel: Pyodide still checks
    what it loads, against the file actually served."""
    lock = json.loads((dist / "pyodide-lock.json").read_text())
    entry = lock["packages"]["micropip"]
    assert entry["file_name"] == micropip.name, (entry["file_name"], micropip.name)
    entry["sha256"] = hashlib.sha256(micropip.read_bytes()).hexdigest()
    target = site / "pyodide"
    target.mkdir()
    for path in dist.iterdir():
        if path.name != "pyodide-lock.json":
            (target / path.name).symlink_to(path)
    (target / "pyodide-lock.json").write_text(json.dumps(lock))
    (target / micropip.name).symlink_to(micropip)


# What the demo page shows once it has finished (its body's data-state leaves "loading").
DEMO_OUTCOME = """() => ({
  state: document.body.dataset.state, text: document.body.innerText,
  greet: document.getElementById("greet").textContent,
  add: document.getElementById("add").textContent,
})"""


def open_page(tmp_path: Path, url: str, screenshot: Path,
              extra_args: tuple[str, ...] = ()) -> dict[str, str]:
    outcome, log = chromium.open_page(
        url, tmp_path, wait_for="document.body.dataset.state !== 'loading'",
        evaluate=DEMO_OUTCOME, screenshot=screenshot, extra_args=extra_args)
    result: dict[str, str] = outcome
    result["log"] = log
    return result


def render_demo(tmp_path: Path) -> Path:
    """The template rendered (defaults but the names); returns the project directory."""
    return render(tmp_path / "out", dist_name=DIST_NAME, module_name=MODULE_NAME)


def test_demo_page_shows_the_package_results_in_chromium(tmp_path: Path) -> None:
    project = render_demo(tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    (site / "demo").symlink_to(project / "demo")
    wheel = make_wheel(tmp_path / "wheels", DIST_NAME, "0.1.0",
                       files={f"{MODULE_NAME}/__init__.py": MODULE})
    simple_index(site, wheel)
    micropip = download_micropip(tmp_path / "micropip")
    pyodide_dir(site, ensure_pyodide_dist(current_target()), micropip)

    screenshot = tmp_path / "demo.png"
    with serve(site) as origin:
        outcome = open_page(tmp_path, f"{origin}/demo/index.html?pyodide=/pyodide/&index=/simple",
                            screenshot)
    print(f"demo screenshot: {screenshot}")
    assert outcome["state"] == "ready", outcome["text"] + outcome["log"][-3000:]
    assert outcome["greet"] == "Hello, Pyodide!"
    assert outcome["add"] == "5"
    assert "Hello, Pyodide!" in outcome["text"] and "5" in outcome["text"]
    assert screenshot.stat().st_size > 0



@pytest.mark.parametrize(("host", "overridden"), [("127.0.0.1", True), ("demo.example", False)])
def test_demo_page_honours_url_overrides_only_on_loopback(
        tmp_path: Path, host: str, overridden: bool) -> None:
    """`?pyodide=` chooses the script the page runs, so only a loopback host may use it: under
    a public-looking name the page goes for the template's Pyodide CDN (out of reach here)."""
    project = render_demo(tmp_path)
    stand_in = project / "other" / "pyodide.mjs"
    stand_in.parent.mkdir()
    stand_in.write_text('export async function loadPyodide() { throw new Error("OTHER RUNTIME"); }\n')
    cdn = private_context()["_pyodide_index_url"]
    with serve(project) as origin:
        port = origin.rsplit(":", 1)[1]
        outcome = open_page(tmp_path, f"http://{host}:{port}/demo/index.html?pyodide=/other/",
                            tmp_path / "page.png",
                            (f"--host-resolver-rules=MAP {host} 127.0.0.1",))
    assert outcome["state"] == "failed", outcome["text"]
    assert ("OTHER RUNTIME" in outcome["text"]) is overridden, outcome["text"]
    assert (cdn in outcome["text"]) is not overridden, outcome["text"]
