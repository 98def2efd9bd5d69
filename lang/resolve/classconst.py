"""Values of class ``const`` fields, computed at compile time.

A const field is a compile-time value of a simple type (a primitive or String): it may be
initialised by an expression of literals and other consts (``const int J = I + 1``,
``X.I * 2``), which is folded here into the Literal the class keeps. Modifying a const in its
own initialiser (``++I``, ``I = 2``) is Jactl's "Cannot modify a constant value".
"""

from decimal import Decimal

from ..errors import CompileError
from ..syntax import nodes as N

_SIMPLE = frozenset(("int", "long", "double", "Decimal", "String", "boolean", "byte", "var"))
_KIND_OF = {"int": "int", "long": "long", "double": "double", "Decimal": "decimal",
            "String": "string", "boolean": "bool", "byte": "int"}
_RANK = {"int": 0, "long": 1, "double": 2, "decimal": 3}


class NotConstant(Exception):
    pass


def check_const_type(vd, source):
    """A CompileError when a const field's declared type is not a simple type."""
    if vd.type.dims or vd.type.name not in _SIMPLE:
        return CompileError("Constants can only be simple types", vd.line, vd.col, source)
    return None


def fold_const(vd, lookup, source):
    """The Literal value of const field ``vd``. ``lookup(name, class_name)`` gives the
    Literal of another const (class_name None: the class's own or inherited) or None.
    Raises CompileError."""
    if vd.init is None:
        raise CompileError("Initialiser expression required for const", vd.line, vd.col, source)
    try:
        kind, value = _fold(vd.init, lookup, source)
    except NotConstant:
        raise CompileError("Const fields must be initialised to simple constant values",
                           vd.line, vd.col, source)
    t = vd.type.name
    want = _KIND_OF.get(t)
    if want is not None and want != kind:
        kind, value = _convert(kind, value, want, vd, source)
    lit = N.Literal(kind, value, line=vd.init.line, col=vd.init.col)
    return lit


def _convert(kind, value, want, vd, source):
    if kind in _RANK and want in _RANK:
        if want == "int" or want == "long":
            if kind in ("double", "decimal"):
                raise NotConstant()
            return want, int(value)
        if want == "double":
            return want, float(value if kind != "decimal" else Decimal(value))
        return want, str(Decimal(value) if kind != "double" else Decimal(repr(value)))
    raise CompileError(f"Cannot convert from {kind} to {vd.type.name}", vd.line, vd.col,
                       source)


def _fold(e, lookup, source):
    if isinstance(e, N.Literal):
        if e.kind == "null":
            raise NotConstant()
        return e.kind, e.value
    if isinstance(e, N.Ident):
        lit = lookup(e.name, None)
        if lit is None:
            raise NotConstant()
        return lit.kind, lit.value
    if isinstance(e, N.Field) and isinstance(e.obj, N.ClassRef) and isinstance(e.name, str):
        lit = lookup(e.name, e.obj.cname)
        if lit is None:
            raise NotConstant()
        return lit.kind, lit.value
    if isinstance(e, (N.Assign, N.Postfix)) or \
            (isinstance(e, N.Unary) and e.op in ("++", "--")):
        target = e.target if isinstance(e, N.Assign) else e.expr
        if isinstance(target, N.Ident) and lookup(target.name, None) is not None or \
                isinstance(target, N.Field) and isinstance(target.obj, N.ClassRef):
            raise CompileError("Cannot modify a constant value", target.line, target.col,
                               source)
        raise NotConstant()
    if isinstance(e, N.Unary) and e.op in ("-", "+"):
        k, v = _fold(e.expr, lookup, source)
        if k not in _RANK:
            raise NotConstant()
        if e.op == "+":
            return k, v
        return k, (str(-Decimal(v)) if k == "decimal" else -v)
    if isinstance(e, N.Binary) and e.op in ("+", "-", "*", "/", "%"):
        lk, lv = _fold(e.left, lookup, source)
        rk, rv = _fold(e.right, lookup, source)
        if e.op == "+" and (lk == "string" or rk == "string"):
            if lk != "string":
                raise NotConstant()
            return "string", lv + _text(rk, rv)
        if lk not in _RANK or rk not in _RANK:
            raise NotConstant()
        k = lk if _RANK[lk] >= _RANK[rk] else rk
        if k == "decimal":
            a, b = Decimal(str(lv)), Decimal(str(rv))
        else:
            a, b = lv, rv
        if e.op in ("/", "%") and b == 0:
            raise NotConstant()
        if e.op == "+":
            r = a + b
        elif e.op == "-":
            r = a - b
        elif e.op == "*":
            r = a * b
        elif e.op == "/":
            r = a / b if k in ("double", "decimal") else _trunc_div(a, b)
        else:
            r = a - b * _trunc_div(a, b) if k in ("int", "long") else None
            if r is None:
                raise NotConstant()
        if k == "int":
            r = (r + 2 ** 31) % 2 ** 32 - 2 ** 31
        elif k == "long":
            r = (r + 2 ** 63) % 2 ** 64 - 2 ** 63
        elif k == "decimal":
            r = str(r)
        return k, r
    raise NotConstant()


def _trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _text(k, v):
    if k == "bool":
        return "true" if v else "false"
    if k == "double":
        return repr(float(v))
    return str(v)
