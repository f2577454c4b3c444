"""fastmath: a few functions implemented in C."""

from fastmath._core import checksum, fib, greet, primes, reverse_bytes

__all__ = ["checksum", "fib", "greet", "primes", "reverse_bytes"]
