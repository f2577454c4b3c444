// Runs one wasmwheel test job inside Pyodide and returns the result object.
//
// Shared by every runtime: the Node worker (node_worker.mjs) now, a browser
// Web Worker later. All I/O comes in through `io`, so nothing here knows
// whether files come from disk or from a loopback HTTP server:
//
//   io.readBytes(url)        -> Promise<Uint8Array>   fetch a job file
//   io.indexURL(url)         -> string   what loadPyodide wants (a path in Node)
//   io.packageURL(url)       -> string   what loadPackage wants (file: or http:)
//   io.stdout(bytes), io.stderr(bytes)   Python's output, written as it comes
//   io.log(text)             driver progress (stderr)
//   io.emit(kind, json)      test events for the main thread: "start" {nodeid, timeout},
//                            "end" {nodeid, result}
//   io.interruptBuffer       Int32Array on a SharedArrayBuffer, or undefined
//   io.mountSite(pyodide, url)   Node only: mount a compiled site (site.mjs)
//
// job.snapshot (optional): the URL of a memory snapshot to boot from (boot.mjs).
// job.site (optional): the URL of a compiled site holding the pure-Python test
// requirements, mounted instead of installed (site.mjs); job.wheels then lists the rest.
//
// Result: { schema, exitCode, error: null | {kind, message}, tests, counts,
//           bootSeconds, installSeconds, suiteSeconds, totalSeconds, pyodideVersion }

import { bootPyodide } from "./boot.mjs";

const PLUGIN_DIR = "/tmp/wasmwheel";

function seconds(since) {
  return Math.round((performance.now() - since) / 10) / 100;
}

class StageError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

async function boot(job, jobURL, io) {
  const indexURL = new URL(job.indexURL, jobURL);
  const { loadPyodide } = await import(new URL("pyodide.mjs", indexURL).href);
  const snapshot = job.snapshot ? await io.readBytes(new URL(job.snapshot, jobURL)) : null;
  const pyodide = await bootPyodide(loadPyodide, io.indexURL(indexURL), snapshot, io.log);
  // Raw byte writers: pytest's output reaches the host as it is produced.
  // pytest's fd capture dup2()s over fds 0-2, which fsyncs them: every stream
  // needs an fsync that works here (Node's default stdin has no fd in a worker).
  const writer = (sink) => ({ write: (bytes) => (sink(bytes), bytes.length), fsync: () => {}, isatty: false });
  pyodide.setStdout(writer(io.stdout));
  pyodide.setStderr(writer(io.stderr));
  pyodide.setStdin({ stdin: () => null }); // tests read EOF, never the host's terminal
  if (io.interruptBuffer) pyodide.setInterruptBuffer(io.interruptBuffer);
  return pyodide;
}

async function install(pyodide, job, jobURL, io) {
  if (job.site) {
    if (!io.mountSite) throw new StageError("install", "this runtime cannot mount a compiled site");
    io.mountSite(pyodide, new URL(job.site, jobURL));
  }
  const urls = job.wheels.map((w) => io.packageURL(new URL(w, jobURL)));
  const errors = [];
  // By URL, never by name: Pyodide must not resolve anything against its
  // lock file (its hashes differ from PyPI's, and its CDN is out of reach).
  const loaded = await pyodide.loadPackage(urls, {
    messageCallback: (m) => io.log(m),
    errorCallback: (m) => errors.push(m),
  });
  if (errors.length || loaded.length !== urls.length) {
    const names = new Set(loaded.map((p) => p.fileName ?? p.file_name));
    const missing = job.wheels.filter((w) => !names.has(w.split("/").pop()));
    throw new StageError("install", [...errors, `not installed: ${missing.join(", ") || "?"}`].join("\n"));
  }
}

async function unpack(pyodide, job, jobURL, io) {
  const tests = await io.readBytes(new URL(job.tests, jobURL));
  pyodide.FS.mkdirTree(job.workdir);
  pyodide.unpackArchive(tests, "zip", { extractDir: job.workdir });
  pyodide.FS.mkdirTree(PLUGIN_DIR);
  pyodide.FS.writeFile(`${PLUGIN_DIR}/${job.plugin}`, await io.readBytes(new URL(job.plugin, jobURL)));
}

function callPlugin(pyodide, job, code, args) {
  const namespace = pyodide.toPy({});
  try {
    pyodide.runPython(
      `import sys\nif ${JSON.stringify(PLUGIN_DIR)} not in sys.path: sys.path.insert(0, ${JSON.stringify(PLUGIN_DIR)})\n` +
        `import ${job.plugin.replace(/\.py$/, "")} as plugin`,
      { globals: namespace },
    );
    for (const [k, v] of Object.entries(args)) namespace.set(k, v);
    return pyodide.runPython(code, { globals: namespace });
  } finally {
    namespace.destroy();
  }
}

export async function runJob(job, jobURL, io) {
  const started = performance.now();
  const result = {
    schema: 1, exitCode: null, error: null, tests: [], counts: {},
    bootSeconds: 0, installSeconds: 0, suiteSeconds: 0, totalSeconds: 0, pyodideVersion: null,
  };
  let stage = "boot";
  try {
    let t = performance.now();
    const pyodide = await boot(job, jobURL, io);
    result.pyodideVersion = pyodide.version;
    result.bootSeconds = seconds(t);
    io.log(`booted Pyodide ${pyodide.version} in ${result.bootSeconds}s`);

    stage = "install";
    t = performance.now();
    await install(pyodide, job, jobURL, io);
    result.installSeconds = seconds(t);
    io.log(`installed ${job.wheels.length} wheels${job.site ? " and mounted the compiled site" : ""} in ${result.installSeconds}s`);

    stage = "unpack";
    await unpack(pyodide, job, jobURL, io);

    stage = "import";
    t = performance.now(); // suite time: the wheel's import check, importing pytest, pytest.main
    const failure = callPlugin(pyodide, job, "plugin.check_imports(list(names))",
                               { names: pyodide.toPy(job.importCheck) });
    if (failure !== undefined && failure !== null) throw new StageError("import", failure);

    stage = "pytest";
    const emit = (kind, payload) => io.emit(kind, payload);
    const json = callPlugin(pyodide, job, "plugin.run(list(args), workdir, timeout, emit)", {
      args: pyodide.toPy(job.pytestArgs), workdir: job.workdir,
      timeout: job.timeouts?.test ?? 0, emit,
    });
    Object.assign(result, JSON.parse(json), { suiteSeconds: seconds(t) });
  } catch (err) {
    // Verbatim: Pyodide's and Python's own messages are the most useful ones.
    result.error = { kind: err.kind ?? stage, message: String(err?.message ?? err) };
  }
  result.totalSeconds = seconds(started);
  return result;
}
