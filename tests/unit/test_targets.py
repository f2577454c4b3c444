"""Several targets from one toolchain.toml: `--target NAME|all`, the pre-release flag, and
which target's runtime tests a given wheel."""

from __future__ import annotations

import tomllib
from argparse import Namespace
from pathlib import Path

import pytest

from helpers.loopback import closed_port_url
from helpers.wheels import make_wheel
from wasmwheel.cli import main
from wasmwheel.cli import publish as publish_cli
from wasmwheel.cli.run_tests import targets_to_test
from wasmwheel.config.pins import ALL_TARGETS, TOOLCHAIN_ENV, load_toolchain, parse_toolchain
from wasmwheel.errors import ConfigError, ExitCode
from wasmwheel.toolchain.routes.debian.assembled_xbuildenv import (
    python_version_parts,
    render_makefile_envs,
)
from wasmwheel.toolchain.routes.exact import official_xbuildenv
from wasmwheel.wheel.compatibility import targets_of

TOOLCHAIN = load_toolchain()
T314, T315 = TOOLCHAIN.targets["pyodide-314"], TOOLCHAIN.targets["pyodide-315"]


def test_the_pinned_targets_are_two_abis_and_only_315_is_a_prerelease() -> None:
    assert [t.abi for t in TOOLCHAIN.select(ALL_TARGETS)] == [T314.abi, T315.abi]
    assert T314.platform_tag != T315.platform_tag
    assert not T314.prerelease
    assert T315.prerelease


def test_all_selects_every_target_but_a_one_target_verb_refuses_it() -> None:
    assert [t.name for t in TOOLCHAIN.select("all")] == list(TOOLCHAIN.targets)
    assert TOOLCHAIN.select(None) == [TOOLCHAIN.target()]
    with pytest.raises(ConfigError, match="one target, not `all`"):
        TOOLCHAIN.target("all")


def test_an_unknown_target_lists_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--target", "pyodide-999", "."]) == ExitCode.CONFIG
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: unknown target 'pyodide-999'")
    assert err[1] == "hint: use one of: pyodide-314, pyodide-315, or all for every one"
    assert len(err) == 2  # one error, one hint, no traceback


def test_target_is_accepted_after_the_verb_and_overrides_the_global_one(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--target", "pyodide-314", "build", "--target", "nope", "."]) == ExitCode.CONFIG
    assert "unknown target 'nope'" in capsys.readouterr().err


def test_compare_with_every_target_is_refused(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1.0"\n')
    assert main(["build", "--target", "all", "--compare", str(tmp_path / "x.whl"),
                 str(tmp_path)]) == ExitCode.USAGE
    assert "--compare takes the wheel of one target" in capsys.readouterr().err


def test_a_target_table_missing_a_key_is_one_error_naming_it(tmp_path: Path) -> None:
    text = TOOLCHAIN.path.read_text()
    table = text.split("[targets.pyodide-315]", 1)[1]
    broken = text.replace(table, table.replace('ext-suffix = ".cpython-315', "# removed ", 1), 1)
    path = tmp_path / "toolchain.toml"
    path.write_text(broken)
    assert "ext-suffix" not in tomllib.loads(broken)["targets"]["pyodide-315"]
    with pytest.raises(ConfigError) as info:
        parse_toolchain(path)
    assert info.value.message == (
        "[targets.pyodide-315] is incomplete: the key ext-suffix is missing (a string)")
    assert "\n" not in info.value.message


def test_a_prerelease_cpython_splits_like_pyodides_makefile_envs() -> None:
    assert python_version_parts("3.15.0rc1") == ("3", "15", "0")
    assert python_version_parts("3.14.2") == ("3", "14", "2")
    envs = render_makefile_envs(T315)
    assert "export PYMICRO=0\n" in envs
    assert f"export PYVERSION ?= {T315.python}\n" in envs
    assert f"export PYODIDE_ABI_VERSION ?= {T315.abi}\n" in envs
    assert "WASM_BIGINT" not in envs  # 315's LDFLAGS_BASE dropped it


def wheel_name(target_tag: str, cp: str = "cp314") -> str:
    return f"demo-1.0-{cp}-{cp}-{target_tag}.whl"


def test_a_wheel_names_its_target_by_its_platform_tag() -> None:
    assert targets_of(wheel_name(T315.platform_tag, "cp315"), TOOLCHAIN) == [T315]
    assert targets_of(wheel_name(T314.platform_tag), TOOLCHAIN) == [T314]
    assert targets_of("demo-1.0-py3-none-any.whl", TOOLCHAIN) == [T314, T315]
    assert targets_of(wheel_name("pyemscripten_2030_0_wasm32"), TOOLCHAIN) == []
    assert targets_of("not a wheel.whl", TOOLCHAIN) == []


def test_test_picks_the_runtime_of_the_wheels_tag_unless_a_target_is_named() -> None:
    w315 = Path(wheel_name(T315.platform_tag, "cp315"))
    pure = Path("demo-1.0-py3-none-any.whl")
    assert targets_to_test(None, w315) == [T315]
    assert targets_to_test("pyodide-314", w315) == [T314]  # then refused by the runner
    assert targets_to_test(None, pure) == [TOOLCHAIN.target()]
    assert targets_to_test("all", pure) == [T314, T315]
    assert targets_to_test("all", w315) == [T315]
    assert targets_to_test("all", None) == [T314, T315]
    assert targets_to_test(None, None) == [TOOLCHAIN.target()]


def test_the_environment_names_the_target_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WASMWHEEL_TARGET", "all")
    assert targets_to_test(None, None) == [T314, T315]
    monkeypatch.setenv("WASMWHEEL_TARGET", "pyodide-314")
    assert targets_to_test(None, Path(wheel_name(T315.platform_tag, "cp315"))) == [T314]


def test_a_wheel_of_another_abi_is_refused_with_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "proj"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "1.0"\n')
    wheel = make_wheel(tmp_path, "demo", "1.0", f"cp315-cp315-{T315.platform_tag}")
    code = main(["test", str(project), "--target", "pyodide-314", "--wheel", str(wheel)])
    err = capsys.readouterr().err.splitlines()
    assert code != 0
    errors = [line for line in err if line.startswith("error:")]
    assert len(errors) == 1
    assert f"does not fit pyodide-314: built for Pyodide ABI {T315.abi}" in errors[0]
    assert err[err.index(errors[0]) + 1] == (
        "hint: it is a pyodide-315 wheel: test it with --target pyodide-315 (or without --target)")
    assert not any("Traceback" in line for line in err)


def test_doctor_shows_every_target(capsys: pytest.CaptureFixture[str], empty_cache: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # doctor probes the exact sources: a closed loopback port here, never GitHub.
    monkeypatch.setenv(official_xbuildenv.MIRROR_ENV, closed_port_url().rsplit("/", 1)[0])
    main(["doctor"])
    out = capsys.readouterr().out
    assert "target pyodide-314 (default): Pyodide" in out
    assert "target pyodide-315 (PRE-RELEASE: kept off PyPI unless allowed): Pyodide" in out
    main(["doctor", "--target", "pyodide-315"])
    out = capsys.readouterr().out
    assert "target pyodide-314" not in out
    assert "wasmwheel toolchain install --target pyodide-315 --route debian" in out


def test_a_toolchain_with_one_target_still_works(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    text = TOOLCHAIN.path.read_text()
    one = text.split("\n# --- Pyodide 315", 1)[0]
    path = tmp_path / "toolchain.toml"
    path.write_text(one)
    monkeypatch.setenv(TOOLCHAIN_ENV, str(path))
    assert [t.name for t in parse_toolchain(path).select("all")] == ["pyodide-314"]


@pytest.mark.parametrize("flag", [None, ALL_TARGETS])
def test_publish_takes_all_from_the_environment_as_from_the_flag(
        monkeypatch: pytest.MonkeyPatch, flag: str | None) -> None:
    # Publish judges each wheel by its own target; `all` only leaves the default as the
    # fallback, whether it came as --target or as $WASMWHEEL_TARGET.
    monkeypatch.setenv("WASMWHEEL_TARGET", "all")
    toolchain = load_toolchain()
    assert publish_cli._target(Namespace(target=flag)) == toolchain.targets[toolchain.default_target]
