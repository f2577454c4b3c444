"""Build one corpus sdist with the real CLI, exactly as a user would: no settings."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from corpus.errorline import first_error
from corpus.manifest import Package


@dataclass(frozen=True)
class Built:
    package: Package
    seconds: float
    wheel: Path | None      # None: the build failed
    log: Path               # the whole stderr of `wasmwheel build`
    error: str = ""         # the first real error line, for a failure

    @property
    def ok(self) -> bool:
        return self.wheel is not None


def wasmwheel_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "wasmwheel", *args]


def build(package: Package, sdist: Path, workdir: Path, extra_args: tuple[str, ...] = (),
          timeout: float = 3600) -> Built:
    """`wasmwheel build SDIST --outdir WORKDIR/wheel`; WORKDIR is the package's own."""
    outdir = workdir / "wheel"
    shutil.rmtree(outdir, ignore_errors=True)  # never report an older run's wheel
    outdir.mkdir(parents=True)
    log = workdir / "build.log"
    started = time.perf_counter()
    try:
        with log.open("w", encoding="utf-8") as stderr:
            result = subprocess.run(
                wasmwheel_command("build", str(sdist), "--outdir", str(outdir), *extra_args),
                stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return Built(package, time.perf_counter() - started, None, log,
                     f"build did not finish in {timeout:.0f} s")
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        return Built(package, seconds, None, log,
                     first_error(log.read_text(encoding="utf-8", errors="replace")))
    wheel = Path(result.stdout.strip().splitlines()[-1])
    return Built(package, seconds, wheel, log)
