// `node compile_site.mjs PYODIDE_DIR SITE_DIR`: compile every module in SITE_DIR (unpacked
// pure-Python wheels) to bytecode with Pyodide's own CPython, the one that will import it.
// Hash-checked .pyc files: a .pyc whose source differs is never used.
import { pathToFileURL } from "node:url";
import { bootOptions } from "./boot.mjs";
import { SITE_DIR } from "./site.mjs";

const [dir, hostSite] = process.argv.slice(2);
const indexURL = dir.replace(/\/?$/, "/");
const { loadPyodide } = await import(pathToFileURL(`${indexURL}pyodide.mjs`).href);
const pyodide = await loadPyodide(bootOptions(indexURL));
pyodide.mountNodeFS(SITE_DIR, hostSite);
// A module that does not compile (a Python 2 example in a wheel, say) stays source only:
// importing it fails as it would without the compiled site.
pyodide.runPython(`
import compileall, py_compile
compileall.compile_dir(${JSON.stringify(SITE_DIR)}, quiet=2,
                       invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
`);
