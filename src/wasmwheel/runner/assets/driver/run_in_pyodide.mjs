// Node entry point: `node run_in_pyodide.mjs JOB.json`.
//
// Runs the job (see core.mjs) in a worker thread, arms per-test timeouts
// through Pyodide's interrupt buffer, enforces the whole-run timeout, writes
// the result JSON next to the job (job.result) and exits with pytest's exit
// code, or 100 when no pytest result exists (the result's `error` says why).
import { writeFileSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

const DRIVER_ERROR = 100;
const SIGINT = 2; // the only value Pyodide's interrupt buffer acts on

const jobPath = resolve(process.argv[2] ?? "job.json");
const jobURL = pathToFileURL(jobPath);
const job = JSON.parse(readFileSync(jobPath, "utf8"));
const resultPath = new URL(job.result, jobURL);
const interrupt = new Int32Array(new SharedArrayBuffer(4));
const started = performance.now();
const partial = new Map(); // nodeid -> test entry, kept in case the run never finishes
let testTimer = null;
let runTimer = null;
let current = null; // the test running now, named if the run times out
let finished = false;

function finish(result) {
  if (finished) return;
  finished = true;
  clearTimeout(testTimer);
  clearTimeout(runTimer);
  writeFileSync(resultPath, JSON.stringify(result, null, 1));
  process.exitCode = result.exitCode ?? DRIVER_ERROR;
  worker.terminate();
}

function failed(kind, message) {
  const tests = [...partial.values()];
  const counts = {};
  for (const t of tests) counts[t.outcome] = (counts[t.outcome] ?? 0) + 1;
  finish({
    schema: 1, exitCode: null, error: { kind, message }, tests, counts,
    totalSeconds: Math.round(performance.now() - started) / 1000,
  });
}

const worker = new Worker(new URL("./node_worker.mjs", import.meta.url), {
  workerData: { jobURL: jobURL.href, interrupt: interrupt.buffer },
});

worker.on("message", ({ kind, payload }) => {
  const data = JSON.parse(payload);
  if (kind === "start") {
    current = data.nodeid;
    clearTimeout(testTimer);
    if (data.timeout > 0) testTimer = setTimeout(() => Atomics.store(interrupt, 0, SIGINT), data.timeout * 1000);
  } else if (kind === "end") {
    clearTimeout(testTimer);
    current = null;
    if (data.result) partial.set(data.nodeid, data.result);
  } else if (kind === "result") {
    finish(data);
  }
});
worker.on("error", (err) => failed("crash", err?.stack ?? String(err)));
worker.on("exit", (code) => failed("crash", `the Pyodide worker exited (code ${code}) without a result`));

const runSeconds = job.timeouts?.run ?? 0;
if (runSeconds > 0) {
  runTimer = setTimeout(() => {
    const where = current ? ` (while running ${current})` : "";
    failed("timeout", `the test run took longer than ${runSeconds}s${where}`);
  }, runSeconds * 1000);
}
