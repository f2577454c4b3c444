// Per-test timeouts: Python runs synchronously (on the page's own thread in
// the main-thread pass), so the timer lives here, on a thread of its own, and
// writes SIGINT into Pyodide's interrupt buffer (plugin.py turns it into a failure).
const SIGINT = 2;
let interrupt = null;
let timer = null;

self.onmessage = ({ data }) => {
  if (data.kind === "init") {
    interrupt = data.interrupt ? new Int32Array(data.interrupt) : null;
    self.postMessage("ready");
  } else if (data.kind === "start") {
    clearTimeout(timer);
    const { timeout } = JSON.parse(data.payload);
    if (timeout > 0 && interrupt) timer = setTimeout(() => Atomics.store(interrupt, 0, SIGINT), timeout * 1000);
  } else if (data.kind === "end") {
    clearTimeout(timer);
  }
};
