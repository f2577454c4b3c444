"""`wasmwheel new` and the project template: generation, pins, refused names (no network)."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

from helpers.paths import REPO
from wasmwheel import scaffold
from wasmwheel.cli import main
from wasmwheel.config.pins import load_toolchain
from wasmwheel.errors import ExitCode

TEMPLATE = REPO / "templates" / "project"
SOURCES = {"c": "_core.c", "cpp": "_core.cpp", "cython": "_core.pyx", "python": "_core.py"}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_checkout_template_is_the_one_used() -> None:
    assert scaffold.template_dir().resolve() == TEMPLATE.resolve()


def test_cookiecutter_json_defaults_equal_the_pins() -> None:
    """Plain `cookiecutter templates/project` writes these: they must be toolchain.toml's."""
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    expected = scaffold.pinned_context(load_toolchain().target(None))
    assert {key: context[key] for key in scaffold.PINNED_KEYS} == expected
    assert sorted(k for k in context if k.startswith("_") and not k.startswith("__")) == sorted(
        scaffold.PINNED_KEYS)
    assert context["variant"] == list(scaffold.VARIANTS)


@pytest.mark.parametrize("variant", scaffold.VARIANTS)
def test_each_variant_has_its_own_source_and_shared_files(tmp_path: Path, variant: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", str(tmp_path / "fast-thing"), "--template", variant, "--no-input"]) == 0
    project = tmp_path / "fast-thing"
    assert capsys.readouterr().out.strip() == str(project)  # stdout: the result only
    files = set(tree(project))
    package = "src/fast_thing"
    assert {f"{package}/__init__.py", "tests/test_core.py", "pyproject.toml", "noxfile.py",
            "README.md", "LICENSE", ".gitignore"} <= files
    sources = {f for f in files if f.startswith(f"{package}/_core")}
    assert sources == {f"{package}/{SOURCES[variant]}"}
    assert ("setup.py" in files) == (variant in ("c", "cython"))
    assert ("CMakeLists.txt" in files) == (variant == "cpp")
    for name, data in tree(project).items():
        text = re.sub(r"\$\{\{.*?\}\}", "", data.decode())  # GitHub's own ${{ }} expressions
        assert "{{" not in text and "{%" not in text and "cookiecutter" not in text, name
        if name.endswith(".py"):
            ast.parse(text, filename=name)


@pytest.mark.parametrize("variant", scaffold.VARIANTS)
def test_the_generated_pyproject(tmp_path: Path, variant: str) -> None:
    project = scaffold.new(tmp_path / "thing", variant, target=load_toolchain().target(None))
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "thing"
    backend = pyproject["build-system"]["build-backend"]
    assert backend == ("scikit_build_core.build" if variant == "cpp" else "setuptools.build_meta")
    groups = pyproject["dependency-groups"]
    assert groups["test"] == ["pytest>=8"]
    assert groups["wasm"] == [scaffold.pinned_context(load_toolchain().target(None))[
        "_wasmwheel_requirement"]]
    assert pyproject["tool"]["wasmwheel"]["test-paths"] == ["tests"]
    target = load_toolchain().target(None)
    assert pyproject["tool"]["cibuildwheel"]["pyodide"]["pyodide-version"] == target.pyodide


def test_the_noxfile_sessions(tmp_path: Path) -> None:
    project = scaffold.new(tmp_path / "thing", "c", target=load_toolchain().target(None))
    tree_ = ast.parse((project / "noxfile.py").read_text())
    sessions = {}
    for node in tree_.body:
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            decorator = ast.unparse(node.decorator_list[0])
            if decorator.startswith("nox.session"):
                docstring = ast.get_docstring(node) or ""
                assert docstring and "\n" not in docstring, node.name
                sessions[node.name] = "default=False" not in decorator
    assert sessions == {"tests": True, "wasm": False, "browser": False, "publish": False}


def test_plain_cookiecutter_makes_the_same_project(tmp_path: Path) -> None:
    made = scaffold.new(tmp_path / "a" / "thing", "cython", target=load_toolchain().target(None))
    plain = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path / "b"),
                              extra_context={"dist_name": "thing", "variant": "cython"},
                              default_config={"replay_dir": str(tmp_path / "replay")}))
    assert tree(plain) == tree(made)


@pytest.mark.parametrize(("name", "why"), [
    ("1-no!", "invalid distribution name"),
    ("-dash", "invalid distribution name"),
    ("class", "Python keyword"),
    ("json", "shadow the standard library"),
    ("sys", "shadow the standard library"),
    ("9lives", "invalid module name"),
])
def test_refused_names_leave_nothing(tmp_path: Path, name: str, why: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["new", str(tmp_path / "proj"), "--template", "c", f"--name={name}", "--no-input"])
    err = capsys.readouterr().err.splitlines()
    assert code == ExitCode.DATA
    assert len(err) == 2 and err[0].startswith("error: ") and why in err[0]
    assert err[1].startswith("hint: ") and "nothing was written" in err[1]
    assert list(tmp_path.iterdir()) == []


def test_the_directory_name_is_the_default_name(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", str(tmp_path / "class"), "--template", "python", "--no-input"]) == 65
    assert "Python keyword" in capsys.readouterr().err
    assert main(["new", str(tmp_path / "class"), "--template", "python", "--no-input",
                 "--name", "klass"]) == 0
    assert (tmp_path / "class" / "src" / "klass" / "_core.py").is_file()


def test_a_non_empty_target_is_refused_and_untouched(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "proj"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    assert main(["new", str(target), "--template", "c", "--no-input"]) == ExitCode.DATA
    assert "exists and is not empty" in capsys.readouterr().err
    assert tree(tmp_path) == {"proj/notes.txt": b"mine"}


def test_an_empty_target_is_used(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    assert main(["new", str(tmp_path / "proj"), "--template", "c", "--no-input"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["proj"]  # no staging dir left
    assert (tmp_path / "proj" / "src" / "proj" / "_core.c").is_file()


@pytest.mark.parametrize("argv", [
    ["new", "x"],                                  # --template is required
    ["new", "x", "--template", "rust"],
    ["new", "--template", "c"],                    # PATH is required
])
def test_bad_command_lines(tmp_path: Path, argv: list[str], monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == ExitCode.USAGE
    assert capsys.readouterr().err.startswith("error: ")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("dist_name", "module_name"), [("ok", "class"), ("ok", "os"),
                                                         ("bad name", "bad_name")])
def test_the_hook_refuses_with_plain_cookiecutter(tmp_path: Path, dist_name: str,
                                                  module_name: str,
                                                  capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(FailedHookException):
        cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(tmp_path / "out"),
                     extra_context={"dist_name": dist_name, "module_name": module_name},
                     default_config={"replay_dir": str(tmp_path / "replay")})
    assert "error: invalid" in capfd.readouterr().err
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_the_hook_accepts_ordinary_names() -> None:
    for dist, module in [("fastthing", "fastthing"), ("fast-thing", "fast_thing"),
                         ("Fast.Thing2", "fast_thing2"), ("x", "x")]:
        assert scaffold.name_problem(dist, module) is None
    assert scaffold.module_name_for("Fast.Thing-2") == "fast_thing_2"
