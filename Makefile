# The short verbs. Each one bootstraps nox into .venv, then runs a nox session.
# Extra arguments go through ARGS, e.g. `make wasm ARGS=path/to/project`.

PYTHON ?= python3
VENV   := .venv
NOX    := $(VENV)/bin/nox
# Keep in step with nox.needs_version in noxfile.py.
NOX_MIN := 2025.2.9

.PHONY: help wasm browser test doctor bench clean

help:  ## list the verbs
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(NOX):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet "nox>=$(NOX_MIN)"

wasm: $(NOX)  ## build the example (or ARGS=PATH) to a Pyodide wheel and run its tests in Node
	$(NOX) -s wasm -- $(ARGS)

browser: $(NOX)  ## build the example (or ARGS=PATH) and run its tests in headless Chromium and Firefox
	$(NOX) -s browser -- $(ARGS)

test: $(NOX)  ## run wasmwheel's own test suite: lint, tests/unit (fast), tests/integration (slow)
	$(NOX) -s tests -- $(ARGS)

doctor: $(NOX)  ## show what is installed versus what toolchain.toml pins
	$(NOX) -s doctor

bench: $(NOX)  ## run the benchmarks and print their table
	$(NOX) -s bench -- $(ARGS)

clean:  ## remove local build output (not the toolchain cache)
	rm -rf $(VENV) .nox dist examples/*/dist examples/*/build
