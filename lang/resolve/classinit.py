"""Constructors whose field initialisers need the instance being built.

A class's constructor is normally ``X$new(fields...)`` with each field initialiser as its
parameter's default and a body that makes the instance from the parameters: fast, and the
initialisers see earlier fields as parameters. That is not Jactl's meaning when an
initialiser uses ``this``, calls a method (which an override in a subclass may replace:
``int x = f()``), modifies a field (``def y = ++x``) or captures one in a closure
(``def z = { ++x }``): those need the instance itself. For such classes this module builds
the constructor the long way::

    X$new(a, b = $missing(), ...) {
        X this = new X(null, ...)          # (MakeObj)
        this.a = a                         # given values first (converted by the store)
        if (!$isMissing(b)) this.b = b
        if ($isMissing(b)) this.b = <b's initialiser, fields read as this.f>
        return this
    }

(``$missing()`` / ``$isMissing(v)`` are runtime builtins around the missing-argument marker,
which checkpoints can hold.)
"""

import copy

from ..syntax import nodes as N


def needs_instance(ci, fields):
    """Do the initialisers of ``fields`` ((name, type, init, VarDecl) of class ``ci``, base
    class fields included) need the instance being built?"""
    names = {f[0] for f in fields}
    for f in fields:
        if f[2] is not None and _needs(f[2], names, ci, False):
            return True
    return False


def _walk(n):
    yield n
    for name in type(n)._node_fields:
        if name in ("line", "col", "info", "sym", "scope", "match_sym"):
            continue
        v = getattr(n, name, None)
        if isinstance(v, N.Node):
            yield from _walk(v)
        elif isinstance(v, list):
            for x in v:
                if isinstance(x, N.Node):
                    yield from _walk(x)


def _needs(e, fields, ci, in_closure):
    for n in _walk(e):
        t = type(n)
        if t is N.Ident:
            if n.name in ("this", "super"):
                return True
            if ci.find_method(n.name) is not None:
                return True
        elif t is N.Closure:
            for m in _walk(n.body):
                if type(m) is N.Ident and m.name in fields:
                    return True
        elif t in (N.Unary, N.Postfix):
            if n.op in ("++", "--") and type(n.expr) is N.Ident and n.expr.name in fields:
                return True
        elif t is N.Assign:
            if type(n.target) is N.Ident and n.target.name in fields:
                return True
    return False


def _to_this(e, fields):
    """A copy of initialiser ``e`` with every field name read as ``this.<name>``."""
    e = copy.deepcopy(e)
    return _replace(e, fields)


def _replace(n, fields):
    if type(n) is N.Ident and n.name in fields:
        return N.Field(N.Ident("this", line=n.line, col=n.col), n.name, line=n.line, col=n.col)
    for name in type(n)._node_fields:
        if name in ("line", "col"):
            continue
        v = getattr(n, name, None)
        if isinstance(v, N.Node):
            setattr(n, name, _replace(v, fields))
        elif isinstance(v, list):
            for i, x in enumerate(v):
                if isinstance(x, N.Node):
                    v[i] = _replace(x, fields)
    return n


def instance_ctor(ci, fields):
    """The FunDecl of the constructor of class ``ci`` built around the instance."""
    cd = ci.decl
    at = dict(line=cd.line, col=cd.col)
    names = {f[0] for f in fields}

    def this():
        return N.Ident("this", **at)

    def store(name, value):
        return N.ExprStmt(N.Assign("=", N.Field(this(), name, **at), value, **at), **at)

    def missing(name):
        return N.Call(N.Ident("$isMissing", **at), [N.Ident(name, **at)], **at)

    params = []
    for n, t, init, vd in fields:
        pat = dict(line=vd.line, col=vd.col)
        dflt = N.Call(N.Ident("$missing", **pat), [], **pat) if init is not None else None
        params.append(N.Param(None, n, dflt, **pat))
    # (a field holds a value of its type from the start: a checkpoint may see it)
    stmts = [N.VarDecl(N.TypeRef(ci.name, **at), "this",
                       N.MakeObj(ci.name, [_zero(f[1], at) for f in fields], **at), **at)]
    for n, t, init, vd in fields:
        if init is None:
            stmts.append(store(n, N.Ident(n, **at)))
        else:
            stmts.append(N.If(N.Unary("!", missing(n), **at), store(n, N.Ident(n, **at)),
                              **at))
    for n, t, init, vd in fields:
        if init is not None:
            stmts.append(N.If(missing(n), store(n, _to_this(init, names)), **at))
    stmts.append(N.Return(this(), **at))
    ctor = N.FunDecl(f"{ci.name}$new", N.TypeRef(ci.name, **at), params, N.Block(stmts, **at),
                     **at)
    ctor.is_static_method = True
    ctor.method_name = None
    ctor.has_this = True
    return ctor


_ZEROS = {"int": ("int", 0), "long": ("long", 0), "double": ("double", 0.0),
          "Decimal": ("decimal", "0"), "boolean": ("bool", False)}


def _zero(t, at):
    """The value a field of type t holds before its initialiser runs."""
    if t is not None and not t.dims:
        z = _ZEROS.get(t.name)
        if z is not None:
            return N.Literal(z[0], z[1], **at)
        if t.name == "byte":
            return N.Cast(N.TypeRef("byte", **at), N.Literal("int", 0, **at), **at)
    return N.Literal("null", None, **at)


def forward_references(own_fields):
    """(VarDecl, name) for each field initialiser that uses a field of the same class
    declared after it (Jactl: a forward reference), even inside a closure."""
    out = []
    later = {}
    for k, f in enumerate(own_fields):
        later[f[0]] = k
    for k, (name, t, init, vd) in enumerate(own_fields):
        if init is None:
            continue
        for n in _walk(init):
            if type(n) is N.Ident and later.get(n.name, -1) > k:
                out.append((vd, n.name))
                break
    return out
