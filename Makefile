# The short verbs. Each one bootstraps nox into .venv, then runs a nox session.
# Extra arguments go through ARGS, e.g. `make wasm ARGS=path/to/project`.
# TARGET picks the toolchain.toml target(s): `make wasm TARGET=pyodide-315`, `TARGET=all`
# (the default of `make wasm`; `make browser` defaults to the default-target).

PYTHON ?= python3
VENV   := .venv
NOX    := $(VENV)/bin/nox
# Keep in step with nox.needs_version in noxfile.py.
NOX_MIN := 2025.2.9
# `make wasm TARGET=pyodide-315`: passed as wasmwheel's own WASMWHEEL_TARGET.
TARGET_ENV := $(if $(TARGET),WASMWHEEL_TARGET=$(TARGET))

.PHONY: help wasm browser test doctor bench corpus image docker-wasm clean

help:  ## list the verbs
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(NOX):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet "nox>=$(NOX_MIN)"

wasm: $(NOX)  ## build the example (or ARGS=PATH) for every target (or TARGET=NAME) and test each wheel in Node
	$(TARGET_ENV) $(NOX) -s wasm -- $(ARGS)

browser: $(NOX)  ## build the example (or ARGS=PATH) and run its tests in headless Chromium and Firefox (TARGET=NAME|all)
	$(TARGET_ENV) $(NOX) -s browser -- $(ARGS)

test: $(NOX)  ## run wasmwheel's own test suite: lint, tests/unit (fast), tests/integration (slow)
	$(NOX) -s tests -- $(ARGS)

doctor: $(NOX)  ## show what is installed versus what toolchain.toml pins
	$(NOX) -s doctor

bench: $(NOX)  ## run the benchmarks and print their table
	$(NOX) -s bench -- $(ARGS)

corpus: $(NOX)  ## build the corpus of real sdists, write docs/compatibility.md (ARGS="--only cytoolz,yarl", "--subset ci")
	$(NOX) -s corpus -- $(ARGS)

# The Docker image: ROUTE=debian|exact, BROWSERS=0 leaves the browsers out,
# BASE=IMAGE overrides the base, EXTRA_CA=FILE adds CA certificates (a BuildKit
# secret). Uses the daemon `docker` reaches (DOCKER_HOST). The last line is the tag.
ROUTE    ?= debian
BROWSERS ?= 1
IMAGE_TAG_FILE := build/image-tag
IMAGE_FLAGS = --route $(ROUTE) --tag-file $(IMAGE_TAG_FILE) \
	$(if $(filter 0,$(BROWSERS)),--no-browsers) $(if $(BASE),--base $(BASE)) \
	$(if $(EXTRA_CA),--extra-ca $(EXTRA_CA))
# Extra `docker run` flags, e.g. DOCKER_RUN_FLAGS=--network=host where the daemon has no bridge.
DOCKER_RUN_FLAGS ?=

image: $(NOX)  ## build the Docker image (ROUTE=debian|exact, BROWSERS=0); prints its tag last
	@mkdir -p $(dir $(IMAGE_TAG_FILE))
	$(NOX) -s image -- $(IMAGE_FLAGS)
	@cat $(IMAGE_TAG_FILE)

docker-wasm:  ## build and test the example (or ARGS=PATH) in the image `make image` built
	@test -s $(IMAGE_TAG_FILE) || { echo "no image yet: run \`make image\` first" >&2; exit 1; }
	docker run --rm $(DOCKER_RUN_FLAGS) -v "$(abspath $(or $(ARGS),examples/fastmath)):/src" \
		"$$(cat $(IMAGE_TAG_FILE))"

clean:  ## remove local build output (not the toolchain cache)
	rm -rf $(VENV) .nox dist examples/*/dist examples/*/build
