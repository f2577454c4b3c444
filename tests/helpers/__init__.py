"""Helpers shared by both test tiers, importable as `helpers.<module>` (pytest's
`pythonpath = ["tests"]` in pyproject.toml puts tests/ on sys.path).

- paths: REPO, EXAMPLE
- cli: `wasmwheel(...)`, the real CLI in a subprocess
- wheels: `make_wheel(...)`, `make_sdist(...)`, small valid archives written directly
- projects: `write_project(...)`, a project with a pytest suite for the runner; DEMO and
  `write_tree(...)`, a small src-layout project as files
- loopback: HTTP servers on 127.0.0.1 and ports where nothing listens
- pypi_index: a real pypiserver on loopback and micropip's wheel
"""
