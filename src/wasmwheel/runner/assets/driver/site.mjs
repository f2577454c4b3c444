// The compiled site (runtimes/compiled_site.py): the test requirements' pure-Python
// wheels, unpacked and compiled to bytecode once, in a host directory that Node's
// Pyodide mounts instead of installing those wheels on every run.
//
// The bytecode records where its source was when it was compiled, so the mount
// point is the same when compiling (compile_site.mjs) and when running (node_worker.mjs).
export const SITE_DIR = "/lib/wasmwheel-site";

// Mount `hostDir` and put it on sys.path the way site-packages is (.pth files too).
// No bytecode is written from here on: the mount is the shared cache, not this run's.
export function mountSite(pyodide, hostDir) {
  pyodide.mountNodeFS(SITE_DIR, hostDir);
  pyodide.runPython(
    `import site, sys\nsys.dont_write_bytecode = True\nsite.addsitedir(${JSON.stringify(SITE_DIR)})`,
  );
}
