"""Byte-reproducible wheels: the canonical layout stamp_wheel writes, SOURCE_DATE_EPOCH,
the difference report, and `build --reproducible-check` / `--compare` with stand-in routes."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from helpers.routes import StandInRoute as StandIn
from helpers.wheels import make_sdist, record_row
from wasmwheel.builder import reproducibility
from wasmwheel.builder.pipeline import build_wheel
from wasmwheel.builder.reproducibility import build_checked
from wasmwheel.builder.source_date import source_date
from wasmwheel.cli import build as cli_build
from wasmwheel.cli import main
from wasmwheel.config.pins import Target, current_target
from wasmwheel.errors import ConfigError, ExitCode, NotReproducibleError
from wasmwheel.wheel.provenance import Provenance, stamp_wheel
from wasmwheel.wheel.reproducible import (
    DEFAULT_EPOCH,
    canonical_info,
    compare_wheel_files,
    zip_date_time,
)

EPOCH = 1700000000  # 2023-11-14 22:13:20 UTC
INFO = "demo-1.0.dist-info"


def provenance() -> Provenance:
    target = current_target()
    return Provenance(target=target.name, pins_hash=target.pins_hash, route="debian",
                      approximate=True, emscripten="9.9.9", pinned_emscripten=target.emscripten,
                      pyodide=target.pyodide, platform_tag=target.platform_tag)


def backend_wheel(path: Path, *, order: list[str] | None = None, when: tuple[int, ...] = (2024, 5, 6, 7, 8, 9),
                  so_bytes: bytes = b"\0asm-module", umask_mode: int = 0o600) -> Path:
    """A wheel as a build backend leaves it: its own time, order, modes, a directory entry."""
    members = {
        "demo/": b"",
        "demo/__init__.py": b"from ._core import f\n",
        "demo/_core.cpython-314-wasm32-emscripten.so": so_bytes,
        f"{INFO}/METADATA": b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
        f"{INFO}/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: false\n",
        f"{INFO}/RECORD": b"stale,,\n",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name in order or list(members):
            info = zipfile.ZipInfo(name, date_time=when)  # type: ignore[arg-type]
            mode = 0o40700 if name.endswith("/") else (0o100775 if name.endswith(".so") else 0o100000 | umask_mode)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, members[name])
    return path


def stamped(tmp_path: Path, name: str, epoch: int = EPOCH, **kwargs: object) -> Path:
    raw = backend_wheel(tmp_path / "raw" / name / "demo-1.0-cp314-cp314-any.whl", **kwargs)  # type: ignore[arg-type]
    (tmp_path / name).mkdir(parents=True, exist_ok=True)
    return stamp_wheel(raw, provenance(), tmp_path / name / raw.name, source_date_epoch=epoch)


# --- the canonical layout -------------------------------------------------------------------

def test_every_member_gets_the_epoch_normal_modes_and_deflate(tmp_path: Path) -> None:
    wheel = stamped(tmp_path, "a")
    with zipfile.ZipFile(wheel) as archive:
        infos = {info.filename: info for info in archive.infolist()}
    assert {info.date_time for info in infos.values()} == {(2023, 11, 14, 22, 13, 20)}
    modes = {name: (info.external_attr >> 16) for name, info in infos.items()}
    assert modes["demo/"] == 0o40755
    assert modes["demo/_core.cpython-314-wasm32-emscripten.so"] == 0o100755  # executable kept
    assert modes["demo/__init__.py"] == 0o100644                           # 0o600 normalised
    assert modes[f"{INFO}/wasmwheel.json"] == 0o100644                      # was 0o600 (writestr)
    assert modes[f"{INFO}/RECORD"] == 0o100644                              # was 0o600
    assert all(info.create_system == 3 for info in infos.values())
    files = [info for name, info in infos.items() if not name.endswith("/")]
    assert {info.compress_type for info in files} == {zipfile.ZIP_DEFLATED}


def test_members_are_sorted_with_dist_info_last_and_record_last(tmp_path: Path) -> None:
    shuffled = [f"{INFO}/RECORD", f"{INFO}/WHEEL", "demo/_core.cpython-314-wasm32-emscripten.so",
                f"{INFO}/METADATA", "demo/__init__.py", "demo/"]
    with zipfile.ZipFile(stamped(tmp_path, "a", order=shuffled)) as archive:
        names = archive.namelist()
    assert names == ["demo/", "demo/__init__.py", "demo/_core.cpython-314-wasm32-emscripten.so",
                     f"{INFO}/METADATA", f"{INFO}/WHEEL", f"{INFO}/wasmwheel.json", f"{INFO}/RECORD"]


def test_record_is_regenerated_in_member_order_and_valid(tmp_path: Path) -> None:
    with zipfile.ZipFile(stamped(tmp_path, "a")) as archive:
        rows = list(csv.reader(io.StringIO(archive.read(f"{INFO}/RECORD").decode())))
        assert [row[0] for row in rows] == [n for n in archive.namelist() if not n.endswith("/")]
        assert rows[-1] == [f"{INFO}/RECORD", "", ""]
        for name, digest, size in rows[:-1]:
            assert [name, digest, size] == record_row(name, archive.read(name))
    assert "stale" not in {row[0] for row in rows}  # the backend's RECORD is not trusted


def test_builds_differing_only_in_time_order_and_modes_stamp_to_the_same_bytes(tmp_path: Path) -> None:
    first = stamped(tmp_path, "a")
    second = stamped(tmp_path, "b", when=(2025, 1, 2, 3, 4, 5), umask_mode=0o664,
                     order=[f"{INFO}/WHEEL", "demo/__init__.py", f"{INFO}/RECORD", "demo/",
                            f"{INFO}/METADATA", "demo/_core.cpython-314-wasm32-emscripten.so"])
    assert first.read_bytes() == second.read_bytes()
    assert compare_wheel_files(first, second) is None


def test_the_epoch_decides_the_timestamps(tmp_path: Path) -> None:
    other = stamped(tmp_path, "b", epoch=EPOCH + 86400)
    with zipfile.ZipFile(other) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2023, 11, 15, 22, 13, 20)}
    difference = compare_wheel_files(stamped(tmp_path, "a"), other)
    assert difference is not None and difference.aspect == "timestamp"
    assert difference.member == "demo/"  # the first member


def test_zip_times_are_utc_clamped_to_1980_and_even() -> None:
    assert zip_date_time(0) == (1980, 1, 1, 0, 0, 0)
    assert zip_date_time(DEFAULT_EPOCH) == (1980, 1, 1, 0, 0, 0)
    assert zip_date_time(EPOCH + 1) == (2023, 11, 14, 22, 13, 20)  # zip stores 2-second steps


# --- the difference report -------------------------------------------------------------------

def _rewrite(wheel: Path, dest: Path, *, change: str, member: str) -> Path:
    """A copy of `wheel` with one thing about one member changed."""
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(dest, "w") as out:
        infos = src.infolist()
        if change == "order":
            index = [i.filename for i in infos].index(member)
            infos[index], infos[index + 1] = infos[index + 1], infos[index]
        for info in infos:
            data = src.read(info)
            if info.filename == member:
                if change == "bytes":
                    data = data.replace(b"asm", b"ASM")
                elif change == "mode":
                    info.external_attr = 0o100600 << 16
                elif change == "timestamp":
                    info.date_time = (2030, 1, 1, 0, 0, 0)
            out.writestr(info, data)
    return dest


@pytest.mark.parametrize("change", ["bytes", "mode", "timestamp", "order"])
def test_the_report_names_the_member_and_what_differs(tmp_path: Path, change: str) -> None:
    wheel = stamped(tmp_path, "a")
    member = "demo/_core.cpython-314-wasm32-emscripten.so"
    other = _rewrite(wheel, tmp_path / "other.whl", change=change, member=member)
    difference = compare_wheel_files(wheel, other)
    assert difference is not None
    assert (difference.member, difference.aspect) == (member, change)
    assert member in difference.describe() and change in difference.describe()


def test_the_report_names_a_missing_member(tmp_path: Path) -> None:
    wheel = stamped(tmp_path, "a")
    other = tmp_path / "other.whl"
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(other, "w") as out:
        for info in src.infolist():
            if info.filename != "demo/__init__.py":
                out.writestr(info, src.read(info))
    difference = compare_wheel_files(wheel, other)
    assert difference is not None and difference.aspect == "members"
    assert "only in the first: demo/__init__.py" in difference.describe()


def test_identical_members_in_a_different_zip_are_still_reported(tmp_path: Path) -> None:
    wheel = stamped(tmp_path, "a")
    other = tmp_path / "other.whl"
    shutil.copyfile(wheel, other)
    with zipfile.ZipFile(other, "a") as archive:
        archive.comment = b"built elsewhere"  # every member the same, the files not
    difference = compare_wheel_files(wheel, other)
    assert difference is not None and difference.aspect == "zip" and difference.member is None


# --- SOURCE_DATE_EPOCH ------------------------------------------------------------------------

def test_the_environment_wins(tmp_path: Path) -> None:
    found = source_date(tmp_path, {"SOURCE_DATE_EPOCH": "1234567890"})
    assert (found.epoch, found.origin) == (1234567890, "SOURCE_DATE_EPOCH")


def test_a_malformed_environment_value_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SOURCE_DATE_EPOCH='yesterday'") as caught:
        source_date(tmp_path, {"SOURCE_DATE_EPOCH": "yesterday"})
    assert caught.value.hint and "integer" in caught.value.hint


def test_an_sdist_gives_its_pkg_info_time(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path)
    rewritten = tmp_path / "out" / sdist.name
    rewritten.parent.mkdir()
    with tarfile.open(sdist) as src, tarfile.open(rewritten, "w:gz") as out:
        for member in src.getmembers():
            member.mtime = EPOCH if member.name.endswith("/PKG-INFO") else EPOCH + 999
            out.addfile(member, src.extractfile(member) if member.isfile() else None)
    assert source_date(rewritten, {}).epoch == EPOCH


def test_a_git_checkout_gives_its_head_commit_time(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "setup.py").write_text("")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "GIT_AUTHOR_DATE": f"@{EPOCH - 50} +0000", "GIT_COMMITTER_DATE": f"@{EPOCH} +0000",
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "one"]):
        subprocess.run(["git", "-C", str(project), *command], check=True, env=env)
    found = source_date(project, {})
    assert (found.epoch, found.origin) == (EPOCH, "the last git commit")


def test_anything_else_gets_the_documented_default(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("")
    assert source_date(tmp_path, {}).epoch == DEFAULT_EPOCH == 315532800


# --- build --reproducible-check / --compare, with a stand-in route ----------------------------

class StandInRoute(StandIn):
    """Its "pyodide build" writes a backend wheel whose .so is `payload(call number)`."""

    def __init__(self, target: Target, cache_dir: Path, drifting: bool = False) -> None:
        super().__init__(target, cache_dir)
        self.drifting = drifting
        self.calls: list[tuple[Path, int]] = []

    def build(self, source_dir: Path, outdir: Path, *, source_date_epoch: int) -> Path:
        self.calls.append((source_dir, source_date_epoch))
        stamp = f"built {len(self.calls)}".encode() if self.drifting else b"same"
        wheel = f"demo-1.0-cp314-cp314-{self.target.platform_tag}.whl"
        return backend_wheel(outdir / wheel, so_bytes=b"\0asm" + stamp,
                             when=(2024, 1, 1, 0, 0, 2 * len(self.calls)))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\nversion = '1.0'\n")
    return root


@pytest.fixture
def no_wait(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(reproducibility, "_pause", waits.append)
    return waits


def test_the_build_passes_the_epoch_to_the_route_and_into_the_zip(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    route = StandInRoute(current_target(), tmp_path / "cache")
    outcome = build_wheel(project, tmp_path / "dist", route, current_target())
    assert [epoch for _, epoch in route.calls] == [EPOCH]
    with zipfile.ZipFile(outcome.wheel) as archive:
        assert {i.date_time for i in archive.infolist()} == {zip_date_time(EPOCH)}


def test_a_reproducible_build_passes_the_check(project: Path, tmp_path: Path, no_wait: list[float]) -> None:
    target = current_target()
    route = StandInRoute(target, tmp_path / "cache")
    checked = build_checked(project, tmp_path / "dist", route, target, twice=True, compare=None)
    assert checked.outcome.wheel.parent == tmp_path / "dist"
    assert checked.sha256 == hashlib.sha256(checked.outcome.wheel.read_bytes()).hexdigest()
    (first, _), (second, _) = route.calls
    assert first != second  # two staging directories
    assert len(no_wait) == 1 and 0 < no_wait[0] <= 2  # the builds were 2 s apart at least


def test_a_drifting_build_fails_naming_the_member_and_keeps_the_old_wheel(
    project: Path, tmp_path: Path, no_wait: list[float]
) -> None:
    target = current_target()
    dist = tmp_path / "dist"
    dist.mkdir()
    good = dist / f"demo-1.0-cp314-cp314-{target.platform_tag}.whl"
    good.write_bytes(b"an earlier good wheel")
    with pytest.raises(NotReproducibleError) as caught:
        build_checked(project, dist, StandInRoute(target, tmp_path / "cache", drifting=True),
                      target, twice=True, compare=None)
    assert "demo/_core.cpython-314-wasm32-emscripten.so: bytes differ" in caught.value.message
    assert caught.value.return_code == ExitCode.DATA
    assert good.read_bytes() == b"an earlier good wheel"
    assert sorted(p.name for p in dist.iterdir()) == [good.name]


def test_compare_with_a_wheel_built_elsewhere(project: Path, tmp_path: Path, no_wait: list[float]) -> None:
    target = current_target()
    first = build_checked(project, tmp_path / "here", StandInRoute(target, tmp_path / "c"),
                          target, twice=False, compare=None).outcome.wheel
    elsewhere = tmp_path / "elsewhere" / first.name
    elsewhere.parent.mkdir()
    shutil.copyfile(first, elsewhere)
    build_checked(project, tmp_path / "again", StandInRoute(target, tmp_path / "c"),
                  target, twice=False, compare=elsewhere)
    _rewrite(first, elsewhere, change="mode", member=f"{INFO}/METADATA")
    with pytest.raises(NotReproducibleError, match=f"member {INFO}/METADATA: mode differ"):
        build_checked(project, tmp_path / "third", StandInRoute(target, tmp_path / "c"),
                      target, twice=False, compare=elsewhere)
    assert not (tmp_path / "third").exists() or not list((tmp_path / "third").iterdir())
    assert no_wait == []  # one build: nothing to wait for


@pytest.mark.parametrize(("name", "code", "words"), [
    ("missing.whl", ExitCode.NO_INPUT, "does not exist"),
    ("notes.txt", ExitCode.DATA, "is not a wheel"),
])
def test_a_bad_compare_argument_fails_before_any_toolchain_work(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, name: str, code: int, words: str,
) -> None:
    def no_route(*_: object) -> None:
        raise AssertionError("a route was selected before the --compare argument was checked")

    monkeypatch.setattr(cli_build, "select_route", no_route)
    (tmp_path / "notes.txt").write_text("")
    assert main(["build", str(project), "--compare", str(tmp_path / name)]) == code
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_canonical_info_marks_directories() -> None:
    info = canonical_info("pkg/", EPOCH)
    assert info.is_dir() and info.compress_type == zipfile.ZIP_STORED
