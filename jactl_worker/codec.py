"""JSON at the edges: message bodies, globals, results.

Jactl values cross into JSON as you would expect - maps become objects, lists arrays, strings
strings, booleans, null - with one choice made here: a Jactl ``Decimal`` is written as a JSON
*number* with its exact digits (``12.50`` stays ``12.50``), never rounded through a double.
JSON read for a script gives the values Jactl's own ``fromJson()`` gives: numbers with a
fraction or exponent are ``Decimal``, whole numbers are ``int`` when they fit 32 bits, ``long``
when they fit 64 and ``Decimal`` beyond. NaN and infinite doubles, which JSON cannot hold, are
written as the strings "NaN", "Infinity" and "-Infinity"; the bare words are not accepted back.

Limits. Python's json parser recurses once per nesting level, so 3,000 ``[`` in a 4 KB body
raise RecursionError (which takes the process down with it in the wrong place). Every parse
here first measures the nesting depth without recursing and refuses anything deeper than
``max_depth`` (at most ``JSON_DEPTH_CEILING``, safely below Python's recursion limit). And a
20-byte number like ``1e1000000`` is a Decimal whose arithmetic or conversion to ``long``
runs for seconds to minutes in one uninterruptible C call, so JSON from outside the fleet is
read with ``max_number_digits``: a number whose plain decimal form (``1e3`` -> ``1000``) is
longer than that is refused. Both are rejections, not clamps: a reply whose value were changed
silently would be worse than one recorded as malformed. Values the fleet wrote itself (results,
stored globals) are read with the depth ceiling only.
"""

from __future__ import annotations

import json
import math
import re
from array import array
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate

from lang.runtime.types import Long

from .config import JSON_DEPTH_CEILING
from .errors import InvalidMessage

_string = json.encoder.encode_basestring_ascii


def dumps(value, strict: bool = True) -> str:
    """Encode a Jactl (or plain Python) value as compact JSON text. With strict=False a value
    JSON has no form for (a closure, say) is written as its string form instead of failing."""
    out: list[str] = []
    _encode(value, out, strict)
    return "".join(out)


def _encode(value, out: list[str], strict: bool) -> None:
    # Iterative enough for real data; deep nesting is bounded by the script's own limits.
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        if math.isnan(value):
            out.append('"NaN"')
        elif math.isinf(value):
            out.append('"Infinity"' if value > 0 else '"-Infinity"')
        else:
            out.append(float.__repr__(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            out.append(_string(str(value)))
        else:
            out.append(str(value))
    elif isinstance(value, dict):
        out.append("{")
        first = True
        for k, v in value.items():
            if not first:
                out.append(",")
            first = False
            out.append(_string(k if isinstance(k, str) else str(k)))
            out.append(":")
            _encode(v, out, strict)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, v in enumerate(value):
            if i:
                out.append(",")
            _encode(v, out, strict)
        out.append("]")
    elif not strict:
        out.append(_string(str(value)))
    else:
        raise InvalidMessage(f"cannot encode a {type(value).__name__} as JSON")


_ESCAPE = re.compile(r"\\.", re.S)
_NOT_STRUCTURE = bytes(set(range(256)) - set(b'"[]{}'))
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # read as signed bytes: +1 open, -1 close


def too_deep(text: str, max_depth: int) -> bool:
    """True if ``text``'s arrays and objects nest deeper than ``max_depth``, found without
    recursing (the point is to know before json.loads recurses) and in C but for one sum.
    Brackets inside strings do not count. Measured on 1 MiB bodies (bench/bench_json_depth.py):
    ~1 ms when the whole text holds at most ``max_depth`` brackets, the common case, settled
    by counting; 8-15 ms for small objects (json.loads: 55 ms); 17-22 ms for strings full of
    brackets and escapes (json.loads: 10-14 ms); 25-65 ms for nothing but brackets
    (json.loads: 230-660 ms)."""
    if text.count("[") + text.count("{") <= max_depth:
        return False
    if "\\" in text:  # drop escapes first, so an escaped quote does not end a string
        text = _ESCAPE.sub("", text)
    structure = text.encode("utf-8", "surrogatepass").translate(None, _NOT_STRUCTURE)
    if b'"' in structure:  # what lies between the 1st and 2nd quote, 3rd and 4th, ... is in strings
        structure = b"".join(structure.split(b'"')[::2])
    steps = structure.translate(_STEPS)
    if b"\x01" * (max_depth + 1) in steps:  # the usual attack, found without the sum below
        return True
    return bool(steps) and max(accumulate(array("b", steps))) > max_depth


def loads(text: str | bytes, *, max_depth: int = JSON_DEPTH_CEILING, max_number_digits: int | None = None):
    """Decode JSON text into the values Jactl's fromJson() gives. Raises InvalidMessage (a
    ValueError) for text that is not UTF-8 or not JSON, that nests deeper than ``max_depth``
    (capped at JSON_DEPTH_CEILING), or that holds a number whose plain form has more than
    ``max_number_digits`` digits (None: no such bound)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InvalidMessage(f"not UTF-8: {e.reason} at byte {e.start}") from None
    max_depth = min(max_depth, JSON_DEPTH_CEILING)
    if too_deep(text, max_depth):
        raise InvalidMessage(f"JSON nests deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_float=_decimal_hook(max_number_digits),
                          parse_int=_whole_hook(max_number_digits), parse_constant=_no_constant)
    except InvalidMessage:
        raise
    except RecursionError:  # not below the ceiling; but never let it escape if it happens
        raise InvalidMessage("JSON nests too deeply to parse") from None
    except ValueError as e:
        raise InvalidMessage(f"not JSON: {e}") from None


def _no_constant(word: str):
    raise InvalidMessage(f"{word} is not a JSON number")


def _too_long(text: str, limit: int | None) -> InvalidMessage:
    shown = text if len(text) <= 24 else text[:24] + "..."
    if limit is None:
        return InvalidMessage(f"number {shown} is beyond what a Decimal can hold")
    return InvalidMessage(f"number {shown} is too large: written out it has more than {limit} digits")


@lru_cache(maxsize=None)
def _decimal_hook(limit: int | None):
    def number(text: str) -> Decimal:
        try:
            d = Decimal(text)
        except ArithmeticError:  # an exponent beyond what Decimal can represent at all
            raise _too_long(text, None) from None
        if limit is not None and _plain_digits(d) > limit:
            raise _too_long(text, limit)
        return d
    return number


@lru_cache(maxsize=None)
def _whole_hook(limit: int | None):
    def number(text: str):
        if limit is not None and len(text) - text.startswith("-") > limit:
            raise _too_long(text, limit)
        if len(text) > 20:  # beyond any long (this also avoids int()'s 4300-digit limit)
            return Decimal(text)
        v = int(text)
        if -0x8000_0000 <= v <= 0x7FFF_FFFF:
            return v
        if -0x8000_0000_0000_0000 <= v <= 0x7FFF_FFFF_FFFF_FFFF:
            return Long(v)
        return Decimal(text)
    return number


def _plain_digits(d: Decimal) -> int:
    """Digits of ``d`` written without an exponent: 1e3 -> 4 (1000), 1.5e-3 -> 5 (0.0015)."""
    _, digits, exp = d.as_tuple()
    return max(len(digits) + exp, 1) + max(-exp, 0)
