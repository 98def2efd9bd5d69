"""Expressions: literals, names, operators (with the inline int paths), field and
index reads, closures and the expression forms of statements."""

from decimal import Decimal
from ..errors import CompileError, LimitError
from . import strdec, classes as _cls
from ..runtime.limits import BYTES_MIN, check_decimal
from ..syntax import nodes as N
from .dynamic import (
    index_read, truthy, fast_long, field_read, string_eq, int_ops, str_part, long_fallback,
    null_tolerant_index)
from .shared import INT_MAX, INT_MIN, _is_int_literal, _is_simple, _is_simple_operand, _tn

BINOPS = {
    "+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod", "%%": "_rem",
    "&": "_band", "|": "_bor", "^": "_bxor", "<<": "_shl", ">>": "_shr", ">>>": "_ushr",
    "==": "_eq", "!=": "_ne", "===": "_is", "!==": "_isnot", "<": "_lt", "<=": "_le",
    ">": "_gt", ">=": "_ge", "<=>": "_cmp", "in": "_in", "!in": "_notin",
}

INT_NATIVE = {"+", "-", "*"}
FAST_OPS = {"+", "-", "*", "%", "<", "<=", ">", ">=", "==", "!="}
INT_COMPARE = {"<", "<=", ">", ">=", "==", "!="}


class ExpressionsMixin:
    """The expressions part of FuncGen (see the module docstring)."""

    def expr(self, e):
        m = getattr(self, "e_" + type(e).__name__)
        return m(e)

    # literals ------------------------------------------------------------

    def e_Literal(self, e):
        k = e.kind
        if k == "int":
            return repr(e.value)
        if k == "long":
            return f"_Long({e.value!r})"
        if k == "double":
            v = e.value
            if v != v or v in (float("inf"), float("-inf")):
                return f"float({str(v)!r})"
            return repr(float(v))
        if k == "decimal":
            text = str(e.value)
            try:
                check_decimal(Decimal(text))
            except LimitError as err:
                raise CompileError(err.raw_message, e.line, e.col) from None
            return self.mod.const(f"_Dec({text!r})")
        if k == "string":
            return repr(e.value)
        if k == "bool":
            return "True" if e.value else "False"
        return "None"

    def e_InterpString(self, e):
        exprs = [p for p in e.parts if not isinstance(p, str)]
        vals = self.exprs(exprs)
        if len(e.parts) == 1 and exprs:
            return strdec.interp_part(self, exprs[0], vals[0]) or str_part(self, vals[0])
        if not e.parts:
            return "''"
        # ``s = "$s$s"`` doubles: a result past BYTES_MIN is measured against the limit
        return f"(_si if len(_si := {strdec.interpolation(self, e.parts, vals)}) <= {BYTES_MIN} else _bigs(_si))"

    def e_ListLit(self, e):
        items = self.exprs(e.items)
        return "[" + ", ".join(items) + "]"

    def e_MapLit(self, e):
        flat = []
        for k, v in e.entries:
            flat.append(k)
            flat.append(v)
        vals = self.exprs(flat)
        keys = [k for k, _ in e.entries]
        # list and map keys are stored as hashable copies
        pairs = [f"{vals[i] if isinstance(keys[i // 2], N.Literal) else f'_hk({vals[i]})'}: "
                 f"{vals[i + 1]}" for i in range(0, len(vals), 2)]
        return "{" + ", ".join(pairs) + "}"

    def e_ClassRef(self, e):
        return f"_DTS[{e.cname!r}]"

    def e_Ident(self, e):
        sym = e.sym
        if sym.kind == "local":
            return self.read_sym(sym)
        if sym.kind == "function":
            return self.func_value(sym)
        if sym.kind == "builtin":
            return f"_builtin_value(_RT, {sym.name!r})"
        if sym.kind == "capture":
            return strdec.capture(self, self.read_sym(sym.match_sym), int(sym.name[1:]))
        return f"(_G[{sym.name!r}] if {sym.name!r} in _G else _gget(_G, {sym.name!r}))"

    def func_value(self, sym):
        g = sym.func
        if g.needs_cells or sym.captured:
            if g is self.f:
                return f"_Closure(_FN{g.id}, _c)" if g.needs_cells else f"_Closure(_FN{g.id})"
            return self.read_sym(sym)
        return f"_Closure(_FN{g.id})"

    # operators -----------------------------------------------------------

    def e_Binary(self, e):
        op = e.op
        if op in ("&&", "||"):
            return self.logical(e)
        if op == "?:":
            return self.elvis(e)
        if op in ("=~", "!~"):
            return self.regex(e)
        if op in ("===", "!==") and _const_collection(e.left) and _const_collection(e.right):
            # Jactl keeps one copy of equal constant list/map literals: they are identical
            l, r = self.exprs([e.left, e.right])
            return f"({'' if op == '===' else 'not '}_sw_eq({l}, {r}))"
        fast = self.typed.binary(e)
        if fast is None:
            fast = strdec.binary(self, e, BINOPS)     # String / Decimal operands
        if fast is not None:
            return fast
        fast = self.def_mod_tree(e)
        if fast is not None:
            return fast
        if op in INT_NATIVE and self.int_tree(e):
            # + - * are ring operations: wrapping once at the end gives what wrapping
            # every intermediate result gives (mod 2**32), so one range check suffices
            return f"(_r if {INT_MIN} <= (_r := {self.int_raw(e)}) <= {INT_MAX} else _w32(_r))"
        l, r = self.exprs([e.left, e.right])
        lt, rt = self.st(e.left), self.st(e.right)
        if lt == "int" and rt == "int":
            if op in INT_NATIVE:
                return (op != "*" and self.typed.int_minus(e, l, r)) or \
                    self.int_checked(f"{l} {op} {r}", op, e.right)
            if op in INT_COMPARE or op in ("&", "|", "^"):
                return f"({l} {op} {r})"
            if op == "%":
                if _is_int_literal(r) and int(r) != 0:
                    return f"({l} % {r})"
                if _is_simple_operand(r):
                    return f"({l} % {r} if {r} else _mod({l}, {r}))"
        if lt in ("int", "long", "double") and rt in ("int", "long", "double") and op in ("<", "<=", ">", ">="):
            return f"({l} {op} {r})"
        if op in ("==", "!=") and (lt in ("boolean",) and rt == "boolean"):
            return f"({l} {op} {r})"
        fn = BINOPS[op]
        fast = fast_long(self, l, r, lt, rt, op, fn) or string_eq(self, l, r, op, fn) or \
            int_ops(self, l, r, lt, rt, op, fn) or self.fast_int(l, r, lt, rt, op, fn)
        if fast is not None:
            return fast
        return f"{fn}({l}, {r})"

    def int_arith(self, e):
        """e is an int ``+ - *`` the int path below emits (both operands statically int,
        nothing lowered)."""
        return isinstance(e, N.Binary) and e.op in INT_NATIVE and \
            not e.left.lower and not e.right.lower and \
            self.st(e.left) == "int" and self.st(e.right) == "int"

    def def_mod_tree(self, e):
        """``(x + k) % m`` whose operands are variables (untyped or int) or int literals:
        when every untyped one holds an int, the whole tree is int arithmetic with one
        range check and one zero test; otherwise (or on overflow) the general code runs,
        reading the variables again (reads have no effects)."""
        if e.op != "%" or not isinstance(e.left, N.Binary) or e.left.op not in INT_NATIVE \
                or getattr(self, "general_mod", None) is e:
            return None
        leaves = []
        if not _int_leaves(self, e.left, leaves) or not _int_leaves(self, e.right, leaves):
            return None
        tests, names = [], {}
        for x in leaves:
            v = self.expr(x)
            if not v.isidentifier():
                self.nq += 1
                q = f"_q{self.nq}"
                v, v_first = q, f"({q} := {v})"
            else:
                v_first = v
            if self.st(x) != "int":
                tests.append(f"type({v_first}) is int")
            elif x is e.right:
                tests.append(f"{v_first} != 0")     # (and a zero divisor takes _mod)
            elif v_first != v:
                tests.append(f"{v_first} is not None")
            names[id(x)] = v
        m = names[id(e.right)] if isinstance(e.right, N.Ident) else self.expr(e.right)
        if isinstance(e.right, N.Ident) and self.st(e.right) != "int" or \
                not isinstance(e.right, N.Ident) and int(m) == 0:
            tests.append(m)
        if not tests:       # (all int, a literal divisor: the int path)
            return None
        raw = _leaf_tree(e.left, names)
        self.general_mod = e
        try:
            general = self.expr(e)
        finally:
            self.general_mod = None
        return (f"(_r % {m} if {' and '.join(tests)} and {INT_MIN} <= (_r := {raw}) <= "
                f"{INT_MAX} else {general})")

    def int_tree(self, e):
        """An int ``+ - *`` with another one as an operand (``i * 7 + j * 13``)."""
        return self.int_arith(e) and (self.int_arith(e.left) or self.int_arith(e.right))

    def int_raw(self, e):
        """Unwrapped Python text of an int ``+ - *`` tree; leaves as usual."""
        if not self.int_arith(e):
            return self.expr(e)
        return f"({self.int_raw(e.left)} {e.op} {self.int_raw(e.right)})"

    def int_checked(self, text, op, right=None):
        """An int result brought back into 32 bits. When the sign of the right operand is
        known, only one bound can be crossed, and one comparison is cheaper than two."""
        sign = _sign(right) if right is not None else None
        if op in ("+", "-") and sign is not None:
            up = (sign > 0) == (op == "+")
            test = f"(_r := {text}) <= {INT_MAX}" if up else f"(_r := {text}) >= {INT_MIN}"
            return f"(_r if {test} else _w32(_r))"
        return f"(_r if {INT_MIN} <= (_r := {text}) <= {INT_MAX} else _w32(_r))"

    def fast_int(self, l, r, lt, rt, op, fn):
        """Inline path for untyped operands that turn out to be ints at run time (the
        common case of ``def`` code): Python int arithmetic with a 32-bit range check,
        falling back to the general operator."""
        if lt not in ("int", "def") or rt not in ("int", "def"):
            return None
        if op not in FAST_OPS:
            return None
        evals = []     # complex operands: evaluated (in order) into temps, then checked
        checks = []    # simple untyped operands: checked only
        ops_ = []
        for side, (x, t) in enumerate(((l, lt), (r, rt))):
            if _is_simple_operand(x):
                if t == "def" and not _is_int_literal(x):
                    checks.append(f"type({x}) is int")
                ops_.append(x)
            else:
                self.nq += 1
                q = f"_q{self.nq}"
                if t == "int":
                    # statically an int: only evaluated here (a zero divisor fails the test)
                    evals.append(f"({q} := {x}) != 0" if op == "%" and side else
                                 f"({q} := {x}) is not None")
                else:
                    evals.append(f"type({q} := {x}) is int")
                ops_.append(q)
        if not evals and not checks:
            return None
        # both complex operands must be evaluated even when the first is not an int
        first = " & ".join(f"({c})" for c in evals) if len(evals) > 1 else "".join(evals)
        cond = " and ".join([c for c in [first] if c] + checks)
        a, b = ops_
        other = long_fallback(a, b, lt, rt, op, fn)     # long operands, then fn
        if op in ("+", "-", "*"):
            return (f"(_r if {cond} and {INT_MIN} <= (_r := {a} {op} {b}) <= {INT_MAX} "
                    f"else {other})")
        if op == "%":
            nz = "" if _is_int_literal(b) and int(b) != 0 or \
                (rt == "int" and not _is_simple_operand(r)) else f" and {b}"
            return f"({a} % {b} if {cond}{nz} else {other})"
        return f"({a} {op} {b} if {cond} else {other})"

    def logical(self, e):
        is_and = e.op == "&&"
        if not e.right.lower:
            l = self.cond(e.left)
            r = self.cond(e.right)
            return f"({l} {'and' if is_and else 'or'} {r})"
        t = self.temp()
        l = self.cond(e.left)
        self.step(f"{t} = {l}")

        def then():
            r = self.cond(e.right)
            self.step(f"{t} = {r}")
        self.if_stmt_raw(t if is_and else f"not {t}", then)
        return t

    def elvis(self, e):
        # (as for ``?=``: a null met while evaluating the left side makes it null)
        if not e.right.lower and not e.left.lower and \
                not isinstance(e.left, N.MethodCall):
            l = null_tolerant_index(self, e.left)
            if l is None:
                l = self.expr(e.left)
                if not _is_simple(l):
                    l = f"_try_null(lambda: {l})"
            r = self.expr(e.right)
            return f"(_r if (_r := {l}) is not None else {r})"
        t = self.null_tolerant(e.left)

        def then():
            self.step(f"{t} = {self.expr(e.right)}")
        self.if_stmt_raw(f"{t} is None", then)
        return t

    def e_Ternary(self, e):
        if not (e.then.lower or e.else_.lower):
            c = self.cond(e.cond)
            with self.typed.known_lower(e.cond, e.then, True):
                then = self.expr(e.then)
            with self.typed.known_lower(e.cond, e.else_, False):
                return f"({then} if {c} else {self.expr(e.else_)})"
        t = self.temp()
        c = self.cond(e.cond)
        ct = self.temp()
        self.step(f"{ct} = {c}")
        self.if_stmt_raw(ct, lambda: self.em.emit(f"{t} = {self.expr(e.then)}"),
                         lambda: self.em.emit(f"{t} = {self.expr(e.else_)}"))
        return t

    def e_Unary(self, e):
        op = e.op
        if op in ("++", "--"):
            return self.incdec(e, want_value=True)
        v = self.expr(e.expr)
        if op == "??":     # not null, a null met on the way counting as null
            if e.expr.lower or _is_simple(v):
                return f"({v} is not None)"
            return f"(_try_null(lambda: {v}) is not None)"
        if op == "!":
            if self.st(e.expr) == "boolean":
                return f"(not {v})"
            return f"(not {truthy(self, v)})"
        if op == "-":
            if isinstance(e.expr, N.Literal) and e.expr.kind in ("int", "long", "double", "decimal"):
                return self.e_Literal(_negated_literal(e.expr))
            return f"_neg({v})"
        if op == "+":
            return f"_pos({v})"
        if op == "~":
            return f"_bnot({v})"
        raise CompileError(f"Unknown operator {op}", e.line, e.col)

    def e_Postfix(self, e):
        return self.incdec(e, want_value=True)

    # access ----------------------------------------------------------------

    def null_safe(self, obj_text, fn):
        t = self.temp()
        self.step(f"{t} = {obj_text}")
        return f"(None if {t} is None else {fn(t)})"

    def e_Index(self, e):
        fast = self.typed.index_read(e)
        if fast is not None:
            return fast
        o, i = self.exprs([e.obj, e.index])
        if e.null_safe:
            return f"_index_ns({o}, {i})"
        return index_read(self, o, i, self.st(e.index), self.st(e.obj))

    def e_Field(self, e):
        fast = _cls.field_read(self, e)
        if fast is not None:
            return fast
        if isinstance(e.name, str):
            o = self.expr(e.obj)
            nm = repr(e.name)
        else:
            o, nm = self.exprs([e.obj, e.name])
        if e.null_safe:
            return f"_field_ns({o}, {nm})"
        if isinstance(e.name, str):
            return field_read(self, o, e.name)
        return f"_field({o}, {nm})"

    def e_Closure(self, e):
        g = e.info
        if g.needs_cells:
            return f"_Closure(_FN{g.id}, {self.cells_tuple(g)})"
        return f"_Closure(_FN{g.id})"

    def e_DoBlock(self, e):
        t = self.temp()
        self.block_value(e.body, "assign", t)
        return t

    def e_Die(self, e):
        v = self.expr(e.expr) if e.expr is not None else "None"
        return f"_die({v})"

    def e_Print(self, e):
        args = self.exprs(e.args)
        fn = "_B_println" if e.newline else "_B_print"
        return f"{fn}(_RT, {', '.join(args)})" if args else f"{fn}(_RT)"

    def e_ReturnExpr(self, e):
        v = self.expr(e.expr) if e.expr is not None else "None"
        self.em.emit(f"return {v}")
        return "None"

    def e_ArrayNew(self, e):
        sizes = self.exprs([x for x in e.sizes if x is not None])
        t = _tn(e.type)
        return f"_new_array({t!r}, ({', '.join(sizes)},){self.classes_arg(t)})"

    def e_BreakExpr(self, e):
        self.jump(e, True)
        return "None"

    def e_ContinueExpr(self, e):
        self.jump(e, False)
        return "None"

    def e_Eval(self, e):
        args = self.exprs(e.args)
        return f"_bcall(_RT, 'eval', ({', '.join(args)},))"


def _const_collection(e):
    """A list/map literal made only of constants (nested ones included)."""
    if isinstance(e, N.ListLit):
        return all(isinstance(x, N.Literal) or _const_collection(x) for x in e.items)
    if isinstance(e, N.MapLit):
        return all(isinstance(k, N.Literal) and (isinstance(v, N.Literal) or
                                                _const_collection(v)) for k, v in e.entries)
    return False


def _sign(node):
    """+1 when an int expression is known to be >= 0, -1 when <= 0, else None."""
    if isinstance(node, N.Literal) and node.kind == "int":
        return 1 if node.value >= 0 else -1
    if isinstance(node, N.Binary) and node.stype == "int":
        if node.op == "%" and isinstance(node.right, N.Literal) and node.right.kind == "int" \
                and node.right.value > 0:
            return 1
        if node.op == "&" and (_sign(node.left) == 1 or _sign(node.right) == 1):
            return 1
    return None


def _negated_literal(lit):
    v = lit.value
    if lit.kind == "decimal":
        s = str(v)
        v = s[1:] if s.startswith("-") else "-" + s
    else:
        v = -v
    return N.Literal(lit.kind, v, line=lit.line, col=lit.col)


def _int_leaves(g, e, out):
    """e is an int/untyped ``+ - *`` tree whose leaves are local variables or int
    literals (collected into out, literals excepted)."""
    if isinstance(e, N.Binary) and e.op in INT_NATIVE:
        return _int_leaves(g, e.left, out) and _int_leaves(g, e.right, out)
    if isinstance(e, N.Literal):
        return e.kind == "int" and type(e.value) is int
    if isinstance(e, N.Ident) and not e.lower and e.sym is not None and \
            e.sym.kind == "local" and g.st(e) in ("int", "def"):
        out.append(e)
        return True
    return False


def _leaf_tree(e, names):
    if isinstance(e, N.Binary):
        return f"({_leaf_tree(e.left, names)} {e.op} {_leaf_tree(e.right, names)})"
    if isinstance(e, N.Literal):
        return repr(e.value)
    return names[id(e)]
