"""`make image`: build wasmwheel's Docker image with the pins of toolchain.toml.

Run by the nox session `image` (wasmwheel installed, so the pins are read by
wasmwheel's own loader and the pins hash is the one wheels record). Every
pinned value reaches the Dockerfile as a build argument; the Dockerfile
spells none. Uses the daemon `docker` reaches ($DOCKER_HOST). When the base
image is neither present nor pullable (no registry), it makes a local one
with debootstrap from the Debian mirror the host's apt uses.

    python docker/image.py [--route debian|exact] [--base IMAGE] [--no-browsers]
                           [--extra-ca FILE] [--tag-file FILE]

The last line on stdout is the image tag.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from wasmwheel import __version__
from wasmwheel.config.pins import Target, current_target
from wasmwheel.toolchain.routes.debian.chroot import (
    debian_mirror,
    ensure_debootstrap,
    host_ca_bundle,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASE_REPOSITORY = "debian"  # + ":<suite>" from the pins (the registry's tag)


def say(message: str) -> None:
    print(f"image: {message}", file=sys.stderr, flush=True)


def docker(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], text=True, check=False, **kwargs)  # type: ignore[call-overload, no-any-return]


def image_tag(target: Target, route: str, browsers: bool) -> str:
    """The tag names what is inside, as Pyodide's own images do."""
    suffix = "" if browsers else "-nobrowsers"
    return f"wasmwheel:{__version__}-pyodide{target.pyodide}-{route}{suffix}"


def revision() -> str:
    result = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        return "unknown"
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return result.stdout.strip() + ("-dirty" if dirty else "")


def source_url() -> str:
    """The repository's public URL (origin, if it is one); empty when there is none."""
    result = subprocess.run(
        ["git", "-C", str(ROOT), "remote", "get-url", "origin"],
        capture_output=True,
        text=True,
        check=False,
    )
    url = result.stdout.strip()
    return url if result.returncode == 0 and url.startswith("https://") else ""


def build_args(target: Target, route: str, browsers: bool, mirror: str) -> dict[str, str]:
    """Every value the Dockerfile needs, read from toolchain.toml (and git)."""
    return {
        "ROUTE": route,
        "BROWSERS": "1" if browsers else "0",
        "DEBIAN_MIRROR": mirror,
        "DEBIAN_SUITE": target.debian.suite,
        "TARGET": target.name,
        "PYODIDE_VERSION": target.pyodide,
        "PINS_HASH": target.pins_hash,
        "WASMWHEEL_VERSION": __version__,
        "REVISION": revision(),
        "SOURCE": source_url(),
    }


def local_base_tag(suite: str) -> str:
    return f"wasmwheel-base:{suite}"


def make_local_base(suite: str, mirror: str) -> str:
    """Debian <suite> from the mirror, debootstrapped and imported (no registry needed)."""
    tag = local_base_tag(suite)
    if docker("image", "inspect", tag, capture_output=True).returncode == 0:
        say(f"using the local base {tag} made earlier")
        return tag
    if os.geteuid() != 0:
        sys.exit("image: making a local base with debootstrap needs root (or pass BASE=IMAGE)")
    say(f"no registry reachable: making the base {tag} with debootstrap from {mirror}")
    with tempfile.TemporaryDirectory(prefix="wasmwheel-base-") as scratch:
        root = Path(scratch) / "root"
        subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "--", ensure_debootstrap(),
             "--variant=minbase", suite, str(root), mirror],
            check=True,
            stdout=sys.stderr,
        )
        # The base carries no downloaded packages or lists (the Dockerfile fetches its own).
        tar = subprocess.Popen(
            ["tar", "-C", str(root), "--exclude=./var/cache/apt/archives/*.deb",
             "--exclude=./var/lib/apt/lists/*", "-c", "."],
            stdout=subprocess.PIPE,
        )
        imported = subprocess.run(
            ["docker", "import", "-", tag], stdin=tar.stdout, stdout=sys.stderr, check=False
        )
        assert tar.stdout is not None
        tar.stdout.close()
        if tar.wait() != 0 or imported.returncode != 0:
            sys.exit(f"image: importing the debootstrapped base as {tag} failed")
    return tag


def resolve_base(requested: str | None, suite: str, mirror: str) -> str:
    """BASE if given; else the registry's debian:<suite>, else a local debootstrapped one."""
    if requested:
        return requested
    default = f"{DEFAULT_BASE_REPOSITORY}:{suite}"
    if docker("image", "inspect", default, capture_output=True).returncode == 0:
        return default
    say(f"pulling {default}")
    if docker("pull", default, stdout=sys.stderr, stderr=sys.stderr).returncode == 0:
        return default
    return make_local_base(suite, mirror)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--route", choices=("debian", "exact"), default="debian")
    parser.add_argument("--base", default=os.environ.get("BASE") or None,
                        help="base image (default: debian:<suite> of the pins, else a local one)")
    parser.add_argument("--no-browsers", action="store_true",
                        help="leave Chromium and Firefox out (a smaller image)")
    parser.add_argument("--extra-ca", type=Path, default=None,
                        help="PEM file of CA certificates to trust while building, passed as a "
                        "BuildKit secret (default: the host's bundle, $SSL_CERT_FILE or Debian's)")
    parser.add_argument("--no-host-ca", action="store_true",
                        help="do not pass the host's CA bundle (the base's own CAs only)")
    parser.add_argument("--tag-file", type=Path, default=None,
                        help="also write the tag to this file")
    args = parser.parse_args(argv)
    if shutil.which("docker") is None:
        sys.exit("image: `docker` is not on PATH")
    if docker("version", capture_output=True).returncode != 0:
        sys.exit("image: `docker` cannot reach a daemon (is DOCKER_HOST right?)")

    target = current_target()
    mirror = debian_mirror()
    browsers = not args.no_browsers
    base = resolve_base(args.base, target.debian.suite, mirror)
    tag = image_tag(target, args.route, browsers)
    command = ["docker", "build", "--network", "host", "--tag", tag,
               "--build-arg", f"BASE={base}"]
    for name, value in build_args(target, args.route, browsers, mirror).items():
        command += ["--build-arg", f"{name}={value}"]
    # What the host trusts (a TLS-intercepting proxy's CA, say), as the debian
    # route's chroot does; a secret is mounted per step and never stored in a layer.
    extra_ca = args.extra_ca or (None if args.no_host_ca else host_ca_bundle())
    if extra_ca is not None:
        command += ["--secret", f"id=extra-ca,src={extra_ca.resolve()}"]
    command.append(str(ROOT))
    say(f"building {tag} from {base} (route {args.route})")
    built = subprocess.run(command, env=os.environ | {"DOCKER_BUILDKIT": "1"},
                           stdout=sys.stderr, check=False)
    if built.returncode != 0:
        return built.returncode
    if args.tag_file is not None:
        args.tag_file.write_text(tag + "\n")
    print(tag)
    return 0


if __name__ == "__main__":
    sys.exit(main())
