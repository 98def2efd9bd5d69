"""Run-time helpers for pattern matching (switch expressions and for-each headers)."""

import decimal

from ..errors import JactlRuntimeError
from .types import Byte, JArray, Long


def sw_t(_v):
    """Used as ``_sw_t(x := v)``: binds and succeeds."""
    return True


def sw_cset(cell, v):
    cell.v = v
    return True


def for_no_match(v):
    """``for (PATTERN : xs)`` met an element the pattern does not match."""
    raise JactlRuntimeError("Element in for loop did not match expected pattern")


def sw_islist(v):
    return isinstance(v, list)


def sw_eq(a, b):
    """Switch literal comparison: numbers only match numbers of the same type (and Decimals
    of the same scale); lists and maps compare element-wise the same way."""
    ta, tb = type(a), type(b)
    if ta is tb and (ta is int or ta is str):
        return a == b
    if a is None or b is None:
        return a is None and b is None
    if ta is bool or tb is bool:
        return ta is tb and a == b
    if isinstance(a, (int, float, decimal.Decimal)) and isinstance(b, (int, float, decimal.Decimal)):
        if _numkind(a) != _numkind(b):
            return False
        if ta is decimal.Decimal:
            return a == b and a.as_tuple().exponent == b.as_tuple().exponent
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(sw_eq(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        if len(a) != len(b):
            return False
        for k, x in a.items():
            if k not in b or not sw_eq(x, b[k]):
                return False
        return True
    if isinstance(a, (list, dict, int, float, decimal.Decimal, str)) or \
            isinstance(b, (list, dict, int, float, decimal.Decimal, str)):
        return ta is tb and a == b if ta is str or tb is str else a == b
    from .ops import eq
    return eq(a, b)


def _numkind(x):
    t = type(x)
    if t is Long:
        return "long"
    if t is Byte:
        return "byte"
    if t is float:
        return "double"
    if t is decimal.Decimal:
        return "Decimal"
    return "int"


__all__ = ["sw_t", "sw_cset", "sw_islist", "sw_eq", "JArray"]
