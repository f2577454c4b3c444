"""`wasmwheel toolchain pin`: fill in the emsdk archives' sha256s in toolchain.toml.

Run by a maintainer who can reach the archives' storage. Every archive the
exact route hands to emsdk (each pinned platform) is downloaded and hashed,
the xbuildenv is checked against its existing pin, and only then are the
`*-sha256` lines rewritten in place: comments, order and every other line
stay as they are (the file is edited line by line, never re-serialised).
A sha256 that is already pinned and differs from the download is refused:
that is a re-upload or tampering, for a person to judge.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from wasmwheel import progress
from wasmwheel.config.pins import Target, Toolchain, parse_toolchain
from wasmwheel.errors import ConfigError, HashMismatchError
from wasmwheel.toolchain.download import fetch, fetch_unpinned
from wasmwheel.toolchain.routes.exact import official_xbuildenv, sdk_archives

_TABLE = re.compile(r"^\s*\[([^\[\]]+)\]\s*(?:#.*)?$")


@dataclass(frozen=True)
class Update:
    table: str  # e.g. targets.pyodide-314.emsdk.archives.linux-x86_64
    key: str  # e.g. sdk-sha256
    old: str
    new: str
    url: str

    @property
    def changes(self) -> bool:
        return self.old != self.new

    def describe(self) -> str:
        state = "unchanged" if not self.changes else f"was {self.old or chr(34) * 2}"
        return f'[{self.table}] {self.key} = "{self.new}"  # {state}; {self.url}'


def compute(target: Target, platforms: list[str] | None = None) -> list[Update]:
    """Download and hash each archive; check the xbuildenv; return the lines to write."""
    pin = target.emsdk
    wanted = platforms or sorted(pin.archives)
    unknown = sorted(set(wanted) - set(pin.archives))
    if unknown:
        raise ConfigError(
            f"[targets.{target.name}.emsdk.archives] has no table for {', '.join(unknown)}",
            hint=f"pinned platforms: {', '.join(sorted(pin.archives)) or 'none'}",
        )
    updates: list[Update] = []
    with tempfile.TemporaryDirectory(prefix="wasmwheel-pin-") as tmp:
        for key in wanted:
            table = f"targets.{target.name}.emsdk.archives.{key}"
            for archive in sdk_archives.archives_for(pin, key):
                progress.step(f"hashing {archive.name} ({key})")
                digest = fetch_unpinned(archive.url, Path(tmp) / archive.name)
                os.unlink(Path(tmp) / archive.name)
                if archive.sha256 and archive.sha256 != digest:
                    raise HashMismatchError(
                        f"{archive.url} has sha256 {digest}, but [{table}] pins {archive.sha256}",
                        hint="re-uploaded or tampered with: find out which before clearing the "
                        "pin (set it to \"\") and pinning again",
                    )
                updates.append(Update(table, f"{archive.role}-sha256", archive.sha256, digest,
                                      archive.pinned_url))
        xbuildenv = official_xbuildenv.xbuildenv_url(target.xbuildenv)
        progress.step(f"checking xbuildenv {target.xbuildenv.version} against its pinned sha256")
        fetch(xbuildenv, Path(tmp) / "xbuildenv.tar.gz",
              official_xbuildenv.expected_hash(target.xbuildenv))
    return updates


def rewrite(text: str, updates: list[Update]) -> str:
    """`text` with each update's `key = "..."` line in its table replaced, nothing else."""
    lines = text.splitlines(keepends=True)
    table = ""
    pending = {(u.table, u.key): u for u in updates}
    for index, line in enumerate(lines):
        header = _TABLE.match(line)
        if header:
            table = header.group(1).strip()
            continue
        for (where, key), update in list(pending.items()):
            if where != table:
                continue
            match = re.match(rf'^(\s*{re.escape(key)}\s*=\s*)"[^"]*"(.*)$', line, re.DOTALL)
            if match:
                lines[index] = f'{match.group(1)}"{update.new}"{match.group(2)}'
                del pending[(where, key)]
    if pending:
        missing = ", ".join(f"[{t}] {k}" for t, k in pending)
        raise ConfigError(f"toolchain.toml has no line for {missing} to rewrite",
                          hint="add the key (with \"\") in its table, then pin again")
    return "".join(lines)


def write(toolchain: Toolchain, updates: list[Update]) -> Path:
    """Rewrite the toolchain file in place (atomically); return its path."""
    path = toolchain.path.resolve()
    text = rewrite(path.read_text(encoding="utf-8"), updates)
    partial = path.with_name(f".{path.name}.pin-{os.getpid()}")
    try:
        partial.write_text(text, encoding="utf-8")
        parse_toolchain(partial)  # the edited file must still load, or nothing is written
        os.chmod(partial, path.stat().st_mode & 0o777)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
