"""Conversions to a declared type: casts, ``as``, ``instanceof``, and a Map becoming a
class instance (which runs the constructor, so may suspend)."""

from . import strdec, classes as _cls
from .classes import class_ident
from .dynamic import exact_convert
from .shared import _prologue_may_suspend, _tn


class ConvertMixin:
    """The convert part of FuncGen (see the module docstring)."""

    # conversions -----------------------------------------------------------

    def convert(self, v, node, tname):
        if tname in ("def", "var", None, "Object"):
            return v
        st = self.st(node, None) if node is not None else None
        if st == tname:
            return v
        if tname == "long" and st == "int":
            return f"_Long({v})"
        if tname == "double" and st in ("int", "long"):
            return f"float({v})"
        fast = _cls.convert_to_class(self, v, node, tname, False)
        if fast is not None:
            return fast
        if self.susp and self.is_user_class(tname):
            # a Map converts to an instance by running the class's initialisers
            return self.suspend_call(f"_cv({v}, {tname!r}{self.classes_arg(tname)})", node,
                                     *self.ctor_of(tname))
        return (self.mod.const(c) if (c := strdec.convert(node, tname)) else None) or exact_convert(self, v, tname) or \
            f"_cv({v}, {tname!r}{self.classes_arg(tname)})"

    def is_user_class(self, tname):
        names = self.mod.class_names
        if names is None:
            names = self.mod.class_names = {ci.name for ci in self.mod.r.classes}
        return tname in names

    def ctor_of(self, tname):
        """(kind, callee) of a Map-to-class conversion: the constructor's frame is inside,
        unless its initialisers (parameter defaults) can suspend without one."""
        for ci in self.mod.r.classes:
            if ci.name == tname:
                g = ci.ctor.info
                if _prologue_may_suspend(g):
                    return "@temp", None
                return tname, g.id
        return "@temp", None

    def e_Cast(self, e):
        fast = self.typed.cast(e)
        if fast is not None:
            return fast
        t = _tn(e.type)
        return self.class_conversion(e, f"_cast({self.expr(e.expr)}, {t!r}{self.classes_arg(t)})")

    def e_As(self, e):
        fast = strdec.as_int(self, e)
        if fast is not None:
            return fast
        t = _tn(e.type)
        return self.class_conversion(e, f"_as({self.expr(e.expr)}, {t!r}{self.classes_arg(t)})")

    def class_conversion(self, e, text):
        """``(X)v`` / ``v as X`` may run X's constructor (a Map to an instance): a suspend
        point when that may suspend."""
        t = _tn(e.type)
        if self.susp and e.susp and self.is_user_class(t):
            return self.suspend_call(text, e, *self.ctor_of(t))
        return text

    def e_InstanceOf(self, e):
        v = f"_instanceof({self.expr(e.expr)}, {_tn(e.type)!r})"
        return f"(not {v})" if e.negated else v

    def e_MakeObj(self, e):
        vals = self.exprs(list(e.args))
        return f"{class_ident(e.cname)}({', '.join(vals)})"
