"""Comparator closures that are a sort key in disguise.

``people.sort{ a, b -> a.city != b.city ? a.city <=> b.city : b.age <=> a.age }`` orders by
a tuple of fields, each ascending or descending. Calling such a closure for every one of the
n log n comparisons costs ~5x what Python's key sort costs (one key per element, compared in
C). This module recognises the shape at compile time and describes it as columns; the
runtime (runtime/iteration.py: key_sort) sorts by them when every column's values compare
in Python exactly as Jactl's ``<=>`` compares them, else calls the closure as before.

Recognised comparator bodies (a and b the closure's two untyped parameters, X a chain of
field reads ``p.f1.f2`` on one of them, X(a)/X(b) the same chain on each):

    X(a) <=> X(b)                       ascending by X (``X(b) <=> X(a)``: descending)
    X(a) != X(b) ? <cmp on X> : rest    then by the columns of rest
    X(a) == X(b) ? rest : <cmp on X>
"""

from ..syntax import nodes as N


def sort_key(f):
    """The columns ``((field names...), descending), ...`` of closure f's comparator, or
    None when its body is not one of the shapes above."""
    if not f.is_closure:
        return None
    node = f.node
    params = node.params
    if not params or len(params) != 2 or \
            any(p.type is not None or p.default is not None for p in params):
        return None
    stmts = node.body.stmts
    if len(stmts) != 1:
        return None
    st = stmts[0]
    if isinstance(st, N.ExprStmt):
        e = st.expr
    elif isinstance(st, N.Return) and st.expr is not None:
        e = st.expr
    else:
        return None
    a, b = params[0].sym, params[1].sym
    if a is None or b is None:
        return None
    cols = []
    while isinstance(e, N.Ternary):
        c = e.cond
        if not (isinstance(c, N.Binary) and c.op in ("!=", "==")):
            return None
        cmp, rest = (e.then, e.else_) if c.op == "!=" else (e.else_, e.then)
        col, tested = _compare(cmp, a, b), _pair(c.left, c.right, a, b)
        if col is None or tested is None or tested[0] != col[0]:
            return None
        cols.append(col)
        e = rest
    col = _compare(e, a, b)
    if col is None:
        return None
    cols.append(col)
    return tuple(cols)


def _compare(e, a, b):
    """(path, descending) of ``X(a) <=> X(b)`` / ``X(b) <=> X(a)``."""
    if not (isinstance(e, N.Binary) and e.op == "<=>"):
        return None
    return _pair(e.left, e.right, a, b)


def _pair(left, right, a, b):
    """(path, descending) when left and right read the same field chain, one from each
    parameter (descending: left reads b's)."""
    pl, pr = _path(left), _path(right)
    if pl is None or pr is None or pl[1] != pr[1]:
        return None
    if pl[0] is a and pr[0] is b:
        return pl[1], False
    if pl[0] is b and pr[0] is a:
        return pl[1], True
    return None


def _path(e):
    """(parameter symbol, field names) of ``p.f1.f2...``, or None."""
    names = []
    while isinstance(e, N.Field):
        if e.null_safe or not isinstance(e.name, str):
            return None
        names.append(e.name)
        e = e.obj
    if not isinstance(e, N.Ident) or e.sym is None:
        return None
    return e.sym, tuple(reversed(names))
