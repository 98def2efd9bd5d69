"""Calls: function and method calls, their targets, named arguments and return types."""

from ..syntax.lexer import BUILTIN_CLASS_NAMES
from ..syntax import nodes as N
from .shared import _err


class CallsMixin:
    """The calls part of Resolver (see the module docstring)."""

    def _e_Call(self, e):
        c = e.callee
        if isinstance(c, N.Field) and isinstance(c.obj, N.ClassRef) and isinstance(c.name, str) \
                and c.obj.cname in BUILTIN_CLASS_NAMES and c.obj.cname not in self.classes:
            N.recast(e, N.MethodCall, obj=c.obj, name=c.name, args=e.args, named=e.named)
            return self._e_MethodCall(e)
        if isinstance(c, N.Field) and isinstance(c.obj, N.ClassRef) and isinstance(c.name, str):
            ci = self.classes.get(c.obj.cname)
            fd = ci.find_method(c.name) if ci is not None else None
            if fd is None and ci is not None and c.name == "fromJson" and not e.named:
                # every class has fromJson(text): a runtime builtin given the class name
                e.callee = N.Ident("$classFromJson", line=c.line, col=c.col)
                e.args = [N.Literal("string", c.obj.cname, line=c.line, col=c.col)] + e.args
                return self._e_Call(e)
            if fd is None or not fd.is_static_method:
                self.errors.append(_err(f"No static method '{c.name}' found in class "
                                        f"{c.obj.cname}", c, self.source))
                fd = None
            if fd is not None:
                e.callee = N.Ident(fd.name, line=c.line, col=c.col)
        elif isinstance(c, N.Ident) and self.cur_class is not None and \
                self.scope.lookup(c.name) is None:
            fd = self.cur_class.find_method(c.name)
            if fd is not None:
                if fd.is_static_method:
                    c.name = fd.name
                elif self._has_this():
                    N.recast(e, N.MethodCall, obj=N.Ident("this", line=c.line, col=c.col),
                             name=c.name, args=e.args, named=e.named)
                    return self._e_MethodCall(e)
        for a in e.args:
            self._expr(a)
        self._named_args(e)
        self.callee = e.callee
        self._expr(e.callee)
        self.callee = None
        c = e.callee
        if isinstance(c, N.Ident) and c.sym.kind == "function":
            f = c.sym.func
            e.target = f
            self.func.calls.append(f)
            return f.return_type
        e.target = None
        if isinstance(c, N.Ident) and c.sym.kind == "builtin":
            name = c.name
            if name in ("sprintf", "uuid"):
                return "String"
            if name in ("timestamp", "nanoTime"):
                return "long"
        return "def"

    def _e_MethodCall(self, e):
        o = e.obj
        if isinstance(o, N.Ident) and o.name == "super" and self._has_this() and \
                isinstance(e.name, str) and self.scope.lookup("super") is None:
            base = self.cur_class.base
            fd = base.find_method(e.name) if base is not None else None
            if fd is not None:
                this = [] if fd.is_static_method else [N.Ident("this", line=o.line, col=o.col)]
                N.recast(e, N.Call, callee=N.Ident(fd.name, line=o.line, col=o.col),
                         args=this + list(e.args), named=e.named)
                return self._e_Call(e)
            if base is None or base.field(e.name) is None:
                self.errors.append(_err(f"No such method/field '{e.name}' in base class",
                                        e, self.source))
            o.name = "this"
        elif self._is_super(o):
            self.errors.append(_err("Dynamic field lookup not supported for super", e,
                                    self.source))
            o.name = "this"
        if isinstance(o, N.ClassRef) and isinstance(e.name, str) and \
                not (o.cname in BUILTIN_CLASS_NAMES and o.cname not in self.classes):
            N.recast(e, N.Call, callee=N.Field(o, e.name, line=o.line, col=o.col), args=e.args,
                     named=e.named)
            return self._e_Call(e)
        self._expr(e.obj)
        if not isinstance(e.name, str):
            self._expr(e.name)
        for a in e.args:
            self._expr(a)
        self._named_args(e)
        if isinstance(e.name, str) and e.obj.stype in self.classes:
            # a method of a known class: its declared return type (when all overrides agree)
            from ..codegen.classes import class_facts, method_type
            return method_type(class_facts(self), e.obj.stype, e.name) or "def"
        ot = e.obj.stype
        if e.name == "size" and not e.args and not e.named and not e.null_safe and \
                (ot in ("List", "Map", "String") or ot.endswith("[]")):
            return "int"
        return "def"

    def _named_args(self, e):
        """A call's named arguments: each name at most once (compile time, as in Jactl)."""
        seen = set()
        for na in e.named:
            if na.name in seen:
                self.errors.append(_err(f"Parameter '{na.name}' occurs multiple times", na,
                                        self.source))
            seen.add(na.name)
            self._expr(na.value)
