"""wasmwheel benchmarks: one command, one table.

    python benchmarks/run.py [--skip-cold] [--repeat N]

Rows (each a median of --repeat runs unless noted):
  build overhead   `wasmwheel build` (CLI, warm) vs `pyodide build` run directly in the
                   same debian-route chroot on a source tree already inside it (goal <= 1.15)
  nox -s wasm      the whole warm main job (build + Node test) with a reused nox venv
  node test        `wasmwheel test` on the example vs a bare Pyodide boot in the same Node
  cold provision   `wasmwheel toolchain install --route debian` into an empty cache: wall
                   time and disk (goal <= 180 s, <= 1.5 GB); one run
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from wasmwheel.config.pins import current_target
from wasmwheel.toolchain import cache
from wasmwheel.toolchain.node import ensure_node
from wasmwheel.toolchain.pyodide_runtime import ensure_pyodide_dist
from wasmwheel.toolchain.routes.debian import chroot
from wasmwheel.toolchain.routes.debian.route import DebianRoute

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "fastmath"
BOOT_JS = """
const { loadPyodide } = await import(process.argv[2]);
await loadPyodide({ indexURL: process.argv[3] });
"""


def timed(run: Callable[[], object], repeat: int,
          setup: Callable[[], object] = lambda: None) -> float:
    """Median wall time of `run`; `setup` runs before each sample, untimed."""
    samples = []
    for _ in range(repeat):
        setup()
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def sh(*argv: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env, cwd=cwd)


def wasmwheel(*args: str, env: dict[str, str] | None = None) -> None:
    sh(sys.executable, "-m", "wasmwheel", *args, env=env)


def build_overhead(route: DebianRoute, repeat: int, out: Path) -> tuple[float, float]:
    """Direct `pyodide build` in the chroot vs the CLI, both warm, same project."""
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=route.root / "tmp"))
    inside = f"/tmp/{work.name}"
    try:
        (work / "tmp").mkdir()
        env = route.build_env(TMPDIR=f"{inside}/tmp")

        def fresh_source() -> None:
            # A clean tree each time, as wasmwheel builds: no incremental build/ reuse.
            shutil.rmtree(work / "src", ignore_errors=True)
            shutil.copytree(EXAMPLE, work / "src", ignore=shutil.ignore_patterns("dist", "build"))

        def direct() -> None:
            result = chroot.run(route.root, ["pyodide", "build", "--outdir", f"{inside}/dist", "."],
                                env, cwd=f"{inside}/src")
            if result.returncode != 0:
                raise SystemExit(f"direct pyodide build failed:\n{result.stdout[-2000:]}")

        fresh_source()
        direct()  # warm both paths once (pip's build-isolation cache, page cache)
        wasmwheel("build", str(EXAMPLE), "--outdir", str(out), "--route", "debian")
        # Interleaved samples, so load changes on a shared machine hit both alike.
        baseline_samples, our_samples = [], []
        for _ in range(repeat):
            baseline_samples.append(timed(direct, 1, setup=fresh_source))
            our_samples.append(timed(lambda: wasmwheel("build", str(EXAMPLE), "--outdir", str(out),
                                                       "--route", "debian"), 1))
        baseline, ours = statistics.median(baseline_samples), statistics.median(our_samples)
        return baseline, ours
    finally:
        shutil.rmtree(work, ignore_errors=True)


def node_times(repeat: int, wheel: Path) -> tuple[float, float]:
    target = current_target()
    node = ensure_node(target)
    dist = ensure_pyodide_dist(target)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "boot.mjs"
        script.write_text(BOOT_JS)
        boot = timed(lambda: sh(str(node), str(script), (dist / "pyodide.mjs").as_uri(),
                                f"{dist}/"), repeat)
    test = timed(lambda: wasmwheel("test", str(EXAMPLE), "--wheel", str(wheel)), repeat)
    return boot, test


def nox_wasm(repeat: int) -> float:
    nox = shutil.which("nox") or str(ROOT / ".venv" / "bin" / "nox")
    sh(nox, "-s", "wasm", "-R", cwd=ROOT)  # warm the session's venv
    return timed(lambda: sh(nox, "-s", "wasm", "-R", cwd=ROOT), repeat)


def cold_provision() -> tuple[float, int]:
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as tmp:
        env = os.environ | {cache.CACHE_ENV: tmp}
        started = time.perf_counter()
        wasmwheel("toolchain", "install", "--route", "debian", env=env)
        elapsed = time.perf_counter() - started
        usage = subprocess.run(["du", "-sb", tmp], capture_output=True, text=True, check=True)
        return elapsed, int(usage.stdout.split()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--skip-cold", action="store_true", help="skip the cold provisioning row")
    parser.add_argument("--skip-nox", action="store_true", help="skip the nox -s wasm row")
    args = parser.parse_args()

    target = current_target()
    route = DebianRoute(target, cache.cache_root())
    route.install()
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-out-") as out:
        baseline, ours = build_overhead(route, args.repeat, Path(out))
        ratio = ours / baseline
        rows.append(("build: pyodide build direct / wasmwheel build", f"{baseline:.2f} s",
                     f"{ours:.2f} s", f"ratio {ratio:.2f} (goal <= 1.15)"))
        (wheel,) = Path(out).glob("*.whl")
        boot, test = node_times(args.repeat, wheel)
        rows.append(("node: bare Pyodide boot / wasmwheel test", f"{boot:.2f} s", f"{test:.2f} s",
                     f"+{test - boot:.2f} s for install + 12 tests"))
    if not args.skip_nox:
        rows.append(("nox -s wasm -R (warm, build + test)", "", f"{nox_wasm(args.repeat):.2f} s", ""))
    if not args.skip_cold:
        elapsed, size = cold_provision()
        rows.append(("cold provision, debian route (1 run)", "", f"{elapsed:.0f} s",
                     f"{size / 1e9:.2f} GB on disk (goals <= 180 s, <= 1.5 GB)"))

    headers = ("measurement", "baseline", "wasmwheel", "note")
    widths = [max(len(r[i]) for r in (headers, *rows)) for i in range(4)]
    print(f"target {target.name} ({target.platform_tag}), {os.cpu_count()} cores, "
          f"median of {args.repeat}")
    for row in (headers, *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
