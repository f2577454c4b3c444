"""The compatibility corpus: real sdists from PyPI built with `wasmwheel build` and
smoke-tested inside Pyodide, with zero per-package settings.

    python -m corpus [--only NAME,NAME] [--subset ci] [--jobs N]   (or `make corpus ARGS=...`)

packages.toml lists the sdists (exact version and sha256) and each smoke check;
the run writes docs/compatibility.md.
"""
