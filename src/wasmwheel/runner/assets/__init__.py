"""Files that run outside the host Python, shipped as package data.

`driver/` holds the JavaScript that boots Pyodide (Node, a page, a Web
Worker) and the npm lock file for puppeteer-core; `pytest_plugin.py` runs
inside Pyodide. wasmwheel is always installed unpacked (wheels are), so
these are real files on disk.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PLUGIN_FILE = "pytest_plugin.py"


def driver_file(name: str) -> Path:
    return Path(str(resources.files(__name__).joinpath("driver", name)))


def plugin_source() -> bytes:
    return resources.files(__name__).joinpath(PLUGIN_FILE).read_bytes()
