"""String and number builtin methods (the ones that take no closure), ``sprintf`` and the
small global functions (``uuid``, ``timestamp``, ``nanoTime``).

Method functions are named ``str_<name>`` / ``num_<name>`` and take the receiver first; their
parameter names are Jactl's (named arguments are matched against them).
"""

import builtins
import decimal
import math
import re
import time


from ..errors import JactlRuntimeError, NullError
from .types import Long, Byte, Decimal
from . import fastformat as _fastformat
from .values import to_string, class_name, wrap32, wrap64, format_double
from ..errors import LimitError, TimeoutError
from .limits import (DEFAULT_MAX_REGEX_MS, MAX_DECIMAL_DIGITS, MAX_DECIMAL_EXPONENT,
                     charge_chars, check_chars, current as current_budget)

# ---------------------------------------------------------------------------------------
# String methods


def str_size(s):
    return len(s)


str_length = str_size


def str_toUpperCase(s, count=None):
    charge_chars(len(s))
    if count is None or count < 0:
        return s.upper()
    return s[:count].upper() + s[count:]


def str_toLowerCase(s, count=None):
    charge_chars(len(s))
    if count is None or count < 0:
        return s.lower()
    return s[:count].lower() + s[count:]


def _sioobe(msg):
    return JactlRuntimeError(
        f"Index out of bounds: java.lang.StringIndexOutOfBoundsException: "
        f"String index out of range: {msg}")


def str_substring(s, start, end=None):
    n = len(s)
    b = start + n if start < 0 else start
    if end is None:
        if b < 0 or b > n:
            raise _sioobe(f"{b if start >= 0 else start}")
        return s[b:]
    e = end + n if end < 0 else end
    if b < 0 or e > n or b > e:
        raise _sioobe(f"begin {b}, end {e}, length {n}")
    return s[b:e]


def str_lines(s):
    if s == "":
        return [""]
    charge_chars(len(s))
    parts = _LINE_RE.split(s)
    if parts and parts[-1] == "":
        parts.pop()
    return parts


_LINE_RE = re.compile(r"\r\n|\r|\n")


_REGEX_CACHE = {}
_MOD_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}


def _regex_flags(modifiers, allowed="ims"):
    flags = 0
    for c in modifiers or "":
        if c not in allowed:
            raise JactlRuntimeError(f"Unexpected regex modifier '{c}'")
        flags |= _MOD_FLAGS[c]
    return flags


_regex = None  # the ``regex`` package, imported on first use: ~15 ms of every start-up


# Python's wording of a bad pattern -> Java's (what Jactl scripts and tests see)
_REGEX_ERRORS = (("missing )", "Unclosed group"), ("unterminated subpattern", "Unclosed group"),
                 ("unbalanced parenthesis", "Unmatched closing ')'"),
                 ("nothing to repeat", "Dangling meta character"),
                 ("multiple repeat", "Dangling meta character"),
                 ("unterminated character set", "Unclosed character class"))


def _java_regex_error(e):
    msg = str(e)
    for py, java in _REGEX_ERRORS:
        if msg.startswith(py):
            return f"{java} ({msg})"
    return msg


def compile_regex(pattern, flags=0):
    """Compile a Java regex (cached) with the ``regex`` package: its matcher takes a
    timeout (``regex_timeout``), so a pattern that backtracks catastrophically cannot hold
    the GIL for minutes the way Python's ``re`` does; VERSION0 is ``re``-compatible."""
    global _regex
    key = (pattern, flags)
    r = _REGEX_CACHE.get(key)
    if r is None:
        if _regex is None:
            import regex as _regex
        try:
            r = _regex.compile(java_regex_to_python(pattern), flags | _regex.VERSION0)
        except (_regex.error, re.error) as e:
            raise JactlRuntimeError(f"Error compiling regex: {_java_regex_error(e)}") from None
        if len(_REGEX_CACHE) > 2000:
            _REGEX_CACHE.clear()
        _REGEX_CACHE[key] = r
    return r


def regex_timeout():
    """Seconds one regex operation may run in the running instance."""
    b = current_budget()
    if b is None:
        return DEFAULT_MAX_REGEX_MS / 1000.0
    return b.regex_timeout()


def regex_timed_out():
    """The error for a regex operation that ran out of time: the instance's time limit
    when that is what ran out, else the regex cap."""
    b = current_budget()
    if b is not None:
        if b.max_ms is not None and b.used_ms() >= b.max_ms:
            return TimeoutError(f"Execution time exceeded limit of {b.max_ms} ms")
        ms = b.max_regex_ms
    else:
        ms = DEFAULT_MAX_REGEX_MS
    return LimitError(f"Regex evaluation exceeded {ms} ms (max_regex_ms)")


_POSIX = {
    "Lower": "a-z", "Upper": "A-Z", "ASCII": "\\x00-\\x7F", "Alpha": "a-zA-Z",
    "Digit": "0-9", "Alnum": "a-zA-Z0-9", "Punct": "!-/:-@\\[-`{-~", "Graph": "!-~",
    "Print": " -~", "Blank": " \\t", "Cntrl": "\\x00-\\x1F\\x7F", "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0B\\f\\r", "L": "^\\W\\d_", "IsAlphabetic": "^\\W\\d_",
    "IsLetter": "^\\W\\d_", "IsDigit": "\\d", "N": "\\d", "Nd": "\\d",
    "javaLowerCase": "a-z", "javaUpperCase": "A-Z", "Lu": "A-Z", "Ll": "a-z",
    "IsWhite_Space": "\\s", "javaWhitespace": "\\s",
}


def java_regex_to_python(p):
    """Translate the Java regex constructs Python spells differently."""
    out = []
    i = 0
    n = len(p)
    in_class = 0
    while i < n:
        c = p[i]
        if c == "\\" and i + 1 < n:
            d = p[i + 1]
            if d == "Q":
                j = p.find("\\E", i + 2)
                lit = p[i + 2:] if j < 0 else p[i + 2:j]
                out.append(re.escape(lit))
                i = n if j < 0 else j + 2
                continue
            if d in "pP" and i + 2 < n:
                if p[i + 2] == "{":
                    j = p.find("}", i + 3)
                    name = p[i + 3:j] if j > 0 else ""
                    end = j + 1
                else:
                    name = p[i + 2]
                    end = i + 3
                if name.startswith("Is") and name not in _POSIX:
                    name = name[2:]
                cls = _POSIX.get(name)
                if cls is not None:
                    neg = d == "P"
                    if cls.startswith("^"):
                        cls = cls[1:]
                        neg = not neg
                    if in_class:
                        out.append(cls if not neg else "")
                    else:
                        out.append(("[^" if neg else "[") + cls + "]")
                    i = end
                    continue
            if d == "z":
                out.append("\\Z")
                i += 2
                continue
            if d == "Z":
                out.append("(?=\\n?\\Z)")
                i += 2
                continue
            if d == "h":
                out.append("[ \\t\\xA0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000]")
                i += 2
                continue
            if d == "R":
                out.append("(?:\\r\\n|[\\n\\x0B\\f\\r\\x85\\u2028\\u2029])")
                i += 2
                continue
            if d == "k" and i + 2 < n and p[i + 2] == "<":
                j = p.find(">", i + 3)
                out.append("(?P=" + p[i + 3:j] + ")")
                i = j + 1
                continue
            out.append(p[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "[":
                in_class += 1
                if in_class > 1:  # nested class union: flatten
                    i += 1
                    continue
            elif c == "]":
                in_class -= 1
                if in_class > 0:
                    i += 1
                    continue
            elif c == "&" and p.startswith("&&", i):
                # intersection is not supported by re; drop (best effort)
                i += 2
                continue
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = 1
            out.append(c)
            i += 1
            if i < n and p[i] == "^":
                out.append("^")
                i += 1
            if i < n and p[i] == "]":
                out.append("\\]")
                i += 1
            continue
        if c == "(" and p.startswith("(?<", i) and i + 3 < n and p[i + 3] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        out.append(c)
        i += 1
    return "".join(out)


REGEX_META = frozenset("\\^$.|?*+()[]{}")


def str_split(s, regex=None, modifiers=""):
    """Jactl's split: every match separates fields (trailing empty fields are kept); a
    zero-length match at the start or end of the string does not produce a field."""
    if regex is None:
        return [s]
    if not modifiers and type(regex) is str and regex and REGEX_META.isdisjoint(regex):
        # a literal separator (the common ``split(',')``): every occurrence separates
        # fields and none is empty, which is exactly str.split
        charge_chars(len(s))
        return s.split(regex)
    flags = _regex_flags(modifiers)
    r = compile_regex(regex, flags)
    res = []
    start = 0
    n = len(s)
    charge_chars(n)
    try:
        for m in r.finditer(s, timeout=regex_timeout()):
            ms, me = m.span()
            if ms == me and (ms == 0 or ms == n):
                continue
            res.append(s[start:ms])
            start = me
    except builtins.TimeoutError:
        raise regex_timed_out() from None
    res.append(s[start:])
    return res


def str_asNum(s, base=10):
    if base > 36:
        raise JactlRuntimeError(f"Base was {base} but must be no more than 36")
    if base < 2:
        raise JactlRuntimeError(f"Base was {base} but must be at least 2")
    if s == "":
        raise JactlRuntimeError("Empty string cannot be converted to a number")
    v = 0
    for c in s:
        o = ord(c)
        if 48 <= o <= 57:
            d = o - 48
        elif 97 <= o <= 122:
            d = o - 87
        elif 65 <= o <= 90:
            d = o - 55
        else:
            d = 99
        if d >= base:
            raise JactlRuntimeError(f"Invalid character for number with base {base}: '{c}'")
        v = v * base + d
    return Long(wrap64(v))


# ---------------------------------------------------------------------------------------
# Number methods

def _int_kind(x):
    t = type(x)
    if t is int or t is Byte:
        return "int"
    if t is Long:
        return "long"
    if t is float:
        return "double"
    if t is Decimal:
        return "Decimal"
    if t is bool or x is None:
        return None
    if isinstance(x, Long):
        return "long"
    if isinstance(x, int):
        return "int"
    if isinstance(x, float):
        return "double"
    if isinstance(x, Decimal):
        return "Decimal"
    return None


def num_abs(x):
    t = type(x)
    if t is int:
        return wrap32(abs(x))
    if t is Byte:
        return x
    if t is Long:
        return Long(wrap64(abs(int(x))))
    if t is float:
        return abs(x)
    if t is Decimal:
        return x.copy_abs()
    raise JactlRuntimeError(f"No such method 'abs' for type {class_name(x)}")


def num_sqr(x):
    t = type(x)
    if t is int or t is Byte:
        return wrap32(int(x) * int(x))
    if t is Long:
        return Long(wrap64(int(x) * int(x)))
    if t is float:
        return x * x
    if t is Decimal:
        return x * x
    raise JactlRuntimeError(f"No such method 'sqr' for type {class_name(x)}")


def _neg_sqrt(x):
    return JactlRuntimeError(f"Attempt to take square root of negative number: {to_string(x)}")


def _double_to_decimal(f):
    if f != f or f in (math.inf, -math.inf):
        raise JactlRuntimeError(f"Illegal request: result {format_double(f)} is not a number")
    return Decimal(format_double(f))


def num_sqrt(x):
    k = _int_kind(x)
    if k is None:
        raise JactlRuntimeError(f"No such method 'sqrt' for type {class_name(x)}")
    if x < 0:
        raise _neg_sqrt(x)
    if k == "double":
        return math.sqrt(x)
    if k == "Decimal":
        return _double_to_decimal(math.sqrt(float(x)))
    ix = int(x)
    r = math.isqrt(ix)
    if r * r == ix and r <= 0x7fffffff:
        return r
    return math.sqrt(ix)


def _illegal_pow(x, p):
    return JactlRuntimeError(
        f"Illegal request: cannot raise {to_string(x)} to the power of {to_string(p)}")


def _fpow(x, p):
    try:
        r = math.pow(float(x), float(p))
    except ValueError:
        raise _illegal_pow(x, p) from None
    except OverflowError:
        r = math.inf
    return r


def num_pow(x, power):
    if power is None:
        raise NullError("Null value for power")
    k = _int_kind(x)
    if k is None:
        raise JactlRuntimeError(f"No such method 'pow' for type {class_name(x)}")
    pk = _int_kind(power)
    if pk is None:
        raise JactlRuntimeError(
            f"Cannot convert argument of type {class_name(power)} to parameter type of Number")
    if k == "int" or k == "long":
        bits = 32 if k == "int" else 64
        if pk in ("int", "long") and power >= 0:
            r = pow(int(x), int(power), 1 << bits)
            return wrap32(r) if bits == 32 else Long(wrap64(r))
        r = _fpow(x, power)
        if r != r:
            raise _illegal_pow(x, power)
        if pk in ("int", "long"):
            return r
        if math.isfinite(r) and r == int(r):
            if bits == 32 and -0x80000000 <= r <= 0x7fffffff:
                return int(r)
            if bits == 64 and -2 ** 63 <= r < 2 ** 63:
                return Long(int(r))
        return r
    if k == "double":
        r = _fpow(x, power)
        if r != r and not (x != x or power != power):
            raise _illegal_pow(x, power)
        return r
    # Decimal
    if pk in ("int", "long") and 0 <= power <= 999999999:
        return x ** int(power)
    r = _fpow(x, power)
    if r != r:
        raise _illegal_pow(x, power)
    return _double_to_decimal(r)


def num_asChar(x):
    return chr(int(x))


_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def num_toBase(x, base):
    if base is None or not 2 <= base <= 36:
        raise JactlRuntimeError(f"Base must be between 2 and 36 (was {base})")
    t = type(x)
    v = int(x)
    if v < 0:
        if t is Long:
            v &= 0xffffffffffffffff
        elif t is Byte:
            v &= 0xff
        else:
            v &= 0xffffffff
    if v == 0:
        return "0"
    out = []
    while v:
        v, d = divmod(v, base)
        out.append(_DIGITS[d])
    return "".join(reversed(out))


# ---------------------------------------------------------------------------------------
# sprintf (java.util.Formatter)

_FMT_RE = re.compile(r"%(\d+\$|<)?([-#+ 0,(]*)(\d+)?(\.\d+)?([a-zA-Z%])")


def _bad(msg):
    return JactlRuntimeError(f"Bad format string: {msg}")


def _group(intpart, sep=","):
    s = intpart
    out = []
    while len(s) > 3:
        out.append(s[-3:])
        s = s[:-3]
    out.append(s)
    return sep.join(reversed(out))


def _pad(s, width, left):
    if width is None or len(s) >= width:
        return s
    return s + " " * (width - len(s)) if left else " " * (width - len(s)) + s


def _apply_num_flags(digits, negative, flags, width, prefix=""):
    """digits: the magnitude as text. Handles + space ( 0 - flags and the width."""
    if negative:
        if "(" in flags:
            sign, suffix = "(", ")"
        else:
            sign, suffix = "-", ""
    else:
        suffix = ""
        sign = "+" if "+" in flags else (" " if " " in flags else "")
    body = prefix + digits
    if "0" in flags and width is not None:
        fill = width - len(sign) - len(body) - len(suffix)
        if fill > 0:
            body = prefix + "0" * fill + digits
    return _pad(sign + body + suffix, width, "-" in flags)


def _to_java_decimal(v):
    """The decimal digits Java's Formatter rounds from (doubles via Double.toString)."""
    t = type(v)
    if t is float:
        return Decimal(repr(v)) if math.isfinite(v) else None
    if t is Decimal:
        return v
    return Decimal(int(v))


def _fmt_fixed(d, prec, flags, width):
    q = d.quantize(Decimal((0, (1,), -prec)), rounding=decimal.ROUND_HALF_UP,
                   context=decimal.Context(prec=100000, Emax=decimal.MAX_EMAX,
                                           Emin=decimal.MIN_EMIN))
    neg = q.is_signed() and (q != 0 or d.is_signed())
    s = format(q.copy_abs(), "f")
    if "," in flags:
        ip, _, fp = s.partition(".")
        s = _group(ip) + ("." + fp if fp else "")
    if prec == 0 and "#" in flags:
        s += "."
    return _apply_num_flags(s, neg, flags, width)


def _fmt_sci(d, prec, flags, width, upper):
    neg = d.is_signed()
    a = d.copy_abs()
    if a == 0:
        mant = "0" + ("." + "0" * prec if prec else "")
        exp = 0
    else:
        exp = a.adjusted()
        m = a.scaleb(-exp)
        q = m.quantize(Decimal((0, (1,), -prec)), rounding=decimal.ROUND_HALF_UP,
                       context=decimal.Context(prec=100000))
        if q >= 10:
            exp += 1
            q = a.scaleb(-exp).quantize(Decimal((0, (1,), -prec)),
                                        rounding=decimal.ROUND_HALF_UP,
                                        context=decimal.Context(prec=100000))
        mant = format(q, "f")
    if prec == 0 and "#" in flags:
        mant += "."
    es = ("-" if exp < 0 else "+") + ("%02d" % abs(exp))
    s = mant + ("E" if upper else "e") + es
    return _apply_num_flags(s, neg, flags, width)


def _fmt_general(d, prec, flags, width, upper):
    if prec == 0:
        prec = 1
    a = d.copy_abs()
    if a == 0:
        return _fmt_fixed(d, prec - 1, flags, width)
    # value after rounding to prec significant digits
    r = a.quantize(Decimal((0, (1,), a.adjusted() - prec + 1)), rounding=decimal.ROUND_HALF_UP,
                   context=decimal.Context(prec=100000))
    if Decimal("0.0001") <= r < Decimal(10) ** prec:
        return _fmt_fixed(d, prec - 1 - r.adjusted(), flags, width)
    return _fmt_sci(d, prec - 1, flags, width, upper)


def _int_value(arg, conv):
    t = type(arg)
    if t is int or t is Long or t is Byte:
        return int(arg), t
    if isinstance(arg, int) and t is not bool:
        return int(arg), int
    raise _bad(f"{conv} != {_java_class(arg)}")


def _java_class(v):
    return {int: "java.lang.Integer", Long: "java.lang.Long", Byte: "java.lang.Byte",
            float: "java.lang.Double", Decimal: "java.math.BigDecimal",
            str: "java.lang.String", bool: "java.lang.Boolean", list: "java.util.ArrayList",
            dict: "java.util.LinkedHashMap"}.get(type(v), class_name(v))


def _format_one(conv, flags, width, prec, arg):
    lc = conv.lower()
    upper = conv.isupper()
    if lc == "s":
        s = to_string(arg)
        if prec is not None:
            s = s[:prec]
        s = _pad(s, width, "-" in flags)
        return s.upper() if upper else s
    if lc == "b":
        s = "false" if arg is None or arg is False else "true"
        if prec is not None:
            s = s[:prec]
        s = _pad(s, width, "-" in flags)
        return s.upper() if upper else s
    if lc == "c":
        if arg is None:
            s = "null"
        elif type(arg) is str and len(arg) == 1:
            s = arg
        elif type(arg) in (int, Byte, Long):
            s = chr(int(arg))
        else:
            raise _bad(f"c != {_java_class(arg)}")
        s = _pad(s, width, "-" in flags)
        return s.upper() if upper else s
    if lc == "h":
        s = "null" if arg is None else format(hash(arg) & 0xffffffff, "x")
        s = _pad(s, width, "-" in flags)
        return s.upper() if upper else s
    if arg is None and lc in "doxefga":
        return _pad("null", width, "-" in flags)
    if lc == "d":
        v, t = _int_value(arg, "d")
        digits = str(abs(v))
        if "," in flags:
            digits = _group(digits)
        return _apply_num_flags(digits, v < 0, flags, width)
    if lc in "ox":
        v, t = _int_value(arg, conv)
        if v < 0:
            v &= 0xffffffffffffffff if t is Long else (0xff if t is Byte else 0xffffffff)
        digits = format(v, "o" if lc == "o" else "x")
        prefix = ""
        if "#" in flags:
            prefix = "0" if lc == "o" else "0x"
        s = _apply_num_flags(digits, False, flags.replace("+", "").replace(" ", ""), width,
                             prefix)
        return s.upper() if upper else s
    if lc in "efga":
        t = type(arg)
        if t is not float and t is not Decimal:
            raise _bad(f"{conv} != {_java_class(arg)}")
        if t is float and not math.isfinite(arg):
            s = "NaN" if arg != arg else ("Infinity" if arg > 0 else "-Infinity")
            if arg > 0 and "+" in flags:
                s = "+" + s
            return _pad(s, width, "-" in flags)
        if lc == "a":
            s = float(arg).hex()
            return _pad(s.upper() if upper else s, width, "-" in flags)
        d = _to_java_decimal(arg)
        p = 6 if prec is None else prec
        if p > MAX_FORMAT_DIGITS:
            raise LimitError(f"sprintf precision {p} exceeds the limit of {MAX_FORMAT_DIGITS} "
                             f"digits for numbers")
        if lc == "f":
            return _fmt_fixed(d, p, flags, width)
        if lc == "e":
            return _fmt_sci(d, p, flags, width, upper)
        s = _fmt_general(d, p, flags, width, upper)
        return s
    raise _bad(f"Conversion = '{conv}'")


def _fmt_size(text, what):
    """A width or precision of a format specifier: the padding or digits are built in one
    call, so one specifier may not ask for more than max_value_bytes characters."""
    n = int(text) if len(text) <= 12 else 10 ** 12
    check_chars(n, f"sprintf {what}")
    return n


# digits a number may be formatted with: more than any Decimal can have (beyond that the
# decimal module's quantize gives up)
MAX_FORMAT_DIGITS = MAX_DECIMAL_DIGITS + MAX_DECIMAL_EXPONENT


def sprintf(fmt, *args):
    """Java's ``String.format``."""
    if fmt is None:
        raise NullError("Null value for format string")
    if type(fmt) is not str:
        fmt = to_string(fmt)
    fast = _fastformat.sprintf(fmt, args)    # the common simple formats (fastformat.py)
    if fast is not None:
        return fast
    out = []
    pos = 0
    ordinary = 0
    last = -1
    n = len(fmt)
    while pos < n:
        j = fmt.find("%", pos)
        if j < 0:
            out.append(fmt[pos:])
            break
        out.append(fmt[pos:j])
        m = _FMT_RE.match(fmt, j)
        if m is None:
            raise _bad(f"Unknown format conversion: '{fmt[j:j + 2]}'")
        idx, flags, width, prec, conv = m.groups()
        width = _fmt_size(width, "width") if width else None
        prec = _fmt_size(prec[1:], "precision") if prec else None
        pos = m.end()
        if conv == "%":
            out.append(_pad("%", width, "-" in flags))
            continue
        if conv == "n":
            out.append("\n")
            continue
        if conv.lower() not in "sbchdoxefga":
            raise _bad(f"Unknown format conversion: '{conv}'")
        if idx == "<":
            ai = last
        elif idx:
            ai = int(idx[:-1]) - 1
        else:
            ai = ordinary
            ordinary += 1
        if ai < 0 or ai >= len(args):
            raise _bad(f"Format specifier '{m.group(0)}'")
        last = ai
        out.append(_format_one(conv, flags, width, prec, args[ai]))
    size = sum(map(len, out))
    if size > 4096:
        check_chars(size, "sprintf result")
        charge_chars(size)
    return "".join(out)


# ---------------------------------------------------------------------------------------
# small global functions

def uuid():
    import uuid as _uuid  # here, not at the top: ~10 ms of every start-up (it imports platform)
    return str(_uuid.uuid4())


def timestamp():
    return Long(time.time_ns() // 1000000)


def nano_time():
    return Long(time.perf_counter_ns())
