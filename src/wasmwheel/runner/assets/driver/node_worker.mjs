// Node adapter for core.mjs: runs in a worker thread so that the main thread
// stays free to enforce timeouts while Python runs synchronously.
import { writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import { runJob } from "./core.mjs";
import { mountSite } from "./site.mjs";

// Direct writes to the process's fds: a worker's process.stdout is relayed
// through its own event loop, which is blocked while Python runs.
// The fd may be non-blocking (a pipe libuv touched): wait out EAGAIN.
const pause = new Int32Array(new SharedArrayBuffer(4));
function writeAll(fd, bytes) {
  for (let off = 0; off < bytes.length; ) {
    try {
      off += writeSync(fd, bytes, off);
    } catch (err) {
      if (err.code !== "EAGAIN") throw err;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

const io = {
  readBytes: async (url) =>
    url.protocol === "file:" ? new Uint8Array(await readFile(url)) : new Uint8Array(await (await fetch(url)).arrayBuffer()),
  indexURL: (url) => (url.protocol === "file:" ? fileURLToPath(url).replace(/\/?$/, "/") : url.href),
  packageURL: (url) => url.href,
  stdout: (bytes) => writeAll(1, bytes),
  stderr: (bytes) => writeAll(2, bytes),
  log: (text) => writeAll(2, new TextEncoder().encode(`[wasmwheel] ${text}\n`)),
  emit: (kind, payload) => parentPort.postMessage({ kind, payload }),
  interruptBuffer: new Int32Array(workerData.interrupt),
  mountSite: (pyodide, url) => mountSite(pyodide, fileURLToPath(url)),
};

const job = JSON.parse(new TextDecoder().decode(await io.readBytes(new URL(workerData.jobURL))));
const result = await runJob(job, new URL(workerData.jobURL), io);
parentPort.postMessage({ kind: "result", payload: JSON.stringify(result) });
