"""What a valid frame of a may-suspend function looks like, recorded while it is generated.

A checkpoint restores a frame as (function, pc, locals). The restorer must not trust any of
it: a pc that is not a suspend site skips code, a local of the wrong kind reaches generated
code that relies on its static type. The code generator knows the truth, so it records it
on the function's ``FunctionInfo``:

* ``resume_points`` — the pcs of its suspend sites;
* ``local_kinds`` — for every local of the frame layout, what it may hold: a Jactl type name
  (a declared variable, a parameter, or a temporary holding an expression of that static
  type), ``@cell:T`` (a captured variable's Cell holding a T), ``@cells`` (the tuple of
  captured Cells a closure receives), or an internal kind (``@temp`` any value or lazy
  iterator, ``@list`` / ``@int`` for-in bookkeeping, ``@rx`` / ``@groups`` regex state,
  ``@count`` the loop counter, ``@jmp`` a pending labelled jump);
* ``live`` — for every resume point, which locals are certainly assigned there (parameters,
  variables whose declaration precedes the point in an enclosing block, temporaries
  evaluated before it in the same expression). Only those may be relied on: a local that is
  not live may also still be None;
* ``callees`` — resume points that are direct calls of a known function (or the constructor
  behind a Map-to-class conversion): the frame inside must be that function's, because the
  caller takes its result to have the callee's declared type.

For ``lang.describe`` (reading a parked continuation without running it) the generator also
keeps a ``FrameMap`` per function: the Jactl name of each layout local (None for
temporaries and bookkeeping) and the script position of each resume point. It lives on the
compiled Script, not in the generated code, so it changes neither the code nor its hash.

Liveness follows the lexical structure the generator walks: scopes, statements and the two
arms of every conditional open a region with ``mark()`` and close it with ``release()``.
"""


class ResumeTracker:
    """Collects the facts above for one function while its code is generated."""

    def __init__(self):
        self.defined = []          # locals assigned on every path to here, innermost last
        self.kinds = {}            # local name -> kind
        self.points = {}           # pc -> tuple of live local names
        self.callees = {}          # pc -> function id the frame inside must belong to
        self.positions = {}        # pc -> (line, column) of the suspending call

    def kind(self, name, kind):
        self.kinds.setdefault(name, kind or "def")

    def define(self, name):
        self.defined.append(name)

    def mark(self):
        return len(self.defined)

    def release(self, mark):
        del self.defined[mark:]

    def point(self, pc, callee=None, pos=None):
        self.points[pc] = tuple(self.defined)
        if pos is not None:
            self.positions[pc] = pos
        if callee is not None:
            self.callees[pc] = callee

    def info_source(self, layout):
        """Keyword arguments for the generated ``_FI(...)`` call: kinds in layout order and
        live sets as tuples of layout indices."""
        kinds = tuple(self.kinds.get(n, "@temp") for n in layout)
        index = {n: i for i, n in enumerate(layout)}
        live = {pc: tuple(sorted({index[n] for n in names if n in index}))
                for pc, names in sorted(self.points.items())}
        return (f"resume_points={tuple(sorted(self.points))!r}, local_kinds={kinds!r}, "
                f"live={live!r}, callees={self.callees!r}")


class FrameMap:
    """What a frame of one function means to a reader: the function's Jactl name, the Jactl
    variable name of each local in layout order (None: a temporary or bookkeeping slot) and
    the (line, column) of each resume point."""

    __slots__ = ("fn_id", "name", "is_main", "is_closure", "local_names", "positions")

    def __init__(self, fn_id, name, is_main, is_closure, local_names, positions):
        self.fn_id = fn_id
        self.name = name
        self.is_main = is_main
        self.is_closure = is_closure
        self.local_names = tuple(local_names)
        self.positions = dict(positions)

    def position(self, pc):
        return self.positions.get(pc, (None, None))
