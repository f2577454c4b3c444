// Node entry point of the browser runtimes: `node browser_controller.mjs CONFIG.json`.
//
// Launches Debian's Chromium (CDP) or Firefox (WebDriver BiDi, no geckodriver)
// ONCE with puppeteer-core and opens one test page per runtime (the page's
// main-thread pass and the Web Worker pass run side by side, each in its own
// tab), served by the host's loopback server. For each page it streams the
// output to stdout, shows console errors, enforces that page's whole-run
// timeout (a page that times out is closed; the others go on), writes its
// result JSON and, on failure, saves screenshot-<runtime>.png and
// page-<runtime>.log. Exits when every page has a result: 0 if all passed,
// else the first pytest exit code (100: no pytest result; the result's
// `error` says why).
//
// CONFIG: { browser: "chrome"|"firefox", executable, profile, args,
//           firefoxPrefs, modules, outputDir, pidFile, runSeconds,
//           launchSeconds, prefix: bool,
//           pages: [{ runtime, pageURL, result }] }
// With `prefix`, every line written is prefixed with `[<runtime>] `.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const DRIVER_ERROR = 100;
const MARK = "\u0001wasmwheel\u0001"; // page.mjs's relay prefix
const TAIL_LINES = 30;
const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const puppeteer = createRequire(join(config.modules, "wasmwheel.cjs"))("puppeteer-core");
const started = performance.now();
let browser = null;

const stamp = () => `${((performance.now() - started) / 1000).toFixed(2)}s`;

function within(promise, seconds, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${seconds}s`)), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Whole lines per runtime and stream: two pages write at once, and a line
// must never be split by the other page's output.
class Lines {
  constructor(label, stream) {
    this.prefix = config.prefix ? `[${label}] ` : "";
    this.stream = stream;
    this.pending = "";
  }

  write(text) {
    if (!this.prefix) return void this.stream.write(text);
    const lines = (this.pending + text).split("\n");
    this.pending = lines.pop();
    if (lines.length) this.stream.write(lines.map((l) => this.prefix + l + "\n").join(""));
  }

  flush() {
    if (this.pending) this.stream.write(`${this.prefix}${this.pending}\n`);
    this.pending = "";
  }
}

class PageRun {
  constructor({ runtime, pageURL, result }) {
    Object.assign(this, { runtime, pageURL, resultPath: result });
    this.out = new Lines(runtime, process.stdout);
    this.err = new Lines(runtime, process.stderr);
    this.pageLog = ""; // Python's output as it came, with the controller's notes on lines of their own
    this.consoleErrors = [];
    this.partial = new Map(); // nodeid -> test entry, in case the run never finishes
    this.tail = "";
    this.current = null;
    this.page = null;
    this.result = null;
    this.done = new Promise((resolve) => (this.resolve = resolve));
    this.runTimer = null;
  }

  note(line) {
    this.pageLog += `${this.pageLog && !this.pageLog.endsWith("\n") ? "\n" : ""}[${stamp()}] ${line}\n`;
  }

  log(line) {
    this.note(line);
    this.err.write(`[wasmwheel] ${line}\n`);
  }

  problem(what) {
    this.consoleErrors.push(what);
    this.note(what);
    this.err.write(config.prefix ? `${what}\n` : `[${this.runtime}] ${what}\n`);
  }

  output(text, lines) {
    lines.write(text);
    this.pageLog += text;
    this.tail = (this.tail + text).split("\n").slice(-TAIL_LINES).join("\n");
  }

  onRelay({ k: kind, d: data }) {
    if (kind === "out") this.output(data, this.out);
    else if (kind === "err") this.output(data, this.err);
    else if (kind === "log") this.log(data);
    else if (kind === "start") this.current = JSON.parse(data).nodeid;
    else if (kind === "end") {
      const { nodeid, result } = JSON.parse(data);
      if (result) this.partial.set(nodeid, result);
      this.current = null;
    } else if (kind === "result") void this.finish(JSON.parse(data));
  }

  failed(kind, message) {
    const tests = [...this.partial.values()];
    const counts = {};
    for (const t of tests) counts[t.outcome] = (counts[t.outcome] ?? 0) + 1;
    return this.finish({ schema: 1, exitCode: null, error: { kind, message }, tests, counts });
  }

  armTimeout() {
    if (!(config.runSeconds > 0)) return;
    this.runTimer = setTimeout(() => {
      const where = this.current ? ` (while running ${this.current})` : "";
      void this.failed("timeout", `the test run took longer than ${config.runSeconds}s${where}; last output:\n${this.tail}`);
    }, config.runSeconds * 1000);
  }

  async open() {
    const page = (this.page = await browser.newPage());
    page.on("console", (message) => {
      const text = message.text();
      if (text.startsWith(MARK)) return this.onRelay(JSON.parse(text.slice(MARK.length)));
      const type = message.type();
      if (type === "error" || type === "assert") this.problem(`console.${type}: ${text}`);
      else this.note(`console.${type}: ${text}`);
    });
    page.on("pageerror", (err) => this.problem(`uncaught: ${err?.stack ?? err}`));
    page.on("requestfailed", (request) =>
      this.problem(`request failed: ${request.url()} (${request.failure()?.errorText ?? "?"})`));
    page.on("response", (response) => {
      if (response.status() >= 400) this.problem(`HTTP ${response.status()}: ${response.url()}`);
    });
    await page.goto(this.pageURL, { waitUntil: "domcontentloaded", timeout: config.launchSeconds * 1000 });
  }

  async saveArtifacts() {
    mkdirSync(config.outputDir, { recursive: true });
    const shot = join(config.outputDir, `screenshot-${this.runtime}.png`);
    const log = join(config.outputDir, `page-${this.runtime}.log`);
    const saved = [];
    if (this.page) {
      try {
        await within(this.page.screenshot({ path: shot, fullPage: true }), 10, "the screenshot");
        saved.push(shot);
      } catch (err) {
        this.note(`no screenshot: ${err.message}`);
      }
    }
    writeFileSync(log, this.pageLog);
    saved.push(log);
    this.err.write(`[wasmwheel] saved ${saved.join(" and ")}\n`);
  }

  async finish(result) {
    if (this.result) return;
    this.result = result;
    clearTimeout(this.runTimer);
    result.consoleErrors = this.consoleErrors;
    result.totalSeconds ??= Math.round(performance.now() - started) / 1000;
    writeFileSync(this.resultPath, JSON.stringify(result, null, 1));
    if (result.error || result.exitCode !== 0) await this.saveArtifacts();
    if (this.consoleErrors.length) {
      this.err.write(`[wasmwheel] ${this.runtime}: ${this.consoleErrors.length} browser console error(s):\n`);
      for (const e of this.consoleErrors) this.err.write(`  ${e}\n`);
    }
    this.out.flush();
    this.err.flush();
    // Closing frees this page's CPU for the others; a page stuck in Python may not close.
    if (this.page) await within(this.page.close(), 5, "closing the page").catch(() => {});
    this.resolve();
  }
}

const runs = config.pages.map((spec) => new PageRun(spec));
// The whole-run timeout counts from the start, launch included: the host's own limit assumes so.
for (const run of runs) run.armTimeout();

async function closeAndExit() {
  try {
    if (browser) await within(browser.close(), 10, "closing the browser");
  } catch {
    browser?.process()?.kill("SIGKILL"); // a page stuck in Python does not close politely
  }
  const codes = runs.map((r) => r.result?.exitCode ?? DRIVER_ERROR);
  process.exit(codes.find((c) => c !== 0) ?? 0);
}

try {
  browser = await within(puppeteer.launch({
    browser: config.browser,
    executablePath: config.executable,
    headless: true,
    userDataDir: config.profile,
    args: config.args,
    extraPrefsFirefox: config.firefoxPrefs,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    timeout: config.launchSeconds * 1000,
  }), config.launchSeconds + 5, "launching the browser");
  // The host kills this process group if we hang, and the browser runs in its own.
  writeFileSync(config.pidFile, String(browser.process()?.pid ?? ""));
  const version = await browser.version();
  for (const run of runs) run.note(`launched ${version} (pid ${browser.process()?.pid}), shared by ${runs.length} page(s)`);
} catch (err) {
  await Promise.all(runs.map((run) => run.failed("launch", `${run.runtime}: ${err?.message ?? err}`)));
}
if (browser) {
  await Promise.all(runs.map(async (run) => {
    try {
      await run.open();
    } catch (err) {
      await run.failed("page", `${run.runtime}: ${err?.message ?? err}`);
    }
  }));
}
await Promise.all(runs.map((run) => run.done));
await closeAndExit();
