"""The wasm32 pyconfig.h generator: names from the native header, values from Pyodide's sysconfigdata."""

from __future__ import annotations

import pytest

from wasmwheel.config.pins import PyconfigPin, current_target
from wasmwheel.toolchain.routes.debian.pyconfig import (
    check_wasm32,
    load_build_time_vars,
    render_pyconfig,
)

# Shaped like Pyodide's module: f-string paths and a trailing `if` block.
SYSCONFIGDATA = """\
# system configuration generated and used by the sysconfig module
import os
PYODIDE_ROOT = os.environ.get("PYODIDE_ROOT", "/build/repo")
build_time_vars = {'SIZEOF_LONG': 4, 'SIZEOF_VOID_P': 4, 'SIZEOF_SIZE_T': 4,
 'HAVE_FORK': 1, 'HAVE_EPOLL': 0, 'HAVE_LARGEFILE_SUPPORT': 1, 'WITH_PYMALLOC': 0,
 'PYLONG_BITS_IN_DIGIT': 30, 'PY_BUILTIN_HASHLIB_HASHES': '"md5,sha1"', 'RETSIGTYPE': 'void',
 'prefix': f'{PYODIDE_ROOT}/cpython/installs/python-3.14.2', 'CC': 'cc'}
import os
if os.environ.get("PYODIDE", None) == "1":
    build_time_vars["installed_base"] = build_time_vars["prefix"]
"""

NATIVE = """\
#ifndef Py_PYCONFIG_H
#define Py_PYCONFIG_H

/* The size of `long', as computed by sizeof. */
#define SIZEOF_LONG 8
#define HAVE_FORK 1
#define HAVE_EPOLL 1
/* #undef HAVE_LARGEFILE_SUPPORT */
#define WITH_PYMALLOC 1
/* #undef PYLONG_BITS_IN_DIGIT */
#define PY_BUILTIN_HASHLIB_HASHES "md5,sha1,sha2"
#define RETSIGTYPE void
#define HAVE_DL_ITERATE_PHDR 1
#define _Py_STACK_GROWS_DOWN 1
#define _Py_HACL_CAN_COMPILE_VEC128 1
#define _XOPEN_SOURCE 700
#define _FILE_OFFSET_BITS 64
/* #undef pid_t */
#ifndef _ALL_SOURCE
# define _ALL_SOURCE 1
#endif

#endif /*Py_PYCONFIG_H*/
"""


UNCAPTURED = PyconfigPin(
    define={"_Py_STACK_GROWS_DOWN": "1"}, undefine=["_Py_HACL_CAN_COMPILE_VEC128"]
)


@pytest.fixture
def rendered() -> list[str]:
    return render_pyconfig(NATIVE, load_build_time_vars(SYSCONFIGDATA), UNCAPTURED).splitlines()


def test_loads_vars_without_executing_and_keeps_fstring_paths() -> None:
    data = load_build_time_vars(SYSCONFIGDATA)
    assert data["SIZEOF_LONG"] == 4
    assert data["prefix"] == "{PYODIDE_ROOT}/cpython/installs/python-3.14.2"
    assert "installed_base" not in data  # the trailing `if` block is not run


def test_refuses_a_module_without_build_time_vars() -> None:
    with pytest.raises(ValueError, match="build_time_vars"):
        load_build_time_vars("x = 1\n")


def test_refuses_expressions_other_than_names_in_fstrings() -> None:
    with pytest.raises(ValueError, match="unexpected expression"):
        load_build_time_vars("build_time_vars = {'A': f'{1 + 1}'}\n")


def test_sizes_come_from_wasm32(rendered: list[str]) -> None:
    assert "#define SIZEOF_LONG 4" in rendered
    assert "#define SIZEOF_LONG 8" not in rendered


def test_definedness_follows_the_target(rendered: list[str]) -> None:
    assert "#define HAVE_FORK 1" in rendered
    assert "/* #undef HAVE_EPOLL */" in rendered  # Linux yes, Emscripten no
    assert "#define HAVE_LARGEFILE_SUPPORT 1" in rendered  # the other way round
    assert "/* #undef WITH_PYMALLOC */" in rendered
    assert "#define PYLONG_BITS_IN_DIGIT 30" in rendered


def test_string_and_token_values_are_kept_verbatim(rendered: list[str]) -> None:
    assert '#define PY_BUILTIN_HASHLIB_HASHES "md5,sha1"' in rendered
    assert "#define RETSIGTYPE void" in rendered


def test_names_the_target_never_had_are_undefined(rendered: list[str]) -> None:
    assert "/* #undef HAVE_DL_ITERATE_PHDR */" in rendered


def test_uncaptured_names_are_a_deliberate_choice(rendered: list[str]) -> None:
    assert "#define _Py_STACK_GROWS_DOWN 1" in rendered
    assert "/* #undef _Py_HACL_CAN_COMPILE_VEC128 */" in rendered  # pinned: x86 SIMD
    assert "#define _XOPEN_SOURCE 700" in rendered  # feature-test macro kept
    assert "#define _FILE_OFFSET_BITS 64" in rendered
    assert "/* #undef pid_t */" in rendered
    assert "# define _ALL_SOURCE 1" in rendered


def test_structure_and_include_guard_survive(rendered: list[str]) -> None:
    assert "#ifndef Py_PYCONFIG_H" in rendered
    assert "#define Py_PYCONFIG_H" in rendered
    assert rendered[-1] == "#endif /*Py_PYCONFIG_H*/"
    assert "/* The size of `long', as computed by sizeof. */" in rendered


def test_check_wasm32_rejects_a_64_bit_sysconfig() -> None:
    check_wasm32({"SIZEOF_LONG": 4, "SIZEOF_VOID_P": 4, "SIZEOF_SIZE_T": 4})
    with pytest.raises(ValueError, match="not wasm32"):
        check_wasm32({"SIZEOF_LONG": 8, "SIZEOF_VOID_P": 8, "SIZEOF_SIZE_T": 8})


def test_uncaptured_choices_come_from_the_pins() -> None:
    other = PyconfigPin(define={"_Py_HACL_CAN_COMPILE_VEC128": "1"}, undefine=["_XOPEN_SOURCE"])
    lines = render_pyconfig(NATIVE, load_build_time_vars(SYSCONFIGDATA), other).splitlines()
    assert "#define _Py_HACL_CAN_COMPILE_VEC128 1" in lines
    assert "/* #undef _XOPEN_SOURCE */" in lines
    assert "#define _Py_STACK_GROWS_DOWN 1" in lines  # not pinned here: the native line stays


def test_shipped_pins_keep_the_choices_made_for_cpython_314() -> None:
    # The values the debian route's pyconfig.h was made with while they were
    # hard-coded (UNCAPTURED_VALUES in pyconfig.py); moving them into
    # toolchain.toml must not change the header.
    pins = current_target("pyodide-314").debian.pyconfig
    assert pins.define == {"_Py_STACK_GROWS_DOWN": "1"}
    assert sorted(pins.undefine) == sorted([
        "_Py_HACL_CAN_COMPILE_VEC128",
        "_Py_HACL_CAN_COMPILE_VEC256",
        "_Py_FFI_SUPPORT_C_COMPLEX",
        "_PYTHREAD_NAME_MAXLEN",
        "_Py_LINKER_THREAD_STACK_SIZE",
    ])
