"""What a WebAssembly module imports and exports: the symbols dynamic linking resolves.

Emscripten side modules (a wheel's `.so` files) name what they need from the
outside as imports: functions from `env` (and `wasi_snapshot_preview1`),
addresses from `GOT.func` and `GOT.mem`. The `dylink.0` custom section marks
some of those weak (binding flag 1): the loader binds a missing weak symbol to
0 instead of failing. Only the sections that say this are decoded (custom
`dylink.0`, import id 2, export id 7); every other section is skipped by size.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from wasmwheel.wheel.archive import WASM_MAGIC

WASM_VERSION = b"\x01\0\0\0"

SECTION_CUSTOM = 0
SECTION_IMPORT = 2
SECTION_EXPORT = 7

KIND_FUNCTION = 0
KIND_TABLE = 1
KIND_MEMORY = 2
KIND_GLOBAL = 3
KIND_TAG = 4

DYLINK_SECTION = "dylink.0"
DYLINK_IMPORT_INFO = 4
SYMBOL_BINDING_MASK = 3
SYMBOL_BINDING_WEAK = 1

# Modules whose imports are symbols looked up by name in the running program.
SYMBOL_MODULES = frozenset({"env", "wasi_snapshot_preview1", "GOT.func", "GOT.mem"})


class WasmFormatError(ValueError):
    """The bytes are not a WebAssembly module this reader understands."""


@dataclass(frozen=True)
class Linkage:
    imports: frozenset[str]  # symbols needed from outside (functions and GOT entries)
    weak: frozenset[str]     # imports the loader may leave unresolved (bound to 0)
    exports: frozenset[str]

    @property
    def required(self) -> frozenset[str]:
        return self.imports - self.weak


class _Reader:
    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = start
        self.end = len(data) if end is None else end

    def done(self) -> bool:
        return self.pos >= self.end

    def byte(self) -> int:
        if self.pos >= self.end:
            raise WasmFormatError("truncated module")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def uleb(self) -> int:
        result = shift = 0
        while True:
            value = self.byte()
            result |= (value & 0x7F) << shift
            if not value & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise WasmFormatError("LEB128 number too long")

    def skip(self, count: int) -> None:
        if self.pos + count > self.end:
            raise WasmFormatError("truncated module")
        self.pos += count

    def name(self) -> str:
        size = self.uleb()
        start = self.pos
        self.skip(size)
        try:
            return self.data[start:self.pos].decode("utf-8")
        except UnicodeDecodeError:
            raise WasmFormatError("a name is not UTF-8") from None

    def limits(self) -> None:
        flags = self.uleb()
        self.uleb()
        if flags & 1:
            self.uleb()


def _import_entry(reader: _Reader) -> tuple[str, str, int]:
    module, field, kind = reader.name(), reader.name(), reader.byte()
    if kind == KIND_FUNCTION:
        reader.uleb()  # type index
    elif kind == KIND_TABLE:
        reader.byte()  # reference type
        reader.limits()
    elif kind == KIND_MEMORY:
        reader.limits()
    elif kind == KIND_GLOBAL:
        reader.byte()  # value type
        reader.byte()  # mutability
    elif kind == KIND_TAG:
        reader.byte()  # attribute
        reader.uleb()  # type index
    else:
        raise WasmFormatError(f"unknown import kind {kind}")
    return module, field, kind


def _weak_imports(reader: _Reader) -> set[str]:
    weak: set[str] = set()
    while not reader.done():
        kind, size = reader.byte(), reader.uleb()
        body = _Reader(reader.data, reader.pos, reader.pos + size)
        reader.skip(size)
        if kind != DYLINK_IMPORT_INFO:
            continue
        for _ in range(body.uleb()):
            body.name()  # module
            field, flags = body.name(), body.uleb()
            if flags & SYMBOL_BINDING_MASK == SYMBOL_BINDING_WEAK:
                weak.add(field)
    return weak


def read_linkage(data: bytes) -> Linkage:
    """The symbols `data` (a WebAssembly module) imports by name, which are weak, and its exports."""
    if data[:4] != WASM_MAGIC or data[4:8] != WASM_VERSION:
        raise WasmFormatError("not a WebAssembly module (version 1)")
    reader = _Reader(data, 8)
    imports: set[str] = set()
    weak: set[str] = set()
    exports: set[str] = set()
    while not reader.done():
        section, size = reader.byte(), reader.uleb()
        body = _Reader(data, reader.pos, reader.pos + size)
        reader.skip(size)
        if section == SECTION_CUSTOM and body.name() == DYLINK_SECTION:
            weak |= _weak_imports(body)
        elif section == SECTION_IMPORT:
            for _ in range(body.uleb()):
                module, field, kind = _import_entry(body)
                # memory, table, __memory_base, __stack_pointer...: the loader's own plumbing
                if module in SYMBOL_MODULES and (kind == KIND_FUNCTION or module.startswith("GOT.")):
                    imports.add(field)
        elif section == SECTION_EXPORT:
            for _ in range(body.uleb()):
                exports.add(body.name())
                body.byte()
                body.uleb()
    return Linkage(imports=frozenset(imports), weak=frozenset(weak & imports),
                   exports=frozenset(exports))


def extension_linkages(wheel: Path) -> dict[str, Linkage]:
    """Each WebAssembly extension module (`.so`) in `wheel`, by member name, with its linkage.

    Members that are not WebAssembly are left out: whether the wheel fits the
    target is compatibility.py's question, not this one's.
    """
    found: dict[str, Linkage] = {}
    with zipfile.ZipFile(wheel) as archive:
        for member in sorted(archive.namelist()):
            if member.endswith(".so"):
                data = archive.read(member)
                if data[:4] == WASM_MAGIC:
                    found[member] = read_linkage(data)
    return found
