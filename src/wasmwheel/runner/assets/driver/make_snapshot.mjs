// `node make_snapshot.mjs PYODIDE_DIR OUT`: boot Pyodide with boot.mjs's
// options and write its memory snapshot to OUT (runtimes/snapshot.py caches it).
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { bootOptions } from "./boot.mjs";

const [dir, out] = process.argv.slice(2);
const indexURL = dir.replace(/\/?$/, "/");
const { loadPyodide } = await import(pathToFileURL(`${indexURL}pyodide.mjs`).href);
const pyodide = await loadPyodide({ ...bootOptions(indexURL), _makeSnapshot: true });
writeFileSync(out, pyodide.makeMemorySnapshot());
