"""Assignments: l-values (fields, elements, auto-created containers), ``=`` and the
compound operators, multi-assignment and ``++``/``--``."""

from ..errors import CompileError
from . import strdec, classes as _cls
from ..syntax import nodes as N
from .dynamic import StoreText, field_read, list_append, null_tolerant_index, compound_start
from .shared import INT_MAX, INT_MIN, _is_simple, _is_simple_operand

ASSIGN_OPS = {
    "+=": "_add_assign", "-=": "_sub", "*=": "_mul", "/=": "_div", "%=": "_mod", "%%=": "_rem",
    "<<=": "_shl_assign", ">>=": "_shr", ">>>=": "_ushr", "&=": "_band", "|=": "_bor",
    "^=": "_bxor",
}


class AssignMixin:
    """The assign part of FuncGen (see the module docstring)."""

    # assignment ----------------------------------------------------------

    def lvalue_parts(self, target):
        """Returns (read_fn, write_fn) texts for an lvalue; containers are evaluated
        into temps first when needed."""
        if isinstance(target, N.Ident):
            sym = target.sym
            if sym.kind == "global":
                return (lambda: f"_gget(_G, {sym.name!r})",
                        lambda v: f"_G[{sym.name!r}] = {v}", "def")
            if sym.kind != "local":
                raise CompileError("Invalid lvalue", target.line, target.col)
            n = self.name_of(sym) + (".v" if sym.captured else "")
            if sym.unboxed:
                return (lambda: f"_Long({n})", lambda v: f"{n} = {v}", sym.type)
            return (lambda: n, lambda v: f"{n} = {v}", sym.type)
        if isinstance(target, N.Index):
            o, i = self.exprs([target.obj, target.index]) if not isinstance(target.obj, (N.Field, N.Index)) \
                else (self.autocreate(target.obj, "list"), self.expr(target.index))
            ot = self.temp()
            it = self.temp(self.st(target.index))
            self.step(f"{ot} = {o}")
            self.step(f"{it} = {i}")
            self.resume.define(it)
            self.create_root(target.obj, ot, f"([] if type({it}) is int else {{}})")
            ist = self.st(target.index)
            # (an element of an array of a class is converted here when the conversion may
            # suspend: a Map becomes an instance by running the field initialisers)
            ost = self.st(target.obj) or ""
            et = ost[:-2] if self.susp and ost.endswith("[]") and \
                self.is_user_class(ost[:-2]) else "def"
            return (lambda: f"_index({ot}, {it})", lambda v: StoreText(self, ot, it, v, ist),
                    et)
        if isinstance(target, N.Field):
            fast = _cls.field_lvalue(self, target)
            if fast is not None:
                return fast
            o = self.autocreate(target.obj, "map") if isinstance(target.obj, (N.Field, N.Index)) \
                else self.expr(target.obj)
            ot = self.temp()
            self.step(f"{ot} = {o}")
            self.create_root(target.obj, ot, "{}")
            if isinstance(target.name, str):
                nm = repr(target.name)
            else:
                nt = self.temp()
                self.step(f"{nt} = {self.expr(target.name)}")
                nm = nt
            if isinstance(target.name, str):
                return (lambda: field_read(self, ot, target.name),
                        lambda v: StoreText(self, ot, nm, v, "field"), "def")
            return (lambda: f"_field({ot}, {nm})", lambda v: f"_setfield({ot}, {nm}, {v})",
                    "def")
        raise CompileError("Invalid lvalue", target.line, target.col)

    def create_root(self, obj, temp, empty):
        """``def x; x.a = 1`` / ``x[0] = 1``: a null variable being stored into becomes an
        empty map or list first."""
        if not isinstance(obj, N.Ident):
            return
        sym = obj.sym
        if sym.kind == "global" or (sym.kind == "local" and sym.type in ("def", "Map", "List")):
            _, write, _ = self.lvalue_parts(obj)
            self.step(f"if {temp} is None: {temp} = {empty}; {write(temp)}")
        elif sym.kind == "local" and empty == "{}":
            # ``X x; x.a = 1``: a new instance, when X can be made without arguments
            ci = _cls.facts(self).get(sym.type)
            if ci is None or any(f[2] is None for f in ci.all_fields):
                return
            _, write, _ = self.lvalue_parts(obj)
            make = f"_cv_obj({{}}, {_cls.facts(self).pycls(sym.type)}, {sym.type!r})"
            if not ci.ctor.info.may_suspend:
                self.step(f"if {temp} is None: {temp} = {make}; {write(temp)}")
            elif self.susp:
                def then():
                    v = self.suspend_call(make, obj, *self.ctor_of(sym.type))
                    self.step(f"{temp} = {v}")
                    self.step(write(temp))
                self.if_stmt_raw(f"{temp} is None", then)

    def autocreate(self, e, kind):
        """Evaluate a container expression on the left of an assignment, creating missing
        intermediate maps/lists (``x.a.b = 1``)."""
        if isinstance(e, N.Field):
            o = self.autocreate(e.obj, "map")
            nm = repr(e.name) if isinstance(e.name, str) else self.expr(e.name)
            fx = _cls.facts(self)
            if fx.get(self.st(e.obj)) is not None:
                kind += ":typed"       # (objects.auto_field)
                f = fx.field(self.st(e.obj), e.name) if isinstance(e.name, str) else None
                if f is not None and o.isidentifier():
                    # a field of a known class: its slot, when it holds a value
                    self.nq += 1
                    q = f"_q{self.nq}"
                    return f"({q} if {o} is not None and ({q} := {o}.{f[0]}) is not None " \
                        f"else _field_auto({o}, {nm}, {kind!r}))"
            return f"_field_auto({o}, {nm}, {kind!r})"
        if isinstance(e, N.Index):
            o = self.autocreate(e.obj, "list")
            i = self.expr(e.index)
            return f"_index_auto({o}, {i}, {kind!r})"
        if not isinstance(e, N.Ident):
            return self.expr(e)
        t = self.temp()
        self.step(f"{t} = {self.expr(e)}")
        self.create_root(e, t, "{}" if kind == "map" else "[]")
        return t

    def null_tolerant(self, node):
        """A temp holding node's value, where a null met while evaluating it (``a.b.c``
        with ``a.b`` null) makes the value null instead of an error (``?=``)."""
        t = self.temp()
        fast = null_tolerant_index(self, node)
        if fast is not None:
            self.step(f"{t} = {fast}")
            return t
        if isinstance(node, N.MethodCall):
            # (a call that may suspend runs as its own step, outside _try_null: a chain of
            # member accesses and calls is made null-safe instead, to the same effect)
            n = node
            while isinstance(n, (N.MethodCall, N.Field)):
                n.null_safe = True
                n = n.obj
        # (parts that may suspend run as steps before, inside a try that makes a null met
        # there a null value too; the rest of the expression, what combines their values,
        # goes through _try_null)
        saved = self.em.push()
        v = self.expr(node)
        steps = self.em.pop(saved)
        if not steps.lines:
            self.step(f"{t} = _try_null(lambda: {v})" if not _is_simple(v) else f"{t} = {v}")
            return t
        self.step(f"{t} = None")
        self.em.emit("try:")
        self.em.splice(steps, 1)
        with _Indent(self.em):
            self.step(f"{t} = _try_null(lambda: {v})" if not _is_simple(v) else f"{t} = {v}")
        self.em.emit("except _NullError:")
        self.em.emit(f"    {t} = None")
        return t

    def assign(self, e, want_value=True):
        op = e.op
        done = _cls.int_field_update(self, e, want_value)
        if done is not None:
            return done[0]
        if op == "?=" and isinstance(e.target, N.Field) and \
                isinstance(e.target.obj, (N.Field, N.Index)):
            # ``a.b.x ?= v``: a null ``a.b`` is only created when there is a value to store
            t = self.null_tolerant(e.value)

            def store():
                _, write, ttype = self.lvalue_parts(e.target)
                self.step(write(self.convert(t, e.value, ttype)))
            self.if_stmt_raw(f"{t} is not None", store)
            return t if want_value else None
        if not want_value and self.typed.index_store(e):
            return None
        read, write, ttype = self.lvalue_parts(e.target)
        if op == "=" and not want_value and self.typed.store(e, write):
            return None
        if op == "=" and getattr(write, "field_type", 0) == self.st(e.value):
            write = write.raw      # a typed field given a value of its type
        if op == "=":
            v = self.expr(e.value)
            conv = self.convert(v, e.value, ttype)
            if want_value:
                t = self.temp()
                self.step(f"{t} = {v}")
                self.step(write(self.convert(t, e.value, ttype)))
                return t
            self.step(write(conv))
            return None
        if op == "?=":
            t = self.null_tolerant(e.value)
            self.step(f"if {t} is not None: " + write(self.convert(t, e.value, ttype)))
            return t if want_value else None
        fn = ASSIGN_OPS[op]
        if op == "<<=" and not want_value and not self.susp and ttype in ("List", "def", "var") \
                and isinstance(e.target, N.Ident) and not e.value.lower:
            # ``x <<= v`` as a statement: a List appends in place (x read before v)
            q = self.temp()
            self.step(f"{q} = {read()}")
            v = self.expr(e.value)
            self.step(f"if type({q}) is list: {q}.append({v}); {write(q)}")
            self.step(f"else: {write(self.convert(f'_shl_assign({q}, {v})', None, ttype))}")
            return None
        if strdec.append_stmt(self, e, read, write, ttype, want_value):
            return None
        done = self.typed.compound(e, read, write, ttype, want_value)
        if done:
            return done[1]
        cur = read()
        if e.value.lower and isinstance(e.target, (N.Field, N.Index)):
            # a field's current value is read before a right-hand side that runs statements
            # (``x.a += (x.a += 3)`` adds to the old value)
            ct = self.temp()
            self.step(f"{ct} = {cur}")
            self.resume.define(ct)
            cur = ct
        v = self.expr(e.value)
        if isinstance(e.target, (N.Field, N.Index)):
            if not _is_simple(v):
                # v appears twice below: evaluate it once, after the current value
                tc, tv = self.temp(), self.temp()
                self.step(f"{tc} = {cur}")
                self.step(f"{tv} = {v}")
                cur, v = tc, tv
            # a missing map entry starts from the operator's zero (``m.x += 1`` -> 1)
            cur = compound_start(self, cur, v)
        t = self.temp()
        lt, rt = ttype, self.st(e.value)
        if lt == "int" and rt == "int" and op in ("+=", "-=", "*="):
            pop = op[0]
            nv = self.int_checked(f"{cur} {pop} {v}", pop, e.value)
            if not want_value:
                self.step(write(nv))
                return None
            self.step(f"{t} = {nv}")
            self.step(write(t))
            return t
        else:
            fast = self.fast_int(cur, v, lt, rt, op[:-1], fn) if op in ("+=", "-=", "*=") else None
            nv = fast or strdec.compound(self, e, cur, v, lt, rt, op) or \
                list_append(self, fn, cur, v) or f"{fn}({cur}, {v})"
            if not want_value and lt in ("def", "var"):
                self.step(write(nv))
                return None
            self.step(f"{t} = {nv}")
        self.step(write(self.convert(t, None, ttype)))
        return t if want_value else None

    def e_Assign(self, e):
        return self.assign(e, want_value=True)

    def e_MultiAssign(self, e):
        v = self.expr(e.value)
        t = self.temp()
        self.step(f"{t} = {v}")
        for i, target in enumerate(e.targets):
            item = f"_mget({t}, {i})"
            if e.op == "?=" and isinstance(target, N.Field) and \
                    isinstance(target.obj, (N.Field, N.Index)):
                # ``(a, b.x.y) ?= [1, null]``: a null ``b.x`` is only created when there is a
                # value to store (as for a single ``?=``)
                def store(target=target, item=item):
                    _, write, ttype = self.lvalue_parts(target)
                    self.step(write(self.convert(item, None, ttype)))
                self.if_stmt_raw(f"{item} is not None", store)
                read = (lambda item=item: item)
                continue
            read, write, ttype = self.lvalue_parts(target)
            if e.op == "=":
                self.step(write(self.convert(item, None, ttype)))
            elif e.op == "?=":
                self.step(f"if {item} is not None: " + write(self.convert(item, None, ttype)))
            else:
                fn = ASSIGN_OPS[e.op]
                self.step(write(self.convert(f"{fn}({read()}, {item})", None, ttype)))
        if not e.targets:
            return t
        r = self.temp()     # the value is the last variable's, as for a single assignment
        self.step(f"{r} = {read()}")
        return r

    def incdec(self, e, want_value):
        fn = "_incr" if e.op == "++" else "_decr"
        if e.rvalue:    # a value, not a variable: nothing is updated
            v = self.expr(e.expr)
            if isinstance(e, N.Postfix):
                t = self.temp()
                self.step(f"{t} = {v}")
                self.step(f"{fn}({t})")     # (null is still an error)
                return t
            return f"{fn}({v})"
        done = _cls.int_field_update(self, e, want_value)
        if done is not None:
            return done[0]
        read, write, ttype = self.lvalue_parts(e.expr)
        done = self.typed.incdec(e, read, write, ttype, want_value)
        if done:
            return done[1]
        cur = read()
        if isinstance(e.expr, (N.Field, N.Index)):
            cur = compound_start(self, cur, "0")
        if isinstance(e, N.Postfix) and want_value:
            t = self.temp()
            self.step(f"{t} = {cur}")
            if ttype == "int":
                self.step(write(f"_w32({t} {'+' if e.op == '++' else '-'} 1)"))
            else:
                self.step(write(self.convert(f"{fn}({t})", None, ttype)))
            return t
        sign = "+" if e.op == "++" else "-"
        if ttype == "int":
            nv = self.int_checked(f"{cur} {sign} 1", sign, _ONE)
        elif ttype == "def":
            q = cur
            if not _is_simple_operand(cur):     # (a map entry / field read: once)
                self.nq += 1
                q = f"_q{self.nq}"
                cur = f"({q} := {cur})"
            nv = f"(_r if type({cur}) is int and {INT_MIN} <= (_r := {q} {sign} 1) <= {INT_MAX} else {fn}({q}))"
        else:
            nv = self.convert(f"{fn}({cur})", None, ttype)
        if not want_value:
            self.step(write(nv))
            return None
        t = self.temp()
        self.step(f"{t} = {nv}")
        self.step(write(t))
        return t


class _Indent:
    def __init__(self, em):
        self.em = em

    def __enter__(self):
        self.em.indent += 1

    def __exit__(self, *a):
        self.em.indent -= 1


_ONE = N.Literal("int", 1)
