"""Calls: direct calls of script functions, builtin functions, method calls and the
inlined map/filter pipelines."""

from . import strdec, classes as _cls
from ..runtime.builtin_facts import EARLY_STOP_METHODS, LAZY_STAGES
from ..syntax import nodes as N
from .dynamic import call_value, method_call, comprehension, fusable, exact_convert
from .callargs import check_positional, may_spread, named_arg_nodes
from .shared import _prologue_may_suspend, _pure



def _plain_ctor(g):
    """The class name when g is a class's constructor whose body is only ``return
    MakeObj(its parameters)`` (no field initialiser left to run, nothing that may
    suspend), else None."""
    node = g.node
    if not g.name.endswith("$new") or g.may_suspend or g.needs_cells or \
            not isinstance(node, N.FunDecl):
        return None
    stmts = node.body.stmts
    if len(stmts) != 1 or not isinstance(stmts[0], N.Return) or \
            not isinstance(stmts[0].expr, N.MakeObj):
        return None
    mk = stmts[0].expr
    if len(mk.args) == len(node.params) and all(
            isinstance(a, N.Ident) and a.name == p.name for a, p in zip(mk.args, node.params)):
        return mk.cname
    return None

class CallsMixin:
    """The calls part of FuncGen (see the module docstring)."""

    # calls -----------------------------------------------------------------

    def e_Call(self, e):
        c = e.callee
        if isinstance(c, N.Ident) and c.sym.kind == "function":
            return self.direct_call(e, c.sym)
        if isinstance(c, N.Ident) and c.sym.kind == "builtin":
            return self.builtin_call(e, c.sym.name)
        vals = self.exprs([c] + list(e.args) + [na.value for na in e.named])
        fv = vals[0]
        args = vals[1:1 + len(e.args)]
        named = vals[1 + len(e.args):]
        if e.named:
            nm = "{" + ", ".join(f"{na.name!r}: {v}" for na, v in zip(e.named, named)) + "}"
            call = f"_call_named({fv}, {nm})"
        else:
            call = call_value(self, fv, args, [self.st(a) for a in e.args])
        return self.maybe_suspend(e, call)

    def direct_call(self, e, sym):
        g = sym.func
        params = [p.sym for p in g.node_params]
        nparams = len(params)
        pnodes = g.node_params
        if e.named:
            argnodes = named_arg_nodes(e, pnodes, "field" if g.name.endswith("$new") else
                                       "argument")
        else:
            argnodes = list(e.args)
            # (the declared type, not an int specialisation's guess: spreading is decided
            # by what the argument may hold in the generic body)
            if len(argnodes) == 1 and \
                    argnodes[0].stype in ("def", "List") and \
                    may_spread(pnodes):
                # one List argument may be spread over the parameters (decided at run time)
                call = f"_call({self.func_value(sym)}, ({self.expr(argnodes[0])},))"
                return self.maybe_suspend(e, call)
            check_positional(e, pnodes)
            argnodes += [None] * (nparams - len(argnodes))
        present = [a for a in argnodes if a is not None]
        vals = iter(self.exprs(present))
        args = []
        for p, a in zip(params, argnodes):
            if a is None:
                args.append("_M")
            else:
                args.append(self.convert_arg(next(vals), a, p.type))
        if g.needs_cells:
            if g is self.f:
                args.insert(0, "_c")
            else:
                args.insert(0, f"{self.read_sym(sym)}.cells")
        call = f"_f{g.id}({', '.join(args)})"
        cname = _plain_ctor(g) if "_M" not in args else None
        if cname is not None:
            # every field given to a constructor that only makes the instance: the class
            # itself (the arguments are converted above, as the constructor's callers do)
            return f"{_cls.facts(self).pycls(cname)}({', '.join(args)})"
        if _prologue_may_suspend(g):     # then its frame may be missing: trust no type
            return self.maybe_suspend(e, call)
        return self.maybe_suspend(e, call, g.return_type or "def", g.id)

    def convert_arg(self, v, node, tname):
        if tname in ("def", "var", None):
            return v
        st = self.st(node, None)
        if st == tname:
            return v
        fast = _cls.convert_to_class(self, v, node, tname, True)
        if fast is not None:
            return fast
        if self.susp and self.is_user_class(tname):
            return self.suspend_call(f"_cv_arg({v}, {tname!r}{self.classes_arg(tname)})", node,
                                     *self.ctor_of(tname))
        return exact_convert(self, v, tname, "_cv_arg") or \
            f"_cv_arg({v}, {tname!r}{self.classes_arg(tname)})"

    def builtin_call(self, e, name):
        vals = self.exprs(list(e.args) + [na.value for na in e.named])
        args = vals[:len(e.args)]
        named = vals[len(e.args):]
        if e.named:
            nm = "{" + ", ".join(f"{na.name!r}: {v}" for na, v in zip(e.named, named)) + "}"
            call = f"_bcall_named(_RT, {name!r}, ({', '.join(args)}{',' if len(args) == 1 else ''}), {nm})"
        elif name == "sprintf" and not self.mod.cpe and \
                (fast := strdec.sprintf_call(self, e, args)) is not None:
            return fast
        else:
            call = f"_B_{name}(_RT{''.join(', ' + a for a in args)})" if name in _DIRECT_BUILTINS \
                else f"_bcall(_RT, {name!r}, ({', '.join(args)}{',' if len(args) == 1 else ''}))"
        return self.maybe_suspend(e, call)

    def inline_pipeline(self, e):
        """``x.map{ expr }`` / ``x.filter{ expr }`` with a closure that cannot suspend and
        whose body is one expression: a Python list comprehension instead of a closure
        call per element."""
        if self.mod.cpe or e.null_safe or e.named or len(e.args) != 1 or \
                e.name not in ("map", "filter", "collect") or not isinstance(e.args[0], N.Closure):
            return None
        c = e.args[0]
        g = c.info
        if g.may_suspend or g.children or len(g.node_params) != 1:
            return None
        if any(e.name in ci.methods for ci in _cls.facts(self).by_name.values()):
            return None          # (the receiver may be an instance with its own method)
        # evaluating this stage eagerly must not be observable: a pure closure, and every
        # later stage consumes all elements
        if not _drains_all(e) or len(c.body.stmts) != 1 or \
                not isinstance(c.body.stmts[0], N.ExprStmt) or not _pure(c.body.stmts[0].expr):
            return None
        p = g.node_params[0]
        if (p.default is not None and not g.implicit_it) or p.sym.captured or \
                p.sym.type not in ("def", "var"):
            return None
        body = c.body.stmts
        if len(body) != 1 or not isinstance(body[0], N.ExprStmt) or \
                body[0].expr.lower or e.obj.lower:
            return None
        o = self.expr(e.obj)
        saved = self.em.push()
        self.nq += 1
        var = f"_ci{self.nq}"
        self.sym_alias[p.sym] = var
        try:
            val = self.expr(body[0].expr)
        finally:
            del self.sym_alias[p.sym]
        buf = self.em.pop(saved)
        if buf.lines:
            call = f"_invoke({o}, {e.name!r}, ({self.e_Closure(c)},))"
            return call if e.receiver_of is not None else f"_lst({call})"
        rc = fusable(e.obj.comprehension, o)
        pre = ""
        if rc is None and ":=" in o:    # Python forbids := in a comprehension's iterable:
            self.nq += 1                # bind it first
            q = f"_q{self.nq}"
            pre, o = f" if (({q} := {o}),) else None", q
        cond = None                         # (collect: map's eager twin)
        if e.name == "filter":
            cond = val if self.st(body[0].expr) == "boolean" else f"_tr({val})"
        e.comprehension = comprehension(rc, o, var, e.name, val, cond)
        text = e.comprehension.text()
        if pre:
            e.comprehension = None          # (its text is not this expression's)
            return f"({text}{pre})"
        return text

    def e_MethodCall(self, e):
        e.obj.receiver_of = e
        inl = self.inline_pipeline(e)
        if inl is not None:
            return inl
        fast = _cls.method_call(self, e)
        if fast is not None:
            return fast
        parts = [e.obj] + ([e.name] if not isinstance(e.name, str) else []) + list(e.args) + \
            [na.value for na in e.named]
        vals = self.exprs(parts)
        o = vals[0]
        k = 1
        if isinstance(e.name, str):
            nm = repr(e.name)
        else:
            nm = vals[1]
            k = 2
        args = vals[k:k + len(e.args)]
        named = vals[k + len(e.args):]
        o = _cls.checked_receiver(self, e, o)
        argt = f"({', '.join(args)}{',' if len(args) == 1 else ''})"
        pnodes = None if e.quoted else _cls.known_method_params(self, e)
        if pnodes is not None:          # Jactl checks these at compile time
            if e.named:
                named_arg_nodes(e, pnodes)
            elif not (len(e.args) == 1 and may_spread(pnodes) and
                      (self.st(e.args[0]) or "def") in ("def", "List")):
                check_positional(e, pnodes)
        if e.named:
            nmap = "{" + ", ".join(f"{na.name!r}: {v}" for na, v in zip(e.named, named)) + "}"
            # (a receiver of a known builtin type: Jactl checks the names at compile time)
            typed = ", True" if self.st(e.obj) in _BUILTIN_RECEIVERS else ""
            call = f"_invoke_named({o}, {nm}, {argt}, {nmap}{typed})"
        elif not e.null_safe and isinstance(e.name, str) and len(args) <= 2:
            call = method_call(self, o, e.name, args, e.receiver_of)
        else:
            call = f"_invoke({o}, {nm}, {argt})"
        if e.name in LAZY_STAGES and e.receiver_of is None:
            # a lazy chain ends here: its elements become a List
            call = f"_lst({call})"
        if e.null_safe:
            t = self.temp()
            self.em.emit(f"{t} = {o}" if not self.susp else f"if not _pc: {t} = {o}")
            call = call.replace(f"_invoke({o},", f"_invoke({t},", 1).replace(f"_invoke_named({o},", f"_invoke_named({t},", 1)
            if self.susp and e.is_susp_call:
                r = self.temp()
                self.if_stmt_raw(f"{t} is not None", lambda: self.em.emit(f"{r} = {self.suspend_call(call, e)}"),
                                 lambda: self.em.emit(f"{r} = None"))
                return r
            return f"(None if {t} is None else {call})"
        return self.maybe_suspend(e, call)


_DIRECT_BUILTINS = {"println", "print", "sprintf"}

_EARLY_STOP = EARLY_STOP_METHODS
_PASS_THROUGH = LAZY_STAGES - _EARLY_STOP


def _drains_all(e):
    """Whether every element of method call e's result is consumed."""
    p = e.receiver_of
    while p is not None:
        name = p.name if isinstance(p.name, str) else None
        if name is None or name in _EARLY_STOP:
            return False
        if name not in _PASS_THROUGH:
            return True
        p = p.receiver_of
    return True


_BUILTIN_RECEIVERS = frozenset(("List", "Map", "String", "int", "long", "double", "Decimal",
                                "byte", "boolean"))
