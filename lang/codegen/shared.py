"""What several parts of the code generator use: the int range, tests of
expression nodes (pure, simple, constant) and small holder types."""

from ..syntax import nodes as N

INT_MIN, INT_MAX = -2147483648, 2147483647


class _Item:
    """A guard holder for code that is not a statement node of its own."""

    def __init__(self, node):
        self.line = node.line
        self.col = node.col
        self.pcs = (None, None)


class _ScopeHolder:
    def __init__(self, scope, stmts):
        self.scope = scope
        self.stmts = stmts


def _is_simple(v):
    return v is None or v == "None" or v.isidentifier() or _is_const(v)


_PURE_NODES = (N.Literal, N.Ident, N.Binary, N.Ternary, N.Index, N.Field, N.ListLit,
               N.MapLit, N.InterpString, N.Cast, N.As, N.InstanceOf, N.Unary)


def _pure(node):
    """No calls, assignments or output: evaluating it early or late looks the same."""
    stack = [node]
    while stack:
        n = stack.pop()
        if not isinstance(n, _PURE_NODES):
            return False
        if isinstance(n, N.Unary) and n.op in ("++", "--"):
            return False
        if isinstance(n, N.Binary) and n.op in ("=~", "!~"):
            return False
        for v in vars(n).values():
            if isinstance(v, N.Node):
                stack.append(v)
            elif isinstance(v, list):
                for i in v:
                    if isinstance(i, N.Node):
                        stack.append(i)
                    elif isinstance(i, tuple):
                        stack.extend(x for x in i if isinstance(x, N.Node))
    return True


def _prologue_may_suspend(g):
    """A parameter default that calls anything: defaults run in the prologue, where a
    suspension leaves no frame of the function (the caller receives the suspended value)."""
    return any(p.default is not None and not _pure(p.default)
               for p in g.node_params)


def _is_simple_operand(v):
    return v.isidentifier() or _is_int_literal(v)


def _is_int_literal(v):
    try:
        int(v)
        return True
    except (TypeError, ValueError):
        return False


def _is_const(v):
    if v in ("None", "True", "False", "''", "()"):
        return True
    try:
        int(v)
        return True
    except (TypeError, ValueError):
        return False


def _tn(t):
    name = t.name
    return name + "[]" * t.dims
