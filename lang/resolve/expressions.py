"""Expressions: names, operators, assignments and their l-value checks, casts, field
and index reads, closures."""

from ..syntax import nodes as N
from .scopes import Scope, Symbol
from .types import NUMERIC_RANK, PRIMITIVES, _type_name, binary_type
from .classes import _is_sub
from .shared import _builtin_method_names, _err


def _is_constant(e):
    """A literal, or a cast of one (``++1``, ``(byte)1--``): Jactl calls modifying it
    modifying a constant."""
    while isinstance(e, N.Cast):
        e = e.expr
    return isinstance(e, N.Literal) and e.kind != "null"


class ExpressionsMixin:
    """The expressions part of Resolver (see the module docstring)."""

    def _expr(self, e):
        m = getattr(self, "_e_" + type(e).__name__)
        t = m(e)
        e.stype = t or "def"
        return e.stype

    def _e_Literal(self, e):
        return {"int": "int", "long": "long", "double": "double", "decimal": "Decimal",
                "string": "String", "bool": "boolean", "null": "null"}[e.kind]

    def _e_InterpString(self, e):
        for p in e.parts:
            if not isinstance(p, str):
                self._expr(p)
        return "String"

    def _e_RegexLit(self, e):
        self._expr(e.pattern)
        if e.replace is not None:
            # the replacement runs once per match, in a scope whose ``$@`` holds that match's
            # groups ($1... there, in closures too; a match inside it replaces them)
            saved = self.scope
            self.scope = e.repl_scope = Scope(saved, self.func)
            e.repl_sym = self._match_sym(e)
            try:
                self._expr(e.replace)
            finally:
                self.scope = saved
        return "String"

    def _e_ListLit(self, e):
        for x in e.items:
            self._expr(x)
        return "List"

    def _e_MapLit(self, e):
        seen = set()
        for k, _ in e.entries:
            if isinstance(k, N.Literal) and k.kind == "string":
                if k.value in seen:
                    self.errors.append(_err(f"Key '{k.value}' occurs multiple times in map",
                                            k, self.source))
                seen.add(k.value)
        for k, v in e.entries:
            self._expr(k)
            self._expr(v)
        return "Map"

    def _e_Ident(self, e):
        ci = self.cur_class
        if ci is not None and self.scope.lookup(e.name) is None:
            name = e.name
            v = ci.const(name)
            if v is not None:
                N.recast(e, N.Literal, kind=v.kind, value=v.value)
                e.from_const = True      # (a const field: not assignable)
                return self._e_Literal(e)
            if ci.field(name) is not None and self._has_this():
                return self._as_this_field(e, name)
            if ci.field(name) is not None and self.in_static:
                self.errors.append(_err("Reference to non-static field in static function",
                                        e, self.source))
                e.sym = Symbol(name, "global", "def")
                return "def"
            fd = ci.find_method(name) if name not in ("this", "super") else None
            if fd is not None and not fd.is_static_method and self._has_this():
                return self._as_this_field(e, name)       # a method as a value, bound to this
            if fd is not None and fd.is_static_method:
                e.name = fd.name
            if name == "super" and self._has_this():
                self.errors.append(_err("'super' can only be used to access fields or "
                                        "methods", e, self.source))
                e.name = "this"
        sym = self._lookup_var(e.name, e)
        e.sym = sym
        if sym.kind == "function":
            if e is not self.callee:        # a function value: made here (forward.py)
                self.func.value_refs.append((sym, dict(self.stmt_pos)))
            return "Function"
        return sym.type

    def _e_Binary(self, e):
        if e.op in ("&&", "||"):
            lt = self._cond(e.left)
            rt = self._cond(e.right)
        else:
            lt = self._expr(e.left)
            rt = self._expr(e.right)
        if e.op in ("=~", "!~"):
            # (a substitution's groups are its replacement's: after it, $1... are null)
            e.match_sym = self._match_sym(e)
        return binary_type(e.op, lt, rt)

    def _match_sym(self, node):
        """The capture groups of a regex match live in ``$@``, a local of the block where
        the match is: ``$1``... read the nearest one in scope, through closures as for any
        variable, and a match in a nested block leaves the outer groups alone."""
        sym = self.scope.names.get("$@")
        if sym is None:
            sym = Symbol("$@", "local", "@groups", owner=self.func,
                         pyname=self._pyname(self.func, "_m", ""))
            self.scope.names["$@"] = sym
            self.func.locals.append(sym)
        return sym

    def _e_Unary(self, e):
        t = self._cond(e.expr) if e.op == "!" else self._expr(e.expr)
        if e.op in ("!", "??"):
            return "boolean"
        if e.op in ("++", "--"):
            self._incdec_target(e)
        if e.op in ("-", "+", "~", "++", "--") and t in NUMERIC_RANK:
            return t
        return "def"

    def _e_Postfix(self, e):
        t = self._expr(e.expr)
        self._incdec_target(e)
        return t if t in NUMERIC_RANK else "def"

    def _incdec_target(self, e):
        """Jactl applies ++/-- to any value: a variable, field or element is updated, any
        other expression (``(x + x)++``, ``++x--``) just yields its value plus or minus one
        - except a literal, which is a constant."""
        target = e.expr
        if isinstance(target, (N.Ident, N.Index, N.Field)) or _is_constant(target) or \
                _is_class_member(target):
            self._check_lvalue(target)
            self._record_assign(target, e.op, None)
        else:
            e.rvalue = True

    def _record_assign(self, target, op, value):
        if isinstance(target, N.Ident) and target.sym is not None:
            self.assigns.setdefault(target.sym, []).append((op, value))
            target.sym.nassign += 1

    def _check_lvalue(self, target, op=None):
        if isinstance(target, N.Ident):
            sym = target.sym
            if sym is not None and sym.kind == "local":
                if sym.is_const:
                    self.errors.append(_err("Cannot modify a constant value", target,
                                            self.source))
                elif sym.is_final:
                    self.errors.append(_err(f"Cannot modify 'final' variable '{sym.name}'",
                                            target, self.source))
                sym.assigned_after_decl = True
            elif sym is not None and sym.kind in ("function", "builtin"):
                if op in (None, "=", "?="):
                    self.errors.append(_err("Cannot assign to function", target, self.source))
                else:       # (a Function is no operand of +, -, ...)
                    self.errors.append(_err(f"Non-numeric operand for left-hand side of "
                                            f"'{op[:-1]}': must be numeric", target,
                                            self.source))
        elif _is_constant(target):
            self.errors.append(_err("Cannot modify a constant value", target, self.source))
        elif _is_class_member(target):
            self.errors.append(_err("Cannot modify class field", target, self.source))
        elif isinstance(target, N.Index) and target.obj.stype == "String":
            self.errors.append(_err("Invalid object type (String) for storing value: cannot "
                                    "assign to element of string", target, self.source))
        elif isinstance(target, N.Field) and isinstance(target.name, str) and \
                _is_final_field(self.classes.get(target.obj.stype), target.name):
            self.errors.append(_err(f"Cannot modify 'final' field '{target.name}'", target,
                                    self.source))
        elif isinstance(target, N.Field) and isinstance(target.name, str) and \
                target.obj.stype in self.classes and \
                self.classes[target.obj.stype].field(target.name) is None and \
                self.classes[target.obj.stype].const(target.name) is not None:
            self.errors.append(_err("Cannot modify a constant value", target, self.source))
        elif isinstance(target, N.Field) and isinstance(target.name, str) and \
                self._is_method_of(target.obj.stype, target.name):
            self.errors.append(_err(f"Cannot assign to method '{target.name}': field "
                                    f"expected", target, self.source))
        elif not isinstance(target, (N.Index, N.Field)):
            self.errors.append(_err("Invalid lvalue", target, self.source))

    def _e_Assign(self, e):
        tg = e.target
        if self._is_super(tg):
            self.errors.append(_err("Cannot assign to 'super'", tg, self.source))
            tg.name = "this"
        elif isinstance(tg, N.Field) and tg.name == "super" and self._is_super(tg.obj):
            self.errors.append(_err("No such field 'super'", tg, self.source))
            tg.name = "_super"
        self._expr(e.value)
        t = self._expr(e.target)
        self._check_lvalue(e.target, e.op)
        self._record_assign(e.target, e.op, e.value)
        if e.op == "=":
            return e.value.stype if e.value.stype != "null" else t
        return t

    def _e_MultiAssign(self, e):
        self._expr(e.value)
        for t in e.targets:
            self._expr(t)
            self._check_lvalue(t)
            self._record_assign(t, "multi", None)
        return "def"

    def _e_Ternary(self, e):
        self._cond(e.cond)
        a = self._expr(e.then)
        b = self._expr(e.else_)
        ka, kb = self._type_kind(a), self._type_kind(b)
        if ka is not None and kb is not None and ka != kb:
            self.errors.append(_err(f"Result expressions of ?: must be compatible: {a} and {b} "
                                    "are not compatible", e, self.source))
        return a if a == b else "def"

    def _type_kind(self, t):
        """The family of a static type for compatibility checks (None: could be anything)."""
        if t in NUMERIC_RANK:
            return "number"
        if t in ("String", "boolean", "List", "Map", "Function"):
            return t
        if t in self.classes:
            return "instance"
        return None

    def _e_Cast(self, e):
        st = self._expr(e.expr)
        t = _type_name(e.type)
        ci = self.classes.get(t)
        sym = e.expr.sym if isinstance(e.expr, N.Ident) else None
        declared = sym is None or not sym.inferred_type and not (
            sym.kind == "local" and sym in self.int_candidates)
        if ci is not None and st is not None and declared and (
                st in PRIMITIVES or st in NUMERIC_RANK or st == "boolean" or
                st in self.classes and not _is_sub(self.classes[st], t) and
                not _is_sub(ci, st)):
            self.errors.append(_err(f"Cannot convert from {st} to {t}", e, self.source))
        return t

    def _e_As(self, e):
        self._expr(e.expr)
        return _type_name(e.type)

    def _e_InstanceOf(self, e):
        self._expr(e.expr)
        return "boolean"

    def _e_Index(self, e):
        if isinstance(e.index, N.Literal) and e.index.kind == "string" and \
                not self._is_super(e.obj):
            t = self._expr(e.obj)
            self._expr(e.index)
            ci = self.classes.get(t)
            if ci is not None and not ci.has_member(e.index.value) and \
                    e.index.value not in _builtin_method_names():
                self.errors.append(_err(f"No such field or method '{e.index.value}' for "
                                        f"class {ci.name}", e, self.source))
            return t[:-2] if t.endswith("[]") else "def"
        if self._is_super(e.obj):
            via = "?[]" if e.null_safe else "[]"
            self.errors.append(_err(f"Field access cannot be performed via '{via}' for "
                                    f"'super'", e, self.source))
            e.obj.name = "this"
        t = self._expr(e.obj)
        self._expr(e.index)
        if t.endswith("[]"):
            return t[:-2]
        return "def"

    def _e_Field(self, e):
        if self._is_super(e.obj):
            self._super_field(e)
        if isinstance(e.obj, N.ClassRef) and isinstance(e.name, str):
            ci = self.classes.get(e.obj.cname)
            v = ci.const(e.name) if ci is not None else None
            if v is not None:
                N.recast(e, N.Literal, kind=v.kind, value=v.value)
                e.from_const = True      # (a const field: not assignable)
                return self._e_Literal(e)
            if ci is not None and ci.field(e.name) is not None:
                self.errors.append(_err(f"Static access to non-static field '{e.name}'", e,
                                        self.source))
                return "def"
            fd = ci.find_method(e.name) if ci is not None else None
            inner = any(n == e.name or n.endswith("." + e.name) or n.endswith("$" + e.name)
                        for n in self.classes)
            if fd is not None and fd.is_static_method:
                # ``X.f`` without a call: the static method as a function value
                N.recast(e, N.Ident, name=fd.name)
                return self._e_Ident(e)
            if ci is not None and e.name == "fromJson":
                # ``X.fromJson`` as a value: the function ``{ s -> X.fromJson(s) }``
                at = dict(line=e.line, col=e.col)
                call = N.Call(N.Field(N.ClassRef(ci.name, **at), "fromJson", **at),
                              [N.Ident("json", **at)], **at)
                N.recast(e, N.Closure, params=[N.Param(None, "json", **at)],
                         body=N.Block([N.ExprStmt(call, **at)], **at))
                return self._e_Closure(e)
            if ci is not None and not inner:    # (``X.Y``: a nested class, elsewhere)
                self.errors.append(_err(f"No such field or method '{e.name}' in class "
                                        f"{ci.name}", e, self.source))
                return "def"
        if isinstance(e.obj, N.ClassRef) and not isinstance(e.name, str) and \
                e.obj.cname in self.classes:
            # ``X."${name}"``: a const field or static method looked up when it runs
            cref, name = e.obj, e.name
            N.recast(e, N.Call, callee=N.Ident("$classMember", line=cref.line, col=cref.col),
                     args=[N.Literal("string", cref.cname, line=cref.line, col=cref.col), name])
            e.class_member = True        # (not assignable)
            return self._e_Call(e)
        self._expr(e.obj)
        if isinstance(e.name, str) and e.obj.stype in self.classes:
            ci = self.classes[e.obj.stype]
            f = ci.field(e.name)
            if f is not None and f[1] is not None:
                return _type_name(f[1])
            if f is None and not ci.has_member(e.name) and \
                    e.name not in _builtin_method_names():
                self.errors.append(_err(f"No such field or method '{e.name}' for class "
                                        f"{ci.name}", e, self.source))
        if not isinstance(e.name, str):
            self._expr(e.name)
        return "def"

    def _e_Closure(self, e):
        f = self._new_function("closure", e, self.func, is_closure=True)
        e.info = f
        self._function_body(f, e.params or [], e.body, implicit_it=e.params is None)
        return "Function"

    def _e_DoBlock(self, e):
        self._block(e.body)
        return "def"

    def _e_Die(self, e):
        if e.expr is not None:
            self._expr(e.expr)
        return "def"

    def _e_Print(self, e):
        for a in e.args:
            self._expr(a)
        return "null"

    def _e_ReturnExpr(self, e):
        if e.expr is not None:
            self._expr(e.expr)
        return "def"

    def _e_ArrayNew(self, e):
        for x in e.sizes:
            self._expr(x)
        return _type_name(e.type)

    def _e_BreakExpr(self, e):
        self._check_loop(e, "break")
        return "def"

    def _e_ContinueExpr(self, e):
        self._check_loop(e, "continue")
        return "def"

    def _e_Eval(self, e):
        for a in e.args:
            self._expr(a)
        return "def"


def _is_class_member(e):
    """``X."${name}"``: a class member looked up by name when it runs (not assignable)."""
    return isinstance(e, N.Call) and e.class_member


def _is_final_field(ci, name):
    """Is ``name`` a ``final`` field of class ``ci`` (a ClassInfo or None)?"""
    f = ci.field(name) if ci is not None else None
    return f is not None and f[3].is_final
