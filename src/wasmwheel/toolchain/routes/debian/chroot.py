"""A debootstrapped Debian chroot: create it, run commands inside it.

Every command runs in a private mount namespace (`unshare --mount
--propagation private`) that mounts /proc and /dev for the chroot, so no
mount outlives the process or leaks to the host, whatever happens to it. The
command gets a clean environment (`env -i`): the host's variables (EM_CONFIG,
PIP_FIND_LINKS pointing at host paths, ...) mean nothing inside.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from wasmwheel import progress
from wasmwheel.errors import ConfigError, ToolchainError
from wasmwheel.toolchain.apt import apt_get, say_lock_wait
from wasmwheel.toolchain.failure import failure_message, run_streamed
from wasmwheel.toolchain.routes.debian import slim

MIRROR_ENV = "WASMWHEEL_DEBIAN_MIRROR"

# Where the host's CA bundle goes inside the chroot. Not the system bundle
# path: update-ca-certificates (run by apt) would regenerate that one without
# the host's extra CAs (a TLS-intercepting proxy's, for instance).
CHROOT_CA = "/etc/ssl/wasmwheel-host-ca.crt"

# Suites that identify a Debian archive entry in apt's sources (security,
# updates and third-party repositories name other suites).
_DEBIAN_SUITES = frozenset(
    {
        "buster",
        "bullseye",
        "bookworm",
        "trixie",
        "forky",
        "duke",
        "sid",
        "oldoldstable",
        "oldstable",
        "stable",
        "testing",
        "unstable",
    }
)

_APT_CONF = """\
// wasmwheel: the mirror may serve a snapshot whose Release file has expired.
Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
"""

# The chroot is all-or-nothing (an interrupted install is discarded whole), so
# dpkg need not fsync every file it unpacks: that is most of apt's time here.
_DPKG_UNSAFE_IO = "force-unsafe-io\n"

# Mount /proc and /dev for the chroot inside the private namespace, bind the
# host's resolver config (DNS may change after the chroot was made), then
# enter the chroot with exactly the given environment.
_ENTER = r"""
set -e
root=$1; shift
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
for f in /etc/resolv.conf /etc/hosts; do
    if [ -e "$f" ] && [ -e "$root$f" ]; then mount --bind "$f" "$root$f"; fi
done
exec chroot "$root" "$@"
"""


# --- the Debian mirror ------------------------------------------------------


def _is_debian_entry(types: Iterable[str], suites: Iterable[str]) -> bool:
    return "deb" in types and any(s in _DEBIAN_SUITES for s in suites)


def mirror_from_one_line(text: str) -> str | None:
    """The archive URL of the first `deb URL suite ...` line naming a Debian suite."""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        line = re.sub(r"\[[^\]]*\]", " ", line)  # drop `[signed-by=... arch=...]`
        words = line.split()
        if len(words) >= 3 and _is_debian_entry([words[0]], [words[2]]):
            return words[1].rstrip("/")
    return None


def mirror_from_deb822(text: str) -> str | None:
    """The first URI of the first enabled deb822 stanza naming a Debian suite."""
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[0].isspace():
                continue
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if fields.get("enabled", "yes").lower() == "no":
            continue
        uris = fields.get("uris", "").split()
        if uris and _is_debian_entry(
            fields.get("types", "").split(), fields.get("suites", "").split()
        ):
            return uris[0].rstrip("/")
    return None


def debian_mirror(environ: Mapping[str, str] = os.environ, apt_dir: Path = Path("/etc/apt")) -> str:
    """$WASMWHEEL_DEBIAN_MIRROR, else the Debian archive the host's apt uses."""
    if environ.get(MIRROR_ENV):
        return environ[MIRROR_ENV].rstrip("/")
    candidates = [(apt_dir / "sources.list", mirror_from_one_line)]
    sources_d = apt_dir / "sources.list.d"
    if sources_d.is_dir():
        for path in sorted(sources_d.iterdir()):
            if path.suffix == ".sources":
                candidates.append((path, mirror_from_deb822))
            elif path.suffix == ".list":
                candidates.append((path, mirror_from_one_line))
    for path, parse in candidates:
        try:
            found = parse(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        if found:
            return found
    raise ConfigError(
        f"found no Debian archive in {apt_dir}/sources.list or {sources_d}",
        hint=f"set {MIRROR_ENV} to a Debian mirror URL (the one apt would use)",
    )


# --- environment and commands ---------------------------------------------


def host_ca_bundle(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The CA bundle the host trusts: $SSL_CERT_FILE, else Debian's system bundle."""
    for candidate in (environ.get("SSL_CERT_FILE"), "/etc/ssl/certs/ca-certificates.crt"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def _http_urls(value: str) -> str:
    return " ".join(u for u in value.split() if u.startswith(("http://", "https://")))


def chroot_env(
    environ: Mapping[str, str],
    *,
    path: Sequence[str],
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The complete environment of a command in the chroot.

    Only what is meaningful inside is carried over: proxies, and pip index
    URLs that are http(s) (file:// ones name host paths).
    """
    env = {
        "PATH": ":".join([*path, "/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"]),
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "DEBIAN_FRONTEND": "noninteractive",
        "SSL_CERT_FILE": CHROOT_CA,
        "PIP_CERT": CHROOT_CA,
        "REQUESTS_CA_BUNDLE": CHROOT_CA,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"):
        if environ.get(name):
            env[name] = environ[name]
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_DEFAULT_TIMEOUT"):
        value = environ.get(name, "")
        value = value if name == "PIP_DEFAULT_TIMEOUT" else _http_urls(value)
        if value:
            env[name] = value
    return env | dict(extra or {})


def chroot_command(
    root: Path, argv: Sequence[str], env: Mapping[str, str], cwd: str | None = None
) -> list[str]:
    """The host command line that runs `argv` in `root` with exactly `env`."""
    inner = ["/usr/bin/env", "-i"]
    if cwd:
        inner += ["-C", cwd]
    inner += [f"{k}={v}" for k, v in sorted(env.items())]
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "/bin/sh",
        "-c",
        _ENTER,
        "wasmwheel-chroot",
        str(root),
        *inner,
        *argv,
    ]


def run(
    root: Path,
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    cwd: str | None = None,
    stream: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run `argv` inside the chroot and capture its output; with `stream`, also
    relay it line by line to stderr (stdout stays parseable for the CLI)."""
    command = chroot_command(root, argv, env, cwd)
    if not stream:
        return subprocess.run(command, capture_output=True, text=True, check=False)
    return run_streamed(command)


def check(result: subprocess.CompletedProcess[str], what: str, hint: str) -> str:
    """Raise ToolchainError with the summary of the output unless `result` succeeded;
    return stdout."""
    if result.returncode != 0:
        output = (result.stdout or "") + (result.stderr or "")
        raise ToolchainError(failure_message(what, result.returncode, output), hint=hint)
    return result.stdout or ""


# --- creating the chroot ----------------------------------------------------


def ensure_debootstrap() -> str:
    """The debootstrap executable; installs it with apt-get if missing (we are root)."""
    found = shutil.which("debootstrap") or shutil.which("debootstrap", path="/usr/sbin:/sbin")
    if found:
        return found
    if not shutil.which("apt-get"):
        raise ToolchainError(
            "debootstrap is not installed and this host has no apt-get",
            hint="install debootstrap with your package manager, or use --route exact",
        )
    progress.step("installing debootstrap with apt-get (needed to create the Debian chroot)")
    say_lock_wait()
    no_expiry = ["-o", "Acquire::Check-Valid-Until=false"]
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    install = apt_get(*no_expiry, "install", "-y", "--no-install-recommends", "debootstrap")
    result = subprocess.run(install, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:  # stale package lists: refresh once and retry
        subprocess.run(
            apt_get(*no_expiry, "update"), capture_output=True, text=True, env=env, check=False
        )
        result = subprocess.run(install, capture_output=True, text=True, env=env, check=False)
    check(result, "apt-get install debootstrap", "install debootstrap by hand, then retry")
    found = shutil.which("debootstrap", path="/usr/sbin:/sbin:/usr/bin")
    if not found:
        raise ToolchainError("debootstrap is still missing after apt-get installed it")
    return found


def debootstrap(root: Path, suite: str, mirror: str) -> None:
    """A minimal Debian `suite` in `root`. debootstrap mounts /proc and /sys
    itself, so it too runs in a private mount namespace."""
    # debootstrap's second stage installs the base packages with the chroot's own
    # dpkg, which reads this directory: no fsync per file there either.
    (root / "etc/dpkg/dpkg.cfg.d").mkdir(parents=True, exist_ok=True)
    (root / "etc/dpkg/dpkg.cfg.d/99wasmwheel-unsafe-io").write_text(_DPKG_UNSAFE_IO)
    command = [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        ensure_debootstrap(),
        "--variant=minbase",
        suite,
        str(root),
        mirror,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    check(
        result,
        f"debootstrap {suite} from {mirror}",
        f"check that {mirror} serves {suite} (or set {MIRROR_ENV}) and that the disk has 2 GB free",
    )


def configure_apt(root: Path, llvm_major: int) -> None:
    """apt's options (no recommends, expired snapshots accepted) and dpkg's (no docs,
    no files a build never reads: slim.py)."""
    (root / "etc/apt/apt.conf.d").mkdir(parents=True, exist_ok=True)
    (root / "etc/apt/apt.conf.d/99wasmwheel").write_text(_APT_CONF)
    (root / "etc/dpkg/dpkg.cfg.d").mkdir(parents=True, exist_ok=True)
    (root / "etc/dpkg/dpkg.cfg.d/99wasmwheel-nodoc").write_text(slim.dpkg_config(llvm_major))


def configure(
    root: Path, *, suite: str, mirror: str, ca_bundle: Path | None, llvm_major: int
) -> None:
    """apt sources and options, the host CA bundle and resolver files, no docs."""
    (root / "etc/apt/sources.list").write_text(f"deb {mirror} {suite} main\n")
    configure_apt(root, llvm_major)
    (root / "etc/dpkg/dpkg.cfg.d/99wasmwheel-unsafe-io").write_text(_DPKG_UNSAFE_IO)
    for name in ("etc/resolv.conf", "etc/hosts"):  # bind-mount targets (see _ENTER)
        (root / name).touch()
    if ca_bundle is not None:
        (root / CHROOT_CA.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ca_bundle, root / CHROOT_CA.lstrip("/"))
