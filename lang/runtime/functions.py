"""Function values: compiled Jactl functions, closures and bound builtin methods.

A compiled function is described by a ``FunctionInfo``: which script it belongs to (by source
hash), its id inside that script, its parameters and whether it may suspend. Code is only ever
named that way — by (script hash, function id) — so a checkpoint can refer to it without
naming anything a host could not have compiled itself.

A ``Closure`` is a function value: the FunctionInfo plus the cells of the variables it
captured. Calling it calls the generated Python function directly.
"""

from functools import partial

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

    def call_named(self, named):
        """A call with named arguments (``f(x:1, y:2)``, a Map made into an instance by
        its class's constructor)."""
        fn = self.fn
        args = []
        names = set(named)
        for p in fn.params:
            if p in named:
                args.append(named[p])
                names.discard(p)
            else:
                args.append(MISSING)
        if names:
            bad = [k for k in named if k in names]
            if len(bad) == 1:
                raise JactlRuntimeError(f"No such parameter: {bad[0]}")
            raise JactlRuntimeError(f"No such parameters: {', '.join(bad)}")
        for i in range(fn.min_args):
            if args[i] is MISSING and i not in fn.optional:
                # (named arguments unchecked until run time: Jactl's runtime wording)
                raise JactlRuntimeError(f"Missing value for mandatory parameter "
                                        f"'{fn.params[i]}'")
        conv = convert_params(fn, args)
        if fn.has_cells:
            return fn.pyfunc(self.cells, *conv)
        return fn.pyfunc(*conv)

    def __repr__(self):
        return f"<closure {self.fn.name}>"


# Converting a dynamic call's arguments to the function's typed parameters needs the
# value layer (values.py), which sits above this module (it knows what a Closure is):
# argconv.py installs these three when it is imported, which the runtime's exports do
# before any script runs (a module never imports one above it: test_import_layers.py).
def _not_loaded(*args):
    raise RuntimeError("lang.runtime.argconv is not loaded")


convert_args = convert_spread = convert_params = _not_loaded


def direct(f, n):
    """A Python callable taking exactly n arguments that calls the non-suspending closure
    f with them, or None when f needs the general path (other arity, typed parameters,
    may suspend, not a closure). ``each``/``map``/``sort``... with a closure that cannot
    suspend call it once per element this way (its cells bound once by a
    functools.partial), instead of the general call with its arity rules every time."""
    if type(f) is Closure:
        fn = f.fn
        if fn.nparams == n and fn.exact is None and not fn.may_suspend:
            return partial(fn.pyfunc, f.cells) if fn.has_cells else fn.pyfunc
    return None


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
