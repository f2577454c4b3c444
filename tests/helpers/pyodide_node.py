"""Run Python code inside the real Pyodide under Node, with micropip loaded (to install
from a local index), and return what the code evaluates to."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from helpers.pypi_index import download_micropip
from wasmwheel.config.pins import current_target
from wasmwheel.toolchain.node import ensure_node
from wasmwheel.toolchain.pyodide_runtime import ensure_pyodide_dist

NODE_SCRIPT = """\
import { pathToFileURL } from "node:url";
const [distDir, micropipWheel, code] = process.argv.slice(2);
try {
  const { loadPyodide } = await import(pathToFileURL(distDir + "/pyodide.mjs").href);
  const pyodide = await loadPyodide({ indexURL: distDir + "/" });
  await pyodide.loadPackage(pathToFileURL(micropipWheel).href);
  console.log("RESULT " + await pyodide.runPythonAsync(code));
} catch (e) {
  console.error(String(e.message ?? e));  // not e.stack: it quotes the minified runtime
  process.exit(1);
}
"""


def pyodide_caller(work: Path) -> Callable[[str], str]:
    """A function running code in a fresh Pyodide (Node) with micropip; `work` holds
    micropip's wheel and the script."""
    target = current_target()
    node, dist = ensure_node(target), ensure_pyodide_dist(target)
    micropip = download_micropip(work)
    script = work / "run.mjs"
    script.write_text(NODE_SCRIPT)

    def call(code: str) -> str:
        result = subprocess.run([str(node), str(script), str(dist), str(micropip), code],
                                check=False, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout.split("RESULT ", 1)[1].strip()

    return call
