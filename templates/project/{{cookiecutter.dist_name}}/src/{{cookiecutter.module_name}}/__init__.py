"""{{ cookiecutter.description }}"""

from ._core import add, checksum, greet, safe_div, total

__all__ = ["add", "checksum", "greet", "safe_div", "total"]
__version__ = "0.1.0"
