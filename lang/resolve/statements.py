"""Statements: declarations, blocks, conditionals, loops and jumps."""

from ..syntax import nodes as N
from .scopes import Scope
from .types import _type_name
from .shared import _err


class StatementsMixin:
    """The statements part of Resolver (see the module docstring)."""

    def _stmt(self, st):
        m = getattr(self, "_s_" + type(st).__name__)
        m(st)

    def _s_Block(self, st):
        self._block(st)

    def _s_ExprStmt(self, st):
        self._expr(st.expr)

    def _s_VarDecl(self, st):
        tname = _type_name(st.type)
        if st.is_const:
            self._check_const(st, tname)
        if st.init is not None:
            (self._cond if tname == "boolean" else self._expr)(st.init)
            if tname == "var":
                tname = st.init.stype or "def"
                if tname in ("null",):
                    tname = "def"
        elif tname == "var":
            self.errors.append(_err("Initialiser expression required for 'var' declaration",
                                    st, self.source))
            tname = "def"
        inferred = tname == "def" and st.inferred
        if inferred:
            tname = st.inferred
        st.sym = self._declare(st.name, tname, st, is_const=st.is_const)
        st.sym.is_final = st.is_final
        if inferred:
            st.sym.inferred_type = True
        if tname == "def" and st.init is not None:
            self.int_candidates[st.sym] = st
        if st.is_const and isinstance(st.init, N.Literal):
            st.sym.const_value = st.init.value

    def _check_const(self, st, tname):
        """A const is a simple value known when compiling."""
        if tname not in ("def", "var", "boolean", "byte", "int", "long", "double", "Decimal",
                         "String"):
            self.errors.append(_err(f"Constants can only be simple types (not {tname})",
                                    st.type, self.source))
        elif st.init is None:
            self.errors.append(_err("Initialiser expression required for const declaration",
                                    st, self.source))
        elif isinstance(st.init, (N.ListLit, N.MapLit, N.Closure, N.MakeObj, N.NewObj,
                                  N.ArrayNew)):
            self.errors.append(_err("Const initialiser must be a simple constant value",
                                    st.init, self.source))

    def _s_MultiVarDecl(self, st):
        if st.init is not None:
            self._expr(st.init)
        st.syms = [self._declare(n, _type_name(t), st) for t, n in zip(st.types, st.names)]

    def _s_FunDecl(self, st):
        f = st.info
        self._function_body(f, st.params, st.body)
        if f.return_type in ("int", "long", "double", "boolean", "byte"):
            loop = _loop_at_end(st.body)
            if loop is not None:
                self.errors.append(_err("Implicit return of null incompatible with function "
                                        f"return type of {f.return_type}", loop, self.source))

    def _s_If(self, st):
        self._cond(st.cond)
        self._scoped_stmt(st.then)
        if st.else_ is not None:
            self._scoped_stmt(st.else_)

    def _scoped_stmt(self, st, loop_body=False):
        if isinstance(st, N.Block):
            self._block(st, loop_body=loop_body)
        else:
            saved = self.scope
            self.scope = Scope(saved, self.func)
            self.scope.is_loop_body = loop_body
            self._stmt(st)
            self.scope = saved

    def _loop_body(self, label, body):
        self.loops.append(label)
        self._scoped_stmt(body, loop_body=True)
        self.loops.pop()

    def _s_While(self, st):
        self._cond(st.cond)
        self._loop_body(st.label, st.body)

    def _s_DoUntil(self, st):
        self._loop_body(st.label, st.body)
        self._cond(st.cond)

    def _s_For(self, st):
        saved = self.scope
        self.scope = Scope(saved, self.func)
        st.scope = self.scope
        implicit = all(_implicit_for_decl(s, None) is not None or
                       isinstance(s, N.VarDecl) and s.outer for s in st.init)
        for k, s in enumerate(st.init):
            decl = s if isinstance(s, N.VarDecl) and s.outer else \
                _implicit_for_decl(s, self.scope) if implicit else None
            if decl is not None:
                # ``for (i = 0; ...)`` with no variable i declares it (its type inferred as
                # with var) in the enclosing scope, where it outlives the loop
                st.init[k] = decl
                self.scope = saved
                self._stmt(decl)
                self.scope = st.scope
            else:
                self._stmt(s)
        if st.cond is not None:
            self._expr(st.cond)
        for e in st.update:
            self._expr(e)
        self._loop_body(st.label, st.body)
        self.scope = saved

    def _s_ForIn(self, st):
        it_type = self._expr(st.iterable)
        saved = self.scope
        self.scope = Scope(saved, self.func)
        st.scope = self.scope
        if st.pattern is not None or _mentions_it(st.body):
            st.it_sym = self._declare("it", "def", st)
        if st.pattern is not None:
            elem = it_type[:-2] if it_type.endswith("[]") else "def"
            self._pattern(st.pattern, set(), elem, top=True)
            st.syms = []
        else:
            name = st.names[0]
            other = self.scope.lookup(name)
            if other is not None and other.kind == "local" and other.owner is self.func \
                    and name != "it":
                self.errors.append(_err(f"Loop variable '{name}' shadows another variable",
                                        st, self.source))
            st.syms = [self._declare(name, _type_name(st.var_type) if st.is_decl else "def",
                                     st)]
        self._loop_body(st.label, st.body)
        self.scope = saved

    def _s_Break(self, st):
        self._check_loop(st, "break")

    def _s_Continue(self, st):
        self._check_loop(st, "continue")

    def _check_loop(self, st, what):
        if not self.loops:
            self.errors.append(_err(f"{what} must be within a while/for loop", st, self.source))
        elif st.label is not None and st.label not in self.loops:
            self.errors.append(_err(f"Could not find enclosing loop with label {st.label}",
                                    st, self.source))

    def _s_Return(self, st):
        if st.expr is not None:
            self._expr(st.expr)

    # ------------------------------------------------------------------ expressions

    def _cond(self, e):
        """An expression used as a condition: a bare ``/text/`` there is a mistake (it is a
        string, not a match against ``it``)."""
        if isinstance(e, (N.Literal, N.InterpString)) and e.from_regex:
            self.errors.append(_err("Regex string used in boolean context: add a modifier "
                                    "(e.g. /.../n) to match against 'it'", e, self.source))
        return self._expr(e)


def _loop_at_end(st):
    """The loop statement whose (null) value would end st's value, if any."""
    while True:
        if isinstance(st, N.Block):
            if not st.stmts:
                return None
            st = st.stmts[-1]
        elif isinstance(st, N.If):
            if st.else_ is None:
                return None
            loop = _loop_at_end(st.then)
            if loop is not None:
                return loop
            st = st.else_
        elif isinstance(st, (N.For, N.ForIn, N.While)):
            return st
        else:
            return None


def _implicit_for_decl(s, scope):
    """The VarDecl a C-style for's init ``name = value`` stands for when name is unknown."""
    if not isinstance(s, N.ExprStmt):
        return None
    e = s.expr
    if not (isinstance(e, N.Assign) and e.op == "=" and isinstance(e.target, N.Ident)):
        return None
    if scope is not None and scope.lookup(e.target.name) is not None:
        return None
    d = N.VarDecl(N.TypeRef("var"), e.target.name, e.value, outer=True)
    d.line, d.col = e.target.line, e.target.col
    return d


def _mentions_it(node):
    """Whether ``it`` is named anywhere under node (nested closures included)."""
    stack = [node]
    seen = set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, N.Ident):
            if n.name == "it":
                return True
        elif isinstance(n, N.Node):
            stack.extend(v for v in n.__dict__.values() if isinstance(v, (N.Node, list, tuple)))
        elif isinstance(n, (list, tuple)):
            stack.extend(v for v in n if isinstance(v, (N.Node, list, tuple)))
    return False
