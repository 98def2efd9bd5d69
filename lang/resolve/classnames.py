"""Qualified names of classes, inner classes included.

A class declared inside another is named by its path (``X.Y``, ``A.B.C``): that is the
name the resolver, the generated code and checkpoints know it by. Inside a class body a
class is referred to by a shorter name, found the way Jactl finds it: an inner class of the
class itself or of one of its base classes, then of each enclosing class in turn (and of its
base classes), then a top-level class. A base class is looked up from the scope that
encloses the class (``class X extends Y { class Y {} }`` does not see its own ``Y``).

``qualify(script)`` rewrites every class name in the tree (types, ``new``, static member
references, switch patterns, ``extends``) to the qualified name, and gives each ClassDecl
its ``qname``. Names that are not classes of the script are left alone (the resolver
reports an unknown class).
"""

from ..syntax import nodes as N

_SKIP = frozenset(("line", "col", "info", "sym", "scope", "match_sym", "synth"))


def qualify(script):
    if script.qualified:
        return
    script.qualified = True
    decls = {}

    def collect(stmts, outer):
        for st in stmts:
            if isinstance(st, N.ClassDecl):
                q = st.name if outer is None else f"{outer}.{st.name}"
                st.qname, st.outer = q, outer
                if q not in decls:
                    decls[q] = st
                collect(st.classes, q)

    collect(script.body.stmts, None)
    if not decls:
        return
    q = _Qualifier(decls)
    for d in list(decls.values()):
        if d.base is not None:
            d.base = q.find(d.base, d.outer, bases=False) or d.base
    q.walk(script.body, None)


class _Qualifier:
    def __init__(self, decls):
        self.decls = decls

    def find(self, name, ctx, bases=True):
        """The qualified name of the class ``name`` (maybe dotted) seen from class ``ctx``
        (a qualified name, None at top level), or None."""
        first, _, rest = name.partition(".")
        q = self._find_simple(first, ctx, bases)
        if q is None:
            return None
        if rest:
            q = f"{q}.{rest}"
            return q if q in self.decls else None
        return q

    def _find_simple(self, n, ctx, bases):
        c = ctx
        while c is not None:
            b, seen = c, set()
            while b is not None and b not in seen:
                seen.add(b)
                if f"{b}.{n}" in self.decls:
                    return f"{b}.{n}"
                if not bases:
                    break
                d = self.decls.get(b)
                b = d.base if d is not None else None
            d = self.decls.get(c)
            c = d.outer if d is not None else None
        return n if n in self.decls else None

    def _name(self, name, ctx):
        if not name or name in ("def", "var"):
            return name
        return self.find(name, ctx) or name

    def walk(self, n, ctx):
        t = type(n)
        if t is N.ClassDecl:
            ctx = n.qname
        elif t is N.TypeRef:
            n.name = self._name(n.name, ctx)
            return
        elif t is N.NewObj or t is N.ClassRef:
            n.cname = self._name(n.cname, ctx)
        elif t is N.Pattern and n.tname and isinstance(n.tname, str):
            n.tname = self._name(n.tname, ctx)
        for name in t._node_fields:
            if name in _SKIP:
                continue
            self._walk_value(getattr(n, name, None), ctx)

    def _walk_value(self, v, ctx):
        if isinstance(v, N.Node):
            self.walk(v, ctx)
        elif isinstance(v, (list, tuple)):
            for x in v:
                self._walk_value(x, ctx)
