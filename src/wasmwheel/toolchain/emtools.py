"""The Emscripten tools a build calls by name, and the PATH that makes them all work.

pyodide-build's compiler wrappers call emcc, em++, emar, emranlib, emnm and
emstrip by name on PATH; CMake's Emscripten toolchain file and meson call
emnm, emar, emranlib, emsize and em-config. Emscripten's launchers find
their Python script relative to where they were found: most through
`readlink -f $0`, but emnm (like emdwp, emprofile, emsymbolizer) through
`$(dirname $0)/tools/`. Found through a symlink in another directory
(Debian's /usr/bin/emnm -> ../share/emscripten/emnm) that is
`/usr/bin/tools/emnm`, which does not exist, and the launcher runs `python3
.py` ("can't open file '.../.py'"). emsdk puts Emscripten's own directory on
PATH, where every launcher works; every route does the same (`launcher_dir`).
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

# Each tool with arguments that make it exit 0 without input when its launcher
# reaches its script. (emscan-deps is left out: Debian's rejects every option,
# and only C++20 module scanning calls it.)
PROBES: dict[str, tuple[str, ...]] = {
    "emcc": ("--version",),
    "em++": ("--version",),
    "emar": ("--version",),
    "emranlib": ("--version",),
    "emnm": ("--version",),
    "emstrip": ("--version",),
    "emsize": ("--help",),
    "em-config": ("EMSCRIPTEN_ROOT",),
    # emcmake runs `cmake` from PATH (setup.py files that call cmake themselves, via
    # pyodide-build's wrapper): this proves the route provides one.
    "emcmake": ("cmake", "--version"),
    "emconfigure": ("true",),
    "emmake": ("true",),
}
TOOLS = tuple(PROBES)


def launcher_dir(emcc: str | Path) -> Path:
    """The directory Emscripten's launchers really live in (symlinks followed)."""
    return Path(os.path.realpath(emcc)).parent


def with_launcher_dir(path: str) -> str:
    """`path` (a PATH value) with the directory of the emcc it finds first.

    Unchanged when it finds no emcc, or when that directory already comes first.
    """
    emcc = shutil.which("emcc", path=path)
    if emcc is None:
        return path
    first = str(launcher_dir(emcc))
    entries = [entry for entry in path.split(os.pathsep) if entry]
    if entries and entries[0] == first:
        return path
    return os.pathsep.join([first, *entries])


def probe_script() -> str:
    """A POSIX shell script that runs every probe and prints the name of each tool that fails."""
    lines = [
        f"{shlex.join([tool, *args])} >/dev/null 2>&1 || echo {shlex.quote(tool)}"
        for tool, args in PROBES.items()
    ]
    return "\n".join(lines) + "\n"


def broken_tools(probe_output: str) -> list[str]:
    """The tools `probe_script`'s output names as failing."""
    return [line.strip() for line in probe_output.splitlines() if line.strip() in PROBES]
