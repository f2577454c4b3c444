"""Byte-reproducible wheels: one canonical zip layout, and the first difference between two.

A build backend's zip carries the time it ran, the modes its umask gave, and
the order its file system listed the files in. `canonical_members` fixes all
three, so two builds of the same source differ only if the bytes *inside* a
member differ (and `first_difference` says which member):

- every member's time is SOURCE_DATE_EPOCH (clamped to 1980, the earliest
  time a zip can hold), written as UTC;
- files are 0o644, or 0o755 if the backend marked them executable;
  directories 0o755;
- members are sorted by name, with the .dist-info directory last and its
  RECORD the very last member (as the wheel spec recommends);
- every file is deflated, as a Unix-made member.
"""

from __future__ import annotations

import stat
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# 1980-01-01T00:00:00Z: the earliest time a zip member can carry; used when
# neither SOURCE_DATE_EPOCH, an sdist nor a git commit gives a time.
DEFAULT_EPOCH = 315532800
_UNIX = 3  # ZipInfo.create_system: the mode bits in external_attr are Unix's
_MSDOS_DIRECTORY = 0x10


def zip_date_time(epoch: int) -> tuple[int, int, int, int, int, int]:
    """A zip member's date_time for `epoch` (UTC; zip has no time zone, 2-second steps)."""
    moment = time.gmtime(max(epoch, DEFAULT_EPOCH))
    return (moment.tm_year, moment.tm_mon, moment.tm_mday,
            moment.tm_hour, moment.tm_min, moment.tm_sec - moment.tm_sec % 2)


def _is_executable(info: zipfile.ZipInfo) -> bool:
    return bool((info.external_attr >> 16) & stat.S_IXUSR)


def canonical_info(name: str, epoch: int, *, executable: bool = False) -> zipfile.ZipInfo:
    """The ZipInfo every member of a wasmwheel wheel is written with."""
    info = zipfile.ZipInfo(name, date_time=zip_date_time(epoch))
    info.create_system = _UNIX
    if name.endswith("/"):
        info.external_attr = ((stat.S_IFDIR | 0o755) << 16) | _MSDOS_DIRECTORY
        info.compress_type = zipfile.ZIP_STORED
    else:
        info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
    return info


def canonical_info_like(original: zipfile.ZipInfo, epoch: int) -> zipfile.ZipInfo:
    """`canonical_info` for a member read from another zip: only its executable bit survives."""
    return canonical_info(original.filename, epoch, executable=_is_executable(original))


def canonical_order(names: Iterable[str], dist_info: str) -> list[str]:
    """Sorted, .dist-info last, RECORD last of all."""
    record = f"{dist_info}/RECORD"

    def key(name: str) -> tuple[int, str]:
        if name == record:
            return (2, name)
        return (1 if name.startswith(f"{dist_info}/") else 0, name)

    return sorted(names, key=key)


# --- comparing two wheels ---------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """The first way two wheels differ, in words a person can act on."""

    member: str | None   # None: the difference is not in one member (the member lists, the zip itself)
    aspect: str          # "members", "order", "bytes", "timestamp", "mode", "compression", "zip"
    detail: str

    def describe(self) -> str:
        where = f"member {self.member}: " if self.member else ""
        return f"{where}{self.aspect} differ ({self.detail})"


def _mode(info: zipfile.ZipInfo) -> str:
    return oct((info.external_attr >> 16) & 0o7777)


def first_difference(left: zipfile.ZipFile, right: zipfile.ZipFile) -> Difference | None:
    """The first difference between two wheels, or None if their members agree in every
    respect this module normalises (the caller compares the files' bytes as a whole)."""
    left_names, right_names = left.namelist(), right.namelist()
    if set(left_names) != set(right_names):
        only_left = sorted(set(left_names) - set(right_names))
        only_right = sorted(set(right_names) - set(left_names))
        member = (only_left or only_right)[0]
        detail = "; ".join(
            part for part in (
                f"only in the first: {', '.join(only_left)}" if only_left else "",
                f"only in the second: {', '.join(only_right)}" if only_right else "",
            ) if part
        )
        return Difference(member, "members", detail)
    for position, (a, b) in enumerate(zip(left_names, right_names, strict=True)):
        if a != b:
            return Difference(a, "order", f"position {position}: {a} in the first, {b} in the second")
    for a_info, b_info in zip(left.infolist(), right.infolist(), strict=True):
        name = a_info.filename
        a_data, b_data = left.read(name), right.read(name)
        if a_data != b_data:
            return Difference(name, "bytes", _bytes_detail(a_data, b_data))
        if a_info.date_time != b_info.date_time:
            return Difference(name, "timestamp", f"{_when(a_info)} versus {_when(b_info)}")
        if (a_info.external_attr, a_info.create_system) != (b_info.external_attr, b_info.create_system):
            return Difference(name, "mode", f"{_mode(a_info)} versus {_mode(b_info)}")
        if a_info.compress_type != b_info.compress_type:
            return Difference(name, "compression",
                              f"method {a_info.compress_type} versus {b_info.compress_type}")
    return None


def _when(info: zipfile.ZipInfo) -> str:
    year, month, day, hour, minute, second = info.date_time
    return f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}"


def _bytes_detail(a: bytes, b: bytes) -> str:
    offset = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    sizes = f"{len(a)} and {len(b)} bytes" if len(a) != len(b) else f"{len(a)} bytes each"
    return f"{sizes}, first difference at offset {offset}"


def compare_wheel_files(first: Path, second: Path) -> Difference | None:
    """None if the two files are byte-identical, else their first difference."""
    if first.read_bytes() == second.read_bytes():
        return None
    with zipfile.ZipFile(first) as left, zipfile.ZipFile(second) as right:
        found = first_difference(left, right)
    return found or Difference(
        None, "zip",
        "every member has the same name, bytes, time and mode: the compressed data or the zip "
        "headers differ (a different zlib compresses differently)",
    )
