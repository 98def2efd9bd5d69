"""Collection methods that call closures (``each``, ``map``, ``filter``, ``sort``, ...).

When the closure cannot suspend, each method is a plain Python loop. When it can, the
method runs as an explicit state object (a BuiltinFrame: source list, position,
accumulator) instead of a Python generator, so that a closure suspending mid-iteration
leaves a frame the checkpoint encoder can write and the resume can continue from.

Jactl's stages are lazy; this implementation evaluates each stage to a list (the values are
the same; the order of side effects across chained stages can differ).
"""

import functools

from ..errors import JactlRuntimeError, NullError
from .continuation import BuiltinFrame, Suspend, serializable
from .functions import BoundMethod, Closure, direct
from .types import MISSING, Decimal, JArray, Long
from . import ops
from .values import class_name, dec_count, hkey, truthy
from .limits import charge, check_slots
from .methods import register
from .builtin_facts import CLOSURE_METHODS as FACTS


def as_list(v):
    """The elements a collection method iterates. Making a new list (of a Map's entries,
    a String's characters, ``n``'s range) is work charged to the budget, and its size is
    checked first: ``1000000000.map{...}`` must fail before it allocates."""
    t = type(v)
    if t is list or t is JArray:
        return v
    if t is dict:
        n = len(v)
        check_slots(n)
        charge(n)
        return list(map(list, v.items()))
    if t is str:
        n = len(v)
        check_slots(n)
        charge(n)
        return list(v)
    if t is int or t is Long:
        return _range_list(v)
    if v is None:
        raise JactlRuntimeError("Null value for collection")
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        return _range_list(v)
    if isinstance(v, list):
        return v
    if isinstance(v, dict):
        return [[k, x] for k, x in v.items()]
    it = getattr(v, "_jactl_iter", None)
    if it is not None:
        return list(it())
    raise JactlRuntimeError(f"Cannot iterate over object of type {class_name(v)}")


def _range_list(v):
    if type(v) is Decimal:
        n = dec_count(v)
    else:
        n = int(v)
    check_slots(n)
    charge(n)
    return list(range(n))


def call_item(f, x):
    """Call a closure with one collection element; a closure declaring two or more
    parameters destructures a list element (``{ k, v -> }`` over map entries)."""
    if type(f) is Closure:
        fi = f.fn
        n = len(fi.params)
        if n == 1 and not fi.conv:
            if fi.has_cells:
                return fi.pyfunc(f.cells, x)
            return fi.pyfunc(x)
        if n >= 2 and type(x) is list and len(x) > 1:
            if len(x) == n and not fi.conv:     # (a map entry for { k, v -> })
                return fi.pyfunc(f.cells, *x) if fi.has_cells else fi.pyfunc(*x)
            return f(*x)
        return f(x)
    return call(f, (x,))


def item_function(f):
    """What call_item(f, x) calls, as a Python function of x, when that is f's generated
    function itself (a closure of one parameter needing no conversion; it may suspend: a
    Suspend propagates through it as through call_item), else None."""
    if type(f) is Closure:
        fi = f.fn
        if fi.nparams == 1 and not fi.conv:
            return functools.partial(fi.pyfunc, f.cells) if fi.has_cells else fi.pyfunc
    return None


def pair_function(f):
    """What call_item(f, x) calls for an element x that is a two-element List (a Map
    entry), as a Python function of its two values, when f is a closure of exactly two
    parameters needing no conversion (``{ k, v -> }``), else None. It may suspend."""
    if type(f) is Closure:
        fi = f.fn
        if fi.nparams == 2 and not fi.conv:
            return functools.partial(fi.pyfunc, f.cells) if fi.has_cells else fi.pyfunc
    return None


def call_args(f, args):
    """Call a closure with several values (reduce, sort, mapWithIndex): a closure with a
    single parameter gets them as one list."""
    if type(f) is Closure:
        if len(f.fn.params) == 1 and len(args) > 1:
            return f(list(args))
        return f(*args)
    return call(f, tuple(args))


_direct = direct      # (f as a plain Python function of n arguments, or None)


# Calling a function value that is not a Closure (a bound builtin method, or a value that
# is no function) is calls.call, in the layer above: calls.py installs it here when it is
# imported (a module never imports one above it: test_import_layers.py).
def call(f, args):
    raise RuntimeError("lang.runtime.calls is not loaded")


def _may_suspend(f):
    if type(f) is Closure:      # (its property, without the property call)
        return f.fn.may_suspend
    return getattr(f, "may_suspend", True)


# ------------------------------------------------------------------ generic loop frame

CONSUME = {}
FINISH = {}
START = {}


@serializable
class LoopFrame(BuiltinFrame):
    """State of a closure-calling method over a list: op name, source, closure,
    position, accumulator, extra argument."""
    TAG = "loop"
    FIELDS = ("op", "src", "fn", "i", "acc", "extra")
    __slots__ = FIELDS

    def __init__(self, op, src, fn, acc=None, extra=None):
        self.op = op
        self.src = src
        self.fn = fn
        self.i = 0
        self.acc = acc
        self.extra = extra

    def validate(self, check):
        """Checkpoint restore: a known operation suspended in its closure's call for element
        ``i`` of ``src``, with the accumulator that operation builds."""
        op = self.op
        check.that(type(op) is str and op in CONSUME, f"unknown loop operation {op!r}")
        src = check.list(self.src, "loop source")
        check.function(self.fn, what="loop closure")
        check.index(self.i, 0, len(src) - 1, "loop position")
        acc, extra = self.acc, self.extra
        if op in ("map", "filter", "flatMap", "mapWithIndex"):
            check.that(type(acc) is list, f"{op} accumulator must be a List")
        elif op in ("collectEntries", "groupBy"):
            check.that(type(acc) is dict, f"{op} accumulator must be a Map")
            if op == "groupBy":
                check.that(all(type(g) is list for g in acc.values()),
                           "groupBy groups must be Lists")
        elif op == "minmax":
            check.that(acc is None or (type(acc) is list and len(acc) == 2),
                       "min/max accumulator must be null or [element, key]")
        elif op != "reduce":
            check.that(acc is None, f"{op} has no accumulator")
        check.value(acc, "loop accumulator")
        if op == "minmax":
            check.that(type(extra) is int and extra in (1, -1), "min/max direction")
        else:
            check.that(extra is None, f"{op} has no extra argument")

    def resume(self, value):
        done, result = CONSUME[self.op](self, self.src[self.i], value)
        self.i += 1
        if done:
            return result
        return self.run()

    def run(self):
        consume = CONSUME[self.op]
        src = self.src
        fn = self.fn
        argf = START.get(self.op)
        direct = item_function(fn) if argf is None else None
        while self.i < len(src):
            x = src[self.i]
            try:
                if direct is not None:
                    v = direct(x)
                elif argf is None:
                    v = call_item(fn, x)
                else:
                    v = call_args(fn, argf(self, x))
            except Suspend as s:
                s.frames.append(self)
                raise
            done, result = consume(self, x, v)
            if done:
                return result
            self.i += 1
        return FINISH[self.op](self)


def _op(name, consume, finish, start=None):
    CONSUME[name] = consume
    FINISH[name] = finish
    if start is not None:
        START[name] = start


def _c_each(fr, x, v):
    return False, None


def _c_map(fr, x, v):
    fr.acc.append(v)
    return False, None


def _c_filter(fr, x, v):
    if truthy(v):
        fr.acc.append(x)
    return False, None


def _c_flatmap(fr, x, v):
    if type(v) in (list, JArray):
        fr.acc.extend(v)
    elif v is not None:
        fr.acc.append(v)
    return False, None


def _c_any(fr, x, v):
    return (True, True) if truthy(v) else (False, None)


def _c_all(fr, x, v):
    return (True, False) if not truthy(v) else (False, None)


def _c_none(fr, x, v):
    return (True, False) if truthy(v) else (False, None)


def _c_reduce(fr, x, v):
    fr.acc = v
    return False, None


def _c_entries(fr, x, v):
    _add_entry(fr.acc, v)
    return False, None


def _c_groupby(fr, x, v):
    try:
        lst = fr.acc.get(v)
    except TypeError:
        v = hkey(v)
        lst = fr.acc.get(v)
    if lst is None:
        fr.acc[v] = [x]
    else:
        lst.append(x)
    return False, None


def _c_mapi(fr, x, v):
    fr.acc.append(v)
    return False, None


def _c_minmax(fr, x, v):
    # acc = [best_elem, best_key] ; extra = +1 for max, -1 for min
    if fr.acc is None:
        fr.acc = [x, v]
    else:
        c = ops.compare(v, fr.acc[1])
        if (c > 0 and fr.extra > 0) or (c < 0 and fr.extra < 0):
            fr.acc = [x, v]
    return False, None


def ops_key(v):
    return v


_op("each", _c_each, lambda fr: None)
_op("map", _c_map, lambda fr: fr.acc)
_op("filter", _c_filter, lambda fr: fr.acc)
_op("flatMap", _c_flatmap, lambda fr: fr.acc)
_op("anyMatch", _c_any, lambda fr: False)
_op("allMatch", _c_all, lambda fr: True)
_op("noneMatch", _c_none, lambda fr: True)
_op("reduce", _c_reduce, lambda fr: fr.acc, start=lambda fr, x: (fr.acc, x))
_op("collectEntries", _c_entries, lambda fr: fr.acc)
_op("groupBy", _c_groupby, lambda fr: fr.acc)
_op("mapWithIndex", _c_mapi, lambda fr: fr.acc, start=lambda fr, x: (x, fr.i))
_op("minmax", _c_minmax, lambda fr: None if fr.acc is None else fr.acc[0])


def _add_entry(m, v):
    if not isinstance(v, list) or len(v) != 2:
        got = ("null" if v is None else class_name(v) if not isinstance(v, list)
               else f"list of size {len(v)}")
        raise JactlRuntimeError(
            f"collectEntries: expected a list of size 2 (key and value) but got {got}")
    try:
        m[v[0]] = v[1]
    except TypeError:
        m[hkey(v[0])] = v[1]


def _run(op, src, fn, acc=None, extra=None):
    return LoopFrame(op, src, fn, acc, extra).run()


def _run_direct(op, src, fn, acc=None):
    """``_run`` for "each" (acc None) and "map" (acc a List) over a closure that may
    suspend: when item_function gives its function, the same steps without a call per
    element to dispatch; the LoopFrame is made only if the closure suspends."""
    direct = item_function(fn)
    pair = pair_function(fn) if direct is None else None
    if direct is None and pair is None:
        return _run(op, src, fn, acc)
    i = 0
    try:
        if pair is not None:
            # { k, v -> } over Map entries: the entry's two values are the arguments (a
            # List iterator, like the loops below, sees elements the closure appends)
            if acc is None:
                for i, x in enumerate(src):
                    pair(x[0], x[1]) if type(x) is list and len(x) == 2 else call_item(fn, x)
            else:
                append = acc.append
                for i, x in enumerate(src):
                    append(pair(x[0], x[1]) if type(x) is list and len(x) == 2
                           else call_item(fn, x))
        elif acc is None:
            for i, x in enumerate(src):
                direct(x)
        else:
            append = acc.append
            for i, x in enumerate(src):
                append(direct(x))
    except Suspend as s:
        fr = LoopFrame(op, src, fn, acc)
        fr.i = i
        s.frames.append(fr)
        raise
    return acc


# ------------------------------------------------------------------ the methods

class _NoArg:
    """Default of an omitted optional closure argument (an explicit null is an error)."""
    __slots__ = ()

    def __repr__(self):
        return "NOARG"


NOARG = _NoArg()


def _fn_arg(f, required=False, pname="closure"):
    """Check the closure argument of a collection method: None when omitted."""
    if f is NOARG or f is MISSING:
        if required:
            raise JactlRuntimeError(f"Missing mandatory argument '{pname}'")
        return None
    if type(f) is Closure or type(f) is BoundMethod:
        return f
    if f is None:
        raise NullError("Null value for Function")
    if isinstance(f, (Closure, BoundMethod)):
        return f
    cn = class_name(f)
    raise JactlRuntimeError(f"Cannot convert argument of type {cn} to parameter type of "
                            f"Function: {cn} cannot be cast to Function")


def m_each(obj, action=NOARG):
    f = _fn_arg(action)
    src = as_list(obj)
    if f is None:
        charge(len(src))
        return None
    if not _may_suspend(f):
        d = _direct(f, 1)
        if d is not None:
            for x in src:
                d(x)
            return None
        p = pair_function(f)
        if p is not None:
            for x in src:
                p(x[0], x[1]) if type(x) is list and len(x) == 2 else call_item(f, x)
            return None
        for x in src:
            call_item(f, x)
        return None
    return _run_direct("each", src, f)


def m_map(obj, mapper=NOARG):
    f = _fn_arg(mapper)
    src = as_list(obj)
    if f is None:
        charge(len(src))
        return list(src)
    if not _may_suspend(f):
        d = _direct(f, 1)
        if d is not None:
            return [d(x) for x in src]
        p = pair_function(f)
        if p is not None:
            return [p(x[0], x[1]) if type(x) is list and len(x) == 2 else call_item(f, x)
                    for x in src]
        return [call_item(f, x) for x in src]
    return _run_direct("map", src, f, [])


def m_filter(obj, predicate=NOARG):
    f = _fn_arg(predicate)
    src = as_list(obj)
    if f is None:
        charge(len(src))
        return [x for x in src if truthy(x)]
    if not _may_suspend(f):
        d = _direct(f, 1)
        if d is not None:
            return [x for x in src if (v := d(x)) is True or (v is not False and truthy(v))]
        return [x for x in src if truthy(call_item(f, x))]
    return _run("filter", src, f, [])


def m_flatmap(obj, mapper=NOARG):
    f = _fn_arg(mapper)
    src = as_list(obj)
    if f is None:
        charge(len(src))
        out = []
        for x in src:
            _c_flatmap(_Acc(out), x, x)
        return out
    return _run("flatMap", src, f, [])


class _Acc:
    __slots__ = ("acc",)

    def __init__(self, acc):
        self.acc = acc


def m_match(op):
    def m(obj, predicate=NOARG):
        f = _fn_arg(predicate)
        src = as_list(obj)
        if f is None:
            charge(len(src))
            vals = [truthy(x) for x in src]
            if op == "anyMatch":
                return any(vals)
            if op == "allMatch":
                return all(vals)
            return not any(vals)
        d = _direct(f, 1)
        if d is not None:     # a closure that cannot suspend: a plain loop
            want = op != "allMatch"
            for x in src:
                v = d(x)
                if (v is True or (v is not False and truthy(v))) is want:
                    return op == "anyMatch"
            return op != "anyMatch"
        return _run(op, src, f)
    return m


def m_reduce(obj, initial=MISSING, accumulator=MISSING):
    if initial is MISSING or initial is NOARG:
        raise JactlRuntimeError("Missing mandatory argument 'initial'")
    f = _fn_arg(accumulator, True, "accumulator")
    d = _direct(f, 2)
    if d is not None:         # a closure that cannot suspend: a plain loop
        acc = initial
        for x in as_list(obj):
            acc = d(acc, x)
        return acc
    return _run("reduce", as_list(obj), f, initial)


def m_collect_entries(obj, mapper=NOARG):
    f = _fn_arg(mapper)
    src = as_list(obj)
    if f is None:
        charge(len(src))
        m = {}
        for x in src:
            _add_entry(m, x)
        return m
    return _run("collectEntries", src, f, {})


def m_groupby(obj, closure=NOARG):
    f = _fn_arg(closure, True)
    return _run("groupBy", as_list(obj), f, {})


def m_map_with_index(obj, mapper=NOARG):
    f = _fn_arg(mapper)
    src = as_list(obj)
    if f is None:
        charge(len(src))
        return [[x, i] for i, x in enumerate(src)]
    return _run("mapWithIndex", src, f, [])


def m_collect(obj, mapper=NOARG):
    return m_map(obj, mapper)


def _minmax(sign, name):
    def m(obj, closure=NOARG):
        f = _fn_arg(closure)
        src = as_list(obj)
        if not src:
            return None
        if f is None:
            charge(len(src))
            best = src[0]
            for x in src[1:]:
                c = ops.compare(x, best)
                if (c > 0 and sign > 0) or (c < 0 and sign < 0):
                    best = x
            return best
        return _run("minmax", src, f, None, sign)
    return m


# ------------------------------------------------------------------ sort

@serializable
class SortFrame(BuiltinFrame):
    """Bottom-up merge sort whose comparator may suspend: the merge position lives here."""
    TAG = "sort"
    FIELDS = ("a", "b", "fn", "width", "lo", "i", "j", "k")
    __slots__ = FIELDS

    def __init__(self, a, fn):
        self.a = list(a)
        self.b = [None] * len(self.a)
        self.fn = fn
        self.width = 1
        self.lo = 0
        self.i = self.j = self.k = -1

    def validate(self, check):
        """Checkpoint restore: suspended in the comparator inside the merge of the runs
        [lo, mid) and [mid, hi) of width ``width``, with i, j the next elements of each run
        and k the next slot of the output."""
        a = check.list(self.a, "sort input")
        b = check.list(self.b, "sort output")
        check.function(self.fn, what="sort comparator")
        n = len(a)
        check.that(type(a) is list and type(b) is list and a is not b and len(b) == n,
                   "sort buffers must be two distinct Lists of one length")
        w = check.integer(self.width, 1, max(n - 1, 1), "sort width")
        check.that(w & (w - 1) == 0 and w < n, f"sort width {w} for {n} elements")
        lo = check.integer(self.lo, 0, n - 1, "sort run start")
        check.that(lo % (2 * w) == 0, "sort run start is not at a run boundary")
        mid, hi = min(lo + w, n), min(lo + 2 * w, n)
        i = check.integer(self.i, lo, mid - 1, "sort left position")
        j = check.integer(self.j, mid, max(hi - 1, mid), "sort right position")
        check.that(j < hi, "sort right position")
        check.that(check.integer(self.k, lo, hi - 1, "sort output position") == i + j - mid,
                   "sort output position")

    def resume(self, value):
        self._take(_cmp_result(value))
        return self.run()

    def _take(self, c):
        a, b = self.a, self.b
        if c <= 0:
            b[self.k] = a[self.i]
            self.i += 1
        else:
            b[self.k] = a[self.j]
            self.j += 1
        self.k += 1

    def run(self):
        n = len(self.a)
        while self.width < n:
            while self.lo < n:
                lo = self.lo
                mid = min(lo + self.width, n)
                hi = min(lo + 2 * self.width, n)
                if self.k < 0:
                    self.i, self.j, self.k = lo, mid, lo
                a, b = self.a, self.b
                while self.i < mid and self.j < hi:
                    try:
                        c = _cmp_result(call_args(self.fn, (a[self.i], a[self.j])))
                    except Suspend as s:
                        s.frames.append(self)
                        raise
                    self._take(c)
                while self.i < mid:
                    b[self.k] = a[self.i]
                    self.i += 1
                    self.k += 1
                while self.j < hi:
                    b[self.k] = a[self.j]
                    self.j += 1
                    self.k += 1
                self.k = -1
                self.lo = hi
            self.a, self.b = self.b, self.a
            self.width *= 2
            self.lo = 0
        return self.a


def _cmp_result(v):
    if type(v) is int or type(v) is Long:
        return int(v)
    if isinstance(v, bool) or not isinstance(v, int):
        raise JactlRuntimeError(
            f"Comparator for sort must return integer value not {class_name(v)}")
    return int(v)


def key_sort(src, columns):
    """Sort by a comparator that only compares fields of its arguments (codegen/sortkey.py):
    one pass of Python's stable key sort per column, last column first. None, and nothing
    done, unless every value read is a Map entry that is present and every column is all
    ints/longs or all Strings without characters past U+FFFF: there Python's order and
    equality are Jactl's ``<=>`` and ``!=`` (Java compares Strings by UTF-16 unit, which is
    code point order below the surrogates' range). Anything else (a null, a missing entry,
    a class instance, a double, mixed types) is left to the comparator itself, so its
    results and errors are the closure's."""
    keys = []
    for path, descending in columns:
        col = []
        numbers = strings = False
        for v in src:
            for name in path:
                if type(v) is not dict:
                    return None
                v = v.get(name)
            t = type(v)
            if t is int or t is Long:
                numbers = True
            elif t is str and (v.isascii() or max(v) < "\U00010000"):
                strings = True
            else:
                return None
            col.append(v)
        if numbers and strings:
            return None
        keys.append((col, descending))
    order = list(range(len(src)))
    for col, descending in reversed(keys):
        order.sort(key=col.__getitem__, reverse=descending)
    return [src[i] for i in order]


def m_sort(obj, comparator=NOARG):
    f = _fn_arg(comparator)
    src = as_list(obj)
    if f is None:
        n = len(src)
        charge(n * n.bit_length())
        return sorted(src, key=functools.cmp_to_key(ops.compare))
    if not _may_suspend(f):
        if f.fn.sort_key is not None:
            done = key_sort(src, f.fn.sort_key)
            if done is not None:
                return done
        d = _direct(f, 2)
        if d is not None and f.fn.returns_int:      # (ints need no _cmp_result)
            return sorted(src, key=functools.cmp_to_key(d))
        if d is not None:
            return sorted(src, key=functools.cmp_to_key(
                lambda x, y: v if type(v := d(x, y)) is int else _cmp_result(v)))
        return sorted(src, key=functools.cmp_to_key(
            lambda x, y: _cmp_result(call_args(f, (x, y)))))
    return SortFrame(src, f).run()


# ------------------------------------------------------------------ registry

# the implementations of the closure-taking methods of builtin_facts.CLOSURE_METHODS
# (their names, receivers and parameters are the table's)
CLOSURE_METHODS = {
    "each": m_each, "map": m_map, "collect": m_collect, "filter": m_filter,
    "flatMap": m_flatmap, "fmap": m_flatmap,
    "anyMatch": m_match("anyMatch"), "allMatch": m_match("allMatch"),
    "noneMatch": m_match("noneMatch"), "reduce": m_reduce,
    "collectEntries": m_collect_entries, "groupBy": m_groupby,
    "mapWithIndex": m_map_with_index, "mapi": m_map_with_index,
    "min": _minmax(-1, "min"), "max": _minmax(1, "max"), "sort": m_sort,
}


def _register():
    for name, fact in FACTS.items():
        params = tuple((p, t, MISSING if mandatory else NOARG)
                       for p, t, mandatory in fact.params)
        register(fact.receivers, name, params, CLOSURE_METHODS[name])


_register()

# receivers the closure methods take without argument checks
ITERABLE_TYPES = (list, JArray, dict, str, int, Long)
