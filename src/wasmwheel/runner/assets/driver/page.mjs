// The test page: `page.html?job=<job URL>&context=main|worker`.
//
// Runs the job (core.mjs) on this page's thread or in a module Web Worker and
// relays everything to the controller (browser_controller.mjs) as console
// messages: MARK + JSON {k: kind, d: data}. Console events leave the page even
// while Python holds its thread, so output streams live in both passes.
import { makeIO } from "./browser_io.mjs";

const MARK = "\u0001wasmwheel\u0001";
const SHOWN = 200_000; // characters of output kept on the page (what a screenshot shows)
const params = new URLSearchParams(location.search);
const jobURL = new URL(params.get("job"), location.href);
const context = params.get("context") ?? "main";
const output = document.getElementById("output");
const status = document.getElementById("status");

const send = (k, d) => console.log(MARK + JSON.stringify({ k, d }));

function show(text) {
  output.textContent = (output.textContent + text).slice(-SHOWN);
}

// Without cross-origin isolation there is no SharedArrayBuffer: tests then
// run without per-test timeouts (the whole-run timeout still applies).
const interrupt = self.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
const watchdog = new Worker(new URL("./watchdog.mjs", import.meta.url), { type: "module" });
// Wait until it runs: a worker may need this thread to start, which Python will hold.
await new Promise((ready) => {
  watchdog.onmessage = ready;
  watchdog.postMessage({ kind: "init", interrupt: interrupt?.buffer });
});
if (!interrupt) send("log", "page is not cross-origin isolated: per-test timeouts are off");

function relay(kind, payload) {
  if (kind === "out" || kind === "err") show(payload);
  if (kind === "start" || kind === "end") watchdog.postMessage({ kind, payload });
  if (kind === "result") {
    const result = JSON.parse(payload);
    status.textContent = result.error ? `error: ${result.error.kind}` : `pytest exit code ${result.exitCode}`;
  }
  send(kind, payload);
}

send("log", `${context} pass; crossOriginIsolated=${self.crossOriginIsolated}; ${navigator.userAgent}`);
if (context === "worker") {
  const worker = new Worker(new URL("./page_worker.mjs", import.meta.url), { type: "module" });
  worker.onmessage = ({ data }) => relay(data.kind, data.payload);
  worker.onerror = (event) => {
    const message = `${event.message ?? "the Web Worker failed to start"} (${event.filename ?? ""}:${event.lineno ?? ""})`;
    relay("result", JSON.stringify({ exitCode: null, error: { kind: "worker", message } }));
  };
  worker.postMessage({ jobURL: jobURL.href, interrupt: interrupt?.buffer });
} else {
  try {
    const { runJob } = await import("./core.mjs");
    const job = await (await fetch(jobURL)).json();
    relay("result", JSON.stringify(await runJob(job, jobURL, makeIO(relay, interrupt))));
  } catch (err) {
    relay("result", JSON.stringify({ exitCode: null, error: { kind: "page", message: String(err?.stack ?? err) } }));
  }
}
