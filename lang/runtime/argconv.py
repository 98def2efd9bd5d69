"""Converting the arguments of a dynamic call to the called function's typed parameters.

Compiled function bodies trust their typed parameters, so a call that is not resolved at
compile time converts its arguments first (``def f(int x)`` called as ``g(1.5)`` through
a def variable). A Map passed for a parameter of class type becomes an instance of the
class of the function's own script (its generated module's ``_CLASSES``): the closure may
be called by the host, after the script has returned, and still converts.

This needs the value layer (values.py), which knows what a Closure is, so it cannot live
in functions.py; importing this module installs the three entry points there (the
runtime's exports import it before any script runs).
"""

import decimal

from ..errors import JactlRuntimeError
from . import functions
from .types import MISSING, Long
from .values import class_name, cv_arg

_EXACT = {"int": int, "long": Long, "double": float, "String": str, "boolean": bool,
          "Decimal": decimal.Decimal, "List": list, "Map": dict}
_NUMERIC = frozenset(("int", "long", "double", "Decimal", "byte"))


def script_classes(fn):
    """The class table of the script instance function ``fn`` belongs to, or None."""
    g = getattr(fn.pyfunc, "__globals__", None)
    return g.get("_CLASSES") if g is not None else None


def convert_args(fn, args):
    """Convert the arguments of a dynamic call to the function's declared parameter types
    (the compiled body trusts its typed parameters)."""
    copied = False
    learn = fn.exact is False
    for i, t in fn.conv:
        a = args[i]
        if a is MISSING or type(a) is _EXACT.get(t):
            continue
        c = getattr(type(a), "_cls", None)     # an instance of exactly the class named:
        if c is not None and c.name == t:       # nothing to convert (isa's first case)
            continue
        if not copied:
            args = list(args)
            copied, learn = True, False
        args[i] = cv_arg(a, t, script_classes(fn))
    if learn:
        functions.learn_exact(fn, args)
    return args


def convert_spread(fn, args):
    """Arguments that came from one List spread over the parameters: Jactl converts each
    element as a value, not as an argument, so its errors say so."""
    try:
        return convert_args(fn, args)
    except JactlRuntimeError:
        for i, t in fn.conv:
            a = args[i]
            if a is MISSING or a is None:
                continue
            try:
                cv_arg(a, t, script_classes(fn))
            except JactlRuntimeError:
                cn = class_name(a)
                if t == "String":
                    raise JactlRuntimeError(f"Cannot convert object of type {cn} to {t}") \
                        from None
                target = "Number" if t in _NUMERIC else t
                raise JactlRuntimeError(f"{cn} cannot be cast to {target}") from None
        raise


def convert_params(fn, args):
    """The arguments of a call with named arguments (MISSING where not given), converted
    to the declared parameter types."""
    classes = None
    out = []
    for a, t in zip(args, fn.param_types):
        if a is MISSING or t in ("def", "var"):
            out.append(a)
        else:
            if classes is None:
                classes = script_classes(fn)
            out.append(cv_arg(a, t, classes))
    return out


functions.convert_args = convert_args
functions.convert_spread = convert_spread
functions.convert_params = convert_params
