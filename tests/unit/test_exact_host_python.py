"""The exact route's host CPython comes from the `host-python` pin, not the runtime's version."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

from wasmwheel.config.pins import current_target
from wasmwheel.toolchain.routes.exact import host_python

# A stand-in for uv: `uv python install ... --install-dir DIR VERSION` makes
# DIR/cpython-VERSION-x/bin/pythonX.Y, an "interpreter" that reports VERSION.
FAKE_UV = """#!/bin/sh
for last; do :; done
dir=""
while [ $# -gt 0 ]; do [ "$1" = --install-dir ] && dir="$2"; shift; done
mm=$(echo "$last" | cut -d. -f1,2)
mkdir -p "$dir/cpython-$last-x/bin"
printf '#!/bin/sh\\necho %s\\n' "$last" > "$dir/cpython-$last-x/bin/python$mm"
chmod +x "$dir/cpython-$last-x/bin/python$mm"
"""


def test_installs_the_pinned_host_python_even_when_the_runtime_is_a_prerelease(
        tmp_path: Path) -> None:
    real = current_target()
    major, minor = real.python.split(".")[:2]
    target = dataclasses.replace(
        real, python=f"{major}.{minor}.0rc1",
        exact=dataclasses.replace(real.exact, host_python=f"{major}.{minor}.7"))
    uv = tmp_path / "uv"
    uv.write_text(FAKE_UV)
    uv.chmod(uv.stat().st_mode | stat.S_IEXEC)

    python = host_python.ensure_python(target, uv)

    assert host_python.interpreter_version(python) == f"{major}.{minor}.7"
    assert f"cpython-{major}.{minor}.7-" in str(host_python.python_entry(target))
