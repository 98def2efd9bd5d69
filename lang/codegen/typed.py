"""Typed expression lowering: statically typed ``long``/``double`` arithmetic, comparisons
and array element access compiled to plain Python operations.

Why: the general operators (``_add``, ``_mul``, ``_le``, ``_index``...) dispatch on the
run-time types of their operands; when the resolver knows the types, that dispatch is pure
overhead. ``int`` arithmetic is already inline in codegen.py; this module does the same for
``long`` and ``double`` and for typed arrays.

Value representation is unchanged: a ``long`` variable holds a ``Long`` (an int subclass),
a ``double`` a ``float``. Inside a typed expression intermediate ``long`` values are plain
Python ints ("raw"), kept in 64 bits by an inline range check (``_w64`` wraps like Java);
the result is boxed as ``Long`` once, where the expression's value leaves the typed world
(stored, passed, returned). Arithmetic on a ``Long`` gives a plain int, so a ``Long`` is a
valid raw operand.

Only expressions that emit no statements and cannot suspend (``lower`` is false) are
lowered here; everything else takes the general path, so checkpoints are unaffected.
Every fast path falls back to the general operator when its inline guard fails, so the
errors (divide by zero, index out of bounds, null operands) are the general ones.
"""

import contextlib

from ..resolve.suspend import _children
from ..syntax import nodes as N
from .classes import field_type
from .dynamic import untyped_index

MIN64, MAX64 = -0x8000000000000000, 0x7fffffffffffffff
_ARITH = ("+", "-", "*", "/", "%")
_COMPARE = ("<", "<=", ">", ">=", "==", "!=")
_CMP_FN = {"<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge", "==": "_eq", "!=": "_ne"}
_ARRAYS = ("int[]", "long[]", "double[]", "boolean[]", "String[]")
_ELEM = {"int[]": "int", "long[]": "long", "double[]": "double", "boolean[]": "boolean",
         "String[]": "String"}


def _simple(text):
    """A Python name or number literal: can be repeated without evaluating twice."""
    return text.replace("_", "a").replace(".", "a").isalnum() or \
        (text.startswith("-") and text[1:].isdigit())


def _int_literal(text):
    return text.isdigit() or (text.startswith("-") and text[1:].isdigit())


class Typed:
    def __init__(self, g):
        self.g = g
        # (array symbol, index symbol) pairs whose ``a[i]`` an enclosing range loop's guard
        # proved in bounds (``range_for``): indexed directly, no per-access test
        self.proven = set()
        self.lower = {}     # int local Symbol -> a known lower bound (known_lower)
        self.nb = 0     # range-loop bounds saved so far (names _rb1, _rb2, ...)
        # id(node) -> (kind, text): a lowered operand already evaluated into a temp
        # (``compound``), used raw like any typed operand
        self.pre = {}
        # id(Index node): an ``a[i]`` a loop condition ``i < a.size()`` has just proved in
        # bounds when a is a List (statements._sized_first_index)
        self.sized = set()

    # ------------------------------------------------------------------ classification

    def kind(self, e):
        """'int', 'long' or 'double' when e can be compiled raw (its value is exactly a
        Python int / int / float of that type), else None."""
        if e is None or e.lower:
            return None
        t = self.g.st(e)
        if t == "int":
            return "int"
        if t not in ("long", "double"):
            return None
        if isinstance(e, N.Literal):
            return t if e.kind == t else None
        if isinstance(e, N.Ident):
            sym = e.sym
            return t if sym is not None and sym.kind == "local" and sym.type == t else None
        if isinstance(e, N.Binary) and e.op in _ARITH:
            k = self._arith_kind(e.op, self.kind(e.left), self.kind(e.right))
            return t if k == t else None
        if isinstance(e, N.Unary) and e.op == "-":
            return t if self.kind(e.expr) == t else None
        if isinstance(e, N.Index) and not e.null_safe and \
                self.g.st(e.obj) == t + "[]" and self.kind(e.index) in ("int", "long"):
            return t
        if isinstance(e, N.Field):
            # a typed field's slot holds a Long / float (stores convert, restores check)
            return t if field_type(self.g, e) == t else None
        return None

    @staticmethod
    def _arith_kind(op, a, b):
        if a is None or b is None:
            return None
        if "double" in (a, b):
            return "double"
        if "long" in (a, b):
            return "long"
        return "int"

    def operand(self, text):
        """A text that may be repeated: simple texts as they are, others into a walrus
        temp (first use) and its name (later uses)."""
        if _simple(text):
            return text, text
        self.g.nq += 1
        q = f"_q{self.g.nq}"
        return f"({q} := {text})", q

    # ------------------------------------------------------------------ raw values

    def raw(self, e):
        """Python text for e's value as a plain number (kind(e) must not be None)."""
        if id(e) in self.pre:
            return self.pre[id(e)][1]
        if isinstance(e, N.Literal) and e.kind == "long":
            return repr(int(e.value))
        if isinstance(e, N.Ident) and e.sym.unboxed and e.sym.owner is self.g.f and \
                e.sym not in self.g.sym_alias:
            return e.sym.pyname
        if self.kind(e) != "int":
            if isinstance(e, N.Binary):
                return self.arith(e.op, e.left, e.right)
            if isinstance(e, N.Unary):
                v = self.raw(e.expr)
                if self.kind(e) == "double":
                    return f"(-{v})"
                return f"(_r if (_r := -{v}) <= {MAX64} else _w64(_r))"
            if isinstance(e, N.Index):
                return self.index(e)
        return self.g.expr(e)

    def arith(self, op, left, right):
        """Raw text of ``left op right`` (both raw-able, result long or double)."""
        k = self._arith_kind(op, self.kind(left), self.kind(right))
        if k != "double" and op in ("+", "-", "*"):
            a = b = None        # (the ring form below)
        else:
            a, b = self.raw(left), self.raw(right)
        if k == "double":
            if op in ("+", "-", "*"):
                return f"({a} {op} {b})"
            if op == "/":
                # a zero divisor gives Infinity/NaN through the general operator
                a1, a2 = self.operand(a)
                b1, b2 = self.operand(b)
                test = b1 if a1 == a2 else f"({a1} is not None and {b1})"
                return f"({a2} / {b2} if {test} else _div({a2}, {b2}))"
            return f"_mod({a}, {b})"
        # long result (int op int is compiled by codegen.py itself)
        if op in ("+", "-", "*"):
            return f"(_r if {MIN64} <= (_r := {self._ring(left)} {op} {self._ring(right)}) " \
                f"<= {MAX64} else _w64(_r))"
        # Java's / and Jactl's %: Python's // and % agree for the guarded cases
        # (% with 0 < b <= 2**62: ((a %% b) + b) %% b cannot overflow)
        if op == "%" and _int_literal(b) and 0 < int(b) <= 0x4000000000000000:
            return f"({a} % {b})"
        a1, a2 = self.operand(a)
        b1, b2 = self.operand(b)
        if op == "%":
            test = f"0 < {b1} <= 4611686018427387904" if a1 == a2 else \
                f"{a1} is not None and 0 < {b1} <= 4611686018427387904"
            return f"({a2} % {b2} if {test} else _lmod({a2}, {b2}))"
        # both operands evaluated (left first) before either test can short-circuit
        test = f"{a1} >= 0 and {b1} > 0" if b1 == b2 else \
            f"{a1} is not None and {b1} > 0 and {a2} >= 0"
        return f"({a2} // {b2} if {test} else _ldiv({a2}, {b2}))"

    def _ring(self, e):
        """Raw text of a long operand of ``+ - *``, itself unwrapped when it is a long
        ``+ - *``: these are ring operations mod 2**64, so wrapping once at the end gives
        what wrapping every intermediate result gives (as for int trees in codegen.py)."""
        if isinstance(e, N.Binary) and e.op in ("+", "-", "*") and self.kind(e) == "long":
            return f"({self._ring(e.left)} {e.op} {self._ring(e.right)})"
        return self.raw(e)

    def box(self, kind, text, target=None):
        """A raw value as it is stored: a Long, unless stored into an unboxed local."""
        if kind != "long" or (target is not None and target.sym.unboxed):
            return text
        return f"_Long({text})"

    def cast(self, e):
        """``(int)``, ``(long)``, ``(double)`` of an int/long/double operand: Java's
        conversions inline (long to int keeps the low 32 bits, as ``_cast`` does). A
        double operand narrowed to int/long takes ``_cast`` (saturation, NaN)."""
        tn = e.type.name if e.type is not None and not e.type.dims else None
        k = self.kind(e.expr)
        if k is None or tn not in ("int", "long", "double") or \
                (k == "double" and tn != "double"):
            return None
        v = self.raw(e.expr)
        if tn == "double":
            return v if k == "double" else f"float({v})"
        if tn == "long":
            return self.box("long", v)
        if k == "int":
            return v
        if isinstance(e.expr, (N.Binary, N.Unary)):     # raw arithmetic: a plain int
            return f"(_r if -2147483648 <= (_r := {v}) <= 2147483647 else _w32(_r))"
        return f"_w32({v})"                              # (a Long: made a plain int)

    # ------------------------------------------------------------------ unboxed locals

    def declare(self, sym):
        """A typed ``long`` local of a function that cannot suspend, not captured by a
        closure, holds a plain int: no frame ever saves it, every generic read boxes it
        (codegen read_sym / lvalue_parts) and typed expressions use it as it is."""
        g = self.g
        if sym.type == "long" and sym.kind == "local" and not sym.captured and \
                not sym.is_param and sym.owner is g.f and not g.susp and not g.mod.cpe:
            sym.unboxed = True

    def store(self, e, write):
        """``x = v`` (a statement) into an unboxed long local: v stored raw."""
        target = e.target
        if not isinstance(target, N.Ident) or not target.sym.unboxed or \
                self.kind(e.value) not in ("int", "long"):
            return False
        self.g.step(write(self.raw(e.value)))
        return True

    # ------------------------------------------------------------------ hooks

    def binary(self, e):
        """Text for a Binary node, or None for the general path."""
        op = e.op
        if op not in _ARITH and op not in _COMPARE:
            return None
        lk, rk = self.kind(e.left), self.kind(e.right)
        if op in _COMPARE and (lk == "long") != (rk == "long") and None in (lk, rk):
            return self.compare_untyped(e, lk, rk)
        if op in ("+", "-", "*") and "double" in (lk, rk) and None in (lk, rk):
            return self.double_untyped(e, lk)
        if lk is None or rk is None:
            return None
        if op in _COMPARE:
            if lk == "int" and rk == "int":
                return None
            if op in ("==", "!=") and "double" in (lk, rk):
                return None
            # (a long and a double compare exactly, as the general operators do)
            a, b = self.raw(e.left), self.raw(e.right)
            return f"({a} {op} {b})"
        k = self._arith_kind(op, lk, rk)
        if k == "int":
            return None
        return self.box(k, self.arith(op, e.left, e.right))

    def double_untyped(self, e, lk):
        """A typed double and an untyped value in ``+ - *`` (``0.5D * mass``): float
        arithmetic when that value is a float or an int at run time (an int converts
        exactly), else the general operator."""
        other = e.right if lk else e.left
        if other.lower or self.g.st(other) not in ("def", "var"):
            return None
        fn = {"+": "_add", "-": "_sub", "*": "_mul"}[e.op]
        self.g.nq += 1
        q = f"_q{self.g.nq}"
        if lk:
            a1, a2 = self.operand(self.raw(e.left))
            r = self.g.expr(e.right)
            num = f"(type({q} := {r}) is float or type({q}) is int)"
            test = num if a1 == a2 else f"({a1} is not None) & {num}"
            return f"({a2} {e.op} {q} if {test} else {fn}({a2}, {q}))"
        l = self.g.expr(e.left)
        b1, b2 = self.operand(self.raw(e.right))
        num = f"(type({q} := {l}) is float or type({q}) is int)"
        test = num if b1 == b2 else f"{num} & ({b1} is not None)"
        return f"({q} {e.op} {b2} if {test} else {fn}({q}, {b2}))"

    def compare_untyped(self, e, lk, rk):
        """A typed long compared with an untyped value: inline when that value turns out
        to be an int at run time (``i <= n`` with a global n)."""
        other = e.right if lk else e.left
        if other.lower or self.g.st(other) not in ("def", "var"):
            return None
        fn = _CMP_FN[e.op]
        self.g.nq += 1
        q = f"_q{self.g.nq}"
        if lk:
            a1, a2 = self.operand(self.raw(e.left))
            r = self.g.expr(e.right)
            test = f"type({q} := {r}) is int" if a1 == a2 else \
                f"{a1} is not None and type({q} := {r}) is int"
            return f"({a2} {e.op} {q} if {test} else {fn}(_Long({a2}), {q}))"
        l = self.g.expr(e.left)
        b1, b2 = self.operand(self.raw(e.right))
        test = f"type({q} := {l}) is int" if b1 == b2 else \
            f"(type({q} := {l}) is int) & ({b1} is not None)"
        return f"({q} {e.op} {b2} if {test} else {fn}({q}, _Long({b2})))"

    def compound(self, e, read, write, ttype, want_value):
        """``x op= v`` for a long/double local x; True when emitted."""
        op = e.op
        if ttype not in ("long", "double") or op[:-1] not in _ARITH or \
                not isinstance(e.target, N.Ident) or e.target.sym.kind != "local":
            return None
        g = self.g
        vk = self.kind(e.value)
        if vk is None and e.value.lower and g.st(e.value) in ("int", "long", "double"):
            # ``total += f(i)``: the call runs its statements (and may suspend) first; its
            # typed result is then an operand like any other (the general path also reads
            # a local target after the value)
            vk = g.st(e.value)
            if ttype == "long" and vk == "double":
                return None
            self.pre[id(e.value)] = (vk, g.expr(e.value))
        if vk is None or (ttype == "long" and vk == "double"):
            return None
        nv = self.box(ttype, self.arith(op[:-1], e.target, e.value), e.target)
        if not want_value:
            g.step(write(nv))
            return True, None
        t = g.temp(ttype)
        g.step(f"{t} = {nv}")
        g.step(write(t))
        return True, (f"_Long({t})" if e.target.sym.unboxed else t)

    def incdec(self, e, read, write, ttype, want_value):
        """``x++``/``--x`` for a long/double local; (True, value) when emitted."""
        if ttype not in ("long", "double") or not isinstance(e.expr, N.Ident) or \
                e.expr.sym.kind != "local":
            return None
        cur = self.raw(e.expr)
        sign = "+" if e.op == "++" else "-"
        g = self.g
        if ttype == "double":
            nv = f"({cur} {sign} 1.0)"
        elif sign == "+":
            nv = self.box("long", f"(_r if (_r := {cur} + 1) <= {MAX64} else _w64(_r))", e.expr)
        else:
            nv = self.box("long", f"(_r if (_r := {cur} - 1) >= {MIN64} else _w64(_r))", e.expr)
        if not want_value:
            g.step(write(nv))
            return True, None
        t = g.temp(ttype)
        if isinstance(e, N.Postfix):
            g.step(f"{t} = {read()}")
            g.step(write(nv))
        else:
            g.step(f"{t} = {nv}")
            g.step(write(t))
            if e.expr.sym.unboxed:
                return True, f"_Long({t})"
        return True, t

    def index(self, e):
        """``a[i]`` for a typed array a and an int/long index: inline when in bounds."""
        o = self.g.expr(e.obj)
        i = self.raw(e.index)
        if self._proven(e):
            return f"{o}[{i}]"
        o1, o2 = self.operand(o)
        i1, i2 = self.operand(i)
        if i1 == i2:
            test = f"type({o1}) is _JA and 0 <= {i1} < len({o2})"
        else:   # the index is evaluated (after the array) whatever the array is
            test = f"(type({o1}) is _JA) & (0 <= {i1}) and {i2} < len({o2})"
        return f"({o2}[{i2}] if {test} else _index({o2}, {i2}))"

    def index_read(self, e):
        """Text for an Index node on a typed array, or None."""
        if e.lower or e.null_safe:
            return None
        if id(e) in self.sized:
            o, i = self.g.expr(e.obj), self.g.expr(e.index)
            if o.isidentifier() and i.isidentifier():
                return f"({o}[{i}] if type({o}) is list else _index({o}, {i}))"
        if self._proven(e):
            return self.index(e)
        if self.g.st(e.obj) not in _ARRAYS or self.kind(e.index) not in ("int", "long"):
            return None
        if e.obj.lower:
            return None
        return self.index(e)

    def index_store(self, e):
        """``a[i] = v`` as a statement, a typed array, v of the element type: inline
        store when in bounds. True when emitted."""
        target = e.target
        if self.g.susp or e.op != "=" or not isinstance(target, N.Index) or target.null_safe:
            return None
        at = self.g.st(target.obj)
        elem = _ELEM.get(at)
        if elem is None and self._proven(target):     # an untyped List: any value
            v = self.g.expr(e.value)
            self.g.emit(f"{self.g.expr(target.obj)}[{self.raw(target.index)}] = "
                        f"{self.g.convert(v, e.value, 'def')}", e)
            return True
        if elem is None or elem == "String" or target.lower:
            return None
        if self.kind(target.index) not in ("int", "long"):
            return None
        v = e.value
        if v.lower:
            return None
        if elem == "boolean":
            if self.g.st(v) != "boolean":
                return None
            val = self.g.expr(v)
        else:
            vk = self.kind(v)
            if vk != elem:
                return None
            val = self.box(elem, self.raw(v))
        g = self.g
        o = g.expr(target.obj)
        if not _simple(o):
            t = g.temp()
            g.emit(f"{t} = {o}", e)
            o = t
        i = self.raw(target.index)
        if not _simple(i):
            t = g.temp(self.kind(target.index))
            g.emit(f"{t} = {i}", e)
            i = t
        if self._proven(target):
            g.emit(f"{o}[{i}] = {val}", e)
            return True
        g.emit(f"if type({o}) is _JA and 0 <= {i} < len({o}): {o}[{i}] = {val}", e)
        g.emit(f"else: _setindex({o}, {i}, {val})", e)
        return True

    # ------------------------------------------------------------------ int lower bounds

    @contextlib.contextmanager
    def known_lower(self, cond, branch, holds):
        """While generating ``branch`` of a ternary whose condition ``cond`` is known to
        be ``holds``: when that means ``x >= K`` for an int local x (``x < K`` false,
        ``x >= K`` true...) that the branch cannot assign (not captured, no store in it),
        ``x - k`` (k >= 0 literal) there needs no range check when K - k >= -2**31
        (``fib(x - 1)`` under ``x < 2 ? x : ...``)."""
        fact = _lower_fact(cond, holds, self.g.st)
        if fact is None or fact[0] in self.lower or fact[0] in _assigned_in(branch):
            yield
            return
        self.lower[fact[0]] = fact[1]
        try:
            yield
        finally:
            del self.lower[fact[0]]

    def int_minus(self, e, l, r):
        """Text of the int ``l - r`` (e: the Binary) without a range check when x - k
        cannot leave 32 bits under a known lower bound of x, else None."""
        if not (isinstance(e.left, N.Ident) and e.left.sym in self.lower and
                isinstance(e.right, N.Literal) and e.right.kind == "int" and
                type(e.right.value) is int):
            return None
        k = e.right.value if e.op == "-" else -e.right.value
        if k >= 0 and self.lower[e.left.sym] - k >= -0x80000000:
            return f"({l} - {k})"
        return None

    def _proven(self, e):
        """e (an Index) is ``a[i]`` that an enclosing range loop proved in bounds."""
        return isinstance(e.obj, N.Ident) and isinstance(e.index, N.Ident) and \
            not e.null_safe and (e.obj.sym, e.index.sym) in self.proven

    def _bounds_guard(self, st, sym, pure, assigned):
        """For a range loop over ``sym``: the arrays/Lists the body indexes by ``sym``
        whose bounds one test before the loop can prove (a local, not captured, not
        assigned in the loop; a List only when the body is pure, so nothing can shrink
        it, an array never changes size). Returns [(array symbol, its Python type)]."""
        g = self.g
        found = {}
        stack = [st.body]
        while stack:
            x = stack.pop()
            if isinstance(x, list):
                stack.extend(x)
                continue
            if not isinstance(x, N.Node):
                continue
            if isinstance(x, N.Index) and not x.null_safe and isinstance(x.obj, N.Ident) and \
                    isinstance(x.index, N.Ident) and x.index.sym is sym:
                a = x.obj.sym
                t = g.st(x.obj)
                kind = "_JA" if t in _ARRAYS else "list" if t in ("def", "List") and pure \
                    else None
                if a is not None and kind and a.kind == "local" and not a.captured and \
                        a not in assigned and a not in g.sym_alias and a.owner is g.f and \
                        found.get(a, kind) == kind:
                    found[a] = kind
            stack.extend(_children(x))
        return list(found.items())

    # ------------------------------------------------------------------ counting loops

    def range_for(self, st):
        """``for (int/long i = a; i < B; i++ / i += S)`` as ``for i in range(...)`` when the
        loop provably counts: i is assigned only by the update, B and S cannot change
        while the loop runs, and a run-time guard (B an int, S > 0, no overflow) holds;
        otherwise the general loop runs. True when emitted."""
        g = self.g
        if g.susp or g.mod.cpe or len(st.init) != 1 or len(st.update) != 1:
            return False
        decl, cond, upd = st.init[0], st.cond, st.update[0]
        if not isinstance(decl, N.VarDecl) or not isinstance(cond, N.Binary) or \
                cond.op not in ("<", "<="):
            return False
        sym = decl.sym
        if sym is None or st.scope.names.get(sym.name) is not sym:    # (it outlives the loop)
            return False
        if sym.captured or sym.type not in ("int", "long") or \
                sym.nassign != 1 or (sym.type == "long" and not sym.unboxed):
            return False
        if not (isinstance(cond.left, N.Ident) and cond.left.sym is sym):
            return False
        if isinstance(upd, (N.Postfix, N.Unary)) and upd.op == "++" and \
                isinstance(upd.expr, N.Ident) and upd.expr.sym is sym:
            step = None
        elif isinstance(upd, N.Assign) and upd.op == "+=" and \
                isinstance(upd.target, N.Ident) and upd.target.sym is sym and \
                self._invariant(upd.value, False, _assigned(st)) and self.kind(upd.value) in ("int", "long") \
                and (sym.type == "long" or self.kind(upd.value) == "int"):
            step = upd.value
        else:
            return False
        bound = cond.right
        bk = self.kind(bound)
        if bk not in ("int", "long") and not (not bound.lower and
                                               g.st(bound) in ("def", "var")):
            return False
        if bk == "long" and sym.type == "int":
            return False
        pure, assigned = _pure(st.body), _assigned(st)
        if not self._invariant(bound, pure, assigned):
            return False
        pos = g.em.pos
        mx = MAX64 if sym.type == "long" else 0x7fffffff
        self.nb += 1
        b = f"_rb{self.nb}"
        g.extra_locals.append(b)
        g.emit(f"{b} = {self.raw(bound) if bk else g.expr(bound)}", bound)
        tests = []
        if not bk:
            tests.append(f"type({b}) is int" if sym.type == "int" else
                         f"(type({b}) is int or type({b}) is _Long)")
        s = "1"
        if step is not None:
            s = self.raw(step)
            tests.append(f"0 < {s}")
        # the last increment must not overflow (Jactl would wrap and go on looping)
        tests.append(f"{b} + {s} <= {mx + (1 if cond.op == '<' else 0)}")
        end = b if cond.op == "<" else f"{b} + 1"
        # every i the range yields is in [start, end): one test proves a[i] in bounds
        proven = [(a, t) for a, t in self._bounds_guard(st, sym, pure, assigned)
                  if (a, sym) not in self.proven]
        if proven:
            tests.append(f"0 <= {sym.pyname}")
            tests += [f"type({g.name_of(a)}) is {t} and {end} <= len({g.name_of(a)})"
                      for a, t in proven]
        args = f"{sym.pyname}, {end}" + (f", {s}" if step is not None else "")
        g.emit(f"if {' and '.join(tests)}:", st)
        with g.indent():
            g.loop_ids += 1
            g.loop_stack.append((st.label, g.loop_ids, None))
            g.emit(f"for {sym.pyname} in range({args}):", st)
            self.proven.update((a, sym) for a, _ in proven)
            with g.indent():
                g.tick()
                n = len(g.em.buf.lines)
                g.sub_stmt(st.body, None, None)
                if len(g.em.buf.lines) == n:
                    g.em.emit("pass")
            self.proven.difference_update((a, sym) for a, _ in proven)
            g.loop_stack.pop()
            g.jump_check()
        g.emit("else:", st)
        g.em.pos = pos      # the general loop's lines belong to the for statement
        with g.indent():
            if not g.fast_for(st):
                raise AssertionError("range_for: fast_for refused")   # pragma: no cover
        return True

    def _invariant(self, e, pure, assigned):
        """e's value cannot change while the loop runs: literals, locals not captured and
        not assigned in the loop (``assigned``), and, when the loop body runs no code that
        could assign one (``pure``), globals; and globals the script never assigns
        (``ModuleGen.stored_globals``)."""
        if e.lower:
            return False
        if isinstance(e, N.Literal):
            return e.kind in ("int", "long")
        if isinstance(e, N.Ident):
            sym = e.sym
            if sym is None:
                return False
            if sym.kind == "local":
                return not sym.captured and sym not in assigned and \
                    sym not in self.g.sym_alias
            if sym.kind != "global":
                return False
            # (a global no code of the script assigns keeps its value, calls or not)
            stored = self.g.mod.stored_globals
            return pure or (stored is not None and sym.name not in stored)
        if isinstance(e, N.Binary) and e.op in ("+", "-", "*"):
            return self._invariant(e.left, pure, assigned) and \
                self._invariant(e.right, pure, assigned) and \
                self.kind(e) in ("int", "long")
        return False


# statements and expressions a loop body may contain and still run no code that could
# assign a global (no calls, no closures, no user toString through string conversion)
_PURE_STMTS = (N.Block, N.ExprStmt, N.If, N.VarDecl, N.While, N.For, N.Break, N.Continue)
_NUM = ("int", "long", "double", "boolean", "byte")


def _pure(node):
    stack = [node]
    while stack:
        x = stack.pop()
        if x is None:
            continue
        if isinstance(x, list):
            stack.extend(x)
            continue
        if isinstance(x, N.Stmt):
            if not isinstance(x, _PURE_STMTS):
                return False
        elif not isinstance(x, N.Expr) or isinstance(x, N.Literal):
            continue
        elif isinstance(x, N.Ident):
            if x.sym is None or x.sym.kind not in ("local", "global"):
                return False
            continue
        elif untyped_index(x):      # x[i] / x[i] = v on an untyped List or Map
            pass
        elif isinstance(x, N.Assign):
            t = x.target
            if isinstance(t, N.Ident) and (t.sym is None or t.sym.kind != "local"):
                return False
            if not isinstance(t, (N.Ident, N.Index)):
                return False
            if x.op not in ("=", "+=", "-=", "*=") or \
                    t.stype not in _NUM + _ELEM_TYPES:
                return False
        elif isinstance(x, (N.Binary, N.Unary, N.Postfix, N.Ternary, N.Index)):
            if x.stype not in _NUM:
                return False
            if isinstance(x, N.Binary) and x.op in ("=~", "!~", "in", "!in", "?:"):
                return False
            if isinstance(x, N.Index) and x.obj.stype not in _ARRAYS:
                return False
        else:
            return False
        stack.extend(_children(x))
    return True


_ELEM_TYPES = ("int[]", "long[]", "double[]", "boolean[]")


def _assigned(loop):
    """Symbols assigned anywhere in a loop (its body, condition and update)."""
    return _assigned_in([loop.body, loop.cond, loop.update])


def _assigned_in(roots):
    """Symbols assigned anywhere in the given nodes (lists of nodes)."""
    out = set()
    stack = [roots]
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(x)
            continue
        if not isinstance(x, N.Node):
            continue
        targets = ()
        if isinstance(x, N.Assign):
            targets = (x.target,)
        elif isinstance(x, N.MultiAssign):
            targets = x.targets
        elif isinstance(x, (N.Postfix, N.Unary)) and x.op in ("++", "--"):
            targets = (x.expr,)
        elif isinstance(x, N.VarDecl):
            out.add(x.sym)
        for t in targets:
            if isinstance(t, N.Ident):
                out.add(t.sym)
        stack.extend(_children(x))
    return out


def _lower_fact(cond, holds, st):
    """(Symbol, K) when cond being ``holds`` means ``x >= K`` for a plain int local x."""
    if not isinstance(cond, N.Binary) or not isinstance(cond.left, N.Ident) or \
            not isinstance(cond.right, N.Literal) or cond.right.kind != "int" or \
            type(cond.right.value) is not int:
        return None
    sym = cond.left.sym
    if sym is None or sym.kind != "local" or sym.captured or sym.unboxed \
            or st(cond.left) != "int":
        return None
    k = cond.right.value
    op = cond.op if holds else {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}.get(cond.op)
    if op == ">=":
        return sym, k
    if op == ">":
        return sym, k + 1
    return None

