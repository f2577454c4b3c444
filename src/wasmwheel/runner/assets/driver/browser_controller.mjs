// Node entry point of the browser runtimes: `node browser_controller.mjs CONFIG.json`.
//
// Launches Debian's Chromium (CDP) or Firefox (WebDriver BiDi, no geckodriver)
// with puppeteer-core, opens the test page served by the host's loopback
// server, streams the page's output to stdout, shows console errors, enforces
// the whole-run timeout, writes the result JSON to config.result and exits
// with pytest's exit code (100: no pytest result; the result's `error` says
// why). On failure it saves screenshot-<runtime>.png and page-<runtime>.log.
//
// CONFIG: { runtime, browser: "chrome"|"firefox", executable, profile, args,
//           firefoxPrefs, modules, pageURL, result, outputDir, pidFile,
//           runSeconds, launchSeconds }
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const DRIVER_ERROR = 100;
const MARK = "\u0001wasmwheel\u0001"; // page.mjs's relay prefix
const TAIL_LINES = 30;
const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const puppeteer = createRequire(join(config.modules, "wasmwheel.cjs"))("puppeteer-core");
const started = performance.now();
let pageLog = ""; // Python's output as it came, with the controller's notes on lines of their own
const consoleErrors = [];
const partial = new Map(); // nodeid -> test entry, in case the run never finishes
let tail = "";
let current = null;
let browser = null;
let page = null;
let finishing = false;

const stamp = () => `${((performance.now() - started) / 1000).toFixed(2)}s`;
function note(line) {
  pageLog += `${pageLog && !pageLog.endsWith("\n") ? "\n" : ""}[${stamp()}] ${line}\n`;
}

function problem(what) {
  consoleErrors.push(what);
  note(what);
  process.stderr.write(`[${config.runtime}] ${what}\n`);
}

function output(text, stream) {
  stream.write(text);
  pageLog += text;
  tail = (tail + text).split("\n").slice(-TAIL_LINES).join("\n");
}

function onRelay({ k: kind, d: data }) {
  if (kind === "out") output(data, process.stdout);
  else if (kind === "err") output(data, process.stderr);
  else if (kind === "log") {
    note(data);
    process.stderr.write(`[wasmwheel] ${data}\n`);
  } else if (kind === "start") current = JSON.parse(data).nodeid;
  else if (kind === "end") {
    const { nodeid, result } = JSON.parse(data);
    if (result) partial.set(nodeid, result);
    current = null;
  } else if (kind === "result") void finish(JSON.parse(data));
}

function failed(kind, message) {
  const tests = [...partial.values()];
  const counts = {};
  for (const t of tests) counts[t.outcome] = (counts[t.outcome] ?? 0) + 1;
  return finish({ schema: 1, exitCode: null, error: { kind, message }, tests, counts });
}

function within(promise, seconds, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${seconds}s`)), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function saveArtifacts() {
  mkdirSync(config.outputDir, { recursive: true });
  const shot = join(config.outputDir, `screenshot-${config.runtime}.png`);
  const log = join(config.outputDir, `page-${config.runtime}.log`);
  const saved = [];
  if (page) {
    try {
      await within(page.screenshot({ path: shot, fullPage: true }), 10, "the screenshot");
      saved.push(shot);
    } catch (err) {
      note(`no screenshot: ${err.message}`);
    }
  }
  writeFileSync(log, pageLog);
  saved.push(log);
  process.stderr.write(`[wasmwheel] saved ${saved.join(" and ")}\n`);
}

async function finish(result) {
  if (finishing) return;
  finishing = true;
  clearTimeout(runTimer);
  result.consoleErrors = consoleErrors;
  result.totalSeconds ??= Math.round(performance.now() - started) / 1000;
  writeFileSync(config.result, JSON.stringify(result, null, 1));
  if (result.error || result.exitCode !== 0) await saveArtifacts();
  if (consoleErrors.length) {
    process.stderr.write(`[wasmwheel] ${config.runtime}: ${consoleErrors.length} browser console error(s):\n`);
    for (const e of consoleErrors) process.stderr.write(`  ${e}\n`);
  }
  try {
    if (browser) await within(browser.close(), 10, "closing the browser");
  } catch {
    browser?.process()?.kill("SIGKILL"); // a page stuck in Python does not close politely
  }
  process.exit(result.exitCode ?? DRIVER_ERROR);
}

const runTimer = config.runSeconds > 0
  ? setTimeout(() => {
      const where = current ? ` (while running ${current})` : "";
      void failed("timeout", `the test run took longer than ${config.runSeconds}s${where}; last output:\n${tail}`);
    }, config.runSeconds * 1000)
  : null;

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
  note(`launched ${await browser.version()}`);
  page = await browser.newPage();
  page.on("console", (message) => {
    const text = message.text();
    if (text.startsWith(MARK)) return onRelay(JSON.parse(text.slice(MARK.length)));
    const type = message.type();
    if (type === "error" || type === "assert") problem(`console.${type}: ${text}`);
    else note(`console.${type}: ${text}`);
  });
  page.on("pageerror", (err) => problem(`uncaught: ${err?.stack ?? err}`));
  page.on("requestfailed", (request) =>
    problem(`request failed: ${request.url()} (${request.failure()?.errorText ?? "?"})`));
  page.on("response", (response) => {
    if (response.status() >= 400) problem(`HTTP ${response.status()}: ${response.url()}`);
  });
  await page.goto(config.pageURL, { waitUntil: "domcontentloaded", timeout: config.launchSeconds * 1000 });
} catch (err) {
  await failed(page ? "page" : "launch", `${config.runtime}: ${err?.message ?? err}`);
}
