"""The Docker image for real: a private dockerd, `make image ROUTE=debian` from a
fresh daemon (its base made with debootstrap: no registry here), then
`docker run` on copies of the example as a user would.

Root only (dockerd, debootstrap). The daemon and its state go away at the
end, pass or fail (helpers.dockerd).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.cli import wasmwheel
from helpers.dockerd import Daemon, running_dockerd
from helpers.paths import EXAMPLE, REPO
from wasmwheel import __version__
from wasmwheel.config.pins import current_target
from wasmwheel.toolchain.routes.debian.chroot import host_ca_bundle

pytestmark = pytest.mark.integration

USER = (1234, 1234)
OWNER = (4321, 4322)  # a mount's owner that is neither root nor USER


@pytest.fixture(scope="module")
def daemon() -> Iterator[Daemon]:
    if os.geteuid() != 0:
        pytest.fail("the Docker image test needs root (dockerd, debootstrap)")
    with running_dockerd() as running:
        yield running


@pytest.fixture(scope="module")
def image(daemon: Daemon) -> str:
    """`make image ROUTE=debian BROWSERS=0` against the private daemon; the tag it printed."""
    started = time.monotonic()
    result = subprocess.run(["make", "-C", str(REPO), "--no-print-directory", "image",
                             "ROUTE=debian", "BROWSERS=0"],
                            env=daemon.env, capture_output=True, text=True, timeout=3600,
                            check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    tag = result.stdout.strip().splitlines()[-1]
    print(f"make image took {time.monotonic() - started:.0f} s")  # shown with -s / on failure
    return tag


def run(daemon: Daemon, image: str, *args: str, mount: Path | None = None,
        user: tuple[int, int] | None = None) -> subprocess.CompletedProcess[str]:
    flags = ["run", "--rm", "--network", "host"]
    if user is not None:
        flags += ["--user", f"{user[0]}:{user[1]}"]
    if mount is not None:
        flags += ["-v", f"{mount}:/src"]
    ca = host_ca_bundle()  # this machine's TLS-intercepting proxy, as README says
    if ca is not None:
        flags += ["-v", f"{ca}:/run/secrets/extra-ca:ro"]
    return daemon.docker(*flags, image, *args)


def project_owned_by(tmp_path: Path, name: str, owner: tuple[int, int]) -> Path:
    project = tmp_path / name
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("dist", "build", "*.egg-info"))
    for path in [project, *project.rglob("*")]:
        os.chown(path, *owner, follow_symlinks=False)
    return project


def new_files_not_owned_by(project: Path, owner: tuple[int, int]) -> list[str]:
    return [f"{p.relative_to(project)} {p.stat().st_uid}:{p.stat().st_gid}"
            for p in [project, *project.rglob("*")]
            if (p.stat().st_uid, p.stat().st_gid) != owner]


def test_the_tag_names_what_is_inside(image: str, daemon: Daemon) -> None:
    target = current_target()
    assert image == f"wasmwheel:{__version__}-pyodide{target.pyodide}-debian-nobrowsers"
    labels = daemon.docker("image", "inspect", "--format",
                           "{{json .Config.Labels}}", image).stdout
    assert f'"io.wasmwheel.pins-hash":"{target.pins_hash}"' in labels
    assert '"io.wasmwheel.route":"debian"' in labels
    assert re.search(r'"org.opencontainers.image.revision":"[0-9a-f]{40}', labels), labels


def test_run_as_a_user_builds_tests_and_the_host_checks_the_wheel(
    image: str, daemon: Daemon, tmp_path: Path
) -> None:
    project = project_owned_by(tmp_path, "as-user", USER)
    result = run(daemon, image, mount=project, user=USER)
    assert result.returncode == 0, result.stderr[-4000:]
    assert re.search(r"^node\s+ok\s+\d+\s+0\s", result.stdout + result.stderr, re.MULTILINE)
    (wheel,) = (project / "dist").glob("*.whl")
    assert (wheel.stat().st_uid, wheel.stat().st_gid) == USER
    assert new_files_not_owned_by(project, USER) == []
    # The host runs the container's wheel in its own Pyodide.
    wasmwheel("test", str(project), "--wheel", str(wheel))


def test_a_plain_run_leaves_files_owned_by_the_mount_owner(
    image: str, daemon: Daemon, tmp_path: Path
) -> None:
    project = project_owned_by(tmp_path, "plain", OWNER)
    result = run(daemon, image, "build", mount=project)
    assert result.returncode == 0, result.stderr[-4000:]
    assert len(list((project / "dist").glob("*.whl"))) == 1
    assert new_files_not_owned_by(project, OWNER) == []


def test_doctor_reports_the_route_in_this_system(image: str, daemon: Daemon) -> None:
    result = run(daemon, image, "doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"route\s+debian\s+ready\s+approximate\s+emscripten \d", result.stdout)
    assert "in this system" in result.stdout
    # Started as root with nothing mounted, the work still runs unprivileged.
    assert run(daemon, image, "shell", "-c", "id -u").stdout.strip() == "10001"


def test_a_bad_mount_gets_the_cli_error(image: str, daemon: Daemon, tmp_path: Path) -> None:
    nothing = run(daemon, image)
    assert nothing.returncode != 0
    assert "error: /src does not exist" in nothing.stderr
    assert "Traceback" not in nothing.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    not_a_project = run(daemon, image, mount=empty, user=USER)
    assert not_a_project.returncode != 0
    assert "error: /src is not a Python project" in not_a_project.stderr


def test_the_container_wheel_matches_the_host_debian_route(
    image: str, daemon: Daemon, tmp_path: Path
) -> None:
    """Same source, the image's in-place toolchain versus the host's chroot.

    Wheels are reproducible (SOURCE_DATE_EPOCH, canonical zip), so the two files must
    be byte-identical; the member comparison says where they differ if they do not.
    """
    project = project_owned_by(tmp_path, "compare", USER)
    assert run(daemon, image, "build", mount=project, user=USER).returncode == 0
    (inside,) = (project / "dist").glob("*.whl")
    host_out = tmp_path / "host-dist"
    # The same tree on both sides (not a git checkout: both date it SOURCE_DATE_EPOCH's default).
    built = wasmwheel("build", str(project), "--route", "debian", "--outdir", str(host_out))
    host = Path(built.stdout.strip().splitlines()[-1])
    assert host.name == inside.name

    def members(wheel: Path) -> dict[str, tuple[bytes, int]]:
        with zipfile.ZipFile(wheel) as archive:
            return {i.filename: (archive.read(i), i.external_attr) for i in archive.infolist()}

    ours, theirs = members(inside), members(host)
    assert list(ours) == list(theirs)
    differing = [name for name in ours if ours[name] != theirs[name]]
    assert differing == [], f"members that differ: {differing}"
    assert inside.read_bytes() == host.read_bytes(), "same members, yet the zip files differ"
