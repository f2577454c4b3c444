"""What is in the cache, and removing what no pin needs: `wasmwheel cache list/prune`.

The cache root holds one folder per kind of entry (toolchains/, pyodide/,
node/, npm/, uv/, python/, wheels/, tested/). An entry is *current* when a
target in toolchain.toml uses it, *stale* when it belongs to other pins,
*incomplete* when it is an unstamped leftover of an interrupted install, and
*trash* when an interrupted prune left it half-deleted. Test verdicts
(tested/) are what `publish` checks: only `--all` removes them.

Removing is safe while other wasmwheel processes run: each entry's locks are
taken without waiting (`<entry>.lock`: nobody is installing it; `<entry>.use`:
nobody is using it), and an entry whose lock is held is kept and reported.
A removed entry is first renamed to `.trash-*` (atomic), then deleted, so a
crash mid-delete never leaves a half-entry that still looks complete. Nothing
is deleted across a mount point.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from wasmwheel.config.pins import Target
from wasmwheel.errors import CacheBusyError, CacheError
from wasmwheel.toolchain import cache, node, pyodide_runtime
from wasmwheel.toolchain.routes import ROUTE_NAMES, make_route
from wasmwheel.toolchain.routes.exact import host_python

if sys.platform != "win32":
    import fcntl

MOUNTINFO = Path("/proc/self/mountinfo")
TRASH_PREFIX = ".trash-"
VERDICTS = "tested"
WHEELS = "wheels"
# Folders whose entries are matched against the pins by path.
PINNED_KINDS = ("toolchains", "pyodide", "node", "npm", "uv", "python")
_STAMP_NOISE = ("completed", "integrity", "interpreter")


@dataclass(frozen=True)
class Current:
    """What toolchain.toml's targets use: entry paths, and the Pythons of wheels/ entries."""

    paths: frozenset[Path]
    pythons: frozenset[str]  # wheels/py<major.minor>-<requirements hash>


@dataclass(frozen=True)
class Entry:
    path: Path
    name: str  # relative to the cache root, e.g. "toolchains/pyodide-314-debian-<hash>"
    state: str  # current | stale | incomplete | trash | kept (verdicts) | unknown
    belongs_to: str
    size: int  # bytes on disk
    in_use: bool  # a lock is held by a running wasmwheel right now
    members: tuple[Path, ...] = ()  # the verdict files a tested/ row stands for

    @property
    def status(self) -> str:
        return "locked" if self.in_use else self.state

    def as_json(self) -> dict[str, Any]:
        return {"entry": self.name, "status": self.status, "state": self.state,
                "in_use": self.in_use, "size": self.size, "belongs_to": self.belongs_to,
                "path": str(self.path)}


@dataclass
class PruneReport:
    removed: list[Entry] = field(default_factory=list)
    in_use: list[Entry] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # one line each: why it was not deleted

    @property
    def freed(self) -> int:
        return sum(e.size for e in self.removed)


# --- what the pins use ------------------------------------------------------------


def current_entries(targets: Iterable[Target], extra: Iterable[Path] = ()) -> Current:
    """The entries the toolchain layer makes for `targets`, from their own path functions.

    `extra`: entries other layers name (the CLI adds the browser driver's).
    """
    root = cache.cache_root()
    paths: set[Path] = set(extra)
    pythons = set()
    for target in targets:
        paths |= {make_route(name, target, root).entry for name in ROUTE_NAMES}
        paths |= {node.node_dir(target), pyodide_runtime.dist_dir(target),
                  host_python.uv_entry(target.exact.uv), host_python.python_entry(target)}
        pythons.add(target.python_major_minor)
    return Current(frozenset(paths), frozenset(pythons))


# --- looking --------------------------------------------------------------------


def survey(current: Current, root: Path | None = None) -> list[Entry]:
    """Every entry under the cache root, with its size, its pins and its state."""
    root = root or cache.cache_root()
    entries: list[Entry] = []
    for kind in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        if kind.name == VERDICTS:
            verdicts = _verdicts(root, kind)
            entries += [verdicts] if verdicts else []
            continue
        for path in sorted(kind.iterdir()):
            if path.name.endswith((cache.LOCK_SUFFIX, cache.USE_SUFFIX)):
                continue
            entries.append(_classify(root, path, current))
    return entries


def _classify(root: Path, path: Path, current: Current) -> Entry:
    kind = path.parent.name
    name = path.relative_to(root).as_posix()
    size = disk_usage(path)
    if path.name.startswith(TRASH_PREFIX):
        return Entry(path, name, "trash", "left by an interrupted prune", size, in_use=False)
    owner = _owner(path)
    in_use = is_held(cache.lock_file(owner)) or is_held(cache.use_file(owner))
    if owner != path or not cache.is_complete(path):
        what = "an install in progress" if in_use else "unstamped leftover of an interrupted install"
        return Entry(path, name, "incomplete", what, size, in_use)
    stamp = cache.read_stamp(path)
    if kind in PINNED_KINDS:
        state = "current" if path in current.paths else "stale"
    elif kind == WHEELS:
        state = "current" if _wheels_python(path.name) in current.pythons else "stale"
    else:
        state = "unknown"  # a folder this wasmwheel does not know: kept unless --all
    return Entry(path, name, state, describe_stamp(stamp), size, in_use)


def _verdicts(root: Path, kind: Path) -> Entry | None:
    files = sorted(p for p in kind.iterdir()
                   if p.is_file() and not p.name.endswith((cache.LOCK_SUFFIX, cache.USE_SUFFIX)))
    if not files:
        return None
    records = [p for p in files if p.suffix == ".json" and not p.name.startswith(".")]
    in_use = any(is_held(cache.lock_file(p)) for p in records)
    what = f"test verdicts of {len(records)} wheel(s): what `wasmwheel publish` checks"
    return Entry(kind, kind.relative_to(root).as_posix() + "/", "kept", what,
                 sum(disk_usage(p) for p in files), in_use, members=tuple(files))


def _owner(path: Path) -> Path:
    """The entry whose locks cover `path`: `<entry>.partial-<pid>` is `<entry>`'s scratch."""
    base, mark, _ = path.name.rpartition(cache.PARTIAL_MARK)
    return path.with_name(base) if mark else path


def _wheels_python(name: str) -> str:
    match = re.fullmatch(r"py(\d+\.\d+)-.*", name)
    return match.group(1) if match else ""


def describe_stamp(stamp: dict[str, Any]) -> str:
    """What an entry belongs to, in a few words, from its stamp."""
    if "pins" in stamp:
        return f"{stamp.get('target', '?')}, {stamp.get('route', '?')} route, pins {stamp['pins']}"
    words = []
    for key, value in stamp.items():
        if key in _STAMP_NOISE:
            continue
        shown = " ".join(map(str, value)) if isinstance(value, list) else str(value)
        words.append(f"{key} {shown}")
    return ", ".join(words) or "stamped, no details"


def disk_usage(path: Path) -> int:
    """Bytes `path` takes on disk, like `du`: hard links once, symlinks not followed,
    nothing on another filesystem counted."""
    try:
        top = path.lstat()
    except OSError:
        return 0
    if not stat.S_ISDIR(top.st_mode):
        return top.st_blocks * 512
    seen: set[tuple[int, int]] = set()
    total = top.st_blocks * 512
    pending = [path]
    while pending:
        try:
            with os.scandir(pending.pop()) as items:
                for item in items:
                    try:
                        info = item.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if info.st_dev != top.st_dev:
                        continue  # a mount point: not ours
                    if info.st_nlink > 1:
                        if (info.st_dev, info.st_ino) in seen:
                            continue
                        seen.add((info.st_dev, info.st_ino))
                    total += info.st_blocks * 512
                    if stat.S_ISDIR(info.st_mode):
                        pending.append(Path(item.path))
        except OSError:  # unreadable (another user's files): count what can be seen
            continue
    return total


def is_held(lock: Path) -> bool:
    """Whether a running process holds `lock` (either lock kind); never creates it."""
    if sys.platform == "win32":
        return False
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return False  # no lock file: nobody ever locked it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # closing releases our probe
    return False


def human_size(size: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


# --- removing --------------------------------------------------------------------


def to_remove(entries: Iterable[Entry], *, everything: bool) -> list[Entry]:
    """Other pins, leftovers and trash; with `everything`, all of it (verdicts included)."""
    if everything:
        return list(entries)
    return [e for e in entries if e.state in ("stale", "incomplete", "trash")]


def prune(entries: Iterable[Entry], *, dry_run: bool = False,
          mountinfo: Path = MOUNTINFO) -> PruneReport:
    """Remove `entries` (from `to_remove`); what is in use or mounted on is kept and reported."""
    report = PruneReport()
    mounts = mount_points(mountinfo)
    for entry in entries:
        where = entry.path.resolve()  # mountinfo names canonical paths
        blocked = [m for m in mounts if m == where or where in m.parents]
        if blocked:
            report.refused.append(
                f"{entry.name}: {blocked[0]} is mounted inside it; unmount it "
                f"(`umount -R {blocked[0]}`) and prune again")
            continue
        if dry_run:
            (report.in_use if entry.in_use else report.removed).append(entry)
            continue
        try:
            done = _remove(entry)
        except OSError as exc:
            report.refused.append(_explain(entry, exc))
            continue
        if done is not None:
            (report.removed if done else report.in_use).append(entry)
    return report


def finish(report: PruneReport) -> None:
    """Raise for what was kept: mounts or delete failures first (exit 74), then entries in use (75)."""
    if report.refused:
        more = f" (and {len(report.refused) - 1} more, above)" if len(report.refused) > 1 else ""
        raise CacheError(f"could not remove {report.refused[0]}{more}",
                         hint="nothing else was touched; fix that and run `wasmwheel cache prune` again")
    if report.in_use:
        names = ", ".join(e.name for e in report.in_use)
        raise CacheBusyError(
            f"kept {len(report.in_use)} entr{'y' if len(report.in_use) == 1 else 'ies'} "
            f"a running wasmwheel is using: {names}",
            hint="run `wasmwheel cache prune` again when the other wasmwheel has finished")


def _explain(entry: Entry, exc: OSError) -> str:
    why = exc.strerror or str(exc)
    if isinstance(exc, PermissionError):
        why += " (made by root, e.g. the debian route's chroot? run the prune as root)"
    return f"{entry.name}: {why}: {exc.filename or entry.path}"


def _remove(entry: Entry) -> bool | None:
    """Remove one entry unless its locks are held (False: kept for that reason; None: it
    changed since the survey and no longer qualifies)."""
    if entry.state == "trash":
        delete_tree(entry.path)
        return True
    if entry.members:  # tested/: each verdict under its own lock
        kept = False
        for path in entry.members:
            with _exclusive_now(cache.lock_file(path)) as free:
                if free:
                    path.unlink(missing_ok=True)
                kept |= not free
        return not kept
    owner = _owner(entry.path)
    with _exclusive_now(cache.lock_file(owner)) as free:  # no install of it is running
        if not free:
            return False
        if entry.state == "incomplete":
            # Only an installer writes an entry, and none runs now: a scratch dir is an
            # orphan. An unstamped entry may have been finished since the survey: keep that.
            if owner == entry.path and cache.is_complete(entry.path):
                return None
            trash = move_to_trash(entry.path)
        else:
            with _exclusive_now(cache.use_file(owner)) as idle:  # and nobody uses it
                if not idle:
                    return False
                trash = move_to_trash(entry.path)
    delete_tree(trash)
    return True


@contextmanager
def _exclusive_now(lock: Path) -> Iterator[bool]:
    """Hold `lock` exclusively if nobody holds it at this moment; never waits."""
    if lock.name.endswith(cache.USE_SUFFIX) and sys.platform == "win32":
        yield True  # no use locks on Windows (see cache.hold)
        return
    held = FileLock(str(lock))  # flock on POSIX: it excludes cache.hold's shared locks too
    try:
        held.acquire(timeout=0)
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        held.release()


def move_to_trash(path: Path) -> Path:
    """Rename `path` to a `.trash-*` sibling: one atomic step after which it is no entry."""
    trash = path.with_name(f"{TRASH_PREFIX}{path.name}-{secrets.token_hex(4)}")
    path.rename(trash)
    return trash


def delete_tree(path: Path) -> None:
    """Delete `path`, read-only directories included; already gone is fine."""

    def retry_writable(function: Callable[..., Any], name: str, exc: BaseException) -> None:
        if isinstance(exc, FileNotFoundError):
            return  # another prune got there first
        parent = Path(name).parent
        if not isinstance(exc, PermissionError) or not parent.exists():
            raise exc
        parent.chmod(parent.stat().st_mode | stat.S_IWUSR | stat.S_IXUSR | stat.S_IRUSR)
        function(name)

    if not path.is_dir() or path.is_symlink():
        path.unlink(missing_ok=True)
    elif sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=retry_writable)
    else:
        shutil.rmtree(path, onerror=lambda f, n, info: retry_writable(f, n, info[1]))


def mount_points(mountinfo: Path = MOUNTINFO) -> list[Path]:
    """Every mount point this process sees (empty where there is no /proc: not Linux)."""
    try:
        text = mountinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    points = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) > 4:
            # The kernel escapes space, tab, newline and backslash as \ooo.
            points.append(Path(re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])))
    return points
