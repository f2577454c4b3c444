"""Open a loopback page in Debian's headless Chromium through the cached puppeteer-core.

One driver for tests that check what a page shows: it waits until `wait_for` (a JavaScript
expression) is true, optionally saves a screenshot, and returns what `evaluate` (a JavaScript function,
as source) returns, as JSON.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

from wasmwheel.config.pins import current_target
from wasmwheel.runner.runtimes.browser import CHROMIUM_ARGS
from wasmwheel.runner.runtimes.browser_install import ensure_browser
from wasmwheel.runner.runtimes.puppeteer import ensure_puppeteer
from wasmwheel.toolchain.node import ensure_node

DRIVER = """\
import { createRequire } from "node:module";
import { join } from "node:path";
const [modules, executable, profile, pageURL, argsJSON, waitFor, evaluate, screenshot] =
  process.argv.slice(2);
const puppeteer = createRequire(join(modules, "wasmwheel.cjs"))("puppeteer-core");
const browser = await puppeteer.launch({
  browser: "chrome", executablePath: executable, headless: true, userDataDir: profile,
  args: JSON.parse(argsJSON), timeout: 60000,
});
try {
  const page = await browser.newPage();
  page.on("console", (m) => process.stderr.write(`[console] ${m.text()}\\n`));
  page.on("requestfailed", (r) => process.stderr.write(`[failed] ${r.url()}\\n`));
  await page.setViewport({ width: 900, height: 600 });
  await page.goto(pageURL, { waitUntil: "domcontentloaded", timeout: 60000 });
  await page.waitForFunction(waitFor, { timeout: 180000, polling: 250 });
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  const outcome = await page.evaluate(`(${evaluate})()`);
  console.log("OUTCOME " + JSON.stringify(outcome));
} finally {
  await browser.close();
}
"""


def open_page(url: str, work: Path, *, wait_for: str, evaluate: str,
              screenshot: Path | None = None, extra_args: tuple[str, ...] = (),
              timeout: float = 300) -> tuple[Any, str]:
    """(the value of `evaluate` once `wait_for` holds, the browser's log on stderr)."""
    target = current_target()
    node = ensure_node(target)
    modules, chromium = ensure_puppeteer(target), ensure_browser("chromium", target)
    driver = work / "drive.mjs"
    driver.write_text(DRIVER)
    process = subprocess.Popen(
        [str(node), str(driver), str(modules), str(chromium), str(work / "profile"), url,
         json.dumps(["--headless", *CHROMIUM_ARGS, *extra_args]), wait_for, evaluate,
         str(screenshot or "")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:  # timed out: take the browser down with the driver
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 0 and "OUTCOME " in stdout, stderr[-3000:]
    return json.loads(stdout.split("OUTCOME ", 1)[1]), stderr
