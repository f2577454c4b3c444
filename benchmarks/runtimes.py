"""The test runtimes' two speed goals, measured side by side in one run.

    python benchmarks/runtimes.py [--repeat N] [--wheel WHEEL] [--skip-browsers]

  runtimes all    `wasmwheel test --runtime all` vs the slowest single runtime, each
                  run alone (goal: ratio <= 1.5)
  node boot       `wasmwheel test` on the example (Node) vs a bare loadPyodide in the
                  same Node (goal: ratio <= 1.3); also without the memory snapshot
                  (WASMWHEEL_NODE_SNAPSHOT=0), to show what the snapshot buys

Medians of --repeat runs. The functions are importable, so `benchmarks/run.py`
can put these rows in the `make bench` table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wasmwheel.config.pins import current_target
from wasmwheel.runner.runtimes import GROUPS
from wasmwheel.runner.runtimes.snapshot import ENV as SNAPSHOT_ENV
from wasmwheel.toolchain.node import ensure_node
from wasmwheel.toolchain.pyodide_runtime import ensure_pyodide_dist

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "fastmath"
BOOT_JS = """
const { loadPyodide } = await import(process.argv[2]);
await loadPyodide({ indexURL: process.argv[3] });
"""


def median_seconds(argv: list[str], repeat: int, env: dict[str, str] | None = None) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=env)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def test_command(wheel: Path, *runtimes: str) -> list[str]:
    flags = [arg for runtime in runtimes for arg in ("--runtime", runtime)]
    return [sys.executable, "-m", "wasmwheel", "test", str(EXAMPLE), "--wheel", str(wheel), *flags]


def runtimes_all(wheel: Path, repeat: int) -> tuple[dict[str, float], float]:
    """Each runtime alone, then all of them in one run."""
    alone = {name: median_seconds(test_command(wheel, name), repeat) for name in GROUPS["all"]}
    return alone, median_seconds(test_command(wheel, "all"), repeat)


def node_boot(wheel: Path, repeat: int) -> tuple[float, float, float]:
    """A bare loadPyodide; `wasmwheel test` with the snapshot; and without it."""
    target = current_target()
    node, dist = ensure_node(target), ensure_pyodide_dist(target)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "boot.mjs"
        script.write_text(BOOT_JS)
        bare = median_seconds([str(node), str(script), (dist / "pyodide.mjs").as_uri(),
                               f"{dist}/"], repeat)
    ours = median_seconds(test_command(wheel), repeat)
    plain = median_seconds(test_command(wheel), repeat, env=os.environ | {SNAPSHOT_ENV: "0"})
    return bare, ours, plain


def build_example(out: Path) -> Path:
    result = subprocess.run([sys.executable, "-m", "wasmwheel", "build", str(EXAMPLE),
                             "--outdir", str(out)], check=True, capture_output=True, text=True)
    return Path(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--wheel", type=Path, help="the example's wheel (default: build it)")
    parser.add_argument("--skip-browsers", action="store_true", help="only the Node row")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-runtimes-") as out:
        wheel = args.wheel or build_example(Path(out))
        subprocess.run(test_command(wheel), check=True, capture_output=True)  # warm: snapshot made
        rows = []
        bare, ours, plain = node_boot(wheel, args.repeat)
        rows.append(("node: bare boot / wasmwheel test", f"{bare:.2f} s", f"{ours:.2f} s",
                     f"ratio {ours / bare:.2f} (goal <= 1.3); {plain:.2f} s without the snapshot"))
        if not args.skip_browsers:
            alone, together = runtimes_all(wheel, args.repeat)
            slowest = max(alone, key=lambda name: alone[name])
            each = ", ".join(f"{name} {seconds:.1f}" for name, seconds in alone.items())
            note = f"ratio {together / alone[slowest]:.2f} (goal <= 1.5); alone: {each}"
            rows.append(("test --runtime all / slowest alone", f"{alone[slowest]:.2f} s",
                         f"{together:.2f} s", note))
    headers = ("measurement", "baseline", "wasmwheel", "note")
    widths = [max(len(r[i]) for r in (headers, *rows)) for i in range(4)]
    print(f"{os.cpu_count()} cores, median of {args.repeat}")
    for row in (headers, *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
