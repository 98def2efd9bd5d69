"""Restore-time validation: a decoded checkpoint must describe a state a real run can reach.

The codec (``decoder.py``) guarantees that the bytes are well-formed and name only code the
restoring context compiled. That is not enough: bytes sealed with a valid digest — or signed
by a host whose key leaked — can still say that a frame stopped at a pc that is no suspend
site (skipping the rest of the script), that an ``int`` local holds a String, that a sort is
half-way through a merge of width 0, or that a bound method named ``eval`` is a value. Each
of those makes generated code or the runtime misbehave in ways no Jactl program can.

So every restore, signed or not, checks the whole graph before anything runs:

* the instance state: exactly the known counters, of the right types and ranges, agreeing
  with the header (instance id, sequence);
* the frame chain: the script's main frame outermost and only there; every code frame at a
  real resume point of its function, with the function's number of locals, each local of
  the kind the code generator recorded for it (``codegen/resume.py``) and, if the local is
  certainly assigned at that point, not None where its type cannot be; a frame suspended in
  a direct call has the callee's frame inside it; a lazy-iterator frame passes its element
  only to another iterator frame or to the frame draining the chain;
* every value: only the Python types that represent Jactl values, numbers in their Jactl
  ranges, array elements and class instance fields of their declared types, closures of
  this script with as many Cells as the function captures, bound methods only of methods the
  runtime could have bound (never ``eval``, nothing that runs source);
* every other runtime object (builtin frames, iterator stages, date/time values) through its
  own ``validate(check)`` hook, which checks positions against lengths, widths, counters and
  the kinds of its fields using the ``Check`` methods below.

The walk is iterative and visits each object once per kind it is used as.
"""

import math
from decimal import Decimal

from ..errors import CheckpointError
from ..runtime.calls import BUILTINS
from ..runtime.continuation import SERIALIZABLE, BuiltinFrame, CodeFrame, Frame
from ..runtime.functions import BoundMethod, Closure, FunctionInfo
from ..runtime.iterators import DrainFrame, IterFrame, LazyIter, SrcIter
from ..runtime.methods import has_method
from ..runtime.objects import JObject
from ..runtime.types import Byte, Cell, JArray, Long
from ..runtime.values import KeyList

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1

NOT_VALUES = frozenset({"eval"})
"""Builtin functions that can never be held as a value in a checkpoint: ``eval`` runs
source text that is not the pinned script."""

BUILTIN_VALUES = frozenset(BUILTINS) - NOT_VALUES
"""Builtin functions a script may hold as a value (``def f = sprintf``)."""

PRIMITIVES = frozenset({"int", "long", "double", "boolean", "byte"})
_ANY = frozenset({"def", "var", "Object", None, ""})
_EXACT = {"long": Long, "double": float, "boolean": bool, "byte": Byte, "Decimal": Decimal,
          "String": str}

STATE_KEYS = {
    "instance_id": "an instance id (str or null)",
    "checkpoint_id": "a non-negative int",
    "loops": "a non-negative int",
    "seq": "a non-negative int",
    "run_ms": "a non-negative finite float",
}
"""The instance state a checkpoint carries (``Instance.state``). Other keys are accepted only
as non-negative counters (int or finite float): the limits' bookkeeping may add some."""

MAX_DECIMAL_EXPONENT = 10_000
"""Sanity bound for a Decimal in a checkpoint (the magnitude of its adjusted exponent).
Arithmetic keeps 2000 digits, and the value caps on Decimal growth keep exponents far below
this; a forged 1E+999999 would make the next conversion to an int run for half a minute in
one C call (found by the fuzzer)."""


def _base(t):
    return "Object" + t[3:] if t.startswith("def") else t


def _elem_ok(have, want):
    """An array of ``have`` elements where one of ``want`` elements is declared."""
    have, want = _base(have), _base(want)
    if have == want:
        return True
    if want == "Object":
        return have not in PRIMITIVES
    if have.endswith("[]") and want.endswith("[]"):
        return _elem_ok(have[:-2], want[:-2])
    return False


def validate_restored(inst, header, globals_, state, frames):
    """Check a decoded checkpoint (see the module docstring); raise CheckpointError."""
    c = Check(inst)
    c.state(state, header)
    for k, v in globals_.items():
        if type(k) is not str:
            c.fail(f"global variable name {_short(k)} is not a String")
        c.value(v, f"global '{k}'")
    c.frames(frames)
    c.drain()


def _short(x, limit=40):
    try:
        r = repr(x)
    except Exception:  # a shell whose fields are not all set
        r = type(x).__name__
    return r if len(r) <= limit else r[:limit] + "..."


def _tname(v):
    t = type(v)
    return {type(None): "null", bool: "boolean", int: "int", Long: "long", Byte: "byte",
            float: "double", Decimal: "Decimal", str: "String", list: "List",
            dict: "Map", tuple: "tuple"}.get(t, t.__name__)


class Check:
    """The validator, and the interface ``validate(check)`` hooks use: ``fail``, ``that``,
    ``value``, ``typed``, ``function``, ``iterator``, ``list``, ``index``, ``integer``."""

    def __init__(self, inst):
        self.inst = inst
        ctx = getattr(inst, "context", None)
        self.host_functions = frozenset(getattr(ctx, "_host", None) or ())
        # (everything checked is reachable from the decoded root, which is alive while
        # this runs, so ids identify objects)
        self.work = []          # (object, how, where) still to check inside
        self.seen = set()       # (id, how) already queued
        self.seen_values = set()  # ids of values already queued
        self.where = "checkpoint"

    # ------------------------------------------------------------------ reporting

    def fail(self, msg):
        raise CheckpointError(f"Invalid checkpoint: {msg}")

    def that(self, cond, msg):
        if not cond:
            self.fail(f"{msg} (in {self.where})")

    def _queue(self, obj, how):
        if how == "value":
            key = id(obj)
            seen = self.seen_values
        else:
            key = (id(obj), how)
            seen = self.seen
        if key in seen:
            return
        seen.add(key)
        self.work.append((obj, how, self.where))

    def drain(self):
        work = self.work
        while work:
            obj, how, where = work.pop()
            self.where = where
            if how == "value":
                self._deep_value(obj)
            elif isinstance(how, tuple):        # ("cell", declared type of its variable)
                self.typed(obj.v, how[1], True, "captured variable")
            elif how == "object":
                obj.validate(self)

    # ------------------------------------------------------------------ state

    def state(self, state, header):
        self.where = "instance state"
        for k, v in state.items():
            if type(k) is not str:
                self.fail(f"instance state key {_short(k)} is not a String")
            if k not in STATE_KEYS:
                ok = (type(v) is int and v >= 0) or \
                    (type(v) is float and math.isfinite(v) and v >= 0)
                self.that(ok, f"unknown instance state '{k}' = {_short(v)} is not a "
                              f"non-negative counter")
        for k, what in STATE_KEYS.items():
            if k not in state:
                self.fail(f"instance state has no '{k}'")
            v = state[k]
            if k == "instance_id":
                ok = v is None or type(v) is str
            elif k == "run_ms":
                ok = type(v) is float and math.isfinite(v) and v >= 0
            else:
                ok = type(v) is int and 0 <= v <= INT64_MAX
            if not ok:
                self.fail(f"instance state '{k}' = {_short(v)} is not {what}")
        iid = state["instance_id"]
        if (iid or None) != header.instance_id:
            self.fail(f"instance state names instance {_short(iid)} but the header names "
                      f"{_short(header.instance_id)}")
        if state["seq"] != header.sequence:
            self.fail(f"instance state has sequence {state['seq']} but the header has "
                      f"{header.sequence}")

    # ------------------------------------------------------------------ frames

    def frames(self, frames):
        n = len(frames)
        if not n:
            self.fail("no frames: a suspended script always has its main frame")
        seen = set()
        for i, fr in enumerate(frames):
            self.where = f"frame {i}"
            if id(fr) in seen:
                self.fail(f"frame {i} appears twice in the chain")
            seen.add(id(fr))
            if type(fr) is CodeFrame:
                self.code_frame(fr, i, frames)
            elif isinstance(fr, BuiltinFrame) and SERIALIZABLE.get(type(fr).TAG) is type(fr):
                if type(fr) is IterFrame:
                    outer = frames[i + 1] if i + 1 < n else None
                    self.that(type(outer) in (IterFrame, DrainFrame),
                              "an iterator frame must be inside another iterator frame or "
                              "the frame draining the chain")
                self.hooked(fr)
            else:
                self.fail(f"frame {i} is a {type(fr).__name__}")
        last = frames[-1]
        if type(last) is not CodeFrame or not last.fn.is_main:
            self.fail("the outermost frame is not the script's main body")
        self.drain()

    def code_frame(self, fr, i, frames):
        fn, pc, locs = fr.fn, fr.pc, fr.locals
        self.where = f"frame {i} ({fn.name})"
        if fn.is_main and i != len(frames) - 1:
            self.fail(f"frame {i}: the main body can only be the outermost frame")
        if pc not in fn.resume_points:
            self.fail(f"frame {i}: {fn.name} has no resume point {pc}")
        kinds = fn.local_kinds
        if len(locs) != len(kinds):
            self.fail(f"frame {i}: {fn.name} has {len(kinds)} locals, not {len(locs)}")
        callee = fn.callees.get(pc)
        if callee is not None:
            inner = frames[i - 1] if i else None
            if type(inner) is not CodeFrame or inner.fn.id != callee:
                self.fail(f"frame {i}: {fn.name} is suspended in a call of function "
                          f"{callee}, whose frame is not inside it")
        live = fn.live.get(pc, ())
        for k, (v, kind) in enumerate(zip(locs, kinds)):
            self.local(v, kind, k in live, fn, k)

    def local(self, v, kind, assigned, fn, k):
        what = f"local #{k} of {fn.name}"
        if kind[:1] != "@":
            self.typed(v, kind, assigned, what)
            return
        if v is None and not assigned and kind != "@cells":
            return
        if kind == "@temp":
            if isinstance(v, LazyIter):
                self.iterator(v)
            else:
                self.value(v, what)
        elif kind.startswith("@cell:"):
            if type(v) is not Cell:
                self.fail(f"{what} must be a captured variable's cell, not {_tname(v)}")
            self._queue(v, ("cell", kind[6:]))
        elif kind == "@cells":
            n = len(fn.cell_kinds)
            if not fn.has_cells or type(v) is not tuple or len(v) != n or \
                    any(type(x) is not Cell for x in v):
                self.fail(f"{what} must be the {n} cells {fn.name} captures")
            for x, t in zip(v, fn.cell_kinds):
                self._queue(x, ("cell", t))
        elif kind == "@list":
            self.list(v, what)
        elif kind == "@int":
            self.integer(v, 0, INT32_MAX, what)
        elif kind == "@count":
            if v is not None:
                self.integer(v, 0, INT64_MAX, what)
        elif kind == "@rx":
            if v is not None:
                ok = type(v) is list and len(v) == 2 and (v[0] is None or type(v[0]) is str) \
                    and type(v[1]) is int and 0 <= v[1] <= (len(v[0]) + 1 if v[0] else 0)
                self.that(ok, f"{what} must be a regex position [string, offset]")
        elif kind == "@groups":
            if v is not None:
                self.that(type(v) is list and len(v) >= 1,
                          f"{what} must be the groups of a regex match")
                self.value(v, what)
        elif kind == "@jmp":
            if v is not None:
                ok = type(v) is tuple and len(v) == 2 and type(v[0]) is int and \
                    type(v[1]) is bool
                self.that(ok, f"{what} must be a pending loop jump")
        else:
            self.fail(f"{what} has an unknown kind {kind!r}")

    # ------------------------------------------------------------------ values

    def typed(self, v, tname, assigned=True, what="value"):
        """``v`` as a variable/field/element declared ``tname``: null only for reference
        types (and for a primitive that is not yet assigned)."""
        if tname in _ANY:
            self.value(v, what)
            return
        if v is None:
            if tname in PRIMITIVES and assigned:
                self.fail(f"{what} is declared {tname} but is null (in {self.where})")
            return
        t = type(v)
        if tname == "int":
            ok = t is int and INT32_MIN <= v <= INT32_MAX
        elif tname in _EXACT:
            ok = t is _EXACT[tname]
        elif tname == "List":
            ok = isinstance(v, list) and t is not JArray
        elif tname == "Map":
            ok = isinstance(v, dict) or isinstance(v, JObject)
        elif tname == "Function":
            ok = t is Closure or t is BoundMethod
        elif tname.endswith("[]"):
            ok = t is JArray and type(v.elem) is str and _elem_ok(v.elem, tname[:-2])
        elif isinstance(v, JObject):
            ok = v._cls.isa(tname)
        elif tname == "Number":
            ok = t in (int, Long, Byte, float, Decimal)
        else:
            isa = getattr(v, "_jactl_isa", None)
            ok = (isa is not None and bool(isa(tname))) or not self._known_type(tname)
            # (a type the validator has no rule for: any value)
        if not ok:
            self.fail(f"{what} is declared {tname} but holds a {_tname(v)} "
                      f"(in {self.where})")
        self.value(v, what)

    def _known_type(self, tname):
        if tname in ("Number",):
            return True
        klass = getattr(self.inst, "klass", None)
        if klass is not None and klass(tname) is not None:
            return True
        from ..runtime.datetime import CLASS_NAMES
        return tname in CLASS_NAMES

    def value(self, v, what="value"):
        """Any Jactl value (shallow here; its contents are queued)."""
        t = type(v)
        if t is str or v is None or t is bool or t is float:
            return
        if t is int:
            if not INT64_MIN <= v <= INT64_MAX:
                self.fail(f"{what}: integer {_short(v)} is out of range (in {self.where})")
            return
        if t is Long:
            if not INT64_MIN <= v <= INT64_MAX:
                self.fail(f"{what}: long {_short(v)} is out of range (in {self.where})")
            return
        if t is Byte:
            if not 0 <= v <= 255:
                self.fail(f"{what}: byte {_short(v)} is out of range (in {self.where})")
            return
        if t is Decimal:
            self._decimal(v, what)
            return
        if t is list or t is dict or t is JArray or isinstance(v, JObject) or t is Closure or \
                t is BoundMethod:
            self._queue(v, "value")
            return
        if SERIALIZABLE.get(getattr(t, "TAG", None)) is t and not issubclass(t, Frame) \
                and not issubclass(t, LazyIter):
            self.hooked(v)
            return
        self.fail(f"{what}: a {t.__name__} is not a Jactl value (in {self.where})")

    def hooked(self, obj):
        """A registered runtime object: checked by its own ``validate(check)``."""
        if not callable(getattr(type(obj), "validate", None)):
            self.fail(f"{type(obj).TAG} objects cannot be restored: no validator "
                      f"(in {self.where})")
        self._queue(obj, "object")

    def _decimal(self, v, what):
        if not v.is_finite():
            self.fail(f"{what}: Decimal {v} is not a number (in {self.where})")
        # (the magnitude bounds the cost of converting it: an integer-valued Decimal has
        # no more digits than its adjusted exponent + 1)
        if not -MAX_DECIMAL_EXPONENT <= v.adjusted() <= MAX_DECIMAL_EXPONENT:
            self.fail(f"{what}: Decimal of magnitude 1E{v.adjusted():+d} is out of range "
                      f"(in {self.where})")

    def _deep_value(self, v):
        t = type(v)
        if t is list or t is dict:
            # (inline for the common cases: lists of millions of numbers, maps of rows)
            value = self.value
            seen, work, where = self.seen_values, self.work, self.where
            if t is dict:
                for k in v:
                    if type(k) is not str:
                        self.key(k)
                v = v.values()
            for x in v:
                tx = type(x)
                if tx is str or tx is float or x is None or tx is bool or \
                        (tx is int and INT64_MIN <= x <= INT64_MAX):
                    continue
                if tx is list or tx is dict:
                    i = id(x)
                    if i not in seen:
                        seen.add(i)
                        work.append((x, "value", where))
                elif tx is Decimal:
                    if not x.is_finite() or not -MAX_DECIMAL_EXPONENT <= x.adjusted() <= \
                            MAX_DECIMAL_EXPONENT:
                        self._decimal(x, "element")
                else:
                    value(x, "element")
        elif t is JArray:
            self._array(v)
        elif isinstance(v, JObject):
            cls = v._cls
            try:
                fields = v._f if type(v) is cls.pycls else None
            except AttributeError:      # a field never stored
                fields = None
            self.that(fields is not None, f"instance of {cls.name} has malformed fields")
            for name, x in fields.items():
                self.typed(x, cls.ftypes.get(name, "def"), True,
                           f"field {name} of {cls.name}")
        elif t is Closure:
            self.closure(v)
        elif t is BoundMethod:
            self.bound_method(v)

    def key(self, k):
        t = type(k)
        if t is list or t is dict or t is JArray:
            self.fail(f"a {_tname(k)} used as a map key must be a key copy (in {self.where})")
        self.value(k, "map key")

    def _array(self, a):
        elem = a.elem
        self.that(type(elem) is str and elem != "" and elem not in ("var",),
                  f"array element type {_short(elem)}")
        if elem in PRIMITIVES:
            for x in a:
                self.typed(x, elem, True, f"{elem}[] element")
        else:
            for x in a:
                self.typed(x, elem, False, f"{elem}[] element")

    def closure(self, c):
        fn, cells = c.fn, c.cells
        self.that(type(fn) is FunctionInfo, "a closure without a function")
        if fn.is_main:
            self.fail(f"a closure of the script's main body (in {self.where})")
        if fn.has_cells:
            n = len(fn.cell_kinds)
            ok = type(cells) is tuple and len(cells) == n and \
                all(type(x) is Cell for x in cells)
            self.that(ok, f"a closure of {fn.name} must carry its {n} captured cells")
            for x, t in zip(cells, fn.cell_kinds):
                self._queue(x, ("cell", t))
        else:
            self.that(cells is None, f"a closure of {fn.name} carries cells it does not use")

    def bound_method(self, b):
        name, obj = b.name, b.obj
        self.that(type(name) is str and type(b.is_function) is bool, "malformed bound method")
        if name in NOT_VALUES:
            self.fail(f"bound method '{name}' cannot be restored from a checkpoint "
                      f"(in {self.where})")
        if b.is_function:
            if obj is not self.inst:
                self.fail(f"builtin function '{_short(name)}' bound to something other than "
                          f"the script (in {self.where})")
            if name not in BUILTIN_VALUES and name not in self.host_functions:
                self.fail(f"'{_short(name)}' is not a builtin or host function that can be "
                          f"held as a value (in {self.where})")
            return
        if obj is self.inst:
            self.fail(f"method '{_short(name)}' bound to the script (in {self.where})")
        self.value(obj, "bound method receiver")
        if isinstance(obj, JObject) and obj._cls.find(name) is not None:
            return
        try:
            found = has_method(obj, name)
        except Exception:
            found = False
        if not found:
            self.fail(f"no method '{_short(name)}' for {_tname(obj)} to bind "
                      f"(in {self.where})")

    # ------------------------------------------------------------------ for validate() hooks

    def function(self, f, optional=False, what="function"):
        """A function value (closure or bound method); None only when optional."""
        if f is None and optional:
            return
        if type(f) is not Closure and type(f) is not BoundMethod:
            self.fail(f"{what} must be a function, not {_tname(f)} (in {self.where})")
        self.value(f, what)

    def iterator(self, it):
        """A lazy iterator stage whose upstream chain ends in a source (no cycles)."""
        seen = set()
        x = it
        while True:
            if not isinstance(x, LazyIter) or \
                    SERIALIZABLE.get(getattr(type(x), "TAG", None)) is not type(x):
                self.fail(f"iterator stage is a {_tname(x)} (in {self.where})")
            if id(x) in seen:
                self.fail(f"iterator chain is a cycle (in {self.where})")
            seen.add(id(x))
            self.hooked(x)
            if type(x) is SrcIter:
                return
            x = getattr(x, "up", None)

    def list(self, v, what="list"):
        """A List (or array) of values; returns it."""
        if not isinstance(v, list) or (type(v) is not list and type(v) is not JArray
                                       and type(v) is not KeyList):
            self.fail(f"{what} must be a List, not {_tname(v)} (in {self.where})")
        self.value(v, what)
        return v

    def integer(self, v, lo, hi, what="counter"):
        if type(v) is not int or not lo <= v <= hi:
            self.fail(f"{what} = {_short(v)} is not an int in [{lo}, {hi}] (in {self.where})")
        return v

    def index(self, v, lo, hi, what="position"):
        return self.integer(v, lo, hi, what)

