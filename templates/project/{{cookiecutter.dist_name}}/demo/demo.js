// Load Pyodide, install {{ cookiecutter.dist_name }} with micropip and call it.
// Addresses come from config.js. The outcome is also left on
// document.body.dataset.state ("ready" or "failed") for tests.
import { INDEX_URLS, PACKAGE, PYODIDE_URL } from "./config.js";

const $ = (id) => document.getElementById(id);

function status(text) {
  $("status").textContent = text;
}

async function main() {
  status(`Loading Pyodide from ${PYODIDE_URL}`);
  const { loadPyodide } = await import(`${PYODIDE_URL}pyodide.mjs`);
  const pyodide = await loadPyodide({ indexURL: PYODIDE_URL });
  status(`Installing ${PACKAGE} with micropip`);
  await pyodide.loadPackage("micropip");
  pyodide.globals.set("demo_request", JSON.stringify({ package: PACKAGE, index_urls: INDEX_URLS }));
  const answer = await pyodide.runPythonAsync(`
import json
import micropip

request = json.loads(demo_request)
options = {"index_urls": request["index_urls"]} if request["index_urls"] else {}
await micropip.install(request["package"], **options)

import {{ cookiecutter.module_name }}

json.dumps({
    "greet": {{ cookiecutter.module_name }}.greet("Pyodide"),
    "add": {{ cookiecutter.module_name }}.add(2, 3),
})
`);
  const result = JSON.parse(answer);
  $("greet").textContent = result.greet;
  $("add").textContent = String(result.add);
  status(`${PACKAGE} runs in your browser, in Pyodide ${pyodide.version}.`);
  document.body.dataset.state = "ready";
}

main().catch((error) => {
  status(`Failed: ${error?.message ?? error}`);
  document.body.dataset.state = "failed";
  console.error(error);
});
