"""The names generated code may reference — the contract between codegen and runtime.

Each script instance's namespace starts as a copy of EXPORTS, plus MODULE_NAMES (``_G`` its
globals map, ``_RT`` its runtime state, ``_H`` its script hash, and the limit counters).
Besides those, generated code uses only the Python builtins in PYTHON_BUILTINS and the
names it defines itself; tests/lang/codegen/test_exports_contract.py checks this.
"""

MODULE_NAMES = frozenset(("_G", "_RT", "_H", "_BC", "_D", "_DMAX"))

# Python builtins inline fast paths may call (type tests, int/float arithmetic, sizes,
# for-in loops over a List)
PYTHON_BUILTINS = frozenset(("type", "int", "float", "str", "len", "dict", "list", "tuple",
                             "bool", "isinstance", "range", "enumerate"))

from .access import (field, field_auto, field_ns, gget, index, index_auto, index_ns, index_or_null, field_or_null,
                     iter_list, mget, new_array, setfield, setindex)
from . import argconv  # noqa: F401 - installs argument conversion into functions.py
from .calls import (BUILTINS, b_print, b_println, b_sprintf, bcall, bcall_named, builtin_value, call,
                    call_named, die, invoke, invoke_eager, invoke_named, missing_arg,
                    stmt_checkpoint)
from ..errors import NullError
from .objects import null_receiver_error
from .continuation import CodeFrame, Suspend
from .functions import Closure, FunctionInfo
from .iteration import as_list
from .iterators import to_list
from .types import MISSING, Byte, Cell, Decimal, Long
from . import ops, patterns, regex
from .limits import charge, check_chars, check_slots
from .values import as_type, cast, convert, cv_arg, instance_of, to_string, truthy, wrap32


def _notin(a, b):
    return not ops.in_(a, b, "!in")


def _dflt(cur, v):
    """Current value of a map entry/element under a compound assignment: a missing one
    starts from the operator's zero."""
    if cur is not None:
        return cur
    if type(v) is str:
        return ""
    if type(v) is list:
        return []
    if type(v) is dict:
        return {}
    return 0


def _cset(cell, v):
    """Store v in a captured variable's cell inside an expression (a match's groups)."""
    cell.v = v
    return v


def _try_null(fn):
    """``x ?= expr``: a null value met while evaluating expr makes the result null."""
    try:
        return fn()
    except NullError:
        return None
    except AttributeError as e:      # typed code met a null receiver
        if null_receiver_error(e) is None:
            raise
        return None


def _big_string(s):
    """An interpolated String longer than BYTES_MIN: within max_value_bytes?"""
    check_chars(len(s))
    charge(len(s) // 64)
    return s


def _pipe_src(obj, name, stages=1):
    """Elements an inlined ``map``/``filter`` iterates (what the method would); ``stages``
    inlined stages fused into one comprehension run over them."""
    if obj is None:
        raise NullError(f"Tried to invoke method on null value ({name})")
    if type(obj) is int:    # n's range, with as_list's checks and charge but no List
        check_slots(obj)
        charge(obj)
        src = range(obj)
    else:
        src = as_list(to_list(obj))
    charge(len(src) * stages)   # the inlined closures make no call: a unit per element here
    return src


from .objects import ClassDef, JObject, cv_arg_obj, cv_obj, nn_obj, null_assign  # noqa: E402

EXPORTS = {
    "_ClassDef": ClassDef, "_JObject": JObject, "_cv_obj": cv_obj, "_cv_arg_obj": cv_arg_obj,
    "_null_assign": null_assign, "_nn_obj": nn_obj,
    "_FI": FunctionInfo, "_M": MISSING, "_Cell": Cell, "_Closure": Closure,
    "_Suspend": Suspend, "_CF": CodeFrame, "_Long": Long, "_Byte": Byte, "_Dec": Decimal,
    "_Dec0": Decimal(0), "_dec_zero": ops._fix_dec_zero, "_istr": int.__repr__, "_w32": wrap32, "_str": to_string, "_tr": truthy,
    "_add": ops.add, "_sub": ops.sub, "_mul": ops.mul, "_div": ops.div, "_mod": ops.mod,
    "_rem": ops.rem, "_band": ops.bit_and, "_bor": ops.bit_or, "_bxor": ops.bit_xor,
    "_shl": ops.shl, "_shr": ops.shr, "_ushr": ops.ushr, "_eq": ops.eq, "_ne": ops.ne,
    "_is": ops.identical, "_isnot": ops.not_identical, "_lt": ops.lt, "_le": ops.le,
    "_gt": ops.gt, "_ge": ops.ge, "_cmp": ops.compare, "_in": ops.in_, "_notin": _notin,
    "_neg": ops.neg, "_pos": ops.pos, "_bnot": ops.bit_not, "_incr": ops.incr,
    "_decr": ops.decr, "_add_assign": ops.add_assign, "_shl_assign": ops.shl_assign,
    "_cv": convert, "_cv_arg": cv_arg, "_cast": cast, "_as": as_type,
    "_instanceof": instance_of, "_index": index, "_index_ns": index_ns, "_index_tol": index_or_null, "_field_tol": field_or_null,
    "_setindex": setindex, "_field": field, "_field_ns": field_ns, "_setfield": setfield,
    "_field_auto": field_auto, "_index_auto": index_auto, "_mget": mget, "_gget": gget,
    "_iter_list": iter_list, "_call": call, "_call_named": call_named, "_invoke": invoke, "_invoke_eager": invoke_eager,
    "_invoke_named": invoke_named, "_bcall": bcall, "_bcall_named": bcall_named,
    "_B_println": b_println, "_B_print": b_print, "_B_sprintf": b_sprintf, "_builtin_value": builtin_value,
    "_die": die, "_rx_find": regex.find, "_rx_next": regex.next_match,
    "_rx_subst": regex.substitute, "_rx_matches": regex.matches,
    "_rx_text": regex.replacement_text, "_rx_join": regex.join_replaced, "_cap": regex.capture, "_stmt_checkpoint": stmt_checkpoint,
    "_missing_arg": missing_arg, "_bigs": _big_string, "_lst": to_list, "_pipe_src": _pipe_src, "_dflt": _dflt, "_try_null": _try_null, "_cset": _cset, "_new_array": new_array,
    "_sw_t": patterns.sw_t, "_sw_cset": patterns.sw_cset, "_sw_islist": patterns.sw_islist,
    "_sw_eq": patterns.sw_eq, "_for_no_match": patterns.for_no_match,
}

# inline typed long arithmetic and array access (codegen/typed.py)
from . import fastnum as _fastnum  # noqa: E402
from .types import JArray as _JArray  # noqa: E402
from . import fastformat as _fastformat  # noqa: E402
EXPORTS.update({"_FMT_D": _fastformat.FMT_D, "_FMT_S": _fastformat.FMT_S})
EXPORTS.update({"_w64": _fastnum.w64, "_ldiv": _fastnum.ldiv, "_lmod": _fastnum.lmod,
                "_JA": _JArray})

__all__ = ["EXPORTS", "BUILTINS", "MODULE_NAMES", "PYTHON_BUILTINS"]

# ``[(k):v]`` map literals whose keys are Lists/Maps: codegen wraps a non-constant key as
# ``_hk(k)`` (a hashable KeyList/KeyMap copy for List/Map keys, the key itself otherwise).
from .values import hkey as _hkey  # noqa: E402


def _literal_key(k):
    """A computed key of a map literal: never null (Jactl's rule), hashable."""
    if k is None:
        raise NullError("Map key must not be null")
    return _hkey(k)


EXPORTS["_hk"] = _literal_key

# ``x ?= expr`` whose expr has parts that suspend: those run as steps inside
# ``try: ... except _NullError:`` (codegen null_tolerant), the rest through _try_null
EXPORTS["_NullError"] = NullError



class _DateTimeClasses:
    """``_DTS[name]``: the builtin date/time class values (``LocalDate.now()``...). The
    date/time runtime (datetime.py, its methods, zoneinfo) is imported on first use: it
    is ~10 ms of every start-up, and a date/time value can only come from here or from a
    checkpoint (whose decoder loads it the same way, see ``load_datetime``)."""

    __slots__ = ()

    def __getitem__(self, name):
        return load_datetime()[name]


def load_datetime():
    from .datetime import STATICS
    from . import datetime_methods  # noqa: F401 - registers the methods
    return STATICS


EXPORTS["_DTS"] = _DateTimeClasses()

# fast calls of function values with exact arity (untyped code; see runtime/fastcalls.py)
from .fastcalls import EXPORTS as _FASTCALLS  # noqa: E402
EXPORTS.update(_FASTCALLS)
