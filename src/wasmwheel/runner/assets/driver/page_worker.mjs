// The Web Worker pass: runs the job in this module worker and posts everything
// (output, test events, the result) to the page, which relays it.
import { makeIO } from "./browser_io.mjs";
import { runJob } from "./core.mjs";

self.onmessage = async ({ data }) => {
  const post = (kind, payload) => self.postMessage({ kind, payload });
  const interrupt = data.interrupt ? new Int32Array(data.interrupt) : undefined;
  const jobURL = new URL(data.jobURL);
  try {
    const job = await (await fetch(jobURL)).json();
    post("result", JSON.stringify(await runJob(job, jobURL, makeIO(post, interrupt))));
  } catch (err) {
    post("result", JSON.stringify({ exitCode: null, error: { kind: "worker", message: String(err?.stack ?? err) } }));
  }
};
