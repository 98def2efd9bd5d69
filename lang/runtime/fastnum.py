"""Slow-path helpers for the inline arithmetic on statically typed ``long`` values.

Typed ``long`` expressions are compiled to plain Python int arithmetic (codegen/typed.py);
the common case (no overflow, non-negative operands) stays inline and these functions
handle the rest with Java's semantics. They take and return plain ints: the caller boxes
the result as ``Long`` where the value escapes.
"""

from ..errors import JactlRuntimeError
from .values import wrap64

_MIN64, _MAX64 = -0x8000000000000000, 0x7fffffffffffffff


def w64(i):
    """Wrap an out-of-range result to 64 bits (Java long overflow)."""
    return ((i + 0x8000000000000000) & 0xffffffffffffffff) - 0x8000000000000000


def _irem(a, b):
    r = abs(a) % abs(b)
    return r if a >= 0 else -r


def ldiv(a, b):
    """Java long division: truncation toward zero; MIN / -1 wraps to MIN."""
    if b == 0:
        raise JactlRuntimeError("Divide by zero")
    q = abs(a) // abs(b)
    return wrap64(q if (a >= 0) == (b >= 0) else -q)


def lmod(a, b):
    """Jactl's long ``%``: ((a %% b) + b) %% b, the sum wrapped to 64 bits."""
    if b == 0:
        raise JactlRuntimeError("Divide by zero")
    return _irem(wrap64(_irem(a, b) + b), b)
