"""Type inference for untyped locals.

A ``def`` variable initialised with an int and only ever assigned ints behaves exactly like
an ``int`` variable — Jactl's dynamic int arithmetic wraps at 32 bits just as typed int
arithmetic does — so it can be compiled as one, without run-time type tests. The inference
is optimistic: assume every candidate is int, then demote any whose assignments could
produce something else under the current assumptions, until nothing changes.
"""

from ..syntax import nodes as N
from .types import NUMERIC_RANK, binary_type
from .suspend import _children


def infer_int_locals(candidates, assigns):
    """candidates: {Symbol: VarDecl}; assigns: {Symbol: [(op, value node or None)]}.
    Returns the VarDecl nodes whose variable can be typed int."""
    return [d for d, t in infer_locals(candidates, assigns).items() if t == "int"]


# A def variable that only ever holds longs behaves exactly like a ``long`` one: every
# value assigned is already a long, so the typed variable's conversion never changes one.
# (Not so for a mix of int and long values: a def variable keeps an int an int.)
_KINDS = ("int", "long")


def infer_locals(candidates, assigns):
    """Like infer_int_locals, for int and long: returns {VarDecl: "int" | "long"} for the
    variables whose initialiser and every assigned value have that one type. Optimistic:
    every candidate starts as int, then takes its initialiser's type or drops out (a value
    of another type), until nothing changes; assumptions only ever widen, so this ends."""
    assumed = dict.fromkeys(candidates, "int")
    changed = True
    while changed:
        changed = False
        for sym in list(assumed):
            kind = _type(candidates[sym].init, assumed)
            ok = kind in _KINDS
            for op, value in assigns.get(sym, ()):
                if not ok:
                    break
                if op in ("++", "--"):
                    continue
                if op == "=":
                    ok = _type(value, assumed) == kind
                elif op in ("+=", "-=", "*=", "/=", "%=", "%%=", "&=", "|=", "^=", "<<=", ">>=",
                            ">>>="):
                    ok = binary_type(op[:-1], kind, _type(value, assumed)) == kind
                else:
                    ok = False
            if not ok:
                del assumed[sym]
                changed = True
            elif assumed[sym] != kind:
                assumed[sym] = kind
                changed = True
    return {candidates[s]: t for s, t in assumed.items()}


def infer_type(e, assumed, int_funcs=()):
    """Static type of expression e when the Symbols in ``assumed`` are ints and the
    functions in ``int_funcs`` return ints when called with int arguments."""
    return _type(e, assumed, int_funcs)


def returns_int(f, assumed):
    """Whether every value function f can return is an int, when the Symbols in ``assumed``
    are ints and f itself returns ints for int arguments (optimistic, for recursion)."""
    results = []
    if not _results(f.node.body, results):
        return False
    stack = [f.node.body]
    seen = set()       # (a node can be reached twice: a shared subtree)
    while stack:       # explicit returns anywhere in the body (not in nested functions)
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if isinstance(x, (N.Closure, N.FunDecl)):
            continue
        if isinstance(x, (N.Return, N.ReturnExpr)):
            if x.expr is None:
                return False
            results.append(x.expr)
        # (the evaluated children: code generation adds back-links such as receiver_of)
        stack.extend(c for c in _children(x) if isinstance(c, N.Node))
    return all(_type(r, assumed, (f,)) == "int" for r in results)


def _results(block, out):
    """Collect the expressions whose value ends a block (its implicit return value)."""
    if not block.stmts:
        return False
    last = block.stmts[-1]
    if isinstance(last, N.ExprStmt):
        out.append(last.expr)
        return True
    if isinstance(last, N.Return):
        return True
    if isinstance(last, N.If) and last.else_ is not None:
        def branch(st):
            if isinstance(st, N.Block):
                return _results(st, out)
            return _results(N.Block([st]), out)
        return branch(last.then) and branch(last.else_)
    if isinstance(last, N.Block):
        return _results(last, out)
    return False


def _type(e, assumed, int_funcs=()):
    t = type(e)
    if t is N.Literal:
        return e.stype
    if t is N.Ident:
        sym = e.sym
        if sym in assumed:
            return assumed[sym] if type(assumed) is dict else "int"
        return sym.type if sym is not None and sym.kind == "local" else "def"
    if t is N.Binary:
        if e.op in ("&&", "||", "?:", "=~", "!~"):
            return e.stype if e.op != "?:" else "def"
        return binary_type(e.op, _type(e.left, assumed, int_funcs),
                           _type(e.right, assumed, int_funcs))
    if t is N.Unary:
        if e.op == "!":
            return "boolean"
        inner = _type(e.expr, assumed, int_funcs)
        return inner if inner in NUMERIC_RANK else "def"
    if t is N.Postfix:
        inner = _type(e.expr, assumed, int_funcs)
        return inner if inner in NUMERIC_RANK else "def"
    if t is N.Ternary:
        a, b = _type(e.then, assumed, int_funcs), _type(e.else_, assumed, int_funcs)
        return a if a == b else "def"
    if t is N.Call and int_funcs and e.target in int_funcs and \
            not e.named and len(e.args) == len(e.target.node_params) and \
            all(_type(a, assumed, int_funcs) == "int" for a in e.args):
        return "int"
    if t is N.Assign:
        if e.op == "=":
            return _type(e.value, assumed, int_funcs)
        return "def"
    return e.stype


# A typed Decimal local whose every value is the result of arithmetic or a literal never
# holds null: arithmetic on null raises, it does not produce null. Such a local is always a
# ``decimal.Decimal`` (a store converts ints), so the Decimal fast paths
# (codegen/strdec.py) use it without the run-time type test.
_ARITH_OPS = ("+", "-", "*", "/", "%")
_NONNULL_ASSIGN = ("+=", "-=", "*=", "/=", "%=", "++", "--")


def nonnull_decimals(script):
    """The Symbols of ``Decimal`` locals (declared with an initialiser, not captured, not
    parameters) that are only ever given non-null values: Decimal/int literals,
    arithmetic, other such locals and int locals, ``?=`` (stores only non-null), and the
    compound arithmetic operators. Optimistic fixpoint, like infer_locals."""
    decls, other, assigns = {}, set(), {}
    for x in walk_all(script):
        if isinstance(x, N.VarDecl) and x.sym is not None:
            decls[x.sym] = x.init
        elif isinstance(x, (N.MultiVarDecl, N.ForIn)):
            other.update(s for s in (x.syms or ()) if s is not None)
        elif isinstance(x, (N.Pattern, N.Param)) and x.sym is not None:
            other.add(x.sym)
        for sym, op, value in _stores(x):
            assigns.setdefault(sym, []).append((op, value))
    cands = {s for s, init in decls.items()
             if init is not None and s.kind == "local" and s.type == "Decimal" and
             not s.captured and not s.is_param and s not in other}
    changed = True
    while changed:
        changed = False
        for s in list(cands):
            ok = _nonnull(decls[s], cands) and all(
                op in _NONNULL_ASSIGN or (op in ("=", "?=") and _nonnull(v, cands))
                for op, v in assigns.get(s, ()))
            if not ok:
                cands.discard(s)
                changed = True
    return cands


def _nonnull(e, known):
    t = type(e)
    if t is N.Literal:
        return e.kind in ("int", "decimal")
    if t is N.Ident:
        return e.sym in known or (e.sym is not None and e.sym.kind == "local" and
                                  e.sym.type == "int")
    if t is N.Binary:       # (null operands raise: arithmetic never yields null)
        return e.op in _ARITH_OPS
    if t is N.Unary:
        return e.op == "-"
    if t is N.Ternary:
        return _nonnull(e.then, known) and _nonnull(e.else_, known)
    return False


def walk_all(script):
    """Every node of the script once: every field, nested function and class bodies
    included (not ``_children``), so a store anywhere is seen."""
    stack = [script]
    seen = set()
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
            continue
        if not isinstance(x, N.Node) or id(x) in seen:
            continue
        seen.add(id(x))
        yield x
        stack.extend(v for v in map(x.__dict__.get, x._node_fields)
                     if isinstance(v, (N.Node, list, tuple)))


def _stores(x):
    """[(Symbol, op, value node or None)] for the variables node x assigns."""
    if isinstance(x, N.Assign) and isinstance(x.target, N.Ident):
        return [(x.target.sym, x.op, x.value)]
    if isinstance(x, N.MultiAssign):
        return [(t.sym, "multi", None) for t in x.targets if isinstance(t, N.Ident)]
    if isinstance(x, (N.Unary, N.Postfix)) and x.op in ("++", "--") and \
            isinstance(x.expr, N.Ident):
        return [(x.expr.sym, x.op, None)]
    return []


def stored_globals(script):
    """Names of the globals the script may assign anywhere, or None when it may assign
    any (``eval`` runs code against the globals; a host function's host may hold them). A global outside this set keeps its
    value for the whole run: a counting loop may take it as its bound."""
    from .resolver import BUILTIN_FUNCTIONS
    out = set()
    for x in walk_all(script):
        if isinstance(x, N.Eval):
            return None
        if isinstance(x, N.Ident) and x.sym is not None and x.sym.kind == "builtin" and \
                x.sym.name not in BUILTIN_FUNCTIONS:
            return None     # a host function: the host may change the globals it was given
        for sym, _, _ in _stores(x):
            if sym is not None and sym.kind == "global":
                out.add(sym.name)
        if isinstance(x, (N.MultiVarDecl, N.ForIn)):
            out.update(s.name for s in (x.syms or ()) if s is not None and s.kind == "global")
    return out
