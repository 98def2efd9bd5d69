"""Builtin methods that take no closure, and their dispatch.

``METHODS`` maps ``(type_key, name)`` to ``fn(obj, *args)``. Type keys: 'String', 'List',
'Map', 'Array', 'int', 'long', 'double', 'Decimal', 'byte', 'boolean', 'Function',
'Number' (any numeric type), 'Iterable' (List, Map, String, Array, int/byte/long) and
'Object' (anything). ``invoke_method`` picks the most specific entry for the receiver's
runtime type.

``METHOD_PARAMS`` holds the Jactl signature of the methods registered here
(``((name, type, default), ...)``, default ``MISSING`` when mandatory): ``invoke_method``
checks arity and converts arguments with it, and ``invoke_method_named`` matches named
arguments. Entries registered by other modules without params are called as they are.

Other value kinds can take part: an object with ``_jactl_type_keys`` (a tuple of type keys)
is dispatched on those keys.
"""

from ..errors import JactlError, JactlRuntimeError, NullError
from .types import Long, Byte, JArray, Decimal, MISSING
from .functions import Closure, BoundMethod
from .values import (to_string, class_name, convert, dec_count, to_decimal, wrap32,
                     to_str_inner, _map_key_str, hkey)
from . import ops
from . import strings as S
from . import jsonfmt
from .limits import BYTES_MIN, charge, charge_chars, check_chars, check_slots

__all__ = ["METHODS", "METHOD_PARAMS", "register", "invoke_method", "invoke_method_named",
           "has_method", "find_method", "type_keys", "method_params", "to_string_indent"]


class _Registry(dict):
    """A dict that invalidates the resolution cache when it changes."""

    def __setitem__(self, k, v):
        super().__setitem__(k, v)
        _CACHE.clear()

    def __delitem__(self, k):
        super().__delitem__(k)
        _CACHE.clear()

    def update(self, *a, **kw):
        super().update(*a, **kw)
        _CACHE.clear()


_CACHE = {}
METHODS = _Registry()
METHOD_PARAMS = {}

_TYPE_KEYS = {
    str: ("String", "Iterable", "Object"),
    list: ("List", "Iterable", "Object"),
    dict: ("Map", "Iterable", "Object"),
    JArray: ("Array", "Iterable", "Object"),
    int: ("int", "Number", "Iterable", "Object"),
    Byte: ("byte", "Number", "Iterable", "Object"),
    Long: ("long", "Number", "Iterable", "Object"),
    float: ("double", "Number", "Object"),
    Decimal: ("Decimal", "Number", "Object"),
    bool: ("boolean", "Object"),
    Closure: ("Function", "Object"),
    BoundMethod: ("Function", "Object"),
}


def type_keys(obj):
    keys = _TYPE_KEYS.get(type(obj))
    if keys is not None:
        return keys
    keys = getattr(obj, "_jactl_type_keys", None)
    if keys is not None:
        return keys
    for t, k in _TYPE_KEYS.items():
        if isinstance(obj, t) and not (t is int and isinstance(obj, bool)):
            return k
    return ("Object",)


def register(keys, name, params=(), fn=None):
    """Register ``fn`` as method ``name`` for each type key in ``keys``. ``params`` is a
    tuple of ``(name, type, default)`` (default MISSING: mandatory). Usable as a
    decorator when fn is omitted."""
    if isinstance(keys, str):
        keys = (keys,)

    def deco(f):
        for k in keys:
            METHODS[(k, name)] = f
            METHOD_PARAMS[(k, name)] = tuple(params)
        return f
    if fn is not None:
        return deco(fn)
    return deco


def find_method(obj, name):
    """(fn, params or None) for obj.name, or None."""
    t = type(obj)
    ck = (t, name)
    r = _CACHE.get(ck)
    if r is not None:
        return r
    keys = _TYPE_KEYS.get(t)
    if keys is None:
        keys = type_keys(obj)
        cacheable = False
    else:
        cacheable = True
    for k in keys:
        f = METHODS.get((k, name))
        if f is not None:
            r = (f, METHOD_PARAMS.get((k, name)))
            if cacheable:
                _CACHE[ck] = r
            return r
    return None


def has_method(obj, name):
    return find_method(obj, name) is not None


def method_params(obj, name):
    r = find_method(obj, name)
    return None if r is None else r[1]


def _no_method(obj, name):
    if obj is None:
        return NullError("Tried to invoke method on null value")
    return JactlRuntimeError(f"No such method '{name}' for type {class_name(obj)}")


def _conv_arg(v, ptype):
    if ptype is None or ptype in ("def", "Object"):
        return v
    tv = type(v)
    if ptype == "Function" and (tv is Closure or tv is BoundMethod):
        return v
    if ptype == "int" and tv is int:
        return v
    if ptype == "String" and (tv is str or v is None):
        return v
    try:
        return convert(v, ptype)
    except JactlError as e:
        if v is None:
            raise NullError(f"Cannot convert null value to {ptype}") from None
        if "cannot be cast" in e.raw_message:
            raise JactlRuntimeError(
                f"Cannot convert argument of type {class_name(v)} to parameter type of {ptype}: "
                f"{e.raw_message}") from None
        raise JactlRuntimeError(
            f"Cannot convert argument of type {class_name(v)} to parameter type of "
            f"{ptype}") from None


def _check_args(name, params, args):
    n = len(args)
    np_ = len(params)
    if n > np_:
        raise JactlRuntimeError(
            f"Too many arguments for method '{name}' (passed {n} but expected only {np_})")
    out = []
    for i, (pn, pt, dflt) in enumerate(params):
        if i < n and args[i] is not MISSING:
            out.append(_conv_arg(args[i], pt))
        elif dflt is MISSING:
            raise JactlRuntimeError(f"Missing mandatory argument '{pn}' for method '{name}'")
        else:
            out.append(dflt)
    return out


def invoke_method(obj, name, args=()):
    """``obj.name(*args)`` for a closure-free builtin method."""
    if obj is None:
        raise NullError(f"Tried to invoke method on null value")
    r = find_method(obj, name)
    if r is None:
        raise _no_method(obj, name)
    f, params = r
    if params is None:
        return f(obj, *args)
    if not args and not params:
        return f(obj)
    return f(obj, *_check_args(name, params, args))


def invoke_method_named(obj, name, named, typed=False):
    """``obj.name(p1:v1, ...)`` with named arguments. (typed: the receiver's type is known
    at compile time, where Jactl checks the names first; else a missing one is first)"""
    if obj is None:
        raise NullError(f"Tried to invoke method on null value")
    r = find_method(obj, name)
    if r is None:
        raise _no_method(obj, name)
    f, params = r
    if params is None:
        raise JactlRuntimeError(f"Named arguments not supported for method '{name}'")
    pnames = [p[0] for p in params]
    args = [named.get(p, MISSING) for p in pnames]
    bad = [k for k in named if k not in pnames]
    if not typed:
        _check_missing(params, args)
    if bad:
        if len(bad) == 1:
            raise JactlRuntimeError(f"No such parameter '{bad[0]}' for method '{name}'")
        raise JactlRuntimeError(f"No such parameters: {', '.join(bad)} for method '{name}'")
    _check_missing(params, args)
    return f(obj, *_check_args(name, params, args))


def _check_missing(params, args):
    for (pn, pt, dflt), a in zip(params, args):
        if a is MISSING and dflt is MISSING:
            raise JactlRuntimeError(f"Missing value for mandatory parameter '{pn}'")


# ---------------------------------------------------------------------------------------
# helpers

def _items(obj):
    """The elements an Iterable method works on."""
    t = type(obj)
    if t is list or t is JArray:
        return obj
    if t is dict:
        _made(len(obj))
        return [[k, v] for k, v in obj.items()]
    if t is str:
        _made(len(obj))
        return list(obj)
    if t is int or t is Long or t is Byte:
        _made(int(obj))
        return list(range(int(obj)))
    if t is float or t is Decimal:
        n = dec_count(obj) if t is Decimal else int(obj)
        _made(n)
        return list(range(n))
    it = getattr(obj, "_jactl_iter", None)
    if it is not None:
        return list(it())
    if isinstance(obj, (list, str)):
        return list(obj)
    if isinstance(obj, dict):
        return [[k, v] for k, v in obj.items()]
    raise JactlRuntimeError(f"Cannot iterate over object of type {class_name(obj)}")


def _made(n):
    """A new list of n elements is made for an Iterable method."""
    check_slots(n)
    charge(n)


def _all(items):
    """An Iterable method visits every element: one work unit each."""
    charge(len(items))
    return items


def _p(*specs):
    out = []
    for s in specs:
        if len(s) == 2:
            out.append((s[0], s[1], MISSING))
        else:
            out.append(s)
    return tuple(out)


# ---------------------------------------------------------------------------------------
# Object

def m_className(obj):
    return class_name(obj)


def to_string_indent(v, indent, level=0, seen=None):
    """toString(indent): one element per line, nested collections indented."""
    if seen is None:
        seen = set()
    if indent is None or indent <= 0:
        return to_string(v) if level == 0 else to_str_inner(v, seen)
    t = type(v)
    if (t is list or t is JArray or t is dict) and v:
        check_chars(indent * (level + 1) * (len(v) + 1), "String form")
        charge(len(v))
    else:
        return to_string(v) if level == 0 else to_str_inner(v, seen)
    pad = " " * (indent * (level + 1))
    end = " " * (indent * level)
    if id(v) in seen:
        return "<CIRCULAR_REF>"
    seen.add(id(v))
    try:
        if t is dict:
            r = ("[\n" + ",\n".join(pad + _map_key_str(k, seen) + ": " +
                                    to_string_indent(x, indent, level + 1, seen)
                                    for k, x in v.items()) + "\n" + end + "]")
        else:
            r = ("[\n" + ",\n".join(pad + to_string_indent(x, indent, level + 1, seen)
                                    for x in v) + "\n" + end + "]")
    finally:
        seen.discard(id(v))
    check_chars(len(r), "String form")
    charge_chars(len(r))
    return r


def m_toString(obj, indent=0):
    if indent:
        return to_string_indent(obj, indent)
    return to_string(obj)


def m_toJson(obj):
    return jsonfmt.to_json(obj)


register("Object", "className", (), m_className)
register("Object", "toString", _p(("indent", "int", 0)), m_toString)
register("Object", "toJson", (), m_toJson)


# ---------------------------------------------------------------------------------------
# Iterable (List, Map, String, Array, int)

def m_size(obj):
    t = type(obj)
    if t is list or t is dict or t is str or t is JArray:
        return len(obj)
    if t is int or t is Byte or t is Long:
        return Long(max(int(obj), 0))
    return len(_items(obj))


def m_join(obj, separator=""):
    sep = "" if separator is None else separator
    if type(obj) is list and type(sep) is str:
        r = _join_strings(obj, sep)
        if r is not None:
            return r
    if type(obj) is str:
        check_chars(len(obj) * (len(sep) + 1))
        charge_chars(len(obj) * (len(sep) + 1))
        return sep.join(obj)
    parts = [to_string(x) for x in _all(_items(obj))]
    # a list can hold one big String many times: measure before joining
    size = sum(map(len, parts)) + len(sep) * max(len(parts) - 1, 0)
    check_chars(size)
    charge_chars(size)
    return sep.join(parts)


def _join_strings(items, sep):
    """``list.join(sep)`` when every element is a String: Python's join as it is (a String's
    text is itself), measured before it is built; None when some element is not a String
    (the general path converts each one)."""
    if len(items) <= 16:
        # a few elements: built first (at most 16 times the longest String, which exists
        # already), then measured
        try:
            r = sep.join(items)         # (TypeError: an element that is not a String)
        except TypeError:
            return None
        size = len(r)
        check_chars(size)
        charge(len(items))
        charge_chars(size)
        return r
    try:
        size = sum(map(len, items))     # (TypeError: an element without a length)
    except TypeError:
        return None
    size += len(sep) * max(len(items) - 1, 0)
    if size > BYTES_MIN:
        # (a List may hold Lists/Maps, whose len is not their text's: check the types
        # before the size decides anything)
        for x in items:
            if type(x) is not str:
                return None
        check_chars(size)
    try:
        r = sep.join(items)             # (TypeError: an element that is not a String)
    except TypeError:
        return None
    charge(len(items))
    charge_chars(size)
    return r


def join_list(items, sep):
    """``x.join(sep)`` inline for a List x (codegen/dynamic.py ``method_call``)."""
    if type(sep) is str:
        r = _join_strings(items, sep)
        if r is not None:
            return r
    return invoke_method(items, "join", (sep,))


_NUM = (int, Long, Byte, float, Decimal)


def _sum(items):
    total = 0
    for x in items:
        tx = type(x)
        if tx is int and type(total) is int:
            total += x
            if not -0x80000000 <= total <= 0x7fffffff:
                total = wrap32(total)
            continue
        if x is None:
            raise NullError("Null value in list for sum()")
        if tx not in _NUM:
            raise JactlRuntimeError(f"Non-numeric element in list for sum(): was {class_name(x)}")
        total = ops.add(total, x)
    return total


def m_sum(obj):
    return _sum(_all(_items(obj)))


def sum_list(items):
    """``x.sum()`` inline for a List x (codegen/dynamic.py ``method_call``)."""
    return _sum(_all(items))


def m_avg(obj):
    items = _all(_items(obj))
    if not items:
        raise JactlRuntimeError("Empty list for avg() function")
    for x in items:
        if type(x) not in _NUM:
            if x is None:
                raise NullError("Null value in list for avg()")
            raise JactlRuntimeError(
                f"Non-numeric element in list for avg(): was {class_name(x)}")
    total = _sum(items)
    return ops.decimal_divide(to_decimal(total), Decimal(len(items)))


def m_reverse(obj):
    return list(reversed(_all(_items(obj))))


def _ioobe(msg):
    return JactlRuntimeError(f"Index out of bounds: java.lang.IndexOutOfBoundsException: {msg}")


def m_subList(obj, start, end=None):
    items = _items(obj)
    n = len(items)
    s = start + n if start < 0 else start
    e = n if end is None else (end + n if end < 0 else end)
    if s < 0:
        raise _ioobe(f"fromIndex = {s}")
    if e > n:
        raise _ioobe(f"toIndex = {e}")
    if s > e:
        raise JactlRuntimeError(f"IllegalArgumentException: fromIndex({s}) > toIndex({e})")
    return list(items[s:e])


def m_skip(obj, count):
    items = _items(obj)
    if count < 0:
        return list(items[max(len(items) + count, 0):])
    return list(items[count:])


def m_limit(obj, count):
    items = _items(obj)
    if count < 0:
        return list(items[:max(len(items) + count, 0)])
    return list(items[:count])


def m_unique(obj):
    out = []
    first = True
    last = None
    for x in _all(_items(obj)):
        if first or not ops.eq(x, last):
            out.append(x)
        first = False
        last = x
    return out


def m_grouped(obj, size):
    items = _all(_items(obj))
    if size < 0:
        raise JactlRuntimeError(f"Value for grouped() must be >= 0 (was {size})")
    if size == 0:
        return list(items)
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def m_windowSliding(obj, size):
    items = _all(_items(obj))
    if size < 0:
        raise JactlRuntimeError(f"Window size must be >= 0 (was {size})")
    if size == 0:
        return list(items)
    n = len(items)
    if n == 0:
        return []
    if n <= size:
        return [list(items)]
    # every window is a new list: n windows of size elements
    check_slots((n - size + 1) * size)
    charge((n - size + 1) * size)
    return [list(items[i:i + size]) for i in range(0, n - size + 1)]


def m_transpose(obj):
    rows = []
    for x in _all(_items(obj)):
        if isinstance(x, list):
            rows.append(x)
        elif type(x) is dict:
            rows.append([[k, v] for k, v in x.items()])
        else:
            raise JactlRuntimeError(
                f"Element of type {class_name(x)} in transpose() must be List")
    if not rows:
        return []
    width = max(len(r) for r in rows)
    check_slots(width * len(rows))
    charge(width * len(rows))
    return [[r[i] if i < len(r) else None for r in rows] for i in range(width)]


_IT = ("Iterable",)
register(_IT, "size", (), m_size)
register(_IT, "join", _p(("separator", "String", "")), m_join)
register(_IT, "sum", (), m_sum)
register(_IT, "avg", (), m_avg)
register(_IT, "reverse", (), m_reverse)
register(_IT, "subList", _p(("start", "int"), ("end", "int", None)), m_subList)
register(_IT, "skip", _p(("count", "int")), m_skip)
register(_IT, "limit", _p(("count", "int")), m_limit)
register(_IT, "unique", (), m_unique)
register(_IT, "grouped", _p(("size", "int")), m_grouped)
register(_IT, "windowSliding", _p(("size", "int")), m_windowSliding)
register(_IT, "windowed", _p(("size", "int")), m_windowSliding)
register(_IT, "transpose", (), m_transpose)


# ---------------------------------------------------------------------------------------
# List

def m_add(obj, element):
    obj.append(element)
    return obj


def m_addAt(obj, index, element):
    n = len(obj)
    i = index + n if index < 0 else index
    if i < 0 or i > n:
        raise JactlRuntimeError(
            f"Index out of bounds: index {index} out of range for List of size {n}")
    obj.insert(i, element)
    return obj


def m_list_remove(obj, index):
    n = len(obj)
    if index >= n:
        raise JactlRuntimeError(f"Index {index} too large for List of size {n}")
    i = index + n if index < 0 else index
    if i < 0:
        raise JactlRuntimeError(f"Index {index} out of bounds for List of size {n}")
    return obj.pop(i)


register("List", "add", _p(("element", "def")), m_add)
register("List", "addAt", _p(("index", "int"), ("element", "def")), m_addAt)
register("List", "remove", _p(("index", "int")), m_list_remove)


# ---------------------------------------------------------------------------------------
# Map

def _key_err(k):
    return JactlRuntimeError(f"Map key of type {class_name(k)} is not supported")


def m_get(obj, key):
    try:
        return obj.get(key)
    except TypeError:
        return obj.get(hkey(key))


def m_put(obj, key, value):
    try:
        obj[key] = value
    except TypeError:
        obj[hkey(key)] = value
    return obj


def m_putAll(obj, values):
    if values is None:
        return obj
    obj.update(values)
    return obj


def m_map_remove(obj, key):
    try:
        return obj.pop(key, None)
    except TypeError:
        return obj.pop(hkey(key), None)


register("Map", "get", _p(("key", "def")), m_get)
register("Map", "put", _p(("key", "def"), ("value", "def")), m_put)
register("Map", "putAll", _p(("values", "Map")), m_putAll)
register("Map", "remove", _p(("key", "def")), m_map_remove)


# ---------------------------------------------------------------------------------------
# String

register("String", "size", (), S.str_size)
register("String", "length", (), S.str_length)
register("String", "toUpperCase", _p(("count", "int", None)), S.str_toUpperCase)
register("String", "toLowerCase", _p(("count", "int", None)), S.str_toLowerCase)
register("String", "substring", _p(("start", "int"), ("end", "int", None)), S.str_substring)
register("String", "split", _p(("regex", "String", None), ("modifiers", "String", "")),
         S.str_split)
register("String", "asNum", _p(("base", "int", 10)), S.str_asNum)
register("String", "lines", (), S.str_lines)
register("String", "fromJson", (), lambda s: jsonfmt.from_json(s))


# ---------------------------------------------------------------------------------------
# Numbers

register("Number", "abs", (), S.num_abs)
register("Number", "sqr", (), S.num_sqr)
register("Number", "sqrt", (), S.num_sqrt)
register("Number", "pow", _p(("power", "def")), S.num_pow)
register(("int", "byte"), "asChar", (), S.num_asChar)
register(("int", "byte", "long"), "toBase", _p(("base", "int")), S.num_toBase)


# The date/time classes' methods register when that runtime is first used (exports.py
# load_datetime); the resolver needs their names before. A test checks this list.
DATETIME_METHOD_NAMES = frozenset((
    'atDate', 'atStartOfDay', 'atStartOfDayInZone', 'atTime', 'atZone', 'between',
    'dividedBy', 'format', 'getAvailableZoneIds', 'getDayOfMonth', 'getDayOfWeek',
    'getDayOfYear', 'getDays', 'getEpochSecond', 'getHour', 'getId', 'getMinute',
    'getMonth', 'getMonthValue', 'getMonths', 'getNano', 'getOffset', 'getSecond',
    'getSeconds', 'getYear', 'getYears', 'getZone', 'isAfter', 'isBefore', 'isEqual',
    'isLeapYear', 'isNegative', 'isValid', 'isZero', 'lengthOfMonth', 'lengthOfYear',
    'minus', 'minusDays', 'minusHours', 'minusMillis', 'minusMinutes', 'minusMonths',
    'minusNanos', 'minusSeconds', 'minusWeeks', 'minusYears', 'multipliedBy', 'negated',
    'normalized', 'now', 'nowInZone', 'of', 'ofDateAndTime', 'ofDateTime', 'ofDays',
    'ofEpochDay', 'ofEpochMilli', 'ofEpochSecond', 'ofHours', 'ofInstant', 'ofMillis',
    'ofMinutes', 'ofMonths', 'ofNanoOfDay', 'ofNanos', 'ofSecondOfDay', 'ofSeconds',
    'ofSecondsAndNanos', 'ofWeeks', 'ofYearDay', 'ofYears', 'parse', 'parseWithFormat',
    'plus', 'plusDays', 'plusHours', 'plusMillis', 'plusMinutes', 'plusMonths', 'plusNanos',
    'plusSeconds', 'plusWeeks', 'plusYears', 'systemDefault', 'toDays', 'toEpochDay',
    'toEpochMilli', 'toEpochSecond', 'toHours', 'toInstant', 'toLocalDate',
    'toLocalDateTime', 'toLocalTime', 'toMillis', 'toMinutes', 'toNanoOfDay', 'toNanos',
    'toSecondOfDay', 'toTotalMonths', 'truncatedToDays', 'truncatedToHours',
    'truncatedToMicros', 'truncatedToMillis', 'truncatedToMinutes', 'truncatedToSeconds',
    'until', 'withDayOfMonth', 'withDayOfYear', 'withDays', 'withEarlierOffsetAtOverlap',
    'withFixedOffsetZone', 'withHour', 'withLaterOffsetAtOverlap', 'withMicro', 'withMilli',
    'withMinute', 'withMonth', 'withMonths', 'withNano', 'withNanos', 'withSecond',
    'withSeconds', 'withYear', 'withYears', 'withZoneSameInstant', 'withZoneSameLocal'
))


def builtin_method_names():
    """Every builtin method name, of any receiver type: a method call by another name can
    only reach a user method or a closure held in a field or Map entry."""
    return frozenset(k[1] for k in METHODS) | DATETIME_METHOD_NAMES
