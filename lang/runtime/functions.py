"""Function values: compiled Jactl functions, closures and bound builtin methods.

A compiled function is described by a ``FunctionInfo``: which script it belongs to (by source
hash), its id inside that script, its parameters and whether it may suspend. Code is only ever
named that way — by (script hash, function id) — so a checkpoint can refer to it without
naming anything a host could not have compiled itself.

A ``Closure`` is a function value: the FunctionInfo plus the cells of the variables it
captured. Calling it calls the generated Python function directly.
"""

from ..errors import JactlRuntimeError
from .types import MISSING


class FunctionInfo:
    """Static facts about one compiled Jactl function, bound to the Python function that
    implements it in one script instance.

    pyfunc signature: ``pyfunc([cells,] *params [, _fr=None, _rv=None])`` — ``cells`` only
    when ``has_cells``; ``_fr``/``_rv`` only when ``may_suspend`` (resume entry).
    """

    __slots__ = ("script_hash", "id", "name", "pyfunc", "params", "param_types",
                 "mandatory", "may_suspend", "has_cells", "layout", "is_closure",
                 "implicit_it", "conv", "_resume_args", "cell_kinds", "is_main", "min_args", "optional",
                 "resume_points", "local_kinds", "live", "callees", "nparams", "exact", "fc", "fci",
                 "returns_int", "sort_key")

    def __init__(self, script_hash, id, name, pyfunc, params, param_types, mandatory,
                 may_suspend, has_cells, layout, is_closure=False, implicit_it=False, *,
                 cell_kinds=(), is_main=False, resume_points=(), local_kinds=(), live=None,
                 callees=None, optional=None, returns_int=False, sort_key=None):
        self.script_hash = script_hash
        self.id = id
        self.name = name
        self.pyfunc = pyfunc
        self.params = tuple(params)          # parameter names
        self.param_types = tuple(param_types)  # declared type names ('def' when untyped)
        self.mandatory = mandatory           # number of params without default (anywhere)
        self.may_suspend = may_suspend
        self.has_cells = has_cells
        self.layout = layout                 # hash of the frame layout (locals + resume points)
        self.is_closure = is_closure
        self.implicit_it = implicit_it
        n = len(self.params) + (1 if has_cells else 0)
        self._resume_args = (None,) * n
        # typed parameters: (index, type) pairs a dynamic call converts its arguments to
        self.conv = tuple((i, t) for i, t in enumerate(self.param_types)
                          if t not in ("def", "var", "Object", None))
        # for runtime/fastcalls.py: a call with exactly nparams arguments goes straight to
        # pyfunc when no argument needs converting: exact is None (no typed parameter) or
        # the Python type each argument must have (False: some parameter never matches)
        self.nparams = len(self.params)
        self.exact = exact_types(self.param_types) if self.conv else None
        # generated code calls pyfunc(cells, *args) inline when fc == len(args)
        self.fc = self.nparams if has_cells and not self.conv else -1
        # ... or fci == len(args) when every argument is statically an int
        self.fci = self.nparams if has_cells and all(t == "int" for t in self.param_types) \
            else self.fc
        # What a checkpoint may contain for this function (recorded by the code generator,
        # checked by the restorer; see codegen/resume.py): the declared types of the
        # variables its closures capture (one Cell each), whether it is the script's main
        # body, its suspend sites, the kind of each local of its frame layout, the locals
        # certainly assigned at each suspend site, and the function whose frame must be
        # inside a frame suspended at a direct call.
        # every value the function returns is statically an int (a closure: sort may use
        # it as a comparator without checking its results)
        self.returns_int = returns_int
        # a comparator that orders by fields of its arguments: ((field names), descending)
        # per column (codegen/sortkey.py; used by runtime/iteration.py: key_sort)
        self.sort_key = sort_key
        self.cell_kinds = tuple(cell_kinds)
        # (a mandatory parameter may follow optional ones: positional arguments fill the
        # parameters in order, so a call needs at least up to the last mandatory one)
        # optional: the indexes of the parameters with a default (given only when some
        # mandatory parameter follows one)
        if optional is None:
            self.optional = frozenset(range(mandatory, len(self.params)))
            self.min_args = mandatory
        else:
            self.optional = frozenset(optional)
            self.min_args = max(i + 1 for i in range(len(self.params)) if i not in self.optional)
        self.is_main = is_main
        self.resume_points = frozenset(resume_points)
        self.local_kinds = tuple(local_kinds)
        self.live = {pc: frozenset(ix) for pc, ix in (live or {}).items()}
        self.callees = dict(callees or {})

    def resume(self, frame, value):
        return self.pyfunc(*self._resume_args, _fr=frame, _rv=value)

    def __repr__(self):
        return f"<function {self.name}#{self.id}>"


class Closure:
    """A Jactl function value. ``cells`` is the tuple of captured Cells (or None)."""

    __slots__ = ("fn", "cells")

    def __init__(self, fn, cells=None):
        self.fn = fn
        self.cells = cells

    @property
    def may_suspend(self):
        return self.fn.may_suspend

    def __call__(self, *args):
        """Positional call with Jactl's arity rules (missing trailing args take defaults)."""
        fn = self.fn
        n = len(args)
        np_ = len(fn.params)
        spread = False
        if n == 1 and type(args[0]) is list and (np_ == 0 or (np_ > 1 and fn.mandatory != 1)):
            # a single List argument supplies the arguments
            args = tuple(args[0])
            n = len(args)
            spread = True
        if n > np_:
            raise JactlRuntimeError(f"Too many arguments (passed {n} but expected only {np_})")
        if n < fn.min_args:
            raise JactlRuntimeError(f"Missing mandatory arguments (passed {n} but expected "
                                    f"at least {fn.mandatory})")
        if n < np_:
            args = args + (MISSING,) * (np_ - n)
        if fn.conv:
            args = convert_spread(fn, args) if spread else convert_args(fn, args)
        if fn.has_cells:
            return fn.pyfunc(self.cells, *args)
        return fn.pyfunc(*args)

    def call_spread(self, args):
        """A call whose arguments came from one List the caller spread (a method's, whose
        receiver comes first): as a positional call, converting them as values."""
        fn = self.fn
        n = len(args)
        if n > fn.nparams:
            raise JactlRuntimeError(f"Too many arguments (passed {n} but expected only "
                                    f"{fn.nparams})")
        if n < fn.min_args:
            raise JactlRuntimeError(f"Missing mandatory arguments (passed {n} but expected "
                                    f"at least {fn.mandatory})")
        args = tuple(args) + (MISSING,) * (fn.nparams - n)
        if fn.conv:
            args = convert_spread(fn, args)
        if fn.has_cells:
            return fn.pyfunc(self.cells, *args)
        return fn.pyfunc(*args)

    def __repr__(self):
        return f"<closure {self.fn.name}>"


_EXACT = {}
_CV = []


def convert_args(fn, args):
    """Convert the arguments of a dynamic call to the function's declared parameter types
    (the compiled body trusts its typed parameters)."""
    if not _CV:
        import decimal
        from .calls import cv_arg
        from .types import Long
        _CV.append(cv_arg)
        _EXACT.update({"int": int, "long": Long, "double": float, "String": str,
                       "boolean": bool, "Decimal": decimal.Decimal, "List": list,
                       "Map": dict})
    cv = None
    learn = fn.exact is False
    for i, t in fn.conv:
        a = args[i]
        if a is MISSING or type(a) is _EXACT.get(t):
            continue
        c = getattr(type(a), "_cls", None)     # an instance of exactly the class named:
        if c is not None and c.name == t:       # nothing to convert (isa's first case)
            continue
        if cv is None:
            cv = _CV[0]
            args = list(args)
            learn = False
        if type(a) is dict:
            # a Map for a class parameter: the function's own script's class (the host
            # may call a closure of a script that is not running)
            from .objects import from_map, script_class
            cd = script_class(fn, t)
            if cd is not None:
                args[i] = from_map(cd, a)
                continue
        args[i] = cv(a, t)
    if learn:
        learn_exact(fn, args)
    return args


def learn_exact(fn, args):
    """A call whose arguments all needed no conversion, some being instances of exactly
    the class their parameter names: record those classes' Python types in ``fn.exact``
    (the FunctionInfo belongs to one script instance, where a class has one Python type), so
    the next call with arguments of exactly these types goes straight to the function."""
    out = []
    for t, a in zip(fn.param_types, args):
        py = _EXACT_TYPES.get(t)
        if py is None:
            c = getattr(type(a), "_cls", None)
            if c is None or c.name != t:
                return
            py = type(a)
        elif type(a) is not py:
            return
        out.append(py)
    fn.exact = tuple(out)


_NUMERIC = frozenset(("int", "long", "double", "Decimal", "byte"))


def convert_spread(fn, args):
    """Arguments that came from one List spread over the parameters: Jactl converts each
    element as a value, not as an argument, so its errors say so."""
    try:
        return convert_args(fn, args)
    except JactlRuntimeError:
        from .values import class_name
        for i, t in fn.conv:
            a = args[i]
            if a is MISSING or a is None:
                continue
            try:
                _CV[0](a, t)
            except JactlRuntimeError:
                cn = class_name(a)
                if t == "String":
                    raise JactlRuntimeError(f"Cannot convert object of type {cn} to {t}") \
                        from None
                target = "Number" if t in _NUMERIC else t
                raise JactlRuntimeError(f"{cn} cannot be cast to {target}") from None
        raise


_EXACT_TYPES = {"int": int, "double": float, "String": str, "boolean": bool, "List": list,
                "Map": dict}


def exact_types(param_types):
    """The types arguments of an all-typed parameter list must have to need no conversion;
    False when some parameter is untyped or of a type with no single Python type."""
    out = tuple(_EXACT_TYPES.get(t) for t in param_types)
    return False if None in out else out


class BoundMethod:
    """``x.size`` without parentheses, or a builtin function used as a value: calling it
    invokes the named builtin method on ``obj`` (or the global builtin when obj is unset)."""

    __slots__ = ("obj", "name", "is_function")

    def __init__(self, obj, name, is_function=False):
        self.obj = obj
        self.name = name
        self.is_function = is_function

    may_suspend = True

    def __repr__(self):
        return f"<method {self.name}>"
