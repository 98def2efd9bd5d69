"""Jactl value semantics that are not operators: printing, type names, truthiness, defaults
and the three kinds of type conversion (cast, ``as`` and implicit conversion on assignment).

Everything here is called from generated code on hot paths, so the common cases are
dispatched on ``type(v)`` through dicts before any ``isinstance`` chain.

Hooks for value kinds defined elsewhere (class instances, date/time values):

* ``v._jactl_class_name()`` -> the Jactl class name (default ``type(v).__name__``),
* ``v._jactl_to_string(seen)`` -> the printed form (``seen`` is the set of ids of the
  containers on the current printing path, for ``<CIRCULAR_REF>``),
* ``v._jactl_fields()`` -> ordered ``(name, value)`` pairs (class instances print and
  convert ``as Map`` like maps),
* ``v._jactl_isa(type_name)`` -> True if the value is an instance of the named class.
"""

import math
import re

from ..errors import JactlError, JactlRuntimeError, NullError
from .types import Long, Byte, JArray, Decimal
from .functions import Closure, BoundMethod
from .limits import BYTES_MIN, charge, charge_chars, check_chars, check_decimal

__all__ = [
    "to_string", "to_str_inner", "class_name", "type_name_for_errors", "format_double",
    "format_decimal", "truthy", "default_value", "cast", "as_type", "convert",
    "instance_of", "wrap32", "wrap64", "to_decimal", "is_number", "NUMERIC_TYPES",
    "parse_int_string", "elem_type", "is_array_type",
]

_int = int
_float = float
_str = str
_bool = bool
_list = list
_dict = dict
_NoneType = type(None)

NUMERIC_TYPES = frozenset((int, Long, Byte, float, Decimal))


def wrap32(i):
    """Wrap an integer to Java's 32-bit int range."""
    if -0x80000000 <= i <= 0x7fffffff:
        return int(i)
    return ((int(i) + 0x80000000) & 0xffffffff) - 0x80000000


def wrap64(i):
    """Wrap an integer to Java's 64-bit long range (returns a plain int)."""
    if -0x8000000000000000 <= i <= 0x7fffffffffffffff:
        return int(i)
    return ((int(i) + 0x8000000000000000) & 0xffffffffffffffff) - 0x8000000000000000


def is_number(v):
    return type(v) in NUMERIC_TYPES


# ---------------------------------------------------------------------------------------
# Type names

_CLASS_NAMES = {
    int: "int", Long: "long", Byte: "byte", float: "double", Decimal: "Decimal",
    str: "String", bool: "boolean", list: "List", dict: "Map",
    Closure: "Function", BoundMethod: "Function", _NoneType: "null",
}


def class_name(v):
    """Jactl's ``className()`` of a value."""
    t = type(v)
    n = _CLASS_NAMES.get(t)
    if n is not None:
        return n
    if t is JArray:
        return v.elem + "[]"
    f = getattr(v, "_jactl_class_name", None)
    if f is not None:
        return f()
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, Long):
        return "long"
    if isinstance(v, Byte):
        return "byte"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "double"
    if isinstance(v, str):
        return "String"
    if isinstance(v, JArray):
        return v.elem + "[]"
    if isinstance(v, list):
        return "List"
    if isinstance(v, dict):
        return "Map"
    if isinstance(v, Decimal):
        return "Decimal"
    if callable(v):
        return "Function"
    return type(v).__name__


def type_name_for_errors(v):
    """The type name Jactl uses in error messages ('null' for null)."""
    return class_name(v)


# ---------------------------------------------------------------------------------------
# Printing

def format_double(f):
    """Java's ``Double.toString``."""
    if f != f:
        return "NaN"
    if f == math.inf:
        return "Infinity"
    if f == -math.inf:
        return "-Infinity"
    if f == 0.0:
        return "-0.0" if math.copysign(1.0, f) < 0 else "0.0"
    a = abs(f)
    if a == 5e-324:
        return "-4.9E-324" if f < 0 else "4.9E-324"
    if 1e-3 <= a < 1e7:
        r = repr(f)
        if "e" in r or "E" in r:
            r = format(Decimal(r), "f")
        if "." not in r:
            r += ".0"
        return r
    # computerized scientific notation from the shortest repr digits
    sign, digits, exp = Decimal(repr(f)).as_tuple()
    ds = "".join(map(str, digits)).rstrip("0") or "0"
    e10 = len(digits) + exp - 1
    mant = ds[0] + "." + (ds[1:] or "0")
    return ("-" if sign else "") + mant + "E" + str(e10)


def format_decimal(d):
    """BigDecimal.toPlainString (no negative zero)."""
    s = format(d, "f")
    if s[0] == "-" and not d:
        s = s[1:]
    return s


_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _map_key_str(k, seen):
    if type(k) is str:
        if _IDENT_RE.match(k):
            return k
        return "'" + k + "'"
    return "(" + to_str_inner(k, seen) + ")"


def _list_str(v, seen):
    vid = id(v)
    if vid in seen:
        return "<CIRCULAR_REF>"
    seen.add(vid)
    charge(len(v))
    try:
        r = "[" + ", ".join([to_str_inner(x, seen) for x in v]) + "]"
    finally:
        seen.discard(vid)
    if len(r) > BYTES_MIN:
        _big_str(r)
    return r


def _map_str(v, seen):
    if not v:
        return "[:]"
    vid = id(v)
    if vid in seen:
        return "<CIRCULAR_REF>"
    seen.add(vid)
    charge(len(v))
    try:
        r = "[" + ", ".join([_map_key_str(k, seen) + ":" + to_str_inner(x, seen)
                             for k, x in v.items()]) + "]"
    finally:
        seen.discard(vid)
    if len(r) > BYTES_MIN:
        _big_str(r)
    return r


def _big_str(r):
    """A collection's text is built bottom-up, each level checked when it is done: a
    structure sharing one sub-list many times (``l = [l, l]`` twenty times) stops once
    its text passes max_value_bytes, holding at most about twice that."""
    check_chars(len(r), "String form")
    charge_chars(len(r))


def _fn_str(v, seen=None):
    return "Function@" + str(id(v) & 0x7fffffff)


_SIMPLE_STR = {
    int: _int.__repr__,
    Long: lambda v: _int.__repr__(v),
    Byte: lambda v: _int.__repr__(v),
    float: format_double,
    Decimal: format_decimal,
    bool: lambda v: "true" if v else "false",
    _NoneType: lambda v: "null",
}


def to_str_inner(v, seen):
    """Printed form of a value nested in a collection (Strings are quoted)."""
    t = type(v)
    if t is str:
        return "'" + v + "'"
    f = _SIMPLE_STR.get(t)
    if f is not None:
        return f(v)
    if t is list or t is JArray:
        return _list_str(v, seen)
    if t is dict:
        return _map_str(v, seen)
    return _other_str(v, seen, True)


def _other_str(v, seen, inner):
    if isinstance(v, (Closure, BoundMethod)):
        return _fn_str(v)
    h = getattr(v, "_jactl_to_string", None)
    if h is not None:
        vid = id(v)
        if vid in seen:
            return "<CIRCULAR_REF>"
        seen.add(vid)
        try:
            return h(seen)
        finally:
            seen.discard(vid)
    user = getattr(v, "_jactl_user_to_string", None)
    if user is not None:
        r = user()
        if r is not None:
            return r
    fields = getattr(v, "_jactl_fields", None)
    if fields is not None:
        vid = id(v)
        if vid in seen:
            return "<CIRCULAR_REF>"
        seen.add(vid)
        try:
            items = list(fields())
            if not items:
                return "[:]"
            return "[" + ", ".join([_map_key_str(k, seen) + ":" + to_str_inner(x, seen)
                                    for k, x in items]) + "]"
        finally:
            seen.discard(vid)
    # subclasses of the builtin representations
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return "'" + v + "'" if inner else str.__str__(v)
    if isinstance(v, float):
        return format_double(v)
    if isinstance(v, Decimal):
        return format_decimal(v)
    if isinstance(v, int):
        return _int.__repr__(v)
    if isinstance(v, list):
        return _list_str(v, seen)
    if isinstance(v, dict):
        return _map_str(v, seen)
    if callable(v):
        return _fn_str(v)
    return str(v)


def to_string(v):
    """Jactl ``toString()``: a top-level String is itself."""
    t = type(v)
    if t is str:
        return v
    f = _SIMPLE_STR.get(t)
    if f is not None:
        return f(v)
    if t is list or t is JArray:
        return _list_str(v, set())
    if t is dict:
        return _map_str(v, set())
    return _other_str(v, set(), False)


# ---------------------------------------------------------------------------------------
# Truthiness

_BOOL_BY_LEN = frozenset((int, float, Decimal, str, list, dict, JArray, Long, Byte))


def truthy(v):
    """Jactl truthiness: null, false, 0, 0.0, '', [], [:] (and empty arrays) are false."""
    if v is True:
        return True
    if v is False or v is None:
        return False
    if type(v) in _BOOL_BY_LEN:
        return bool(v)
    if isinstance(v, (int, float, Decimal, str, list, dict)):
        return bool(v)
    return True


# ---------------------------------------------------------------------------------------
# Defaults

_DEFAULTS = {
    "int": 0, "long": Long(0), "double": 0.0, "Decimal": Decimal(0), "String": "",
    "boolean": False, "byte": Byte(0),
}


def default_value(type_name):
    """The value an uninitialised variable of the given type starts with."""
    d = _DEFAULTS.get(type_name, _DEFAULTS)
    if d is not _DEFAULTS:
        return d
    if type_name == "List":
        return []
    if type_name == "Map":
        return {}
    return None


# ---------------------------------------------------------------------------------------
# Numeric conversions

def to_decimal(v):
    """Convert a numeric value to Decimal the way Jactl does (doubles via Double.toString)."""
    t = type(v)
    if t is Decimal:
        return v
    if t is float:
        if v != v or v in (math.inf, -math.inf):
            raise JactlRuntimeError(f"Cannot convert double value '{format_double(v)}' to Decimal")
        return Decimal(format_double(v))
    return Decimal(int(v))


def _java_d2l(f, bits):
    """Java's (long)/(int) conversion of a double: NaN -> 0, saturating."""
    if f != f:
        return 0
    lo = -(1 << (bits - 1))
    hi = (1 << (bits - 1)) - 1
    if f >= hi:
        return hi
    if f <= lo:
        return lo
    return int(f)


_MOD64 = 1 << 64


def dec_int_low(d):
    """The integer part of Decimal d, exact when it fits in 64 bits and otherwise
    congruent to it modulo 2**64 — all Java's ``BigDecimal.intValue``/``longValue`` keep.
    ``int(Decimal('1E+100000'))`` alone takes 0.4 s (a million-digit exponent: minutes); this
    takes the same time for any exponent."""
    if d.adjusted() < 40:
        return int(d)
    sign, digits, exp = d.as_tuple()
    if exp <= 0:          # every digit is in the value: as long as the text, no longer
        return int(d)
    coeff = int(Decimal((sign, digits, 0)))
    return coeff * pow(10, exp, _MOD64) % _MOD64


def dec_count(d):
    """An int for a count or size given as a Decimal (``n.map{}``, ``'x' * n``, array
    sizes): exact below 10**20, clamped beyond — every such use refuses counts that large,
    and building the exact int of ``1E+100000`` would take seconds."""
    if d.adjusted() < 20:
        return int(d)
    return -10 ** 20 if d < 0 else 10 ** 20


def _num_to_int(v):
    t = type(v)
    if t is int:
        return v
    if t is float:
        return _java_d2l(v, 32)
    if t is Decimal:
        return wrap32(dec_int_low(v))
    return wrap32(int(v))


def _num_to_long(v):
    t = type(v)
    if t is float:
        return Long(_java_d2l(v, 64))
    if t is Long:
        return v
    if t is Decimal:
        return Long(wrap64(dec_int_low(v)))
    return Long(wrap64(int(v)))


def _num_to_byte(v):
    t = type(v)
    if t is Byte:
        return v
    if t is float:
        return Byte(_java_d2l(v, 32) & 0xff)
    if t is Decimal:
        return Byte(dec_int_low(v) & 0xff)
    return Byte(int(v) & 0xff)


def _num_to_double(v):
    t = type(v)
    if t is float:
        return v
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def _num_to_decimal(v):
    return to_decimal(v)


_NUM_CONV = {
    "int": _num_to_int, "long": _num_to_long, "byte": _num_to_byte,
    "double": _num_to_double, "Decimal": _num_to_decimal,
}


def _char_code(s, type_name):
    n = len(s)
    if n == 1:
        c = ord(s)
        if c > 0xFFFF:  # a surrogate pair in Java: the first code unit
            c = 0xD800 + ((c - 0x10000) >> 10)
        return c
    if n == 0:
        raise JactlRuntimeError(f"Empty String cannot be cast to {type_name}")
    raise JactlRuntimeError(f"String with multiple chars cannot be cast to {type_name}")


def _to_numeric(v, type_name, for_cast):
    t = type(v)
    if t in NUMERIC_TYPES:
        return _NUM_CONV[type_name](v)
    if t is str:
        return _NUM_CONV[type_name](_char_code(v, type_name))
    if v is None:
        if type_name == "Decimal":  # a reference type: null is a valid Decimal
            return None
        raise NullError(f"Cannot convert null value to {type_name}")
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        return _NUM_CONV[type_name](v)
    cn = class_name(v)
    raise JactlRuntimeError(f"Cannot convert from {cn} to {type_name}: "
                            f"object of type {cn} cannot be cast to {type_name}")


# ---------------------------------------------------------------------------------------
# Array types

def is_array_type(type_name):
    return type_name.endswith("[]")


def elem_type(type_name):
    """'int[][]' -> 'int[]'."""
    return type_name[:-2]


def _to_array(v, type_name, elem_conv, classes=None):
    """Convert a list/array to an array type, converting each element with elem_conv
    (given ``classes``, the script's class table, for elements of class type)."""
    et = type_name[:-2]
    if type(v) is JArray and v.elem == et:
        return v
    if isinstance(v, list):
        out = []
        for x in v:
            try:
                out.append(elem_conv(x, et, classes))
            except JactlRuntimeError as e:
                if x is None or isinstance(e, NullError):
                    raise
                if et.endswith("[]") and not isinstance(x, (list, str)):
                    detail = f"cannot cast {class_name(x)} to {et}"
                else:
                    detail = e.raw_message
                raise JactlRuntimeError(f"Cannot convert from {class_name(v)} to {type_name}: "
                                        f"incompatible types: {detail}") from None
        return JArray(et, out, classes)
    if v is None:
        return None
    if type(v) is str and et == "byte":
        return JArray("byte", [Byte(b) for b in v.encode("utf-8")])
    cn = class_name(v)
    raise JactlRuntimeError(f"Cannot convert from {cn} to {type_name}: "
                            f"cannot cast {cn} to {type_name}")


# ---------------------------------------------------------------------------------------
# instanceof

_INSTANCE_TYPES = {
    "int": (int,), "long": (Long,), "byte": (Byte,), "double": (float,),
    "Decimal": (Decimal,), "String": (str,), "boolean": (bool,), "List": (list,),
    "Map": (dict,), "Function": (Closure, BoundMethod),
}


def instance_of(v, type_name):
    """``v instanceof T``."""
    if v is None:
        return False
    if type_name in ("def", "Object"):
        return True
    types = _INSTANCE_TYPES.get(type_name)
    t = type(v)
    if types is not None:
        if t in types:
            return True
        if type_name == "List":
            return isinstance(v, list) and not isinstance(v, JArray)
        if type_name == "Map":
            return isinstance(v, dict)
        if type_name == "Function":
            return isinstance(v, (Closure, BoundMethod))
        return False
    if type_name == "Number":
        return t in NUMERIC_TYPES
    if type_name.endswith("[]"):
        if t is not JArray:
            return False
        return v.elem == type_name[:-2] or _array_elem_assignable(v.elem, type_name[:-2])
    f = getattr(v, "_jactl_isa", None)
    if f is not None:
        return bool(f(type_name))
    return class_name(v) == type_name


def _array_elem_assignable(have, want):
    if want in ("Object", "def"):
        return have not in ("int", "long", "double", "boolean", "byte")
    return False


# ---------------------------------------------------------------------------------------
# Casts: (T)x

def _cast_string(v, type_name):
    if type(v) is str or v is None:
        return v
    if type(v) is JArray and v.elem == "byte":
        return bytes(v).decode("utf-8", errors="replace")
    cn = class_name(v)
    raise JactlRuntimeError(f"Cannot convert object of type {cn} to String "
                            f"(cannot convert from {cn} to String)")


def _as_kind(v, target, accept, prefix):
    """v itself when it already is a ``target`` (List, Map, Function; an array becomes a
    List) or null, else Jactl's cast error. Casts say "Object of type X cannot be cast",
    conversions on assignment "X cannot be cast"."""
    if v is None or accept(v):
        return list(v) if type(v) is JArray else v
    cn = class_name(v)
    raise JactlRuntimeError(f"Cannot convert from {cn} to {target}: {prefix}{cn} cannot be cast to {target}")


def _is_list(v):
    return isinstance(v, list)


def _is_map(v):
    return isinstance(v, dict)


def _is_function(v):
    return isinstance(v, (Closure, BoundMethod))


def _cast_list(v, type_name):
    return _as_kind(v, "List", _is_list, "Object of type ")


def _cast_map(v, type_name):
    return _as_kind(v, "Map", _is_map, "Object of type ")


def _cast_function(v, type_name):
    return _as_kind(v, "Function", _is_function, "Object of type ")


def _conv_list(v, type_name):
    return _as_kind(v, "List", _is_list, "")


def _conv_map(v, type_name):
    return _as_kind(v, "Map", _is_map, "")


def _conv_function(v, type_name):
    return _as_kind(v, "Function", _is_function, "")


def _cast_boolean(v, type_name):
    if v is True or v is False:
        return v
    return truthy(v)


def _cast_any(v, type_name):
    return v


def _cast_num(v, type_name):
    return _to_numeric(v, type_name, True)


_CASTS = {
    "int": _cast_num, "long": _cast_num, "byte": _cast_num, "double": _cast_num,
    "Decimal": _cast_num, "String": _cast_string, "List": _cast_list, "Map": _cast_map,
    "Function": _cast_function, "boolean": _cast_boolean, "def": _cast_any,
    "Object": _cast_any, "var": _cast_any,
}


def cast(v, type_name, classes=None):
    """``(T)v``: numeric narrowing/widening, one-char String to char code, and checked
    reference casts. ``classes`` is the script's class table (name -> ClassDef; generated
    code passes it when T is one of its classes): a Map becomes an instance of one."""
    f = _CASTS.get(type_name)
    if f is not None:
        return f(v, type_name)
    if type_name.endswith("[]"):
        if v is None:
            return None
        if type(v) is JArray and (v.elem == type_name[:-2]
                                  or _array_elem_assignable(v.elem, type_name[:-2])):
            return v
        if isinstance(v, list):
            return _to_array(v, type_name, convert, classes)
        raise JactlRuntimeError(f"Object of type {class_name(v)} cannot be cast to {type_name}")
    return _class_cast(v, type_name, classes)


def find_class(classes, name):
    """The ClassDef of class ``name`` in a script's class table (a nested or imported class
    also by its last name), or None."""
    if not classes:
        return None
    cd = classes.get(name)
    if cd is None:
        for k, c in classes.items():
            if k.rsplit(".", 1)[-1] == name:
                return c
    return cd


def _map_to_obj(v, type_name, classes):
    cd = find_class(classes, type_name)
    if cd is None:
        return None
    return cd.from_map(v)


def _class_cast(v, type_name, classes):
    if v is None:
        return None
    if instance_of(v, type_name):
        return v
    if type(v) is dict:
        r = _map_to_obj(v, type_name, classes)
        if r is not None:
            return r
    raise JactlRuntimeError(f"Object of type {class_name(v)} cannot be cast to {type_name}")


# ---------------------------------------------------------------------------------------
# Implicit conversion (assignment to a typed variable, typed parameters)

def _conv_int(v, type_name):
    if type(v) is int:
        return v
    return _to_numeric(v, "int", False)


def _conv_long(v, type_name):
    if type(v) is Long:
        return v
    return _to_numeric(v, "long", False)


def _conv_double(v, type_name):
    if type(v) is float:
        return v
    return _to_numeric(v, "double", False)


def _conv_decimal(v, type_name):
    if type(v) is Decimal:
        return v
    return _to_numeric(v, "Decimal", False)


def _conv_byte(v, type_name):
    if type(v) is Byte:
        return v
    return _to_numeric(v, "byte", False)


_CONVERTS = {
    "int": _conv_int, "long": _conv_long, "double": _conv_double, "Decimal": _conv_decimal,
    "byte": _conv_byte, "String": _cast_string, "List": _conv_list, "Map": _conv_map,
    "Function": _conv_function, "boolean": _cast_boolean, "def": _cast_any,
    "Object": _cast_any, "var": _cast_any,
}


def convert(v, type_name, classes=None):
    """Implicit conversion of a value stored into a variable/field/parameter of type
    ``type_name`` (``int i = 1.5`` -> 1, ``long l = 1`` -> 1L, ``int i = 'a'`` -> 97,
    ``boolean b = []`` -> false, lists to arrays element by element)."""
    f = _CONVERTS.get(type_name)
    if f is not None:
        return f(v, type_name)
    if type_name.endswith("[]"):
        if v is None:
            return None
        return _to_array(v, type_name, convert, classes)
    return _class_cast_convert(v, type_name, classes)


def cv_arg(v, tname, classes=None):
    """Conversion of an argument to a parameter of type ``tname``: ``convert`` with
    Jactl's wording for arguments."""
    try:
        return convert(v, tname, classes)
    except JactlError as e:
        if v is None:
            raise
        msg = e.raw_message
        if "Cannot convert" in msg and "argument" not in msg:
            extra = f": {msg}" if "cannot be cast" in msg else ""
            raise JactlRuntimeError(
                f"Cannot convert argument of type {class_name(v)} to parameter type of "
                f"{tname}{extra}") from None
        raise


def _class_cast_convert(v, type_name, classes):
    if v is None:
        return None
    if instance_of(v, type_name):
        return v
    if type(v) is dict:
        r = _map_to_obj(v, type_name, classes)
        if r is not None:
            return r
    raise JactlRuntimeError(f"Cannot convert from {class_name(v)} to {type_name}: "
                            f"{class_name(v)} cannot be cast to {type_name}")


# ---------------------------------------------------------------------------------------
# ``as``

_INT_STR_RE = re.compile(r"[+-]?[0-9]+\Z")
_DEC_STR_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_DBL_STR_RE = re.compile(
    r"\s*[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?)\s*\Z")


def parse_int_string(s, type_name):
    """Integer.parseInt / Long.parseLong semantics."""
    if not _INT_STR_RE.match(s):
        raise JactlRuntimeError(f"String value is not a valid {type_name}: '{s}'")
    i = int(s) if len(s) <= 40 else _long_int_text(s)
    if type_name == "int":
        if not -0x80000000 <= i <= 0x7fffffff:
            raise JactlRuntimeError(f"String value is not a valid int: '{s}'")
        return i
    if not -0x8000000000000000 <= i <= 0x7fffffffffffffff:
        raise JactlRuntimeError(f"String value is not a valid long: '{s}'")
    return Long(i)


def _long_int_text(s):
    """An integer text too long for any int or long: the value of its leading zeros
    stripped, or one past the long range (Python refuses int() of 4300+ digits)."""
    digits = s.lstrip("+-").lstrip("0")
    if len(digits) <= 40:
        return int(s[0] + digits) if s[0] == "-" else int(digits or "0")
    return -(1 << 64) if s[0] == "-" else 1 << 64


def _as_num_from_str(s, type_name):
    if type_name == "int" or type_name == "long":
        return parse_int_string(s, type_name)
    if type_name == "byte":
        if not _INT_STR_RE.match(s):
            raise JactlRuntimeError(f"String value is not a valid number: '{s}'")
        return Byte((int(s) if len(s) <= 40 else _long_int_text(s)) & 0xff)
    if type_name == "double":
        if not _DBL_STR_RE.match(s):
            raise JactlRuntimeError(f"String value is not a valid double: '{s}'")
        s2 = s.strip().rstrip("fFdD")
        if s2.lstrip("+-") == "Infinity":
            return -math.inf if s2.startswith("-") else math.inf
        return float(s2)
    # Decimal
    if not _DEC_STR_RE.match(s):
        raise JactlRuntimeError(f"String value is not a valid Decimal: '{s}'")
    return check_decimal(Decimal(s))


def _as_num(v, type_name):
    t = type(v)
    if t in NUMERIC_TYPES:
        return _NUM_CONV[type_name](v)
    if t is str:
        return _as_num_from_str(v, type_name)
    if v is None:
        raise NullError(f"Null value cannot be coerced to {type_name}")
    raise JactlRuntimeError(f"Cannot coerce object of type {class_name(v)} to {type_name}")


def _as_string(v, type_name):
    if v is None:
        return None
    if type(v) is JArray and v.elem == "byte":
        return bytes(v).decode("utf-8", errors="replace")
    return to_string(v)


def _as_list(v, type_name):
    t = type(v)
    if t is list:
        return v
    if t is dict:
        return [[k, x] for k, x in v.items()]
    if t is str:
        return list(v)
    if t is JArray:
        return list(v)
    if v is None:
        return None
    if isinstance(v, list):
        return list(v)
    it = getattr(v, "_jactl_iter", None)  # lazy iterators from collection methods
    if it is not None:
        return list(it())
    raise JactlRuntimeError(f"Cannot coerce object of type {class_name(v)} to List")


def _as_map(v, type_name):
    t = type(v)
    if t is dict:
        return v
    if v is None:
        return None
    if t is list or t is JArray or isinstance(v, list):
        return list_to_map(v)
    fields = getattr(v, "_jactl_fields", None)
    if fields is not None:
        return _instance_to_map(v, set())
    it = getattr(v, "_jactl_iter", None)
    if it is not None:
        return list_to_map(list(it()))
    raise JactlRuntimeError(f"Cannot coerce object of type {class_name(v)} to Map")


def _instance_to_map(v, seen):
    vid = id(v)
    if vid in seen:
        raise JactlRuntimeError("Self-referential data-structure: cannot convert to Map")
    seen.add(vid)
    try:
        m = {}
        for k, x in v._jactl_fields():
            if getattr(x, "_jactl_fields", None) is not None:
                x = _instance_to_map(x, seen)
            m[k] = x
        return m
    finally:
        seen.discard(vid)


def list_to_map(v):
    """A list of [key, value] pairs as a Map."""
    m = {}
    for e in v:
        if not isinstance(e, list) or len(e) != 2:
            if isinstance(e, list):
                raise JactlRuntimeError(
                    f"Cannot coerce list to Map: element must be a list of size 2 "
                    f"(was size {len(e)})")
            raise JactlRuntimeError(
                f"Cannot coerce list to Map: element of type {class_name(e)} is not a list "
                f"of size 2")
        k = e[0]
        try:
            m[k] = e[1]
        except TypeError:
            m[hkey(k)] = e[1]
    return m


def _as_boolean(v, type_name):
    return truthy(v)


def _as_function(v, type_name):
    if v is None or isinstance(v, (Closure, BoundMethod)):
        return v
    raise JactlRuntimeError(f"Cannot coerce object of type {class_name(v)} to Function")


_AS = {
    "int": _as_num, "long": _as_num, "double": _as_num, "Decimal": _as_num, "byte": _as_num,
    "String": _as_string, "List": _as_list, "Map": _as_map, "boolean": _as_boolean,
    "Function": _as_function, "def": _cast_any, "Object": _cast_any, "var": _cast_any,
}


def _as_elem(x, et, classes):
    if et.endswith("[]"):
        if x is None:
            return None
        return _as_array(x, et, classes)
    if et in ("String",):
        return None if x is None else to_string(x)
    if et in ("int", "long", "double", "Decimal", "byte", "boolean"):
        return convert(x, et)
    return as_type(x, et, classes)


def _as_array(v, type_name, classes):
    if v is None:
        return None
    et = type_name[:-2]
    if type(v) is str and et == "byte":
        return JArray("byte", [Byte(b) for b in v.encode("utf-8")])
    if type(v) is JArray and v.elem == et:
        return v
    if isinstance(v, list):
        return JArray(et, [_as_elem(x, et, classes) for x in v], classes)
    if type(v) is dict:
        return JArray(et, [_as_elem([k, x], et, classes) for k, x in v.items()], classes)
    it = getattr(v, "_jactl_iter", None)
    if it is not None:
        return JArray(et, [_as_elem(x, et, classes) for x in it()], classes)
    raise JactlRuntimeError(f"Cannot coerce object of type {class_name(v)} to {type_name}")


def as_type(v, type_name, classes=None):
    """``v as T`` (``classes``: the script's class table, as for ``cast``)."""
    f = _AS.get(type_name)
    if f is not None:
        return f(v, type_name)
    if type_name.endswith("[]"):
        return _as_array(v, type_name, classes)
    if v is None:
        return None
    if instance_of(v, type_name):
        return v
    if type(v) is dict:           # ``[i:2] as X``: the Map's entries become the fields
        r = _map_to_obj(v, type_name, classes)
        if r is not None:
            return r
    elif isinstance(v, list):
        if find_class(classes, type_name) is not None:
            raise JactlRuntimeError(f"Cannot coerce from List to instance of {type_name}")
    raise JactlRuntimeError(f"Cannot coerce object of type {class_name(v)} to {type_name}")


# ---------------------------------------------------------------------------------------
# Lists and maps as map keys

def deep_hash(v):
    """A hash of a value consistent with Jactl equality of map keys (by content)."""
    t = type(v)
    if t is str or t is int or v is None or t is bool:
        return hash(v)
    if isinstance(v, list):
        return hash(tuple([deep_hash(x) for x in v]))
    if isinstance(v, dict):
        return hash(frozenset([(deep_hash(k), deep_hash(x)) for k, x in v.items()]))
    try:
        return hash(v)
    except TypeError:
        return id(v)


class KeyList(list):
    """A List used as a map key: hashed by its contents (as Java's ArrayList is)."""
    __slots__ = ()
    TAG = "keylist"
    FIELDS = ("elems",)
    _jactl_type_keys = ("List", "Iterable", "Object")

    def __hash__(self):
        return deep_hash(self)

    @property
    def elems(self):
        return list(self)

    @elems.setter
    def elems(self, v):
        self[:] = v

    def _jactl_class_name(self):
        return "List"

    def validate(self, check):
        """Checkpoint restore: a key copy holds values."""
        for x in self:
            check.value(x, "list element")


class KeyMap(dict):
    """A Map used as a map key: hashed by its contents."""
    __slots__ = ()
    TAG = "keymap"
    FIELDS = ("elems",)
    _jactl_type_keys = ("Map", "Iterable", "Object")

    def __hash__(self):
        return deep_hash(self)

    @property
    def elems(self):
        return [x for kv in self.items() for x in kv]

    @elems.setter
    def elems(self, v):
        self.clear()
        it = iter(v)
        self.update(zip(it, it))

    def _jactl_class_name(self):
        return "Map"

    def validate(self, check):
        for k, x in self.items():
            check.key(k)
            check.value(x, "map value")


def _register_keys():
    from .continuation import serializable
    serializable(KeyList)
    serializable(KeyMap)


_register_keys()


def hkey(k):
    """A map key as Python can hash it: Lists and Maps become KeyList/KeyMap copies;
    everything else is itself."""
    t = type(k)
    if t is list or t is JArray:
        return KeyList(k)
    if t is dict:
        return KeyMap(k)
    if isinstance(k, list) and t is not KeyList:
        return KeyList(k)
    if isinstance(k, dict) and t is not KeyMap:
        return KeyMap(k)
    return k
