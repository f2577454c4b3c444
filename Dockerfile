# wasmwheel's image: the whole pinned toolchain, so `docker run` needs nothing
# on the host but Docker. Build it with `make image [ROUTE=debian|exact]`: the
# Makefile reads every pin from toolchain.toml and passes it here as a build
# argument; this file spells none (tests/unit/test_pins_single_source.py).
#
#   docker run --rm -v "$PWD:/src" IMAGE                  build + test in Pyodide (Node)
#   docker run --rm -v "$PWD:/src" IMAGE browser          ... in Chromium and Firefox
#   docker run --rm -v "$PWD:/src" IMAGE publish dist/*   the publish gate, then upload
#   docker run --rm IMAGE doctor | shell
#
# The toolchain is provisioned by wasmwheel's own code (`wasmwheel toolchain
# install`), the same path as on a host:
#   ROUTE=debian  Debian's Emscripten from the pinned sid packages, installed
#                 in this image's system (no chroot); needs only Debian's
#                 mirror, PyPI and npm. Wheels are marked approximate.
#   ROUTE=exact   emsdk at the pinned revision with Pyodide's patches, the
#                 official xbuildenv checked by sha256, CPython via uv.
# Extra CA certificates (a TLS-intercepting proxy) are a BuildKit secret,
# mounted only while a step runs, never stored in a layer:
#   make image EXTRA_CA=/path/to/ca.pem
#
# BASE must be Debian <suite> of the pins (sid): the debian route installs
# sid's packages into it. Default: the registry's tag (README says why not a
# digest); `make image` falls back to a debootstrapped local base.

ARG BASE=debian:sid
ARG ROUTE=debian
ARG BROWSERS=1

# ---------------------------------------------------------------------------
# system: Debian with the Python that runs wasmwheel, nothing else
FROM ${BASE} AS system
ARG DEBIAN_MIRROR=http://deb.debian.org/debian
ARG DEBIAN_SUITE=sid
ENV LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY docker/with-ca.sh /usr/local/bin/wasmwheel-with-ca
# One source: the mirror the Makefile passes (the host's own, as the debian
# route uses). No recommends, no docs; the lists go away in the same step.
RUN --mount=type=secret,id=extra-ca \
    printf 'deb %s %s main\n' "$DEBIAN_MIRROR" "$DEBIAN_SUITE" > /etc/apt/sources.list \
 && rm -f /etc/apt/sources.list.d/debian.sources \
 && printf 'APT::Install-Recommends "false";\nAcquire::Check-Valid-Until "false";\n' \
      > /etc/apt/apt.conf.d/99wasmwheel \
 && printf '%s\n' 'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright' \
      'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/info/*' \
      'path-exclude=/usr/share/locale/*' > /etc/dpkg/dpkg.cfg.d/99wasmwheel-nodoc \
 && wasmwheel-with-ca apt-get update \
 && wasmwheel-with-ca apt-get install -y --no-install-recommends \
      ca-certificates python3 python3-venv git \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log \
 && useradd --system --uid 10001 --create-home --shell /bin/bash wasmwheel

# ---------------------------------------------------------------------------
# wheel: wasmwheel built from this checkout (the source stays in this stage)
FROM system AS wheel
COPY pyproject.toml README.md LICENSE toolchain.toml /tmp/wasmwheel/
COPY src /tmp/wasmwheel/src
# `wasmwheel new`'s project template ships inside the wheel (hatch force-include).
COPY templates /tmp/wasmwheel/templates
RUN --mount=type=secret,id=extra-ca \
    python3 -m venv /tmp/build-venv \
 && wasmwheel-with-ca /tmp/build-venv/bin/pip wheel --quiet --no-deps --wheel-dir /wheels /tmp/wasmwheel

# ---------------------------------------------------------------------------
# cli: wasmwheel and nox in /opt/wasmwheel/cli, the cache in /opt/wasmwheel/cache
FROM system AS cli
ENV WASMWHEEL_CACHE_DIR=/opt/wasmwheel/cache \
    PATH=/opt/wasmwheel/cli/bin:$PATH
RUN --mount=type=secret,id=extra-ca --mount=type=bind,from=wheel,source=/wheels,target=/wheels \
    python3 -m venv /opt/wasmwheel/cli \
 && wasmwheel-with-ca pip install --quiet /wheels/*.whl nox \
 && wasmwheel --version

# ---------------------------------------------------------------------------
# the two routes: each provisions its toolchain with wasmwheel's own code
FROM cli AS route-debian
ENV WASMWHEEL_DEBIAN_IN_PLACE=1
RUN --mount=type=secret,id=extra-ca \
    wasmwheel-with-ca wasmwheel toolchain install --route debian \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log /root/.cache /tmp/*

# Not built where this project is developed (emsdk's storage is out of reach);
# reviewed against the pins: git clones emsdk at [emsdk] revision (refused if
# not a 40-hex commit), `emsdk install` fetches the target's Emscripten (its
# archives are deleted after unpacking), Pyodide's patches come from the
# xbuildenv checked against [xbuildenv] sha256, uv [exact] from PyPI installs
# CPython <python>, and a venv gets pyodide-build <pyodide-build>. emcc may add
# libraries to its cache while linking, so that cache is writable by any uid.
FROM cli AS route-exact
RUN --mount=type=secret,id=extra-ca \
    wasmwheel-with-ca wasmwheel toolchain install --route exact \
 && find "$WASMWHEEL_CACHE_DIR/toolchains" -path '*/upstream/emscripten/cache' -type d \
      -prune -exec chmod -R a+rwX {} + \
 && rm -rf /root/.cache /tmp/*

# ---------------------------------------------------------------------------
# self-check: the bundled example, built and tested in Pyodide under Node with
# the image's toolchain; this also provisions Node and the Pyodide runtime.
# BROWSERS=1 adds Debian's Chromium and Firefox and puppeteer-core (as
# `wasmwheel test --runtime` provisions them) and tests the example there too.
# (route-${ROUTE} names one of the stages above, not a registry image.)
# hadolint ignore=DL3006
FROM route-${ROUTE} AS checked
ARG BROWSERS
RUN --mount=type=secret,id=extra-ca --mount=type=bind,source=examples/fastmath,target=/mnt/example \
    cp -r /mnt/example /tmp/example \
 && set -- --runtime node \
 && if [ "$BROWSERS" = 1 ]; then set -- "$@" --runtime chromium --runtime firefox; fi \
 && wasmwheel-with-ca wasmwheel test /tmp/example "$@" \
 && apt-get clean \
 && rm -rf /tmp/* /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
      /root/.cache /root/.npm "$WASMWHEEL_CACHE_DIR/tested" \
 && chmod 1777 "$WASMWHEEL_CACHE_DIR" \
 && find "$WASMWHEEL_CACHE_DIR" -mindepth 1 -maxdepth 1 -type d -exec chmod 1777 {} +

# ---------------------------------------------------------------------------
# final: labels, the entry point; the work runs as the mounted project's owner
FROM checked
ARG ROUTE
ARG BROWSERS
ARG WASMWHEEL_VERSION=unknown
ARG PYODIDE_VERSION=unknown
ARG PINS_HASH=unknown
ARG TARGET=unknown
ARG REVISION=unknown
ARG SOURCE=
LABEL org.opencontainers.image.title="wasmwheel" \
      org.opencontainers.image.description="Build Python C/C++ extensions into Pyodide wheels and test them inside Pyodide" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${WASMWHEEL_VERSION}" \
      io.wasmwheel.target="${TARGET}" \
      io.wasmwheel.pyodide="${PYODIDE_VERSION}" \
      io.wasmwheel.pins-hash="${PINS_HASH}" \
      io.wasmwheel.route="${ROUTE}" \
      io.wasmwheel.browsers="${BROWSERS}"
COPY docker/entrypoint.sh /usr/local/bin/wasmwheel-entrypoint
WORKDIR /home/wasmwheel
# Starts as root only to read the mount's owner and drop to it with setpriv
# (or to the unprivileged `wasmwheel` user when nothing is mounted);
# `docker run --user UID:GID` starts unprivileged and stays so.
ENTRYPOINT ["/usr/local/bin/wasmwheel-entrypoint"]
CMD ["test"]
