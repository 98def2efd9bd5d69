"""Type inference for untyped locals.

A ``def`` variable initialised with an int and only ever assigned ints behaves exactly like
an ``int`` variable — Jactl's dynamic int arithmetic wraps at 32 bits just as typed int
arithmetic does — so it can be compiled as one, without run-time type tests. The inference
is optimistic: assume every candidate is int, then demote any whose assignments could
produce something else under the current assumptions, until nothing changes.
"""

from ..syntax import nodes as N
from .resolver import NUMERIC_RANK, binary_type


def infer_int_locals(candidates, assigns):
    """candidates: {Symbol: VarDecl}; assigns: {Symbol: [(op, value node or None)]}.
    Returns the VarDecl nodes whose variable can be typed int."""
    assumed = set(candidates)
    changed = True
    while changed:
        changed = False
        for sym in list(assumed):
            decl = candidates[sym]
            ok = _type(decl.init, assumed) == "int"
            for op, value in assigns.get(sym, ()):
                if not ok:
                    break
                if op in ("++", "--"):
                    continue
                if op == "=":
                    ok = _type(value, assumed) == "int"
                elif op in ("+=", "-=", "*=", "/=", "%=", "%%=", "&=", "|=", "^=", "<<=", ">>=",
                            ">>>="):
                    ok = binary_type(op[:-1], "int", _type(value, assumed)) == "int"
                else:
                    ok = False
            if not ok:
                assumed.discard(sym)
                changed = True
    return [candidates[s] for s in assumed]


def _type(e, assumed):
    t = type(e)
    if t is N.Literal:
        return {"int": "int"}.get(e.kind, "other")
    if t is N.Ident:
        sym = e.sym
        if sym in assumed:
            return "int"
        return sym.type if sym is not None and sym.kind == "local" else "def"
    if t is N.Binary:
        if e.op in ("&&", "||", "?:", "=~", "!~"):
            return getattr(e, "stype", "def") if e.op != "?:" else "def"
        return binary_type(e.op, _type(e.left, assumed), _type(e.right, assumed))
    if t is N.Unary:
        if e.op == "!":
            return "boolean"
        inner = _type(e.expr, assumed)
        return inner if inner in NUMERIC_RANK else "def"
    if t is N.Postfix:
        inner = _type(e.expr, assumed)
        return inner if inner in NUMERIC_RANK else "def"
    if t is N.Ternary:
        a, b = _type(e.then, assumed), _type(e.else_, assumed)
        return a if a == b else "def"
    if t is N.Assign:
        if e.op == "=":
            return _type(e.value, assumed)
        return "def"
    return getattr(e, "stype", "def") or "def"
