"""Classes: ClassInfo (fields, methods, constants, the synthesised constructor), the
override rules, and resolving class declarations, ``new``, ``super`` and ``this``."""

from ..syntax.lexer import BUILTIN_CLASS_NAMES
from ..errors import CompileError
from ..syntax import nodes as N
from .classconst import check_const_type, fold_const
from .classinit import forward_references, instance_ctor, needs_instance
from .scopes import Scope
from .types import _tname, _var_field_type
from .shared import _err

_OBJECT_METHODS = frozenset(("toString", "className", "toJson"))   # (every instance has them)


class ClassesMixin:
    """The classes part of Resolver (see the module docstring)."""

    # ------------------------------------------------------------------ classes

    def _setup_classes(self, decls, main):
        for cd in decls:
            qn = cd.qname or cd.name
            if qn in self.classes:
                self.errors.append(_err(f"Class '{qn}' already exists", cd, self.source))
                continue
            self.classes[qn] = ClassInfo(cd)
        # base classes first
        order, state = [], {}

        def visit(ci):
            st = state.get(ci.name)
            if st == 2:
                return True
            if st == 1:
                return False
            state[ci.name] = 1
            if ci.decl.base is not None:
                b = self.classes.get(ci.decl.base)
                if b is None:
                    self.errors.append(_err(f"Unknown class '{ci.decl.base}'", ci.decl,
                                            self.source))
                elif b is ci:
                    self.errors.append(_err("Class cannot extend itself", ci.decl,
                                            self.source))
                elif not visit(b):
                    if not cyclic:
                        self.errors.append(_err(f"Cyclic inheritance involving class "
                                                f"'{ci.name}'", ci.decl, self.source))
                    cyclic.append(ci)
                else:
                    ci.base = b
            state[ci.name] = 2
            order.append(ci)
            return True

        cyclic = []

        for ci in list(self.classes.values()):
            visit(ci)
        self.class_list = order
        for ci in order:
            ci.build(self)
        saved = (self.scope, self.func)
        self.scope = Scope(None, main)
        for ci in order:
            for fd in ci.synth():
                self._declare_function(fd)
                self.class_syms[fd.name] = fd.sym
                if fd.method_name:   # (statics: callable via an instance)
                    self.method_funcs.setdefault(fd.method_name, []).append(fd.info)
        for ci in order:
            for fd in ci.synth():
                saved_cls = self.cur_class
                self.cur_class = ci
                self.in_static = fd.is_static_method and not fd.has_this
                self._function_body(fd.info, fd.params, fd.body)
                self.cur_class = saved_cls
                self.in_static = False
        self.scope, self.func = saved

    def _class_named(self, name):
        return any(ci.decl.name == name for ci in self.classes.values())

    def _has_this(self):
        return self.cur_class is not None and not self.in_static

    def _s_ClassDecl(self, st):
        if st.qname is None:      # (not at top level or in a class)
            self.errors.append(_err("Class declaration not allowed here", st, self.source))

    def _e_ClassRef(self, e):
        if e.cname in BUILTIN_CLASS_NAMES and e.cname not in self.classes:
            return "def"
        self.errors.append(_err(f"Class name not allowed here: '{e.cname}' cannot be used as "
                                f"a value", e, self.source))
        return "def"

    def _e_MakeObj(self, e):
        for a in e.args:
            self._expr(a)
        return e.cname

    def _e_NewObj(self, e):
        ci = self.classes.get(e.cname)
        if ci is None:
            self.errors.append(_err(f"Unknown class '{e.cname}'", e, self.source))
            return "def"
        args, named = e.args, e.named
        if not args and not named:
            mand = [f[0] for f in ci.all_fields if f[2] is None]
            if mand:
                self.errors.append(_err(f"Missing mandatory field{'s' if len(mand) > 1 else ''}"
                                        f": {', '.join(mand)}", e, self.source))
        if args and not named:
            mand = [f for f in ci.all_fields if f[2] is None]
            if len(args) == len(mand):
                named = [N.NamedArg(f[0], a, line=a.line, col=a.col) for f, a in zip(mand, args)]
                args = []
            elif len(args) > len(mand):
                self.errors.append(_err(f"Too many arguments for constructor (passed "
                                        f"{len(args)} but expected only {len(mand)})",
                                        e, self.source))
                args = []
            else:
                miss = [f[0] for f in mand[len(args):]]
                self.errors.append(_err(f"Missing mandatory field{'s' if len(miss) > 1 else ''}"
                                        f": {', '.join(miss)}", e, self.source))
                args = []
        N.recast(e, N.Call, callee=N.Ident(ci.ctor.name, line=e.line, col=e.col), args=args,
                 named=named)
        return self._e_Call(e)

    def _is_super(self, o):
        return isinstance(o, N.Ident) and o.name == "super" and self._has_this() and \
            self.scope.lookup("super") is None

    def _super_field(self, e):
        """``super.x``: a field of ``this`` (fields cannot be overridden)."""
        if not isinstance(e.name, str):
            self.errors.append(_err("Dynamic field lookup not supported for super", e,
                                    self.source))
        elif e.name == "super":
            self.errors.append(_err("No such field or method 'super'", e, self.source))
        e.obj.name = "this"

    def _as_this_field(self, e, name):
        """Rewrite the identifier ``e`` (a field or method of the current class) as ``this.name``."""
        N.recast(e, N.Field, obj=N.Ident("this", line=e.line, col=e.col), name=name)
        return self._e_Field(e)

    def _is_method_of(self, tname, name):
        """Is ``name`` a method, and no field, of class ``tname``?"""
        ci = self.classes.get(tname) if tname is not None else None
        return ci is not None and ci.field(name) is None and ci.find_method(name) is not None


def _collect_classes(stmts, out, outer):
    for st in stmts:
        if isinstance(st, N.ClassDecl):
            out.append(st)
            _collect_classes(st.classes, out, st)


def _check_override(r, ci, m, bm):
    """Jactl's rules for a method overriding base method ``bm``: not final, not static on
    either side, a compatible return type, the same parameters (number, types, names)."""
    name = m.method_name
    bcls = bm.name.rsplit(".", 1)[0]
    if bm.is_final:
        r.errors.append(_err(f"Method {name}() is final in base class {bcls} and cannot be "
                             f"overridden", m, r.source))
        return
    if m.is_static_method or bm.is_static_method:
        return
    rt, brt = _tname(m.return_type), _tname(bm.return_type)
    if rt != brt and brt not in ("def", "Object") and not (
            rt in r.classes and brt in r.classes and _is_sub(r.classes[rt], brt)):
        r.errors.append(_err(f"Return type '{rt}' not compatible with return type '{brt}' "
                             f"of method {name}() in base class {bcls}", m, r.source))
        return
    ps, bps = m.params[1:], bm.params[1:]
    if len(ps) != len(bps):
        r.errors.append(_err(f"Overriding method {name}() has different number of "
                             f"parameters than method in base class {bcls}", m, r.source))
        return
    for p, bp in zip(ps, bps):
        if _tname(p.type) != _tname(bp.type):
            r.errors.append(_err(f"Overriding method {name}() has different parameter type "
                                 f"for '{p.name}' than method in base class {bcls}", p,
                                 r.source))
            return
        if p.name != bp.name:
            r.errors.append(_err(f"Overriding method {name}() has different parameter name "
                                 f"('{p.name}') than method in base class {bcls}", p,
                                 r.source))
            return


def _is_sub(ci, name):
    while ci is not None:
        if ci.name == name:
            return True
        ci = ci.base
    return False


class ClassInfo:
    """Resolver facts about one class and the functions generated for it: a constructor
    ``X$new(fields...)`` and one function ``X.m`` per method (``this`` first unless static)."""

    def __init__(self, decl):
        self.decl = decl
        self.name = decl.qname or decl.name
        self.base = None
        self.consts = {}
        self.own_fields = []      # (name, TypeRef or None, init, VarDecl)
        self.all_fields = []
        self.methods = {}         # name -> synthesized FunDecl
        self.ctor = None

    def build(self, r):
        cd = self.decl
        for vd in cd.fields:
            if vd.is_const:
                err = check_const_type(vd, r.source)
                if err is None:
                    try:
                        self.consts[vd.name] = fold_const(vd, self._const_lookup(r), r.source)
                    except CompileError as e:
                        err = e
                if err is not None:
                    r.errors.append(err)
                continue
            t = None if vd.type.name == "def" else \
                _var_field_type(vd) if vd.type.name == "var" else vd.type
            self.own_fields.append((vd.name, t, vd.init, vd))
        base_fields = self.base.all_fields if self.base is not None else []
        for vd, name in forward_references(self.own_fields):
            r.errors.append(_err(f"Forward reference to field '{name}'", vd, r.source))
        own = set()
        for f in self.own_fields:
            if f[0] in own:
                r.errors.append(_err(f"Field '{f[0]}' clashes with previously declared field",
                                     f[3], r.source))
            own.add(f[0])
        self._check_clashes(r, base_fields)
        self.all_fields = list(base_fields) + self.own_fields
        synth = cd.synth
        if synth is None:
            import copy
            params = [N.Param(t, n, copy.deepcopy(init) if init is not None else None,
                              line=vd.line, col=vd.col) for n, t, init, vd in self.all_fields]
            body = N.Block([N.Return(N.MakeObj(self.name, [N.Ident(p.name, line=cd.line, col=cd.col)
                                                          for p in params], line=cd.line, col=cd.col),
                                     line=cd.line, col=cd.col)], line=cd.line, col=cd.col)
            ctor = N.FunDecl(f"{self.name}$new", N.TypeRef(self.name), params, body,
                             line=cd.line, col=cd.col)
            ctor.is_static_method = True
            ctor.method_name = None
            methods = []
            for fd in cd.methods:
                static = fd.is_static
                ps = list(fd.params)
                if not static:
                    ps = [N.Param(N.TypeRef(self.name), "this", None, line=fd.line, col=fd.col)] + ps
                m = N.FunDecl(f"{self.name}.{fd.name}", fd.return_type, ps, fd.body,
                              line=fd.line, col=fd.col)
                m.is_static_method = static
                m.method_name = fd.name
                m.is_final = fd.is_final
                methods.append(m)
            self.methods = {m.method_name: m for m in methods}
            if needs_instance(self, self.all_fields):
                ctor = instance_ctor(self, self.all_fields)
            synth = cd.synth = (ctor, methods)
        self.ctor = synth[0]
        self.methods = {}
        for m in synth[1]:
            if m.method_name in self.methods:
                r.errors.append(_err(f"Method '{m.method_name}' already declared", m, r.source))
            self.methods[m.method_name] = m
        ts = self.methods.get("toString")
        if ts is not None and len(ts.params) > (0 if ts.is_static_method else 1):
            r.errors.append(_err("toString() cannot have parameters", ts, r.source))
        if self.base is not None:
            for m in self.methods.values():
                bm = self.base.find_method(m.method_name)
                if bm is not None:
                    _check_override(r, self, m, bm)

    def _const_lookup(self, r):
        def lookup(name, cname):
            ci = self if cname is None else r.classes.get(cname)
            return ci.const(name) if ci is not None else None
        return lookup

    def _check_clashes(self, r, base_fields):
        """Jactl's name clashes: a field or const with a base class's field or method
        (or a method of its own class), a method with a base class's field, a field
        with a builtin method."""
        base_names = {f[0] for f in base_fields}
        b = self.base
        while b is not None:
            base_names.update(b.consts)
            base_names.update(m for m in b.decl_method_names())
            b = b.base
        own_methods = set(self.decl_method_names())
        decls = [vd for vd in self.decl.fields]
        for vd in decls:
            if vd.name in base_names or vd.name in own_methods:
                r.errors.append(_err(f"Field '{vd.name}' clashes with another field or "
                                     f"method of the same name", vd, r.source))
            elif vd.name in _OBJECT_METHODS:
                r.errors.append(_err(f"Field name '{vd.name}' clashes with built-in method",
                                     vd, r.source))
        base_fields_only = {f[0] for f in base_fields}
        for fd in self.decl.methods:
            if fd.name in base_fields_only:
                r.errors.append(_err(f"Method name '{fd.name}' clashes with field of the "
                                     f"same name", fd, r.source))

    def has_member(self, name):
        """Has the class (or a base class) a field, const or method of this name?"""
        return self.field(name) is not None or self.const(name) is not None or \
            self.find_method(name) is not None

    def decl_method_names(self):
        return [fd.name for fd in self.decl.methods]

    def synth(self):
        return [self.ctor] + list(self.methods.values())

    def field(self, name):
        for f in self.all_fields:
            if f[0] == name:
                return f
        return None

    def const(self, name):
        c = self
        while c is not None:
            if name in c.consts:
                return c.consts[name]
            c = c.base
        return None

    def find_method(self, name):
        c = self
        while c is not None:
            m = c.methods.get(name)
            if m is not None:
                return m
            c = c.base
        return None
