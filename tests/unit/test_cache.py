"""The cache: all-or-nothing entries, interrupted installs, and the entry lock."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from wasmwheel.errors import CacheError, ExitCode, ToolchainError
from wasmwheel.toolchain import cache


def test_cache_root_follows_env_and_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wanted = tmp_path / "not-yet"
    monkeypatch.setenv(cache.CACHE_ENV, str(wanted))
    assert cache.cache_root() == wanted
    assert wanted.is_dir()


def test_completed_entry_is_stamped() -> None:
    entry = cache.cache_root() / "thing"
    with cache.atomic_entry(entry, {"version": "1"}) as scratch:
        (scratch / "payload").write_text("ok")
        assert not entry.exists()  # invisible until complete
    assert cache.is_complete(entry)
    assert cache.read_stamp(entry)["version"] == "1"
    assert (entry / "payload").read_text() == "ok"
    assert [p.name for p in entry.parent.iterdir()] == ["thing"]


def test_interrupted_install_leaves_no_entry() -> None:
    entry = cache.cache_root() / "thing"
    with pytest.raises(RuntimeError), cache.atomic_entry(entry, {}) as scratch:
        (scratch / "half").write_text("written")
        raise RuntimeError("interrupted")
    assert not entry.exists()
    assert list(entry.parent.iterdir()) == []


def test_interrupted_reinstall_keeps_existing_good_entry() -> None:
    entry = cache.cache_root() / "thing"
    with cache.atomic_entry(entry, {"version": "good"}) as scratch:
        (scratch / "payload").write_text("good")
    with pytest.raises(KeyboardInterrupt), cache.atomic_entry(entry, {"version": "new"}) as scratch:
        (scratch / "payload").write_text("half")
        raise KeyboardInterrupt
    assert cache.is_complete(entry)
    assert cache.read_stamp(entry)["version"] == "good"
    assert (entry / "payload").read_text() == "good"


def test_unstamped_leftover_is_discarded() -> None:
    entry = cache.cache_root() / "thing"
    entry.mkdir()
    (entry / "junk").write_text("from a crash before stamps existed")
    (entry.parent / "thing.partial-99999").mkdir()
    assert cache.discard_incomplete(entry)
    assert not entry.exists()
    assert list(entry.parent.iterdir()) == []


def test_lock_serialises_two_writers() -> None:
    entry = cache.cache_root() / "thing"
    spans: list[tuple[str, float, float]] = []
    first_inside = threading.Event()

    def writer(name: str, hold: float) -> None:
        with cache.locked(entry):
            start = time.monotonic()
            first_inside.set()
            time.sleep(hold)
            spans.append((name, start, time.monotonic()))

    first = threading.Thread(target=writer, args=("first", 0.5))
    first.start()
    assert first_inside.wait(5)
    second = threading.Thread(target=writer, args=("second", 0.0))
    second.start()
    first.join(10)
    second.join(10)
    (_, _, first_end), (name, second_start, _) = sorted(spans, key=lambda s: s[1])
    assert name == "second"
    assert second_start >= first_end  # never inside the lock at the same time


def test_ensure_builds_once_even_when_raced() -> None:
    entry = cache.cache_root() / "things" / "once"
    calls: list[int] = []

    def populate(scratch: Path) -> None:
        calls.append(1)
        (scratch / "payload").write_text("ok")

    threads = [threading.Thread(target=cache.ensure, args=(entry, {"v": 1}, populate))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]
    assert (entry / "payload").read_text() == "ok" and cache.is_complete(entry)


def test_ensure_failure_leaves_nothing_and_is_retried() -> None:
    entry = cache.cache_root() / "things" / "flaky"

    def broken(scratch: Path) -> None:
        (scratch / "half").write_text("half-written")
        raise OSError("disk full")

    with pytest.raises(OSError):
        cache.ensure(entry, {}, broken)
    assert not entry.exists()
    cache.ensure(entry, {}, lambda scratch: (scratch / "whole").write_text("ok"))
    assert (entry / "whole").is_file() and not (entry / "half").exists()


def test_cache_dir_that_cannot_be_created_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "a-file" / "cache"))
    with pytest.raises(CacheError, match="cannot create the cache directory") as info:
        cache.cache_root()
    assert info.value.return_code == ExitCode.IO
    assert cache.CACHE_ENV in (info.value.hint or "")


def test_waiting_for_a_lock_is_said_on_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = cache.cache_root() / "thing"
    monkeypatch.setattr(cache, "QUIET_WAIT", 0.01)
    holder_inside, release = threading.Event(), threading.Event()

    def holder() -> None:
        with cache.locked(entry):
            holder_inside.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert holder_inside.wait(5)
        with (
            pytest.raises(ToolchainError, match="timed out waiting for the lock"),
            cache.locked(entry, timeout=0.01),
        ):
            pass  # never reached: the holder keeps the lock throughout
    finally:
        release.set()
        thread.join(10)
    out, err = capsys.readouterr()
    assert "waiting for another wasmwheel process" in err
    assert out == ""  # stdout carries results only
