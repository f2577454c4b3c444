// `node make_snapshot.mjs PYODIDE_DIR OUT`: boot Pyodide with boot.mjs's options, import
// the standard-library modules in preload.json, and write its memory snapshot to OUT
// (runtimes/snapshot.py caches it).
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { bootOptions } from "./boot.mjs";

const [dir, out] = process.argv.slice(2);
const indexURL = dir.replace(/\/?$/, "/");
const { loadPyodide } = await import(pathToFileURL(`${indexURL}pyodide.mjs`).href);
const pyodide = await loadPyodide({ ...bootOptions(indexURL), _makeSnapshot: true });
const { modules } = JSON.parse(readFileSync(new URL("./preload.json", import.meta.url), "utf8"));
// A module loaded from a shared library would be missing from the restored memory's
// loader state: refuse to snapshot one (the list is then wrong for this runtime).
pyodide.runPython(`
import importlib, sys
for name in ${JSON.stringify(modules)}:
    importlib.import_module(name)
dynamic = sorted(n for n, m in list(sys.modules.items())
                 if str(getattr(m, "__file__", "") or "").endswith(".so"))
if dynamic:
    raise SystemExit(f"preload.json imports shared libraries: {', '.join(dynamic)}")
`);
writeFileSync(out, pyodide.makeMemorySnapshot());
