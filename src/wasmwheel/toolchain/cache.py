"""The on-disk cache: where it lives, locking, and installs that are all-or-nothing.

An entry is a directory that becomes visible under its final name only once
it is complete (it is built under a temporary sibling name, stamped, then
renamed). A directory without the stamp is an interrupted install: it is
removed and redone, never used.

Two locks per entry, both on files beside it:
- `<entry>.lock` (exclusive, FileLock): held by whoever writes the entry (an
  install) or removes it (`cache prune`); installs of one entry never overlap.
- `<entry>.use` (shared, flock): held by every process that uses a complete
  entry, until that process exits (`hold`). Any number of builds and test runs
  share an entry at once; `cache prune` needs it exclusively, so it can never
  remove an entry a running wasmwheel is using. Installs do not take it: they
  only ever write an entry that is not complete, which nobody holds.
On Windows (no flock) `hold` is a no-op and prune relies on `.lock` alone.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from platformdirs import user_cache_dir

from wasmwheel import progress
from wasmwheel.errors import CacheError, ToolchainError

if sys.platform != "win32":
    import fcntl

CACHE_ENV = "WASMWHEEL_CACHE_DIR"
STAMP = ".wasmwheel-complete"
QUIET_WAIT = 5.0  # seconds waited for a lock before saying so
LOCK_SUFFIX = ".lock"  # install/remove lock (exclusive)
USE_SUFFIX = ".use"  # in-use lock (shared by users, exclusive for prune)
PARTIAL_MARK = ".partial-"  # <entry>.partial-<pid>: an install's scratch directory


def cache_root() -> Path:
    """$WASMWHEEL_CACHE_DIR, else the platform's user cache dir (~/.cache/wasmwheel on Linux)."""
    override = os.environ.get(CACHE_ENV)
    root = Path(override) if override else Path(user_cache_dir("wasmwheel", appauthor=False))
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a read-only or pseudo filesystem, a path under a file, no permission
        source = f"${CACHE_ENV}" if override else "the default cache directory"
        raise CacheError(
            f"cannot create the cache directory {root} ({source}): {exc.strerror or exc}",
            hint=f"set {CACHE_ENV} to a directory you can write",
        ) from exc
    return root


def lock_file(entry: Path) -> Path:
    return entry.with_name(entry.name + LOCK_SUFFIX)


def use_file(entry: Path) -> Path:
    return entry.with_name(entry.name + USE_SUFFIX)


@contextmanager
def locked(entry: Path, *, timeout: float = 3600) -> Iterator[None]:
    """Hold an exclusive lock on a cache entry so two concurrent runs never write it together."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_file(entry)))
    try:
        lock.acquire(timeout=QUIET_WAIT)
    except Timeout:
        progress.step(f"waiting for another wasmwheel process to finish with {entry.name}")
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise ToolchainError(
                f"timed out waiting for the lock on {entry}",
                hint=f"if no other wasmwheel is running, delete {entry}.lock",
            ) from None
    try:
        yield
    finally:
        lock.release()


# entry -> the open lock file this process holds shared (see `hold`).
_holds: dict[Path, int] = {}
_holds_guard = threading.Lock()


def hold(entry: Path) -> bool:
    """Keep a complete `entry` from being pruned while this process may use it.

    Takes a shared lock on `<entry>.use` and keeps it until the process exits
    (or `release_holds`). Returns whether the entry is complete; if it is not
    (never installed, or pruned a moment ago) nothing stays held. Waits only
    while a `cache prune` is renaming the entry away, which takes milliseconds.
    """
    if sys.platform == "win32":
        return is_complete(entry)
    with _holds_guard:
        if entry in _holds:
            return is_complete(entry)
        if not entry.exists():  # do not leave lock files for entries never installed
            return False
        fd = _open_use_file(use_file(entry))
        if fd is None:  # a cache this user may read but not write: it cannot prune it either
            return is_complete(entry)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
        except BaseException:
            os.close(fd)
            raise
        if not is_complete(entry):
            os.close(fd)  # closing releases the lock
            return False
        _holds[entry] = fd
        return True


def _open_use_file(path: Path) -> int | None:
    """A descriptor to flock `path` (a shared lock needs no write access), or None.

    A read-only cache (a container image's, used by another uid) has no `.use`
    file this user can create; a user who cannot write there cannot prune it.
    """
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
    try:
        return os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None


def release_holds() -> None:
    """Let go of every entry this process holds (tests, long-lived callers)."""
    with _holds_guard:
        for fd in _holds.values():
            os.close(fd)
        _holds.clear()


def is_complete(entry: Path) -> bool:
    return (entry / STAMP).is_file()


def read_stamp(entry: Path) -> dict[str, Any]:
    try:
        data = json.loads((entry / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def remove_tree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


@contextmanager
def atomic_entry(entry: Path, stamp: dict[str, Any]) -> Iterator[Path]:
    """Yield a scratch directory; on success it becomes `entry`, stamped with `stamp`.

    On any failure (including Ctrl-C) the scratch directory is removed and an
    existing complete entry is left untouched. Call with the entry's lock held.
    """
    scratch = entry.with_name(f"{entry.name}{PARTIAL_MARK}{os.getpid()}")
    remove_tree(scratch)
    scratch.mkdir(parents=True)
    try:
        yield scratch
        (scratch / STAMP).write_text(
            json.dumps(stamp | {"completed": time.time()}, indent=2), encoding="utf-8"
        )
        remove_tree(entry)  # an unstamped leftover from an interrupted install
        scratch.rename(entry)
    except BaseException:
        remove_tree(scratch)
        raise


def discard_incomplete(entry: Path) -> bool:
    """Remove an entry that exists but was never stamped; True if something was removed."""
    stale = list(entry.parent.glob(f"{entry.name}{PARTIAL_MARK}*")) if entry.parent.exists() else []
    for path in stale:
        remove_tree(path)
    if entry.exists() and not is_complete(entry):
        remove_tree(entry)
        return True
    return bool(stale)


def ensure(entry: Path, stamp: dict[str, Any], populate: Callable[[Path], None]) -> Path:
    """Return `entry`, first building it with `populate(scratch)` if it is not complete.

    Checked again under the entry's lock, so concurrent runs build it once; an
    interrupted leftover is discarded first; `populate` may add keys to `stamp`
    (it is written after `populate` returns). The returned entry is held for
    this process (`hold`): `cache prune` leaves it alone while we run.
    """
    for _ in range(3):  # a prune may remove it between the install and the hold
        if hold(entry):
            return entry
        with locked(entry):
            if not is_complete(entry):
                discard_incomplete(entry)
                with atomic_entry(entry, stamp) as scratch:
                    populate(scratch)
    raise CacheError(
        f"the cache entry {entry} was removed again each time it was installed",
        hint="is another process emptying the cache? stop it (or `wasmwheel cache prune`) and retry",
    )
