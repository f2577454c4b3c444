"""Repository resolution, twine's answers mapped to errors, and secrets kept out of sight."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path
from typing import Any

import pytest

from wasmwheel.cli.publish import add_parser as add_publish_parser
from wasmwheel.errors import ConfigError
from wasmwheel.publish import upload
from wasmwheel.publish.errors import CredentialsRejected, IndexUnreachable, UploadFailed
from wasmwheel.publish.repositories import resolve

FILE = Path("demo-1.0.tar.gz")
LOCAL = "http://127.0.0.1:8080/"


@pytest.fixture
def no_pypirc(tmp_path: Path) -> Path:
    return tmp_path / "absent.pypirc"


@pytest.mark.parametrize("name", ["pypi", "testpypi"])
def test_named_pypi_repositories_are_public(name: str, no_pypirc: Path) -> None:
    repo = resolve(name, no_pypirc)
    assert repo.public_pypi and repo.twine_args == ("--repository", name)


def test_url_credentials_move_to_env_and_out_of_labels(no_pypirc: Path) -> None:
    repo = resolve("https://bob:p%40ss@packages.example.test/upload/", no_pypirc)
    assert repo.env == {"TWINE_USERNAME": "bob", "TWINE_PASSWORD": "p@ss"}
    assert "p@ss" not in repo.label + " ".join(repo.twine_args) + repr(repo)
    assert not repo.public_pypi and repo.label == "https://packages.example.test/upload/"


def test_pypirc_section_supplies_credentials_for_its_url(tmp_path: Path) -> None:
    pypirc = tmp_path / ".pypirc"
    pypirc.write_text(f"[local]\nrepository = {LOCAL.rstrip('/')}\nusername = a\npassword = b\n")
    assert resolve(LOCAL, pypirc).twine_args == ("--repository", "local")
    assert resolve("local", pypirc).twine_args == ("--repository", "local")


@pytest.mark.parametrize("spec", ["nowhere", "ftp://example.test/"])
def test_unknown_repository_is_a_config_error(spec: str, no_pypirc: Path) -> None:
    with pytest.raises(ConfigError):
        resolve(spec, no_pypirc)


def _classify(returncode: int, output: str) -> bool:
    return upload.classify(returncode, output, FILE, resolve(LOCAL, Path("/nonexistent")))


def test_uploaded_and_already_there() -> None:
    assert _classify(0, "Uploading demo-1.0.tar.gz\n") is True
    pypiserver = ("INFO Response from http://127.0.0.1:8080/:\n 400 Bad Request\n <pre>Package "
                  "'demo-1.0.tar.gz' already\n exists!</pre>\nERROR HTTPError: 400 Bad Request")
    assert _classify(1, pypiserver) is False
    assert _classify(1, "ERROR HTTPError: 409 Conflict\n File already exists") is False
    twine_skip = "WARNING Skipping demo-1.0.tar.gz because it appears to already exist"
    assert _classify(0, twine_skip) is False


@pytest.mark.parametrize("output", [
    "ERROR HTTPError: 403 Forbidden from http://127.0.0.1:8080/\n Forbidden",
    "ERROR HTTPError: 401 Unauthorized from http://127.0.0.1:8080/",
    "ERROR NonInteractive: Credential not found for password.",
])
def test_bad_or_missing_credentials(output: str) -> None:
    with pytest.raises(CredentialsRejected) as caught:
        _classify(1, output)
    assert caught.value.hint and "TWINE_PASSWORD" in caught.value.hint


@pytest.mark.parametrize("output", [
    "requests.exceptions.ConnectionError: ... [Errno 111] Connection refused",
    "NameResolutionError(\"Failed to resolve 'nowhere.invalid'\")",
])
def test_unreachable_index(output: str) -> None:
    with pytest.raises(IndexUnreachable, match="index unreachable: http://127.0.0.1:8080/"):
        _classify(1, output)


def test_other_http_errors_name_the_file() -> None:
    with pytest.raises(UploadFailed, match="refused demo-1.0.tar.gz: HTTPError: 400 Bad Request"):
        _classify(1, "ERROR HTTPError: 400 Bad Request from x\n invalid classifier")


def test_scrub_removes_passwords() -> None:
    env = {"TWINE_PASSWORD": "hunter22", "TWINE_USERNAME": "__token__"}
    text = upload.scrub("user __token__ pw hunter22\npassword: hunter22x\npassword: <hidden>", env)
    assert "hunter22" not in text and "__token__" not in text and "password: <hidden>" in text


def test_credentials_reach_twine_by_env_only(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[tuple[list[str], dict[str, str]]] = []

    def fake_run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.append((argv, kwargs["env"]))
        already = "already exist" if len(seen) == 2 else ""
        output = f"HTTPError: 409 {already}"
        return subprocess.CompletedProcess(argv, 1 if already else 0, output, "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.pypirc
    repo = resolve("http://alice:s3cret@127.0.0.1:8080/")
    files = [tmp_path / "a-1.0.tar.gz", tmp_path / "b-1.0.tar.gz"]
    outcome = upload.upload_files(files, repo)
    assert outcome.uploaded == files[:1] and outcome.skipped == files[1:]
    for argv, env in seen:
        assert "s3cret" not in " ".join(argv) and env["TWINE_PASSWORD"] == "s3cret"
        assert "--non-interactive" in argv and "--skip-existing" not in argv  # not a PyPI index


def test_cli_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parser = argparse.ArgumentParser()
    add_publish_parser(parser.add_subparsers())
    args = parser.parse_args(["publish", "a.whl", "-r", "testpypi", "--dry-run",
                              "--allow-approximate", "--skip-tested-check"])
    assert (args.dists, args.repository, args.dry_run) == (["a.whl"], "testpypi", True)
    assert args.allow_approximate and args.skip_tested_check and callable(args.func)
    assert parser.parse_args(["publish"]).repository == "pypi"
