"""Fast calls of function values: ``f(x)`` where f is a def variable, a parameter or a
captured variable holding a closure.

The general path (calls.call -> Closure.__call__) handles Jactl's arity rules (missing
trailing arguments take defaults, one List argument spread over the parameters), argument
conversion to typed parameters, and bound builtin methods. A call that passes exactly as
many arguments as the function has parameters, each already of its parameter's type,
needs none of that: ``call1(f, a)`` goes straight to the generated Python function, and
anything else takes the general path, unchanged. Whether the callee may suspend does not
matter here: a Suspend propagates through these frames like through the general ones (the
caller's suspend site records the frame).
"""

from .calls import call
from .argconv import convert_args
from .functions import Closure, direct  # noqa: F401 - direct: for callers of this module


def call0(f):
    if type(f) is Closure:
        fn = f.fn
        if fn.nparams == 0:
            if fn.has_cells:
                return fn.pyfunc(f.cells)
            return fn.pyfunc()
    return call(f, ())


def call1(f, a):
    if type(f) is Closure:
        fn = f.fn
        if fn.nparams == 1:
            ex = fn.exact
            if ex is None or (ex and type(a) is ex[0]):
                if fn.has_cells:
                    return fn.pyfunc(f.cells, a)
                return fn.pyfunc(a)
            return _converted(f, (a,))
    return call(f, (a,))


def call2(f, a, b):
    if type(f) is Closure:
        fn = f.fn
        if fn.nparams == 2:
            ex = fn.exact
            if ex is None or (ex and type(a) is ex[0] and type(b) is ex[1]):
                if fn.has_cells:
                    return fn.pyfunc(f.cells, a, b)
                return fn.pyfunc(a, b)
            return _converted(f, (a, b))
    return call(f, (a, b))


def _converted(f, args):
    """A closure given exactly its parameters, some typed (a class, long, Decimal...):
    what Closure.__call__ does once the arity is right (no spreading, no defaults)."""
    fn = f.fn
    args = convert_args(fn, args)
    if fn.has_cells:
        return fn.pyfunc(f.cells, *args)
    return fn.pyfunc(*args)


def call3(f, a, b, c):
    if type(f) is Closure:
        fn = f.fn
        if fn.nparams == 3:
            ex = fn.exact
            if ex is None or (ex and type(a) is ex[0] and type(b) is ex[1] and type(c) is ex[2]):
                if fn.has_cells:
                    return fn.pyfunc(f.cells, a, b, c)
                return fn.pyfunc(a, b, c)
    return call(f, (a, b, c))


EXPORTS = {"_call0": call0, "_call1": call1, "_call2": call2, "_call3": call3}


# ------------------------------------------------------------------ builtin methods
#
# ``x.size()``, ``s.split(' ')``, ``s.toLowerCase()`` on an untyped receiver: the method is
# looked up once per (receiver type, name) and kept in a dict, with what its one argument
# must be to need no conversion; a call then costs one dict look-up and the method itself.
# Only closure-free methods of plain value types are kept; everything else (a Map holding
# a function under that name, class instances, lazy chains, closure-taking methods, an
# argument that needs converting or checking) takes the general ``invoke``.

from .calls import invoke  # noqa: E402
from .builtin_facts import CLOSURE_METHODS, LAZY_STAGES  # noqa: E402
from .methods import find_method, join_list, sum_list  # noqa: E402
from .types import MISSING, Decimal, JArray, Long  # noqa: E402

_PLAIN = frozenset((list, str, dict, int, Long, float, Decimal, bool, JArray))
_ANY = object()         # argument of any type
_M0 = {}                # (type, name) -> fn(obj) or False
_M1 = {}                # (type, name) -> (fn, arg type or _ANY, default args) or False
_M2 = {}                # (type, name) -> (fn, arg types..., default args) or False
_ARG_TYPES = {None: _ANY, "def": _ANY, "Object": _ANY, "int": int, "String": str}


def _learn(t, obj, name, nargs):
    if t not in _PLAIN or name in CLOSURE_METHODS or name in LAZY_STAGES:
        return False
    r = find_method(obj, name)
    if r is None:
        return False
    f, params = r
    if params is None:
        return ((f, _ANY, ()) if nargs == 1 else (f, _ANY, _ANY, ())) if nargs else f
    if nargs == 0:
        if any(d is MISSING for _, _, d in params):
            return False
        if not params:
            return f
        rest = tuple(d for _, _, d in params)
        if getattr(f, "__defaults__", None) == rest:
            return f        # its own defaults are the method's
        return lambda o: f(o, *rest)
    if nargs == 2:
        if params is None:
            return f, _ANY, _ANY, ()
        if len(params) < 2 or any(d is MISSING for _, _, d in params[2:]):
            return False
        at, bt = _ARG_TYPES.get(params[0][1]), _ARG_TYPES.get(params[1][1])
        if at is None or bt is None:
            return False
        return f, at, bt, tuple(d for _, _, d in params[2:])
    if not params or any(d is MISSING for _, _, d in params[1:]):
        return False
    at = _ARG_TYPES.get(params[0][1])
    if at is None:
        return False
    return f, at, tuple(d for _, _, d in params[1:])


def meth0(o, name):
    t = type(o)
    if t not in _PLAIN:         # class instances, lazy chains, null: the general path
        c = getattr(t, "_cls", None)
        if c is not None:       # a method of the instance's class needing no conversion
            p = c.plain.get(name)
            if p is not None and p[1] == 0:
                return p[0](o)
        return invoke(o, name, ())
    f = _M0.get((t, name))
    if f is None:
        f = _M0[(t, name)] = _learn(t, o, name, 0)
    if f is not False and (t is not dict or name not in o):
        return f(o)
    return invoke(o, name, ())


def meth1(o, name, a):
    t = type(o)
    if t not in _PLAIN:
        c = getattr(t, "_cls", None)
        if c is not None:
            p = c.plain.get(name)
            if p is not None and p[1] == 1:
                return p[0](o, a)
        return invoke(o, name, (a,))
    e = _M1.get((t, name))
    if e is None:
        e = _M1[(t, name)] = _learn(t, o, name, 1)
    if e is not False and (t is not dict or name not in o):
        f, at, rest = e
        if at is _ANY or type(a) is at:
            return f(o, a, *rest) if rest else f(o, a)
    return invoke(o, name, (a,))


def meth2(o, name, a, b):
    t = type(o)
    if t not in _PLAIN:
        return invoke(o, name, (a, b))
    e = _M2.get((t, name))
    if e is None:
        e = _M2[(t, name)] = _learn(t, o, name, 2)
    if e is not False and (t is not dict or name not in o):
        f, at, bt, rest = e
        if (at is _ANY or type(a) is at) and (bt is _ANY or type(b) is bt):
            return f(o, a, b, *rest) if rest else f(o, a, b)
    return invoke(o, name, (a, b))


EXPORTS.update({"_meth0": meth0, "_meth1": meth1, "_meth2": meth2, "_joinl": join_list,
                "_suml": sum_list})
