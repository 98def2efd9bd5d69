"""JSON at the edges: message bodies, globals, results.

Jactl values cross into JSON as you would expect - maps become objects, lists arrays, strings
strings, booleans, null - with one choice made here: a Jactl ``Decimal`` is written as a JSON
*number* with its exact digits (``12.50`` stays ``12.50``), never rounded through a double.
JSON read for a script parses numbers with a fraction or exponent as ``Decimal`` (Jactl's type
for such literals) and whole numbers as ints. NaN and infinite doubles, which JSON cannot hold,
are written as the strings "NaN", "Infinity" and "-Infinity".
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

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


def loads(text: str | bytes):
    """Decode JSON text into values a script can use (fractions as Decimal)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return json.loads(text, parse_float=Decimal)

