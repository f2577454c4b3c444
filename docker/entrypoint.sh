#!/bin/bash
# The image's entry point: one verb, run as the owner of the mounted project.
#
#   (none) | test [ARGS]   build /src if needed and run its tests in Pyodide (Node)
#   build [ARGS]           build /src to a wheel in /src/dist
#   browser [ARGS]         build and test in headless Chromium and Firefox
#   publish [ARGS]         `wasmwheel publish ARGS` in /src (the gate, then the upload)
#   doctor                 what the image holds versus toolchain.toml
#   shell                  an interactive shell
#   wasmwheel ARGS | --help | anything else: passed to wasmwheel
#
# Started as root (a plain `docker run`), it drops to the uid/gid that own
# /src, so dist/ and test output belong to the caller; with nothing mounted it
# drops to the unprivileged `wasmwheel` user. A project owned by root stays
# root's (its owner). Started with `--user UID:GID`, it runs as that user.
set -euo pipefail
readonly SRC=/src

if [ "$(id -u)" = 0 ]; then
    if [ -e "$SRC" ]; then
        owner=$(stat -c %u "$SRC") group=$(stat -c %g "$SRC")
    else
        owner=$(id -u wasmwheel) group=$(id -g wasmwheel)
    fi
    if [ "$owner" != 0 ]; then
        exec setpriv --reuid="$owner" --regid="$group" --clear-groups -- "$0" "$@"
    fi
fi

# An arbitrary --user has no home of its own: give it a private, writable one
# (pip, npm and Emscripten write there).
if [ -z "${HOME:-}" ] || [ "$HOME" = / ] || ! [ -w "$HOME" ]; then
    HOME=$(mktemp -d /tmp/wasmwheel-home.XXXXXX)
    export HOME
fi

verb=${1:-test}
[ $# -gt 0 ] && shift
# A CA file mounted at /run/secrets/extra-ca is trusted too (see wasmwheel-with-ca).
run=(wasmwheel-with-ca wasmwheel)
case "$verb" in
    test)     exec "${run[@]}" test "$SRC" "$@" ;;
    build)    exec "${run[@]}" build "$SRC" "$@" ;;
    browser)  exec "${run[@]}" test "$SRC" --runtime chromium --runtime firefox "$@" ;;
    publish)  cd "$SRC" 2>/dev/null || true; exec "${run[@]}" publish "$@" ;;
    doctor)   exec "${run[@]}" doctor "$@" ;;
    shell)    exec wasmwheel-with-ca bash "$@" ;;
    wasmwheel) exec "${run[@]}" "$@" ;;
    *)        exec "${run[@]}" "$verb" "$@" ;;
esac
