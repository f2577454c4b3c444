#!/bin/sh
# wasmwheel-with-ca COMMAND...: run COMMAND trusting the extra CA certificates
# in /run/secrets/extra-ca (a corporate proxy's), if that file is there: the
# BuildKit secret `extra-ca` while the image is built, or at `docker run` a
# file mounted there (-v /path/ca.pem:/run/secrets/extra-ca:ro).
#
# The secret is mounted only for the step that asks for it; the combined
# bundle made here is deleted when COMMAND ends, in the same step, so neither
# ever reaches a layer. Without the secret, COMMAND runs unchanged.
set -eu
secret=/run/secrets/extra-ca
if [ ! -s "$secret" ]; then
    exec "$@"
fi
dir=$(mktemp -d /tmp/wasmwheel-ca.XXXXXX)
trap 'rm -rf "$dir" /etc/apt/apt.conf.d/00wasmwheel-extra-ca' EXIT
system=/etc/ssl/certs/ca-certificates.crt
if [ -s "$system" ]; then cat "$system" "$secret" > "$dir/bundle.pem"; else cp "$secret" "$dir/bundle.pem"; fi
# pip, requests, Python's ssl, npm/Node, git, and apt for https mirrors.
export SSL_CERT_FILE="$dir/bundle.pem" PIP_CERT="$dir/bundle.pem" \
    REQUESTS_CA_BUNDLE="$dir/bundle.pem" NODE_EXTRA_CA_CERTS="$secret" \
    GIT_SSL_CAINFO="$dir/bundle.pem"
if [ -w /etc/apt/apt.conf.d ]; then
    printf 'Acquire::https::CaInfo "%s";\n' "$dir/bundle.pem" > /etc/apt/apt.conf.d/00wasmwheel-extra-ca
fi
"$@"
