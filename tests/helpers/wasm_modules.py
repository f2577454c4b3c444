"""Side modules written by hand (a few bytes of WebAssembly), and wheels holding them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from helpers.wheels import make_wheel
from wasmwheel.config.pins import current_target
from wasmwheel.wheel.wasm_linkage import KIND_FUNCTION, KIND_GLOBAL, KIND_MEMORY, KIND_TABLE

PLATFORM = current_target().platform_tag


def uleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def name(text: str) -> bytes:
    return uleb(len(text.encode())) + text.encode()


def section(section_id: int, body: bytes) -> bytes:
    return bytes([section_id]) + uleb(len(body)) + body


def vector(items: list[bytes]) -> bytes:
    return uleb(len(items)) + b"".join(items)


def import_entry(module: str, field: str, kind: int) -> bytes:
    described = {
        KIND_FUNCTION: uleb(0),                 # type index 0
        KIND_TABLE: b"\x70" + b"\x00" + uleb(1),  # funcref, min 1
        KIND_MEMORY: b"\x01" + uleb(1) + uleb(300),  # min 1, max 300 (multi-byte LEB)
        KIND_GLOBAL: b"\x7f\x01",                # mutable i32
    }[kind]
    return name(module) + name(field) + bytes([kind]) + described


def wasm(imports: Sequence[tuple[str, str, int]] = (), exports: Sequence[str] = (),
         weak: Sequence[str] = ()) -> bytes:
    """A side module: dylink.0 (weak imports), an import section, an export section."""
    import_info = vector([name("env") + name(field) + uleb(1) for field in weak])
    dylink = name("dylink.0") + bytes([1]) + uleb(4) + bytes(4)  # MEM_INFO, skipped by size
    dylink += bytes([4]) + uleb(len(import_info)) + import_info
    module = b"\0asm\x01\0\0\0" + section(0, dylink)
    module += section(1, vector([b"\x60\x00\x00"]))  # a type section, skipped by size
    module += section(2, vector([import_entry(*entry) for entry in imports]))
    module += section(7, vector([name(field) + bytes([0]) + uleb(0) for field in exports]))
    return module


def side_module(*needs: str, exports: Sequence[str] = (), weak: Sequence[str] = ()) -> bytes:
    return wasm([("env", "memory", KIND_MEMORY), ("env", "__memory_base", KIND_GLOBAL),
                 *(("env", need, KIND_FUNCTION) for need in needs)], exports=exports, weak=weak)


def wheel_with(directory: Path, modules: dict[str, bytes]) -> Path:
    return make_wheel(directory, "demo", "1.0", f"cp314-cp314-{PLATFORM}",
                      files={f"demo/{stem}.cpython-314-wasm32-emscripten.so": data
                             for stem, data in modules.items()})
