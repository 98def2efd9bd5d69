"""Indexing and field access: ``x[i]``, ``x.f``, stores, and auto-creation (``x.a.b = 1``)."""

from ..errors import JactlRuntimeError, NullError
from .functions import BoundMethod
from .types import JArray, Decimal
from .readonly import ReadOnlyList
from .values import class_name, convert, dec_count, default_value, hkey, to_string
from .methods import METHODS, has_method
from .iteration import as_list
from .objects import JObject, auto_field, get_field, set_field
from .limits import charge, check_slots


def _int_index(i):
    t = type(i)
    if t is int:
        return i
    if t is bool:
        raise JactlRuntimeError("Invalid index type: boolean")
    if isinstance(i, int):
        return int(i)
    if isinstance(i, Decimal):
        return dec_count(i)
    if isinstance(i, float):
        return int(i)
    if i is None:
        raise NullError("Null value for index")
    raise JactlRuntimeError(f"Non-numeric value for index: index must be numeric, not {class_name(i)}")


def _neg_index(i, n):
    return JactlRuntimeError(f"Negative index ({i}) out of range (list size is {n})")


def index(o, i):
    t = type(o)
    if t is list:
        if type(i) is int:
            if i >= 0:
                return o[i] if i < len(o) else None
            if -i <= len(o):
                return o[i]
            raise _neg_index(i, len(o))
        i = _int_index(i)
        n = len(o)
        if i < 0:
            if i + n < 0:
                raise _neg_index(i, n)
            i += n
        return o[i] if i < n else None
    if t is dict:
        if i is None:
            raise NullError("Null value for field name")
        try:
            return o.get(i)
        except TypeError:
            return o.get(hkey(i))
    if t is str:
        if i is None:       # (Jactl converts a String's index to int first)
            raise NullError("Cannot convert null value to int")
        i = _int_index(i)
        n = len(o)
        j = i + n if i < 0 else i
        if j < 0 or j >= n:
            raise JactlRuntimeError(f"Index out of bounds: String index out of range: {i}")
        return o[j]
    if t is JArray:
        i = _int_index(i)
        n = len(o)
        j = i + n if i < 0 else i
        if j < 0 or j >= n:
            raise JactlRuntimeError(f"Array index out of bounds: {i}")
        return o[j]
    if o is None:
        raise NullError("Null parent object for index access")
    if isinstance(o, JObject) and isinstance(i, str):     # x['field']
        return get_field(o, i)
    if isinstance(o, list):
        return index(list(o), i)
    if isinstance(o, dict):
        return index(dict(o), i)
    raise JactlRuntimeError(f"Invalid object type ({class_name(o)}) for index operation: expected Map/List/Array/String")


def index_ns(o, i):
    if o is None:
        return None
    return index(o, i)


def field_or_null(o, name):
    """``o.name`` where a null met makes the value null (index_or_null's twin)."""
    try:
        return field(o, name)
    except NullError:
        return None


def index_or_null(o, i):
    """``o[i]`` where a null met makes the value null (``o[i] ?: d``, ``x ?= o[i]``): the
    fallback of the inline fast paths, so the common case builds no closure for _try_null."""
    try:
        return index(o, i)
    except NullError:
        return None


def setindex(o, i, v):
    t = type(o)
    if t is list or t is ReadOnlyList:      # (a ReadOnlyList refuses the store)
        i = _int_index(i)
        n = len(o)
        if i < 0:
            if i + n < 0:
                raise _neg_index(i, n)
            i += n
        if i >= n:
            check_slots(i + 1)
            charge(i - n)
            o.extend([None] * (i - n + 1))
        o[i] = v
        return v
    if t is dict:
        if i is None:
            raise NullError("Null value for field name")
        try:
            o[i] = v
        except TypeError:
            o[hkey(i)] = v
        return v
    if t is JArray:
        i = _int_index(i)
        n = len(o)
        if i < 0:
            i += n
        if i < 0 or i >= n:
            raise JactlRuntimeError(f"Array index out of bounds: {i if i >= 0 else i - n}")
        elem = o.elem
        o[i] = convert(v, elem, o.classes) if elem not in ("Object", "def") else v
        return v
    if o is None:
        raise NullError("Null value for array/map in store")
    if isinstance(o, JObject) and isinstance(i, str):     # x['field'] = v
        return set_field(o, i, v)
    if type(o) is str:
        raise JactlRuntimeError("Invalid object type (String) for storing value: cannot assign "
                                "to element of string")
    raise JactlRuntimeError(
        f"Invalid object type ({class_name(o)}) for storing value: expected Map/List/Array")


def field(o, name):
    t = type(o)
    if t is dict:
        if name is None:
            raise NullError("Null value for field name")
        try:
            v = o.get(name)
        except TypeError:
            v = o.get(hkey(name))
        if v is None and type(name) is str and name not in o:
            if has_method(o, name):
                return BoundMethod(o, name)
        if v is None and isinstance(name, (int, float)):
            v = o.get(to_string(name))      # ``m.(1)`` also finds the key '1'
        return v
    if o is None:
        raise NullError("Null value for parent during field access")
    cls = getattr(t, "_cls", None)      # a class instance: a field is its slot
    if cls is not None and type(name) is str:
        s = cls.slot_of.get(name)
        if s is not None:
            return getattr(o, s)
    if isinstance(o, JObject) and isinstance(name, str):
        try:
            return get_field(o, name)
        except JactlRuntimeError:
            if has_method(o, name):      # a builtin method of every object (className)
                return BoundMethod(o, name)
            raise
    if isinstance(name, str):
        if has_method(o, name):
            return BoundMethod(o, name)
    if t is list or t is JArray:
        if isinstance(name, int) and not isinstance(name, bool):
            return index(o, name)
    if isinstance(o, dict):
        return o.get(name)
    raise _field_err(o, name)


def _field_err(o, name):
    cn = class_name(o)
    if isinstance(name, str):
        if any(k[1] == name for k in METHODS):
            return JactlRuntimeError(f"No matching method '{name}' for type {cn}")
    if type(o) is JArray:
        return JactlRuntimeError(f"Invalid object type ({cn}): field access not supported "
                                 f"for arrays")
    if isinstance(o, (str, list)):
        return JactlRuntimeError(f"Invalid object type ({cn}) for field access: field access "
                                 "not supported")
    return JactlRuntimeError(f"Invalid parent object type ({cn}): expected Map")


def field_ns(o, name):
    if o is None:
        return None
    return field(o, name)


def setfield(o, name, v):
    if type(o) is dict:
        if name is None:
            raise NullError("Null value for field name")
        try:
            o[name] = v
        except TypeError:
            o[hkey(name)] = v
        return v
    if o is None:
        raise NullError("Null value for parent during field assignment")
    if isinstance(o, JObject) and isinstance(name, str):
        return set_field(o, name, v)
    if type(o) in (list, JArray) and isinstance(name, int):
        return setindex(o, name, v)
    raise JactlRuntimeError(
        f"Invalid object type ({class_name(o)}) for field access: expected Map")


def field_auto(o, name, kind):
    """``o.name`` on the left of an assignment: a missing value becomes an empty map or
    list (``kind``) stored in o."""
    if type(o) is dict:
        v = o.get(name)
        if v is None:
            v = {} if kind == "map" else []
            o[name] = v
        return v
    if isinstance(o, JObject) and isinstance(name, str):
        return auto_field(o, name, kind)
    return field(o, name)


def index_auto(o, i, kind):
    if isinstance(o, JObject) and isinstance(i, str):
        return auto_field(o, i, kind)
    v = index(o, i) if type(o) is not dict else o.get(i)
    if v is None and type(o) in (dict, list):
        v = {} if kind == "map" else []
        setindex(o, i, v)
    return v


def mget(v, i):
    """Element i of the right-hand side of a multi-assignment."""
    if type(v) in (list, JArray):
        return v[i] if i < len(v) else None
    if v is None:
        return None
    if not isinstance(v, (str, dict, list)):
        raise JactlRuntimeError(f"Invalid parent object type ({class_name(v)}) for "
                                "multi-assignment: expected List")
    return index(v, i)


def gget(g, name):
    try:
        return g[name]
    except KeyError:
        raise JactlRuntimeError(f"Reference to unknown variable '{name}'") from None


def iter_list(v):
    """What a for-in loop iterates: a list snapshot (so the position is a plain index
    that survives checkpointing). Iterating null is an error, as in Jactl."""
    if v is None:
        raise NullError("Tried to iterate over null object")
    return as_list(v)


_PRIMITIVE_ELEMS = frozenset(("int", "long", "double", "boolean", "byte"))


def new_array(type_name, sizes, classes=None):
    """``new int[2][3]``: nested JArrays; dimensions without a size hold nulls (classes:
    the script's class table, for an array of one of its classes)."""
    elem = type_name[:-2]
    n = sizes[0]
    if n is None:
        raise JactlRuntimeError("Array size must be given")
    if not isinstance(n, (int, float, Decimal)) or isinstance(n, bool):
        cn = class_name(n)
        raise JactlRuntimeError(f"Cannot convert from {cn} to int for array size: "
                                f"{cn} cannot be cast to int")
    n = _int_index(n)
    if n < 0:
        raise JactlRuntimeError(f"Negative array size: {n}")
    total = n
    for m in sizes[1:]:   # new int[n][m]: all n*m elements are made in this one call
        if type(m) is int and m > 0:
            total *= m
    check_slots(total, "Array")
    charge(total)
    if len(sizes) > 1:
        return JArray(elem, [new_array(elem, sizes[1:], classes) for _ in range(n)], classes)
    fill = default_value(elem) if elem in _PRIMITIVE_ELEMS else None
    return JArray(elem, [fill] * n, classes)
