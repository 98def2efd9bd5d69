"""toJson / fromJson.

``to_json`` is compact (no spaces), escapes control characters and every non-ASCII
character as ``\\uXXXX`` (upper-case hex, UTF-16 code units). ``from_json`` gives int (long
when larger, Decimal beyond long) for integers and Decimal for any number with a fraction or
exponent; errors read ``At JSON offset N: ...``.
"""

import json as _pyjson
import math

from ..errors import JactlError, JactlRuntimeError
from .types import Long, Byte, JArray, Decimal
from .functions import Closure, BoundMethod
from .values import format_decimal, format_double
from .limits import BYTES_MIN, charge, charge_chars, check_chars, check_decimal

__all__ = ["to_json", "from_json", "json_string"]

_ESC = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
        "\t": "\\t"}


def _esc_char(c):
    e = _ESC.get(c)
    if e is not None:
        return e
    o = ord(c)
    if o > 0xFFFF:
        o -= 0x10000
        return "\\u%04X\\u%04X" % (0xD800 + (o >> 10), 0xDC00 + (o & 0x3FF))
    return "\\u%04X" % o


def json_string(s):
    if s.isascii() and s.isprintable() and '"' not in s and "\\" not in s:
        return '"' + s + '"'
    out = ['"']
    for c in s:
        o = ord(c)
        if c in _ESC or o < 0x20 or o > 0x7E:
            if o == 0x7F:
                out.append(c)
            else:
                out.append(_esc_char(c))
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def to_json(v):
    if _plain(v):
        # only the types whose text CPython's C encoder writes exactly as Jactl does
        s = "".join(_C_ENCODE(v, 0))
        if len(s) > BYTES_MIN:
            check_chars(len(s), "JSON text")
        charge_chars(len(s))
        return s
    enc = _Encoder()
    enc.value(v)
    out = enc.out
    if enc.size > BYTES_MIN:
        check_chars(enc.size, "JSON text")
    charge_chars(enc.size - enc.charged)
    return "".join(out)


# The C encoder (json.dumps's) with Jactl's compact separators. It writes str (ASCII and
# printable: Jactl and CPython escape only '"' and '\\' there), int (Long and Byte are int
# subclasses: int.__repr__), bool, None, list (JArray is one) and dict with str keys the
# way _Encoder does; doubles, Decimals, non-ASCII text, instances and other keys are
# written differently, so a value holding any of them takes _Encoder. _plain also bounds
# what the C encoder may build (it has no size checks): shared sub-lists are counted at
# every occurrence, cycles exceed the count, and deep nesting stops at _PLAIN_DEPTH.
_C_ENCODE = _pyjson.encoder.c_make_encoder(
    None, None, _pyjson.encoder.encode_basestring_ascii, None, ":", ",", False, False, False) \
    if _pyjson.encoder.c_make_encoder is not None else None
_PLAIN_NODES = 4096
_PLAIN_DEPTH = 64


def _plain(v):
    if _C_ENCODE is None:
        return False
    budget = [_PLAIN_NODES, BYTES_MIN * 4]

    def ok(x, depth):
        t = type(x)
        if t is str:
            budget[1] -= len(x)
            return x.isascii() and x.isprintable()
        if t is int or t is bool or x is None or t is Long or t is Byte:
            return True
        if depth > _PLAIN_DEPTH:
            return False
        budget[0] -= 1
        if budget[0] < 0 or budget[1] < 0:
            return False
        if t is dict:
            for k in x:
                if type(k) is not str or not (k.isascii() and k.isprintable()):
                    return False
                budget[1] -= len(k)
            values = x.values()
        elif t is list or t is JArray:
            values = x
        else:
            return False
        for y in values:
            ty = type(y)
            if ty is str:
                budget[1] -= len(y)
                if not (y.isascii() and y.isprintable()):
                    return False
            elif ty is not int and not ok(y, depth + 1):
                return False
        return True
    return ok(v, 0) and budget[1] >= 0


class _Encoder:
    """Writes pieces into a plain list (C appends). The size is counted as pieces are
    written and checked per container element once past BYTES_MIN, so a structure that
    shares one big sub-list many times stops at max_value_bytes, not after building
    gigabytes. Strings, ints and null inside a container are written inline: most of a
    message is leaves, and a call per leaf is most of the cost."""

    __slots__ = ("out", "size", "charged", "seen")

    def __init__(self):
        self.out = []
        self.size = 0
        self.charged = 0
        self.seen = set()

    def grew(self):
        if self.size - self.charged > BYTES_MIN:
            check_chars(self.size, "JSON text")
            charge_chars(self.size - self.charged)
            self.charged = self.size

    def value(self, v):
        t = type(v)
        if t is str:
            piece = json_string(v)
        elif v is None:
            piece = "null"
        elif t is bool:
            piece = "true" if v else "false"
        elif t is int or t is Long or t is Byte:
            piece = int.__repr__(v)
        elif t is Decimal:
            piece = format_decimal(v)
        elif t is float:
            if not math.isfinite(v):
                raise JactlRuntimeError(
                    f"Cannot encode double value '{format_double(v)}' in JSON")
            piece = format_double(v)
        elif t is list or t is JArray or t is dict or isinstance(v, (list, dict)):
            self.container(v, v.items() if isinstance(v, dict) else None)
            return
        else:
            self.other(v)
            return
        self.out.append(piece)
        self.size += len(piece)

    def container(self, v, items):
        vid = id(v)
        seen = self.seen
        if vid in seen:
            raise JactlRuntimeError(
                "StackOverflowError: self-referential data structure in toJson()")
        seen.add(vid)
        out = self.out
        app = out.append
        value = self.value
        try:
            if items is not None:
                app("{")
                first = True
                for k, x in items:
                    if not first:
                        app(",")
                    first = False
                    key = json_string(k if type(k) is str else _to_string(k))
                    app(key)
                    app(":")
                    self.size += len(key) + 2
                    t = type(x)
                    if t is str and x.isascii() and x.isprintable() and '"' not in x \
                            and "\\" not in x:
                        app('"' + x + '"')
                        self.size += len(x) + 2
                    elif t is int:
                        piece = int.__repr__(x)
                        app(piece)
                        self.size += len(piece)
                    else:
                        value(x)
                    if self.size - self.charged > BYTES_MIN:
                        self.grew()
                app("}")
            else:
                app("[")
                first = True
                for x in v:
                    if not first:
                        app(",")
                    first = False
                    self.size += 1
                    t = type(x)
                    if t is int:
                        piece = int.__repr__(x)
                        app(piece)
                        self.size += len(piece)
                    elif t is str and x.isascii() and x.isprintable() and '"' not in x \
                            and "\\" not in x:
                        app('"' + x + '"')
                        self.size += len(x) + 2
                    else:
                        value(x)
                    if self.size - self.charged > BYTES_MIN:
                        self.grew()
                app("]")
            self.size += 2
        finally:
            seen.discard(vid)

    def other(self, v):
        h = getattr(v, "_jactl_to_json", None)
        if h is not None:
            piece = h()
            self.out.append(piece)
            self.size += len(piece)
            return
        fields = getattr(v, "_jactl_fields", None)
        if fields is not None:
            self.container(v, fields())
            return
        if isinstance(v, bool):
            self.value(bool(v))
        elif isinstance(v, int):
            self.value(int(v))
        elif isinstance(v, float):
            self.value(float(v))
        elif isinstance(v, str):
            self.value(str(v))
        elif isinstance(v, (Closure, BoundMethod)):
            raise JactlRuntimeError("Cannot convert object of type Function to JSON")
        else:
            self.value(_to_string(v))


def _to_string(v):
    from .values import to_string
    return to_string(v)


# ---------------------------------------------------------------------------------------
# decoding

def _fail(pos, msg):
    raise JactlRuntimeError(f"At JSON offset {pos}: {msg}")


_WS = " \t\n\r"


def from_json(s, _decode=None):
    if s is None:
        raise JactlRuntimeError("Null string passed to fromJson()")
    if type(s) is str and "\\u" not in s:
        # Python's C decoder, with Jactl's number types: it accepts what the parser below
        # accepts and builds the same values. Anything it rejects or would read otherwise
        # (NaN/Infinity, leading zeros, raw control characters, out-of-range numbers, deep
        # nesting) falls through to the parser, which gives Jactl's result or error text.
        # \u escapes go there too: Jactl replaces unpaired surrogates.
        try:
            v = (_decode or _c_decode)(s)
        except _DuplicateKey:
            raise
        except Exception:
            pass
        else:
            charge(len(s) >> 3)
            return v
    p = _Parser(s)
    p.skip_ws()
    v = p.value()
    p.skip_ws()
    if p.i < p.n:
        _fail(p.i, f"Extra characters after JSON value: '{s[p.i]}'")
    return v


class _Parser:
    __slots__ = ("s", "i", "n")

    def __init__(self, s):
        self.s = s
        self.i = 0
        self.n = len(s)

    def skip_ws(self):
        s, i, n = self.s, self.i, self.n
        while i < n and s[i] in _WS:
            i += 1
        self.i = i

    def value(self):
        charge(1)     # one unit per value: parsing is a Python loop, a long text needs checks
        s = self.s
        if self.i >= self.n:
            _fail(self.i, "Unexpected end of JSON")
        c = s[self.i]
        if c == '"':
            return self.string()
        if c == "{":
            return self.obj()
        if c == "[":
            return self.arr()
        if c == "-" or "0" <= c <= "9":
            return self.number()
        if s.startswith("true", self.i):
            self.i += 4
            return True
        if s.startswith("false", self.i):
            self.i += 5
            return False
        if s.startswith("null", self.i):
            self.i += 4
            return None
        _fail(self.i, f"Unexpected character '{c}'")

    def string(self):
        s = self.s
        i = self.i + 1
        n = self.n
        j = s.find('"', i)
        if j >= 0 and s.find("\\", i, j) < 0:
            self.i = j + 1
            return s[i:j]
        out = []
        while True:
            if i >= n:
                _fail(i, "Unexpected end of JSON decoding string")
            c = s[i]
            if c == '"':
                break
            if c == "\\":
                i += 1
                if i >= n:
                    _fail(i, "Unexpected end of JSON decoding string")
                e = s[i]
                if e == "u":
                    hx = s[i + 1:i + 5]
                    if len(hx) < 4 or any(h not in "0123456789abcdefABCDEF" for h in hx):
                        _fail(i, "Invalid unicode escape in JSON string")
                    out.append(chr(int(hx, 16)))
                    i += 5
                    continue
                m = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "/": "/",
                     "\\": "\\", '"': '"'}.get(e)
                if m is None:
                    _fail(i, f"Unexpected escape character '{e}' in JSON string")
                out.append(m)
                i += 1
                continue
            out.append(c)
            i += 1
        self.i = i + 1
        r = "".join(out)
        if any(0xD800 <= ord(ch) <= 0xDFFF for ch in r):
            r = r.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        return r

    def number(self):
        s = self.s
        i = self.i
        n = self.n
        start = i
        if s[i] == "-":
            i += 1
            if i >= n:
                _fail(i, "Unexpected end of JSON reading negative number")
            if not ("0" <= s[i] <= "9"):
                _fail(i, f"Unexpected character '{s[i]}' reading negative number")
        while i < n and "0" <= s[i] <= "9":
            i += 1
        is_int = True
        while i < n and s[i] in "0123456789.eE+-":
            is_int = False
            i += 1
        text = s[start:i]
        self.i = i
        if is_int and len(text) <= 20:
            v = int(text)
            if -0x80000000 <= v <= 0x7fffffff:
                return v
            if -0x8000000000000000 <= v <= 0x7fffffffffffffff:
                return Long(v)
            return Decimal(text)
        try:
            d = Decimal(text)
        except Exception:
            d = None
        if d is None or not d.is_finite() or not _valid_number(text):
            _fail(start, f"Illegally formatted number: '{text}'")
        if is_int and d.adjusted() < 19 and -0x8000000000000000 <= d <= 0x7fffffffffffffff:
            v = int(d)          # leading zeros: an int or long after all
            return v if -0x80000000 <= v <= 0x7fffffff else Long(v)
        try:
            return check_decimal(d)
        except JactlError as e:
            _fail(start, f"Number out of range: {e.raw_message}")

    def arr(self):
        self.i += 1
        out = []
        self.skip_ws()
        if self.i < self.n and self.s[self.i] == "]":
            self.i += 1
            return out
        while True:
            self.skip_ws()
            if self.i >= self.n:
                _fail(self.i, "Unexpected end of JSON decoding list")
            out.append(self.value())
            self.skip_ws()
            if self.i >= self.n:
                _fail(self.i, "Unexpected end of JSON decoding list")
            c = self.s[self.i]
            self.i += 1
            if c == "]":
                return out
            if c != ",":
                _fail(self.i - 1, f"Expected ',' or ']' while decoding list but got '{c}'")

    def obj(self):
        self.i += 1
        out = {}
        self.skip_ws()
        if self.i < self.n and self.s[self.i] == "}":
            self.i += 1
            return out
        while True:
            self.skip_ws()
            if self.i >= self.n:
                _fail(self.i, "Unexpected end of JSON decoding map")
            if self.s[self.i] != '"':
                _fail(self.i, f"Expected string for field name but got '{self.s[self.i]}'")
            k = self.string()
            self.skip_ws()
            if self.i >= self.n:
                _fail(self.i, "Unexpected end of JSON decoding map")
            if self.s[self.i] != ":":
                _fail(self.i, f"Expected ':' after field name but got '{self.s[self.i]}'")
            self.i += 1
            self.skip_ws()
            out[k] = self.value()
            self.skip_ws()
            if self.i >= self.n:
                _fail(self.i, "Unexpected end of JSON decoding map")
            c = self.s[self.i]
            self.i += 1
            if c == "}":
                return out
            if c != ",":
                _fail(self.i - 1, f"Expected ',' or '}}' while decoding map but got '{c}'")


class _DuplicateKey(JactlRuntimeError):
    pass


def _unique_pairs(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(f"Field '{k}' appears multiple times in JSON object")
        out[k] = v
    return out


_c_decode_unique = None


def from_json_unique(s):
    """fromJson where a key repeated in an object is an error (decoding into a class).
    (Only the C decoder checks: text it rejects is read by the parser, which does not.)"""
    global _c_decode_unique
    if _c_decode_unique is None:
        _c_decode_unique = _pyjson.JSONDecoder(
            parse_float=_c_decimal, parse_int=_c_int, parse_constant=_c_constant,
            object_pairs_hook=_unique_pairs).decode
    return from_json(s, _c_decode_unique)


def _c_int(text):
    if len(text) <= 20:
        v = int(text)
        if -0x80000000 <= v <= 0x7fffffff:
            return v
        if -0x8000000000000000 <= v <= 0x7fffffffffffffff:
            return Long(v)
    return check_decimal(Decimal(text))


def _c_decimal(text):
    return check_decimal(Decimal(text))


def _c_constant(name):
    raise ValueError(name)  # NaN / Infinity: not JSON for Jactl


_c_decode = _pyjson.JSONDecoder(parse_float=_c_decimal, parse_int=_c_int,
                                parse_constant=_c_constant).decode


def _valid_number(t):
    import re
    return re.fullmatch(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?", t) is not None
