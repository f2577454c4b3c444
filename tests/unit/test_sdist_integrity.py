"""A truncated or corrupted sdist is refused before any toolchain work, leaving nothing behind."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from helpers.wheels import make_sdist
from wasmwheel.config import sdist_integrity
from wasmwheel.config.project import check_source, stage
from wasmwheel.errors import ProjectError

PADDING = {"pkg/data.txt": "".join(f"line {i} of data that is not all alike\n" for i in range(20000))}


def damaged(sdist: Path, how: str) -> Path:
    data = bytearray(sdist.read_bytes())
    if how == "truncated":
        data = data[: len(data) // 2]
    else:  # flip bytes in the middle of the compressed stream; the length stays
        middle = len(data) // 2
        data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
    out = sdist.with_name(f"{how}-1.0{''.join(sdist.suffixes[-2:])}")
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("how", ["truncated", "corrupted"])
def test_damaged_tar_gz_is_refused_by_check_source(tmp_path: Path, how: str) -> None:
    good = make_sdist(tmp_path, files=PADDING)
    check_source(good)  # the intact one passes
    bad = damaged(good, how)
    with pytest.raises(ProjectError, match="damaged sdist"):
        check_source(bad)
    with pytest.raises(ProjectError):
        stage(bad, tmp_path / "work")


def test_damaged_zip_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "demo-1.0.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("demo-1.0/pyproject.toml", "[project]\nname='demo'\nversion='1.0'\n")
        bundle.writestr("demo-1.0/data.txt", PADDING["pkg/data.txt"])
    check_source(good)
    with pytest.raises(ProjectError, match="damaged sdist"):
        check_source(damaged(good, "truncated"))
    with pytest.raises(ProjectError, match="damaged sdist"):
        check_source(damaged(good, "corrupted"))


def test_cli_says_damaged_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    bad = damaged(make_sdist(tmp_path / "in", files=PADDING), "truncated")
    result = wasmwheel("build", str(bad), "--outdir", str(tmp_path / "out"), check=False)
    assert result.returncode == 65
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: ") and "damaged sdist" in lines[0]
    assert lines[1].startswith("hint: ") and "Traceback" not in result.stderr
    assert result.stdout == "" and not (tmp_path / "out").exists()


def test_an_unchanged_sdist_is_read_once_and_a_changed_one_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # One command checks its source several times: a passed, unchanged file is not reread.
    good = make_sdist(tmp_path, files=PADDING)
    reads: list[Path] = []
    real = sdist_integrity._check_gzip
    monkeypatch.setattr(sdist_integrity, "_check_gzip", lambda p: (reads.append(p), real(p)))
    check_source(good)
    check_source(good)
    assert len(reads) == 1
    intact = good.read_bytes()
    corrupted = damaged(good, "corrupted").read_bytes()
    before = good.stat().st_mtime_ns
    good.write_bytes(corrupted)  # the same size: only the mtime tells
    os.utime(good, ns=(before + 10**9, before + 10**9))  # past the clock's tick, however coarse
    with pytest.raises(ProjectError, match="damaged sdist"):
        check_source(good)
    good.write_bytes(intact)
    os.utime(good, ns=(before + 2 * 10**9, before + 2 * 10**9))
    check_source(good)
    assert len(reads) == 3
