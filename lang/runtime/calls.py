"""Calls that are not resolved statically: function values, builtin methods, builtin
functions, host functions, and the builtins that suspend (sleep, checkpoint)."""

import sys

from ..errors import DieError, JactlRuntimeError, NullError
from .continuation import BuiltinFrame, Request, Suspend, serializable
from .functions import BoundMethod, Closure
from . import iteration
from .iteration import CLOSURE_METHODS
from .builtin_facts import LAZY_STAGES
from .iterators import LazyIter, stage, to_list
from .methods import invoke_method, invoke_method_named
from .types import MISSING, Decimal, JArray, Long
from .values import class_name, to_string
from . import strings
from .objects import JObject, class_from_json


def call(f, args):
    """Call a function value with positional args."""
    if type(f) is Closure:
        return f(*args)
    if type(f) is BoundMethod:
        if f.is_function:
            return bcall(f.obj, f.name, tuple(args))
        return to_list(invoke(f.obj, f.name, args))
    if f is None:
        raise NullError("Null value for Function")
    raise JactlRuntimeError(f"Value of type {class_name(f)} cannot be called (must be a Function)")


iteration.call = call      # (the builtin methods over collections call function values)


def call_named(f, named):
    """Call a function value with named args (``f(x:1, y:2)``)."""
    if type(f) is BoundMethod and not f.is_function:
        if isinstance(f.obj, JObject) and f.obj._cls.find(f.name) is not None:
            return invoke_named(f.obj, f.name, (), named)     # a method of a class
        return invoke_method_named(f.obj, f.name, named)
    if type(f) is BoundMethod:
        return bcall_named(f.obj, f.name, (), named)
    if type(f) is not Closure:
        if f is None:
            raise NullError("Null value for Function")
        raise JactlRuntimeError(f"Cannot invoke value of type {class_name(f)} with named args")
    return f.call_named(named)


def invoke(obj, name, args):
    """``obj.name(args)``: a builtin method (closure-taking methods are resumable), or a
    function stored in a map field."""
    t = type(obj)
    if t is dict and name in obj:
        return call(obj[name], args)
    if isinstance(obj, JObject):
        p = obj._cls.plain.get(name)      # a method given all its (untyped) arguments
        if p is not None and len(args) == p[1]:
            return p[0](obj, *args)
        r, found = invoke_obj(obj, name, args)
        if found:
            return r
    if name in LAZY_STAGES and (t in _FAST_ITERABLE or isinstance(obj, LazyIter)):
        st = stage(obj, name, args)
        if st is not None:
            return st
    if isinstance(obj, LazyIter):
        return invoke(_drain_then(obj, name, args, None), name, args)
    m = CLOSURE_METHODS.get(name)
    if m is not None and t in _FAST_ITERABLE and len(args) == 1 and type(args[0]) is Closure \
            and name != "reduce":
        return m(obj, args[0])
    return invoke_method(obj, name, args)


def invoke_obj(obj, name, args):
    """``obj.name(args)`` on a class instance: (result, True), or (None, False) when its
    class has no method, field or static method of that name."""
    cls = obj._cls
    m = cls.mtab.get(name)
    if m is None:
        s = cls.slot_of.get(name)
        if s is not None:
            return call(getattr(obj, s), args), True
        st = cls.stab.get(name)
        if st is not None:          # a static method called through an instance
            return Closure(st)(*args), True
        return None, False
    p = cls.plain.get(name)
    if p is not None and len(args) == p[1]:
        # the common case: all arguments given, none to convert
        return p[0](obj, *args), True
    nparams = len(m.params) - 1
    if len(args) == 1 and type(args[0]) is list and nparams > 1 and m.mandatory - 1 != 1:
        # one List argument supplies the arguments, as for functions
        return Closure(m).call_spread((obj, *args[0])), True
    return Closure(m)(obj, *args), True


_FAST_ITERABLE = frozenset((list, JArray, dict, str, int, Long))


def invoke_eager(obj, name, args):
    """``obj.name(closure)`` for a closure-taking method (not ``reduce``) on a List, Map,
    String or number: the method itself, as ``invoke`` ends up calling it. Also for
    ``map``/``filter`` whose List a method that calls no closure consumes whole
    (``.sum()``, ``.join(',')``; codegen/dynamic.py: method_call): the eager method calls
    the closure on the same elements in the same order as draining the lazy stage would.
    Anything else (a Map holding a function of that name, a class instance, a lazy
    receiver) is the ordinary ``invoke``."""
    t = type(obj)
    if t in _FAST_ITERABLE and len(args) == 1 and type(args[0]) is Closure and \
            not (t is dict and name in obj):
        return CLOSURE_METHODS[name](obj, args[0])
    return invoke(obj, name, args)


def invoke_named(obj, name, args, named, typed=False):
    if type(obj) is dict and name in obj:
        return call_named(obj[name], named)
    if isinstance(obj, JObject):
        m = obj._cls.find(name)
        if m is not None:
            if "this" in named:
                raise JactlRuntimeError("No such parameter: this")
            d = dict(named)
            d["this"] = obj
            return call_named(Closure(m), d)
        st = obj._cls.stab.get(name)
        if st is not None:          # a static method called through an instance
            return call_named(Closure(st), dict(named))
        s = obj._cls.slot_of.get(name)
        if s is not None:           # a field holding a function
            return call_named(getattr(obj, s), named)
    if isinstance(obj, LazyIter):
        obj = _drain_then(obj, name, args, named)
    return invoke_method_named(obj, name, named, typed)


def _drain_then(it, name, args, named):
    """Any other method on a lazy chain: the chain's elements as a List first. If that
    suspends, a frame remembers to call the method once the List is complete."""
    try:
        return to_list(it)
    except Suspend as s:
        s.frames.append(ThenInvokeFrame(name, args, named))
        raise


@serializable
class ThenInvokeFrame(BuiltinFrame):
    TAG = "iter.then"
    FIELDS = ("name", "args", "named")
    __slots__ = FIELDS

    def __init__(self, name, args, named):
        self.name = name
        self.args = tuple(args)
        self.named = named

    def validate(self, check):
        """Checkpoint restore: the method (by name, resolved on the drained List when it
        runs, like any method call) and its arguments."""
        check.that(type(self.name) is str and self.name, "method name")
        check.that(type(self.args) is tuple, "method arguments")
        for a in self.args:
            check.value(a, "method argument")
        if self.named is not None:
            check.that(type(self.named) is dict and all(type(k) is str for k in self.named),
                       "named method arguments")
            check.value(self.named, "named method arguments")

    def resume(self, value):
        if self.named is not None:
            return invoke_method_named(value, self.name, self.named)
        return invoke(value, self.name, self.args)


def die(v=None):
    raise DieError("Script death" if v is None else to_string(v))


def missing_arg(name):
    raise JactlRuntimeError(f"Missing mandatory argument '{name}'")


# ------------------------------------------------------------------ builtin functions

def b_print(rt, *args):
    """``print``: a statement; its value (ending a script or block) is true, as in Jactl."""
    rt.write(" ".join(to_string(a) for a in args))
    return True


def b_println(rt, *args):
    rt.write(" ".join(to_string(a) for a in args) + "\n")
    return True


def b_sprintf(rt, format=None, *args, **named):  # noqa: A002 - Jactl's parameter name
    if "args" in named:
        a = named["args"]
        args = tuple(a) if isinstance(a, list) else (a,)
    if format is None and "format" not in named:
        raise JactlRuntimeError("Missing mandatory argument 'format' for sprintf")
    return strings.sprintf(format, *args)


_LONG_LIMIT = 1 << 63


def b_sleep(rt, timeMs=MISSING, data=None, **named):  # noqa: N803 - Jactl's parameter names
    if "ms" in named:
        timeMs = named.pop("ms")
    if "value" in named:
        data = named.pop("value")
    if timeMs is MISSING:
        raise JactlRuntimeError("Missing mandatory argument 'timeMs' for sleep()")
    if data is MISSING:
        data = None
    if timeMs is None:
        ms = 0
    elif type(timeMs) is int:
        ms = timeMs
    elif isinstance(timeMs, (int, float, Decimal)) and not isinstance(timeMs, bool):
        if not -_LONG_LIMIT <= timeMs < _LONG_LIMIT:  # compared first: int() of 1e1000000 takes seconds
            raise JactlRuntimeError(f"sleep(): time of {class_name(timeMs)} value out of range for long")
        ms = int(timeMs)
    else:
        cn = class_name(timeMs)
        raise JactlRuntimeError(f"Cannot convert argument of type {cn} to parameter type of "
                                f"long: {cn} cannot be cast to Number")
    raise Suspend(Request("sleep", ms=ms, value=data))


@serializable
class CheckpointFrame(BuiltinFrame):
    """Waits for the host to persist a checkpoint; then runs commit (or, when restored
    from the checkpoint's bytes, recover) and returns its value."""
    TAG = "checkpoint"
    FIELDS = ("commit", "recover", "recovering")
    __slots__ = FIELDS

    def __init__(self, commit, recover):
        self.commit = commit
        self.recover = recover
        self.recovering = False

    def validate(self, check):
        check.function(self.commit, optional=True, what="commit closure")
        check.function(self.recover, optional=True, what="recover closure")
        check.that(type(self.recovering) is bool, "recovering flag")

    def resume(self, value):
        f = self.recover if self.recovering else self.commit
        if f is None:
            return None
        return call(f, ())


def b_checkpoint(rt, commit=None, recover=None):
    s = Suspend(Request("checkpoint"))
    s.frames.append(CheckpointFrame(commit, recover))
    raise s


def stmt_checkpoint(rt):
    """checkpoint_each_statement mode: suspend for a checkpoint with no closures."""
    s = Suspend(Request("checkpoint"))
    s.frames.append(CheckpointFrame(None, None))
    raise s


def b_eval(rt, source=None, globals=None):
    return rt.eval_script(source, globals)


def b_uuid(rt):
    return strings.uuid()


def b_timestamp(rt):
    return strings.timestamp()


def b_nanoTime(rt):
    return strings.nano_time()


def b_nextLine(rt):
    return rt.next_line()


def b_sqrt(rt, x):
    return invoke_method(x, "sqrt", ())


@serializable
class StreamFrame(BuiltinFrame):
    """``stream(fn)``: the values fn returns until it returns null (fn may suspend, e.g.
    ``stream(nextLine)`` in a host that waits for input)."""
    TAG = "stream"
    FIELDS = ("fn", "acc")
    __slots__ = FIELDS

    def __init__(self, fn):
        self.fn = fn
        self.acc = []

    def validate(self, check):
        check.function(self.fn, what="stream function")
        check.that(type(self.acc) is list, "stream values must be a List")
        check.value(self.acc, "stream values")

    def resume(self, value):
        if value is None:
            return self.acc
        self.acc.append(value)
        return self.run()

    def run(self):
        fn = self.fn
        acc = self.acc
        while True:
            try:
                v = call(fn, ())
            except Suspend as s:
                s.frames.append(self)
                raise
            if v is None:
                return acc
            acc.append(v)


def b_stream(rt, fn=MISSING):
    if fn is MISSING:
        raise JactlRuntimeError("Missing mandatory argument 'fn' for stream()")
    if fn is None:
        raise NullError("Null value for Function passed to stream()")
    if not isinstance(fn, (Closure, BoundMethod)):
        cn = class_name(fn)
        raise JactlRuntimeError(f"Cannot convert argument of type {cn} to parameter type of "
                                f"Function: {cn} cannot be cast to Function")
    return StreamFrame(fn).run()


def b_class_from_json(rt, cname, text=None):
    return class_from_json(rt.klass(cname), text)


def b_class_member(rt, cname, name):
    """``X."${name}"``: a const field or static method of class X found by name."""
    cd = rt.klass(cname)
    name = str(name)
    if name in cd.consts:
        return cd.consts[name]
    st = cd.stab.get(name)
    if st is not None:
        return Closure(st)
    raise JactlRuntimeError(f"No static field or method '{name}' in class {cname}")


# A constructor parameter's default when its field's initialiser needs the instance
# (resolve/classinit.py), tested by $isMissing. A string, not the MISSING marker: the
# constructor's frame may be checkpointed holding it, and a frame holds only Jactl values.
# (No script can produce it: its NULs never reach a field, it is replaced before that.)
CTOR_ARG_MISSING = "\x00<missing constructor argument>\x00"


def b_missing(rt):
    return CTOR_ARG_MISSING


def b_is_missing(rt, v):
    return type(v) is str and v == CTOR_ARG_MISSING


BUILTINS = {
    "$classFromJson": b_class_from_json, "$classMember": b_class_member,
    "$missing": b_missing, "$isMissing": b_is_missing,
    "print": b_print, "println": b_println, "sprintf": b_sprintf, "sleep": b_sleep,
    "checkpoint": b_checkpoint, "eval": b_eval, "uuid": b_uuid, "timestamp": b_timestamp,
    "nanoTime": b_nanoTime, "nextLine": b_nextLine, "sqrt": b_sqrt, "stream": b_stream,
}

BUILTIN_PARAMS = {
    "checkpoint": ("commit", "recover"), "sleep": ("timeMs", "data", "ms", "value"),
    "eval": ("source", "globals"),
    "sprintf": ("format", "args"), "stream": ("fn",),
}


def bcall(rt, name, args):
    f = BUILTINS.get(name)
    if f is not None:
        return f(rt, *args)
    return rt.call_host(name, args)


def bcall_named(rt, name, args, named):
    params = BUILTIN_PARAMS.get(name, ())
    for k in named:
        if k not in params:
            raise JactlRuntimeError(f"No such parameter '{k}' for {name}()")
    kw = dict(named)
    return BUILTINS[name](rt, *args, **kw)


def builtin_value(rt, name):
    """A builtin function used as a value (``def f = sprintf``): bound to the running
    instance, which the checkpoint encoder writes as a reference to the instance."""
    return BoundMethod(rt, name, is_function=True)


__all__ = ["call", "call_named", "invoke", "invoke_named", "die", "BUILTINS", "bcall",
           "bcall_named", "builtin_value", "stmt_checkpoint", "CheckpointFrame", "cv_arg",
           "missing_arg", "JArray", "sys"]
