"""wasmwheel benchmarks: one command, one table, one row per speed goal.

    python benchmarks/run.py [--repeat N] [--skip-cold] [--only ROW,ROW...]

Each row compares wasmwheel with a baseline measured side by side in the same
run (samples interleaved, so load on a shared machine hits both alike), and
says whether the goal is met. Rows (the median of --repeat samples unless noted):

  warm-job        `make wasm` exactly as the README says, run again with nothing changed /
                  `wasmwheel build` + `wasmwheel test` with --target all, typed directly  goal <= 1.2
  runtime-all     `wasmwheel test --runtime all` / the slowest single runtime run alone
                                                                           goal <= 1.5
  node            `wasmwheel test` (Node) / a bare Pyodide boot in the same Node
                                                                           goal <= 1.3
  cold-time       `wasmwheel toolchain install --route debian` into an empty cache, one run:
  cold-size       its wall time and its size on disk (du)          goals <= 60 s, <= 1.0 GB
  noop-build      `wasmwheel build` with nothing changed / the same build with --force
                                                                           goal <= 0.25
  build-overhead  `wasmwheel build --force` / `pyodide build` run directly in the same
                  debian-route chroot (issue 11's goal)                    goal <= 1.15

Rows left out (--only, --skip-cold) still print, marked "not run", so the
table always has every goal. Benchmarks are not tests: the only check CI
makes is a --repeat 1 smoke run that the table prints.
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
from dataclasses import dataclass
from pathlib import Path

from wasmwheel.config.pins import Target, current_target
from wasmwheel.runner.runtimes import expand_runtimes
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


@dataclass(frozen=True)
class Goal:
    key: str
    text: str          # what is compared, baseline last
    limit: float       # the ratio must not exceed it


GOALS = (
    Goal("warm-job", "warm main job: make wasm (2nd run) / build + test --target all", 1.2),
    Goal("runtime-all", "test --runtime all / slowest single runtime", 1.5),
    Goal("node", "node: wasmwheel test / bare Pyodide boot", 1.3),
    Goal("cold-time", "cold debian provisioning: wall / 60 s", 1.0),
    Goal("cold-size", "cold debian provisioning: disk / 1.0 GB", 1.0),
    Goal("noop-build", "no-op wasmwheel build / full build (--force)", 0.25),
    Goal("build-overhead", "wasmwheel build --force / pyodide build direct", 1.15),
)


@dataclass(frozen=True)
class Row:
    goal: Goal
    baseline: str
    ours: str
    ratio: float | None  # None: not run

    def cells(self) -> tuple[str, ...]:
        if self.ratio is None:
            return (self.goal.text, self.baseline, self.ours, "", f"<= {self.goal.limit:g}", "")
        met = "yes" if self.ratio <= self.goal.limit else "no"
        return (self.goal.text, self.baseline, self.ours, f"{self.ratio:.2f}",
                f"<= {self.goal.limit:g}", met)


def ratio_row(goal: Goal, baseline: float, ours: float) -> Row:
    return Row(goal, f"{baseline:.2f} s", f"{ours:.2f} s", ours / baseline)


def sh(*argv: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=cwd, check=False)
    if result.returncode != 0:
        raise SystemExit(f"benchmark step failed ({result.returncode}): {' '.join(argv)}\n"
                         f"{result.stderr[-3000:]}")


def wasmwheel(*args: str, env: dict[str, str] | None = None) -> None:
    sh(sys.executable, "-m", "wasmwheel", *args, env=env)


def wall(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def paired(ours: Callable[[], object], baseline: Callable[[], object],
           repeat: int) -> tuple[float, float]:
    """(median baseline, median ours), sampled alternately after one untimed run of each."""
    baseline(), ours()
    baselines, oursamples = [], []
    for _ in range(repeat):
        baselines.append(wall(baseline))
        oursamples.append(wall(ours))
    return statistics.median(baselines), statistics.median(oursamples)


# The rows -------------------------------------------------------------------------------------

def warm_job(goal: Goal, repeat: int) -> Row:
    """The README's main job, typed as it says, against its two wasmwheel commands."""
    # As typed in a fresh shell: not the bench session's venv, nor `make bench`'s ARGS
    # (make passes its command-line variables to every make below it through MAKEFLAGS).
    inherited = ("VIRTUAL_ENV", "PYTHONPATH", "NOX_CURRENT_SESSION", "ARGS", "MAKEFLAGS",
                 "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")
    env = {k: v for k, v in os.environ.items() if k not in inherited}

    def direct() -> None:  # `make wasm` builds and tests every target: so does the baseline
        wasmwheel("build", "--target", "all", str(EXAMPLE))
        wasmwheel("test", "--target", "all", str(EXAMPLE))

    baseline, ours = paired(lambda: sh("make", "wasm", cwd=ROOT, env=env), direct, repeat)
    return ratio_row(goal, baseline, ours)


def runtime_all(goal: Goal, repeat: int, wheel: Path) -> Row:
    singles = expand_runtimes(["all"])

    def test(*runtimes: str) -> Callable[[], None]:
        flags = [arg for runtime in runtimes for arg in ("--runtime", runtime)]
        return lambda: wasmwheel("test", str(EXAMPLE), "--wheel", str(wheel), *flags)

    slowest, together = [], []
    for sample in range(repeat + 1):  # the first round warms the browsers' caches
        alone = max(wall(test(runtime)) for runtime in singles)
        both = wall(test("all"))
        if sample:
            slowest.append(alone)
            together.append(both)
    return ratio_row(goal, statistics.median(slowest), statistics.median(together))


def node(goal: Goal, repeat: int, target: Target, wheel: Path) -> Row:
    node_binary = ensure_node(target)
    dist = ensure_pyodide_dist(target)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "boot.mjs"
        script.write_text(BOOT_JS)
        baseline, ours = paired(
            lambda: wasmwheel("test", str(EXAMPLE), "--wheel", str(wheel)),
            lambda: sh(str(node_binary), str(script), (dist / "pyodide.mjs").as_uri(), f"{dist}/"),
            repeat)
    return ratio_row(goal, baseline, ours)


def cold(time_goal: Goal, size_goal: Goal) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as tmp:
        env = os.environ | {cache.CACHE_ENV: tmp}
        elapsed = wall(lambda: wasmwheel("toolchain", "install", "--route", "debian", env=env))
        usage = subprocess.run(["du", "-sb", tmp], capture_output=True, text=True, check=True)
        size = int(usage.stdout.split()[0]) / 1e9
    # Absolute goals: the baseline is the bound itself.
    return [Row(time_goal, "60 s", f"{elapsed:.0f} s", elapsed / 60),
            Row(size_goal, "1.00 GB", f"{size:.2f} GB", size / 1.0)]


def noop_build(goal: Goal, repeat: int, out: Path) -> Row:
    def build(*flags: str) -> Callable[[], None]:
        return lambda: wasmwheel("build", str(EXAMPLE), "--outdir", str(out), *flags)

    # Alternating keeps the no-op honest: each one follows a real build that recorded its key.
    baseline, ours = paired(build(), build("--force"), repeat)
    return ratio_row(goal, baseline, ours)


def build_overhead(goal: Goal, repeat: int, route: DebianRoute, out: Path) -> Row:
    """Direct `pyodide build` in the chroot vs the CLI forced to build, same project, both warm."""
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=route.root / "tmp"))
    inside = f"/tmp/{work.name}"
    try:
        (work / "tmp").mkdir()
        env = route.build_env(TMPDIR=f"{inside}/tmp")

        def direct() -> None:
            # A clean tree each time, as wasmwheel builds: no incremental build/ reuse.
            shutil.rmtree(work / "src", ignore_errors=True)
            shutil.copytree(EXAMPLE, work / "src", ignore=shutil.ignore_patterns("dist", "build"))
            result = chroot.run(route.root, ["pyodide", "build", "--outdir", f"{inside}/dist", "."],
                                env, cwd=f"{inside}/src")
            if result.returncode != 0:
                raise SystemExit(f"direct pyodide build failed:\n{result.stdout[-2000:]}")

        def ours() -> None:
            wasmwheel("build", str(EXAMPLE), "--outdir", str(out), "--route", "debian", "--force")

        baseline, measured = paired(ours, direct, repeat)
        return ratio_row(goal, baseline, measured)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# The table ------------------------------------------------------------------------------------

def say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)  # progress; the table goes to stdout


def measure(wanted: set[str], repeat: int, target: Target) -> list[Row]:
    goals = {goal.key: goal for goal in GOALS}
    done: dict[str, Row] = {}
    route = DebianRoute(target, cache.cache_root())
    route.install()
    with tempfile.TemporaryDirectory(prefix="bench-out-") as tmp:
        out = Path(tmp)
        say("building the example once")
        wasmwheel("build", str(EXAMPLE), "--outdir", str(out), "--route", "debian")
        (wheel,) = out.glob("*.whl")
        if "noop-build" in wanted:
            say("noop-build")
            done["noop-build"] = noop_build(goals["noop-build"], repeat, out)
        if "node" in wanted:
            say("node")
            done["node"] = node(goals["node"], repeat, target, wheel)
        if "build-overhead" in wanted:
            say("build-overhead")
            done["build-overhead"] = build_overhead(goals["build-overhead"], repeat, route, out)
        if "runtime-all" in wanted:
            say("runtime-all")
            done["runtime-all"] = runtime_all(goals["runtime-all"], repeat, wheel)
    if "warm-job" in wanted:
        say("warm-job")
        done["warm-job"] = warm_job(goals["warm-job"], repeat)
    if "cold-time" in wanted or "cold-size" in wanted:
        say("cold provisioning (one run)")
        for row in cold(goals["cold-time"], goals["cold-size"]):
            done[row.goal.key] = row
    for row in done.values():  # also on stderr, in case a later step fails
        say("  ".join(cell for cell in row.cells() if cell))
    return [done.get(goal.key, Row(goal, "not run", "", None)) for goal in GOALS]


def table(rows: list[Row]) -> str:
    headers = ("goal", "baseline", "wasmwheel", "ratio", "limit", "met")
    cells = [headers, *(row.cells() for row in rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in cells)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    keys = [goal.key for goal in GOALS]
    parser.add_argument("--repeat", type=int, default=5, help="samples per measurement (median)")
    parser.add_argument("--skip-cold", action="store_true",
                        help="leave out the cold provisioning rows (minutes, and ~1 GB of disk)")
    parser.add_argument("--only", default=",".join(keys),
                        help=f"comma-separated rows to measure (default: all of {', '.join(keys)})")
    args = parser.parse_args()
    wanted = {key.strip() for key in args.only.split(",") if key.strip()}
    if unknown := wanted - set(keys):
        parser.error(f"unknown rows {', '.join(sorted(unknown))}; choose from {', '.join(keys)}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.skip_cold:
        wanted -= {"cold-time", "cold-size"}

    target = current_target()
    rows = measure(wanted, args.repeat, target)
    print(f"target {target.name} ({target.platform_tag}), {os.cpu_count()} cores, "
          f"median of {args.repeat}, ratio = wasmwheel / baseline")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
