"""Type inference for untyped locals.

A ``def`` variable initialised with an int and only ever assigned ints behaves exactly like
an ``int`` variable — Jactl's dynamic int arithmetic wraps at 32 bits just as typed int
arithmetic does — so it can be compiled as one, without run-time type tests. The inference
is optimistic: assume every candidate is int, then demote any whose assignments could
produce something else under the current assumptions, until nothing changes.
"""

from ..syntax import nodes as N
from .resolver import NUMERIC_RANK, _children, binary_type


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
