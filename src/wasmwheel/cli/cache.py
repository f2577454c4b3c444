"""`wasmwheel cache list|prune`: what the cache holds, and removing what no pin needs."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from wasmwheel import progress
from wasmwheel.config.pins import load_toolchain
from wasmwheel.runner.runtimes import puppeteer, snapshot
from wasmwheel.toolchain import cache, cache_admin
from wasmwheel.toolchain.cache_admin import Entry, human_size

LIST_HELP = """\
Every entry under the cache root with its size, what it belongs to, and its status:
  current     used by a target in toolchain.toml
  stale       belongs to other pins: `wasmwheel cache prune` removes it
  incomplete  an unstamped leftover of an interrupted install: prune removes it
  trash       half-deleted by an interrupted prune: prune removes it
  kept        test verdicts (what `wasmwheel publish` checks): only `prune --all` removes them
  unknown     a folder this wasmwheel does not know: only `prune --all` removes it
  locked      a running wasmwheel holds it right now: prune leaves it alone"""

PRUNE_HELP = """\
Removes stale entries (other pins), unstamped leftovers and trash; current toolchains,
runtimes and test verdicts stay. --all removes everything, test verdicts included: wheels
then need `wasmwheel test` again before `wasmwheel publish` accepts them.

Safe while other wasmwheel processes run: an entry one of them is installing or using is
kept, named on stderr, and the exit code is 75 (try again later). Nothing is deleted
across a mount point (exit 74). Each entry is renamed to .trash-* before it is deleted,
so an interrupted prune leaves trash, never a half-entry that looks complete."""


def _current() -> cache_admin.Current:
    targets = list(load_toolchain().targets.values())
    driver = [puppeteer.modules_dir(t).parent for t in targets if t.browsers is not None]
    snapshots = [entry for t in targets if (entry := snapshot.current_snapshot_entry(t))]
    return cache_admin.current_entries(targets, extra=[*driver, *snapshots])


def _table(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]])
                     .rstrip() for row in rows)


def _totals(entries: list[Entry]) -> str:
    by_status: dict[str, int] = {}
    for entry in entries:
        by_status[entry.status] = by_status.get(entry.status, 0) + entry.size
    parts = ", ".join(f"{human_size(size)} {status}" for status, size in sorted(by_status.items()))
    total = human_size(sum(e.size for e in entries))
    return f"total {total} in {len(entries)} entries ({parts})" if entries else "the cache is empty"


def run_list(args: argparse.Namespace) -> int:
    root = cache.cache_root()
    entries = cache_admin.survey(_current(), root)
    if args.json:
        print(json.dumps({"root": str(root), "entries": [e.as_json() for e in entries],
                          "total": sum(e.size for e in entries)}, indent=2))
        return 0
    print(f"cache: {root}")
    if entries:
        rows = [("STATUS", "SIZE", "ENTRY", "BELONGS TO")]
        rows += [(e.status, human_size(e.size), e.name, e.belongs_to) for e in entries]
        print(_table(rows))
    print(_totals(entries))
    return 0


def run_prune(args: argparse.Namespace) -> int:
    root = cache.cache_root()
    entries = cache_admin.to_remove(cache_admin.survey(_current(), root), everything=args.all)
    report = cache_admin.prune(entries, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    rows = [(verb, human_size(e.size), e.name, f"({e.state}: {e.belongs_to})")
            for e in report.removed]
    if rows:
        print(_table(rows))
    print(f"{'would free' if args.dry_run else 'freed'} {human_size(report.freed)} in {root}")
    if any(e.members for e in report.removed):
        progress.step("test verdicts removed: wheels need `wasmwheel test` again before "
                      "`wasmwheel publish` accepts them")
    for line in report.refused[1:]:  # the first one is the error line below
        progress.info(f"not removed: {line}")
    if args.dry_run:
        for entry in report.in_use:
            progress.info(f"in use now, would be kept: {entry.name}")
        return 0
    cache_admin.finish(report)
    return 0


def add_parser(verbs: Any) -> None:
    parser = verbs.add_parser("cache", help="list the cache, or prune what no pin needs",
                              description=f"The cache ({cache.CACHE_ENV} overrides where it is).")
    actions = parser.add_subparsers(dest="cache_verb", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="entries, sizes, pins, and which are current",
                                 description=LIST_HELP,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(func=run_list)
    prune = actions.add_parser("prune", help="remove entries of other pins and leftovers",
                               description=PRUNE_HELP,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    prune.add_argument("--all", action="store_true",
                       help="remove everything, current toolchains and test verdicts included")
    prune.add_argument("--dry-run", action="store_true",
                       help="list what would be removed and the space it would free; remove nothing")
    prune.set_defaults(func=run_prune)

