from __future__ import annotations

import csv
import dataclasses
import io
import json
import zipfile
from pathlib import Path

import pytest

from helpers.wheels import make_wheel, record_row
from wasmwheel.builder.pipeline import check_wheel_tags
from wasmwheel.config.pins import current_target
from wasmwheel.errors import BuildError
from wasmwheel.wheel.provenance import Provenance, read_provenance, stamp_wheel


def sample_provenance(approximate: bool) -> Provenance:
    target = current_target()
    return Provenance(
        target=target.name, pins_hash=target.pins_hash, route="debian", approximate=approximate,
        emscripten="9.9.9", pinned_emscripten=target.emscripten, pyodide=target.pyodide,
        platform_tag=target.platform_tag,
    )


def test_stamp_round_trips_and_keeps_record_valid(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    stamped = stamp_wheel(wheel, sample_provenance(True), out / wheel.name)
    assert read_provenance(stamped) == sample_provenance(True)
    with zipfile.ZipFile(stamped) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("demo-1.0.dist-info/RECORD").decode())))
        for name, hash_field, size in rows:
            if not hash_field:
                continue
            assert [name, hash_field, size] == record_row(name, archive.read(name))
        assert "demo-1.0.dist-info/wasmwheel.json" in {row[0] for row in rows}
    assert not list(out.glob(".*partial*"))


def test_unstamped_wheel_has_no_provenance(tmp_path: Path) -> None:
    assert read_provenance(make_wheel(tmp_path)) is None


def test_wheel_for_other_platform_is_rejected() -> None:
    target = current_target()
    good = f"demo-1.0-cp314-cp314-{target.platform_tag}.whl"
    check_wheel_tags(Path(good), target)
    check_wheel_tags(Path("demo-1.0-py3-none-any.whl"), target)  # a pure-Python project
    with pytest.raises(BuildError, match="pre-PEP 783 tag") as caught:
        check_wheel_tags(Path("demo-1.0-cp314-cp314-pyodide_2025_0_wasm32.whl"), target)
    assert target.platform_tag in caught.value.message
    with pytest.raises(BuildError, match="CPython"):  # old: only the platform was checked
        check_wheel_tags(Path(f"demo-1.0-cp313-cp313-{target.platform_tag}.whl"), target)


def test_sdk_verified_is_recorded_and_older_wheels_read_as_not_applicable(tmp_path: Path) -> None:
    """The exact route records whether its Emscripten archives matched pinned sha256s."""
    wheel = make_wheel(tmp_path)
    (tmp_path / "out").mkdir()
    unverified = dataclasses.replace(sample_provenance(False), route="exact", sdk_verified=False)
    stamped = stamp_wheel(wheel, unverified, tmp_path / "out" / wheel.name)
    assert read_provenance(stamped) == unverified
    with zipfile.ZipFile(stamped) as archive:
        assert json.loads(archive.read("demo-1.0.dist-info/wasmwheel.json"))["sdk_verified"] is False
    older = {k: v for k, v in dataclasses.asdict(sample_provenance(True)).items()
             if k != "sdk_verified"}  # a wheel stamped before the field existed
    assert Provenance(**older).sdk_verified is None
