"""`python -m corpus`: fetch, build in parallel, smoke-test, own tests, write the table."""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TypeVar

from corpus import manifest, sdists
from corpus.build import Built, build
from corpus.manifest import ManifestError, Package
from corpus.owntests import run_own_tests
from corpus.smoke import smoke
from corpus.table import Row, render, write_atomically

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "docs" / "compatibility.md"
WORKDIR = ROOT / "build" / "corpus"
T = TypeVar("T")
R = TypeVar("R")


def say(message: str) -> None:
    print(f"corpus: {message}", file=sys.stderr, flush=True)


def parallel(items: Iterable[T], work: Callable[[T], R], jobs: int) -> list[R]:
    """work(item) for every item, `jobs` at a time; one failing item never stops the others."""
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return [future.result() for future in as_completed([pool.submit(work, i) for i in items])]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m corpus",
        description="Build real sdists from PyPI (corpus/packages.toml) with `wasmwheel build` and "
        "no per-package settings, run each smoke check (and the package's own tests) inside "
        "Pyodide, and write the compatibility table.")
    parser.add_argument("--only", action="append", default=[], metavar="NAME[,NAME...]",
                        help="only these packages (and the corpus packages they need); repeatable")
    parser.add_argument("--subset", help="only the packages in this subset, e.g. ci")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="builds (and test runs) at once (default: the CPU count)")
    parser.add_argument("--own-tests", default="all", metavar="all|none|NAME[,NAME...]",
                        help="whose own test suites to run, for packages whose sdist ships tests "
                        "(default: all); smoke checks always run")
    parser.add_argument("--route", help="passed to `wasmwheel build --route`")
    parser.add_argument("--output", type=Path, default=None,
                        help=f"the table (default: {TABLE.relative_to(ROOT)} for the whole corpus, "
                        f"else {(WORKDIR / 'compatibility.md').relative_to(ROOT)})")
    parser.add_argument("--workdir", type=Path, default=WORKDIR,
                        help="sdists, wheels and logs (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    return args


def wants_own_tests(choice: str, name: str) -> bool:
    return choice == "all" or (choice != "none" and name in choice.split(","))


def explain(package: Package, measured: str) -> str:
    """The known reason first (packages.toml's note), then what this run saw."""
    return f"{package.note} (this run: {measured})" if package.note else measured


def check(package: Package, built: Built, by_name: dict[str, Built], sdist: Path,
          workdir: Path, own_tests: bool) -> Row:
    """Smoke check and own tests for one built package -> its table row."""
    size = built.wheel.stat().st_size if built.wheel else None
    if built.wheel is None:
        return Row(package, "build failed", built.seconds, None, explain(package, built.error))
    broken = [n for n in package.needs if not by_name[n].ok]
    if broken:
        return Row(package, "blocked", built.seconds, size,
                   f"needs {', '.join(broken)} (corpus), which failed: see its row")
    needed = [w for n in package.needs if (w := by_name[n].wheel) is not None]
    smoked = smoke(package, built.wheel, needed, workdir)
    own = run_own_tests(sdist, built.wheel, workdir) if own_tests else None
    if not smoked.ok:
        return Row(package, "smoke failed", built.seconds, size, explain(package, smoked.error), own)
    return Row(package, "ok", built.seconds, size, "", own)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        everything = manifest.load()
        only = [name for group in args.only for name in group.split(",") if name]
        chosen = manifest.select(everything, only, args.subset)
    except ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 64
    output = args.output or (TABLE if len(chosen) == len(everything)
                             else args.workdir / "compatibility.md")
    extra = ("--route", args.route) if args.route else ()

    say(f"{len(chosen)} packages, {args.jobs} at a time")
    sdist_paths: dict[str, Path] = {}
    unfetched: list[Row] = []
    for package in chosen:
        try:
            sdist_paths[package.name] = sdists.fetch(package, args.workdir / "sdists")
        except (OSError, sdists.DownloadError) as exc:  # one unreachable sdist is one row
            unfetched.append(Row(package, "download failed", None, None, str(exc)))
            say(f"{package.name}: download failed: {exc}")
    chosen = [p for p in chosen if p.name in sdist_paths]
    workdirs = {p.name: args.workdir / "packages" / p.name for p in chosen}

    # One pool: each package is checked as soon as it and the corpus packages it needs are
    # built. Those come first in `ordered` and the pool is FIFO, so whatever a task waits for
    # is already running or done in another worker: no deadlock.
    # Smallest sdists first: an interrupted run has checked as many packages as it could.
    ordered = manifest.dependency_order(sorted(chosen, key=lambda p: sdist_paths[p.name].stat().st_size))
    builds: dict[str, Future[Built]] = {p.name: Future() for p in ordered}
    for row in unfetched:  # what needs it is blocked, like a failed build
        builds[row.package.name] = Future()
        builds[row.package.name].set_result(Built(row.package, 0.0, None, Path(), row.error))

    def build_one(package: Package) -> Built:
        workdirs[package.name].mkdir(parents=True, exist_ok=True)
        try:
            built = build(package, sdist_paths[package.name], workdirs[package.name], extra)
        except Exception as exc:  # noqa: BLE001 - one package's surprise never stops the others
            built = Built(package, 0.0, None, workdirs[package.name] / "build.log",
                          f"{type(exc).__name__}: {exc}")
        builds[package.name].set_result(built)
        say(f"{package.name}: {'built' if built.ok else 'BUILD FAILED'} in {built.seconds:.0f} s"
            + ("" if built.ok else f": {built.error}"))
        return built

    def build_and_check(package: Package) -> Row:
        built = build_one(package)
        by_name = {n: builds[n].result() for n in package.needs}
        try:
            row = check(package, built, by_name, sdist_paths[package.name],
                        workdirs[package.name], wants_own_tests(args.own_tests, package.name))
        except Exception as exc:  # noqa: BLE001 - one package's surprise never stops the others
            row = Row(package, "runner error", built.seconds, None, f"{type(exc).__name__}: {exc}")
        say(f"{package.name}: {row.result}" + (f": {row.error}" if row.error else ""))
        return row

    total = len(ordered) + len(unfetched)
    done: list[Row] = list(unfetched)
    lock = threading.Lock()

    def publish(row: Row) -> Row:
        """Rewrite the table after every package: an interrupted run still leaves one."""
        with lock:
            done.append(row)
            write_atomically(output, render(done, summary(done, total, args.jobs)))
        return row

    rows = [*unfetched, *parallel(ordered, lambda p: publish(build_and_check(p)), args.jobs)]
    green = sum(r.result == "ok" for r in rows)
    say(f"{green}/{len(rows)} green; table: {output}")
    return 0 if green == len(rows) else 1


def summary(rows: Sequence[Row], total: int, jobs: int) -> str:
    green = sum(r.result == "ok" for r in rows)
    today = datetime.date.today().isoformat()
    progress = "" if len(rows) == total else f" ({len(rows)} of {total} checked so far: run interrupted or in progress)"
    suites = [r.own_tests for r in rows if r.own_tests is not None]
    clean = sum(o.exit_code == 0 and o.passed > 0 and not o.note for o in suites)
    own = f" Own test suites: {clean} of {len(suites)} run with no failures." if suites else ""
    return (f"**{green} of {len(rows)} green** (built and smoke check passed){progress}, measured "
            f"{today} with `--jobs {jobs}`.{own}")
