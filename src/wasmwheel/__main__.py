"""Entry point: `python -m wasmwheel` and the `wasmwheel` console script."""

from __future__ import annotations

import sys

from wasmwheel.cli import main


def entrypoint() -> None:
    sys.exit(main(sys.argv[1:]))


if __name__ == "__main__":
    entrypoint()
