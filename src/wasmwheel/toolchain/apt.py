"""apt-get on the host: wait for the package lock instead of failing at once.

Without it, apt-get exits at once with "Could not get lock
/var/lib/dpkg/lock-frontend" while unattended-upgrades or another install
runs. DPkg::Lock::Timeout covers install; `apt-get update` ignores it (apt
2.6 fails at once on /var/lib/apt/lists/lock), so a held lists lock still
shows up in the error.
"""

from __future__ import annotations

from wasmwheel import progress

LOCK_TIMEOUT = 300  # seconds


def apt_get(*args: str) -> list[str]:
    """The apt-get command line for `args`, waiting up to LOCK_TIMEOUT for the dpkg lock."""
    return ["apt-get", "-o", f"DPkg::Lock::Timeout={LOCK_TIMEOUT}", *args]


def say_lock_wait() -> None:
    progress.info(
        f"if another apt-get or dpkg holds the package lock, this waits up to "
        f"{LOCK_TIMEOUT // 60} minutes for it"
    )
