"""Real sdists from PyPI, as a user downloads them (integration tests only: needs PyPI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# A Cython-generated C extension whose sdist carries its tests.
MSGPACK = "msgpack==1.2.4"


def download_sdist(requirement: str, dest: Path) -> Path:
    """`pip download --no-binary :all:` of one requirement into `dest`; returns the .tar.gz."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
         "--dest", str(dest), requirement],
        check=True, capture_output=True, text=True,
    )
    (sdist,) = dest.glob("*.tar.gz")
    return sdist
