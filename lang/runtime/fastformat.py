"""sprintf's fast path: a format made only of ``%s`` (with a width and the ``-`` flag),
``%d`` (with a width and the ``0`` or ``-`` flag) and ``%%`` is turned once into a Python
%-format, and applied directly when each argument is of a type whose Python formatting is Java's: an int or long for ``%d``,
a String or int for ``%s``. Anything else (other conversions, flags or types, a missing
argument) returns None and strings.sprintf does the full Java String.format."""

import re

from .limits import charge_chars, check_chars
from .types import Long

_SPEC = re.compile(r"%(?:(-?0?[1-9]\d?)?d|(-?[1-9]\d?)?(s)|(%))")
_CACHE = {}
_INT_TYPES = (int, Long)


def _compile(fmt):
    kinds = []
    out = []
    pos = 0
    for m in _SPEC.finditer(fmt):
        lit = fmt[pos:m.start()]
        if "%" in lit:
            return False      # a specifier this fast path does not know
        out.append(lit)
        if m.group(4):
            out.append("%%")
        elif m.group(3):
            # a width pads by code points, as strings._pad does
            out.append(f"%{m.group(2) or ''}s")
            kinds.append("s")
        else:
            w = m.group(1) or ""
            if w.startswith("-0"):
                return False  # Java rejects '-' with '0'
            out.append(f"%{w}d")
            kinds.append("d")
        pos = m.end()
    if "%" in fmt[pos:]:
        return False
    out.append(fmt[pos:])
    return "".join(out), tuple(kinds)


def compile_format(fmt):
    """(Python %-format, kinds) for a format this fast path handles, else False (used by
    the code generator for literal formats: codegen/strdec.py)."""
    return _compile(fmt)


# argument types a compiled format takes as they are (strdec.sprintf_call tests them)
FMT_D = frozenset((int, Long))
FMT_S = frozenset((str, int))


def sprintf(fmt, args):
    c = _CACHE.get(fmt)
    if c is None:
        if len(_CACHE) > 512:
            _CACHE.clear()
        c = _CACHE[fmt] = _compile(fmt)
    if c is False:
        return None
    pyfmt, kinds = c
    if len(args) < len(kinds):
        return None
    for k, a in zip(kinds, args):
        t = type(a)
        if k == "d":
            if t is not int and t is not Long:
                return None
        elif t is not str and t is not int:
            return None
    s = pyfmt % tuple(args[:len(kinds)])
    if len(s) > 4096:
        check_chars(len(s), "sprintf result")
        charge_chars(len(s))
    return s
