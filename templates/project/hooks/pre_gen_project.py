"""Refuse names the generated project could not use, before any file is written.

Cookiecutter renders this file, runs it in the new project directory, and deletes that
directory when it exits non-zero; the message is one line on stderr.
"""

import keyword
import re
import sys

DIST_NAME = "{{ cookiecutter.dist_name }}"
MODULE_NAME = "{{ cookiecutter.module_name }}"

# PEP 508 names (what PyPI accepts), and Python identifiers in ASCII (what a C/C++ init
# function name can carry).
DIST_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
MODULE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def problem(dist_name: str, module_name: str) -> str | None:
    """Why these names cannot be used, or None."""
    if not DIST_RE.match(dist_name):
        return (f"invalid distribution name {dist_name!r}: use letters, digits, '-', '_' and '.', "
                "starting and ending with a letter or digit")
    if not MODULE_RE.match(module_name):
        return (f"invalid module name {module_name!r}: use ASCII letters, digits and '_', "
                "not starting with a digit")
    if keyword.iskeyword(module_name):
        return f"invalid module name {module_name!r}: it is a Python keyword"
    if module_name in sys.stdlib_module_names or module_name in sys.builtin_module_names:
        return f"invalid module name {module_name!r}: it would shadow the standard library's module"
    if module_name.startswith("_"):
        return f"invalid module name {module_name!r}: a leading '_' marks a private module"
    return None


def main() -> int:
    reason = problem(DIST_NAME, MODULE_NAME)
    if reason:
        print(f"error: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
