"""Name resolution, static types and the "may suspend" analysis.

The parser only knows shapes. This pass binds every identifier to the Symbol it means
(local, captured, function, global or builtin), decides which locals are captured by
closures (those live in Cells), gives expressions the static type the code generator uses to
skip conversions, and computes — to a fixpoint over the call graph — which functions and
which call sites may suspend. Only those pay for resumability in the generated code.

It reports the errors the parser cannot see: unknown variables, duplicate declarations,
assignments to constants, break/continue outside loops, bad argument counts.
"""

from ..syntax.lexer import BUILTIN_CLASS_NAMES
from ..errors import CompileError
from ..runtime.builtin_facts import BUILTIN_FUNCTIONS, LAZY_STAGES, MAY_SUSPEND_METHODS
from ..syntax import nodes as N
from .classconst import check_const_type, fold_const
from .classinit import forward_references, instance_ctor, needs_instance
from .classnames import qualify
from .forward import check_block
from .scopes import FunctionDef, Scope, Symbol

NUMERIC_RANK = {"byte": 0, "int": 1, "long": 2, "double": 3, "Decimal": 4}

PRIMITIVES = frozenset({"int", "long", "double", "boolean", "byte", "Decimal", "String"})


_BUILTIN_METHOD_NAMES = None
_OBJECT_METHODS = frozenset(("toString", "className", "toJson"))   # (every instance has them)


def _builtin_method_names():
    global _BUILTIN_METHOD_NAMES
    if _BUILTIN_METHOD_NAMES is None:
        from ..runtime.methods import builtin_method_names
        _BUILTIN_METHOD_NAMES = builtin_method_names()
    return _BUILTIN_METHOD_NAMES


def _is_constant(e):
    """A literal, or a cast of one (``++1``, ``(byte)1--``): Jactl calls modifying it
    modifying a constant."""
    while isinstance(e, N.Cast):
        e = e.expr
    return isinstance(e, N.Literal) and e.kind != "null"


def _err(msg, node, source):
    return CompileError(msg, node.line, node.col, source)


class Resolved:
    """What the resolver hands the code generator."""

    def __init__(self, script, functions, main, checkpoint_each_statement):
        self.script = script
        self.functions = functions        # every FunctionDef, index == id
        self.main = main
        self.checkpoint_each_statement = checkpoint_each_statement
        self.classes = ()                 # ClassInfos, base classes first


class Resolver:
    def __init__(self, source, *, globals_names=None, host_functions=None,
                 checkpoint_each_statement=False):
        self.source = source
        self.globals_names = None if globals_names is None else set(globals_names)
        self.host_functions = dict(host_functions or {})   # name -> suspends(bool)
        self.cpe = checkpoint_each_statement
        self.functions = []
        self.errors = []
        self.func = None
        self.scope = None
        self.loops = []          # stack of (label or None) for break/continue checks
        self.pynames = {}        # per function id: the Python local names already given
        self.stmt_pos = {}       # id(block) -> index of the statement being resolved
        self.callee = None       # the callee expression being resolved (not a value)
        self.initialising = None  # the parameter whose default is being resolved
        self.int_candidates = {}  # def locals initialised by an expression: Symbol -> VarDecl
        self.assigns = {}        # Symbol -> [(op, value node)] for type inference
        self.classes = {}        # class name -> ClassInfo
        self.in_static = False   # resolving a static method (no ``this``)
        self.class_facts = None  # codegen/classes.py's ClassFacts of the classes, made once
        self.class_list = []     # ClassInfos, base classes first
        self.class_syms = {}     # generated constructor/method function name -> Symbol
        self.method_funcs = {}   # method name -> [FunctionDef] (any class, static or not)
        self.cur_class = None    # ClassInfo whose method body is being resolved

    # ------------------------------------------------------------------ entry

    def resolve(self, script):
        main = self._new_function("main", script, None, is_main=True)
        self.func = main
        qualify(script)
        decls = []
        _collect_classes(script.body.stmts, decls, None)
        if decls:
            self._setup_classes(decls, main)
        self._block(script.body, new_scope=True)
        if self.errors:
            if len(self.errors) == 1:
                raise self.errors[0]
            msg = f"{len(self.errors)} errors found:\n" + "\n".join(str(e) for e in self.errors)
            raise CompileError(msg)
        self._compute_captures()
        self._compute_suspends()
        r = Resolved(script, self.functions, main, self.cpe)
        r.classes = self.class_list
        return r

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

    def _new_function(self, name, node, parent, is_closure=False, is_main=False):
        f = FunctionDef(len(self.functions), name, node, parent, is_closure, is_main)
        self.functions.append(f)
        if parent is not None:
            parent.children.append(f)
        return f

    def _pyname(self, func, prefix, name):
        """A Python local name for a Jactl name, unique within the function: a second
        ``x`` becomes ``v_x_1`` unless a Jactl ``x_1`` took that already (then ``v_x_2``),
        so re-declared and shadowing variables never share a Python local."""
        used = self.pynames.setdefault(func.id, set())
        base = f"{prefix}{name}"
        cand, n = base, 0
        while cand in used:
            n += 1
            cand = f"{base}_{n}"
        used.add(cand)
        return cand

    def _declare(self, name, type_name, node, *, is_const=False, is_param=False):
        if name in self.scope.names:
            self.errors.append(_err(f"Variable '{name}' clashes with previously declared "
                                    "variable", node, self.source))
        sym = Symbol(name, "local", type_name, owner=self.func,
                     pyname=self._pyname(self.func, "v_", _safe(name)), is_const=is_const,
                     is_param=is_param)
        self.scope.names[name] = sym
        self.func.locals.append(sym)
        if is_param:
            self.func.params.append(sym)
        return sym

    # ------------------------------------------------------------------ statements

    def _block(self, block, new_scope=True, loop_body=False):
        saved = self.scope
        if new_scope:
            self.scope = Scope(saved, self.func)
            self.scope.is_loop_body = loop_body
        block.scope = self.scope
        # Functions are visible in their whole block (they may be called before they are
        # declared), so declare them first.
        for st in block.stmts:
            if isinstance(st, N.FunDecl):
                self._declare_function(st)
        key = id(block)
        for i, st in enumerate(block.stmts):
            self.stmt_pos[key] = i
            self._stmt(st)
            if isinstance(st, N.Return) and i + 1 < len(block.stmts) and \
                    not isinstance(block.stmts[i + 1], (N.FunDecl, N.ClassDecl)):
                nxt = block.stmts[i + 1]
                self.errors.append(_err("Unreachable statement", nxt, self.source))
        self.stmt_pos.pop(key, None)
        self.errors.extend(check_block(block, self.func, self.source))
        self.scope = saved

    def _declare_function(self, fd):
        if fd.name in self.scope.names:
            self.errors.append(_err(f"Function '{fd.name}' already declared", fd, self.source))
        f = self._new_function(fd.name, fd, self.func)
        f.return_type = _type_name(fd.return_type)
        sym = Symbol(fd.name, "function", "Function", owner=self.func,
                     pyname=self._pyname(self.func, "f_", _safe(fd.name)), is_const=True,
                     func=f)
        f.sym = sym
        fd.info = f
        fd.sym = sym
        self.scope.names[fd.name] = sym
        self.func.locals.append(sym)

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

    def _function_body(self, f, params, body, implicit_it=False):
        saved = (self.func, self.scope, self.loops)
        self.func = f
        self.loops = []
        self.scope = Scope(saved[1], f)
        if implicit_it:
            f.implicit_it = True
            p = N.Param(None, "it", N.Literal("null", None, line=body.line, col=body.col),
                        line=body.line, col=body.col)
            p.sym = self._declare("it", "def", p, is_param=True)
            f.node_params = [p]
        else:
            seen = set()
            for p in params:
                if p.name in seen:
                    self.errors.append(_err(f"Parameter '{p.name}' occurs multiple times",
                                            p, self.source))
                seen.add(p.name)
                if p.default is not None:
                    self.initialising = p.name
                    self._expr(p.default)
                    self.initialising = None
                p.sym = self._declare(p.name, _type_name(p.type), p, is_param=True)
            f.node_params = list(params)
        self._block(body, new_scope=False)
        self.func, self.scope, self.loops = saved

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

    def _lookup_var(self, name, node):
        sym = self.scope.lookup(name)
        if sym is None and name in self.class_syms:
            sym = self.class_syms[name]
        if sym is None and name[:1] == "$" and name[1:].isdigit():
            cap = Symbol(name, "capture", "def")     # $0, $1...: groups of the last match
            m = self.scope.lookup("$@")
            if m is None:
                self.errors.append(_err(f"Reference to regex capture variable {name} in "
                                        f"scope where no regex match has occurred", node,
                                        self.source))
            else:
                if m.owner is not self.func:
                    self._capture(m)
                cap.match_sym = m
            return cap
        if sym is None:
            if name in self.host_functions or name in BUILTIN_FUNCTIONS:
                return Symbol(name, "builtin", "Function")
            if name == self.initialising:
                self.errors.append(_err("Variable initialisation cannot refer to itself", node,
                                        self.source))
                return Symbol(name, "global", "def")
            if self._class_named(name):
                self.errors.append(_err(f"Class name not allowed here: '{name}'", node,
                                        self.source))
            elif self.cur_class is not None and self.globals_names and \
                    name in self.globals_names:
                self.errors.append(_err(f"Access to globals not permitted within a class: "
                                        f"'{name}'", node, self.source))
            if self.globals_names is not None and name not in self.globals_names:
                if isinstance(node, N.Ident) and node.implicit:
                    self.errors.append(_err("Regex match with no 'it' variable in scope", node,
                                            self.source))
                else:
                    self.errors.append(_err(f"Reference to unknown variable '{name}'", node,
                                            self.source))
            return Symbol(name, "global", "def")
        if sym.owner is not self.func and sym.kind in ("local", "function"):
            self._capture(sym)
        return sym

    def _capture(self, sym):
        """Record that the current function (and every function between it and the
        declaring one) uses sym from outside."""
        if sym.kind == "function":
            self.func.func_refs.append(sym)
            return
        sym.captured = True
        f = self.func
        while f is not None and f is not sym.owner:
            if sym not in f.free_set:
                f.free_set.add(sym)
                f.free.append(sym)
            f = f.parent

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

    def _as_this_field(self, e, name):
        """Rewrite the identifier ``e`` (a field or method of the current class) as ``this.name``."""
        N.recast(e, N.Field, obj=N.Ident("this", line=e.line, col=e.col), name=name)
        return self._e_Field(e)

    def _is_method_of(self, tname, name):
        """Is ``name`` a method, and no field, of class ``tname``?"""
        ci = self.classes.get(tname) if tname is not None else None
        return ci is not None and ci.field(name) is None and ci.find_method(name) is not None

    def _named_args(self, e):
        """A call's named arguments: each name at most once (compile time, as in Jactl)."""
        seen = set()
        for na in e.named:
            if na.name in seen:
                self.errors.append(_err(f"Parameter '{na.name}' occurs multiple times", na,
                                        self.source))
            seen.add(na.name)
            self._expr(na.value)

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

    # ------------------------------------------------------------------ switch

    def _e_SwitchExpr(self, e):
        if e.subject is not None:
            st = self._expr(e.subject)
        else:
            subj = N.Ident("it", line=e.line, col=e.col)
            sym = self.scope.lookup("it")
            if sym is None:
                self.errors.append(_err("Reference to unknown variable 'it'", e, self.source))
            self._expr(subj)
            e.subject = subj
            st = subj.stype
        saved = self.scope
        self.scope = Scope(saved, self.func)
        e.scope = self.scope
        e.it_sym = self._declare("it", "def", e)
        if isinstance(e.subject, N.Ident) and e.subject.sym.inferred_type:
            st = "def"
        subject_type = st if st in PRIMITIVES or st in ("List", "Map") or st.endswith("[]") \
            or st in self.classes else "def"
        ndefault = 0
        seen_lits = set()
        prev = []
        catch_all = wild_seen = False
        for case in e.cases:
            if case.is_default:
                ndefault += 1
                if ndefault > 1:
                    self.errors.append(_err("Cannot have multiple 'default' cases", case,
                                            self.source))
            self.scope = Scope(e.scope, self.func)
            case.scope = self.scope
            if case.is_default and wild_seen:
                self.errors.append(_err("Default case is never applicable (previous case "
                                        "matches everything)", case, self.source))
            for pat, guard in case.patterns:
                bound = set()
                self._pattern(pat, bound, subject_type, top=True)
                if catch_all:
                    self.errors.append(_err("Unreachable switch case: covered by a previous "
                                            "pattern that matches everything", pat, self.source))
                    catch_all = False
                key = _lit_key(pat)
                if key is not None and guard is None and key in seen_lits:
                    self.errors.append(_err("Literal match occurs multiple times in switch",
                                            pat, self.source))
                elif any(_covers(q, pat, self.classes) for q in prev):
                    self.errors.append(_err("Unreachable switch case: covered by a previous "
                                            "pattern", pat, self.source))
                if key is not None and guard is None:
                    seen_lits.add(key)
                if guard is not None:
                    self._expr(guard)
                else:
                    prev.append(pat)
                    if _matches_all(pat, subject_type):
                        catch_all = True
                    if _wild(pat):
                        wild_seen = True
            if isinstance(case.result, N.Block):
                self._block(case.result)
            else:
                self._expr(case.result)
            self.scope = e.scope
        self.scope = saved
        return "def"

    def _pattern(self, p, bound, stype, top=False):
        k = p.kind
        if k == "lit":
            t = self._expr(p.value)
            if stype in PRIMITIVES and t != "null":
                if t != stype and not (stype == "byte" and t == "int"):
                    self.errors.append(_err(f"Type {stype} can never match pattern type {t}", p,
                                            self.source))
                elif stype == "byte" and isinstance(p.value, N.Literal) and \
                        not 0 <= p.value.value <= 255:
                    self.errors.append(_err(f"Type {stype} can never match pattern type {t} "
                                            f"(value out of range)", p, self.source))
            elif stype.endswith("[]") and t not in ("List", "null"):
                self.errors.append(_err(f"Type {stype} can never match pattern type {t}", p,
                                        self.source))
            elif stype in ("List", "Map") and t != stype and t != "null":
                self.errors.append(_err(f"Type {stype} can never match pattern type {t}", p,
                                        self.source))
        elif k == "type":
            t = p.tname
            if stype != "def" and not _type_may_match(stype, t):
                self.errors.append(_err(f"Type {stype} can never match pattern type {t}", p,
                                        self.source))
        elif k in ("bind", "star"):
            if p.name is None:
                return
            if k == "bind" and p.tname is not None and stype != "def" and \
                    not _type_may_match(stype, p.tname):
                self.errors.append(_err(f"Type of binding variable not compatible: type "
                                        f"{stype} can never match pattern type {p.tname}",
                                        p, self.source))
            sym = self.scope.names.get(p.name)
            if sym is None and k == "bind" and p.tname is None:
                other = self.scope.lookup(p.name)
                if other is not None and other.kind == "local" and other.is_const:
                    p.kind = "lit"
                    p.value = N.Ident(p.name, line=p.line, col=p.col)
                    self._pattern(p, bound, stype, top)
                    return
            if sym is None:
                other = self.scope.lookup(p.name)
                if other is not None and other.kind == "local" and other.owner is self.func \
                        and p.name != "it":
                    self.errors.append(_err(f"Binding variable '{p.name}' shadows another variable",
                                            p, self.source))
                tname = p.tname or "def"
                if k == "star":
                    tname = "List"
                sym = self._declare(p.name, tname, p)
                sym.assigned_after_decl = True
            elif p.tname is not None:
                self.errors.append(_err(f"Binding variable '{p.name}' already declared", p,
                                        self.source))
            p.sym = sym
            p.first = p.name not in bound
            bound.add(p.name)
        elif k == "list":
            if stype not in ("def", "List") and not stype.endswith("[]"):
                self.errors.append(_err(f"Type {stype} can never match pattern type List", p,
                                        self.source))
            et = stype[:-2] if stype.endswith("[]") else "def"
            for x in p.items:
                self._pattern(x, bound, et)
        elif k == "map":
            if stype not in ("def", "Map"):
                self.errors.append(_err(f"Type {stype} can never match pattern type Map", p,
                                        self.source))
            for _, x in p.entries:
                self._pattern(x, bound, "def")
        elif k == "ctor":
            ci = self.classes.get(p.tname)
            if ci is None:
                self.errors.append(_err(f"Unknown class '{p.tname}'", p, self.source))
                return
            sc = self.classes.get(stype)
            if stype not in ("def", "var", "Object") and (
                    sc is None or not (_is_sub(sc, p.tname) or _is_sub(ci, stype))):
                self.errors.append(_err(f"Type {stype} can never match pattern type "
                                        f"{p.tname}", p, self.source))
                return
            if p.entries:
                fields = []
                for name, sub in p.entries:
                    f = ci.field(name)
                    if f is None:
                        self.errors.append(_err(f"No such field '{name}' in class {p.tname}",
                                                sub, self.source))
                        return
                    fields.append((f, sub))
            else:
                mand = [f for f in ci.all_fields if f[2] is None]
                if len(mand) != len(p.items):
                    self.errors.append(_err(f"Number of sub-patterns ({len(p.items)}) does not "
                                            f"match mandatory field count ({len(mand)}) for "
                                            f"class {p.tname}", p, self.source))
                    return
                fields = list(zip(mand, p.items))
            p.fields = [f[0] for f, _ in fields]
            for f, sub in fields:
                ft = _type_name(f[1]) if f[1] is not None else "def"
                # (a number matches a numeric field of any type by value: X(3) for a long)
                self._pattern(sub, bound, "def" if ft in _NUM_TYPES else ft)
        elif k == "regex":
            if stype not in ("def", "String"):
                self.errors.append(_err(f"Type {stype} can never match pattern type String", p,
                                        self.source))
            self._expr(p.value)
            p.match_sym = self._match_sym(p)
        elif k == "expr":
            self._expr(p.value)

    # ------------------------------------------------------------------ captures

    def _compute_captures(self):
        """A function needs cells when it uses variables of enclosing functions, directly or
        by calling/naming a nested function that does. References to such functions go
        through the variable holding their closure, which is then captured like any
        variable."""
        changed = True
        for f in self.functions:
            f.needs_cells = bool(f.free)
        while changed:
            changed = False
            for f in self.functions:
                for sym in f.func_refs:
                    g = sym.func
                    if g.needs_cells and sym.owner is not f:
                        if sym not in f.free_set:
                            # capture the closure variable itself
                            sym.captured = True
                            h = f
                            while h is not None and h is not sym.owner:
                                if sym not in h.free_set:
                                    h.free_set.add(sym)
                                    h.free.append(sym)
                                    if not h.needs_cells:
                                        h.needs_cells = True
                                        changed = True
                                h = h.parent
                            changed = True
        # a function that refers to itself and needs cells gets its own closure through the
        # variable too: mark the symbol captured when referenced from inside itself
        for f in self.functions:
            for sym in f.func_refs:
                if sym.func.needs_cells and sym.owner is not f:
                    sym.captured = True

    # ------------------------------------------------------------------ suspends

    def _compute_suspends(self):
        if self.cpe:
            for f in self.functions:
                f.may_suspend = not _runtime_called(f)
        while True:
            changed = False
            for f in self.functions:
                s = self._mark_function(f)
                if s and not f.may_suspend:
                    f.may_suspend = True
                    changed = True
            if not changed:
                break

    def _mark_function(self, f):
        node = f.node
        any_s = False
        self.marking_return_type = f.return_type
        if isinstance(node, N.Script):
            any_s = _mark(node.body, self)
        else:
            for p in f.node_params:
                if p.default is not None and _mark(p.default, self):
                    any_s = True
            if _mark(node.body, self):
                any_s = True
        return any_s or (self.cpe and not _runtime_called(f))

    def _lazy_may_suspend(self, e):
        """A lazy stage (``x.map{...}``) whose closures run later, when the chain is
        consumed, and may suspend then."""
        while isinstance(e, N.MethodCall) and e.name in LAZY_STAGES:
            if e.is_susp_call:
                return True
            e = e.obj
        return False

    def class_conversion_suspends(self, n):
        """Whether node n converts a value to a class whose constructor may suspend (a Map
        becomes an instance by running the field initialisers): ``(X)v``, ``v as X``,
        ``X x = v``, ``x = v`` / ``a[i] = v`` / ``return v`` into a place of type X."""
        if not self.classes:
            return False
        t, v = None, None
        if isinstance(n, (N.Cast, N.As)):
            t, v = _type_name(n.type), n.expr
        elif isinstance(n, N.VarDecl) and n.init is not None:
            t, v = _type_name(n.type), n.init
        elif isinstance(n, N.Assign) and n.op in ("=", "?="):
            t, v = n.target.stype, n.value
        elif isinstance(n, N.Return) and n.expr is not None:
            t, v = self.marking_return_type, n.expr
        ci = self.classes.get(t) if t is not None else None
        if ci is None or not ci.ctor.info.may_suspend:
            return False
        st = v.stype
        return not (st in self.classes and _is_sub(self.classes[st], t))

    marking_return_type = None

    def call_suspends(self, e):
        """Whether a call expression node is itself a suspend point."""
        if isinstance(e, N.Call):
            c = e.callee
            if isinstance(c, N.Ident):
                sym = c.sym
                if sym.kind == "builtin":
                    if sym.name in self.host_functions:
                        return self.host_functions[sym.name]
                    return BUILTIN_FUNCTIONS.get(sym.name, False)
                if sym.kind == "function":
                    return sym.func.may_suspend
            return True
        if isinstance(e, N.MethodCall):
            name = e.name if isinstance(e.name, str) else None
            if self._lazy_may_suspend(e.obj):
                return True      # consuming a lazy chain runs its closures
            if name is not None and name in self.method_funcs and any(
                    f.may_suspend for f in self.method_funcs[name]):
                return True      # a user method (any class defining it) may suspend
            if name is not None and name not in self.method_funcs and \
                    name not in _builtin_method_names():
                return True      # a closure held in a Map entry or field, called as a method
            if name is not None and name not in MAY_SUSPEND_METHODS:
                return False
            for a in list(e.args) + [na.value for na in e.named]:
                if isinstance(a, N.Closure):
                    if a.info.may_suspend:
                        return True
                elif a.stype not in PRIMITIVES and not isinstance(
                        a, (N.Literal, N.ListLit, N.MapLit, N.InterpString)):
                    if isinstance(a, N.Ident) and a.sym.kind == "function":
                        if a.sym.func.may_suspend:
                            return True
                        continue
                    return True
            return False
        return False


def _mark(node, r):
    """Set ``node.susp`` on every node under ``node`` (not entering nested functions):
    True when evaluating it may suspend. Returns node.susp. Iterative over statements and
    expressions via an explicit post-order walk."""
    # post-order iterative traversal
    stack = [(node, False)]
    while stack:
        n, done = stack.pop()
        if done:
            s = False
            for c in _children(n):
                if c.susp:
                    s = True
            if isinstance(n, (N.Call, N.MethodCall)) and r.call_suspends(n):
                n.is_susp_call = True
                s = True
            else:
                if isinstance(n, (N.Call, N.MethodCall)):
                    n.is_susp_call = False
                if r.class_conversion_suspends(n):
                    s = True
            if isinstance(n, N.Eval):
                n.is_susp_call = False
            n.susp = s
            # lower: must be compiled as statements (it suspends, or it jumps)
            n.lower = s or _emits_statements(n) or any(
                c.lower for c in _children(n))
            continue
        stack.append((n, True))
        for c in _children(n):
            stack.append((c, False))
    return node.susp


def _emits_statements(n):
    """Expressions the code generator compiles to statements (jumps, assignments,
    increments, do-blocks): inside a conditional they must not run unconditionally, and
    siblings evaluated before them are saved first."""
    t = type(n)
    if t in (N.BreakExpr, N.ContinueExpr, N.ReturnExpr, N.Assign, N.MultiAssign, N.DoBlock,
             N.SwitchExpr):
        return True
    if t is N.Postfix or (t is N.Unary and n.op in ("++", "--")):
        return True
    if t is N.Binary and n.op in ("=~", "!~") and isinstance(n.right, N.RegexLit) and \
            n.right.replace is not None and "r" not in n.right.flags and \
            isinstance(n.left, (N.Ident, N.Field, N.Index)):
        return True     # a substitution that stores its result back
    return False


def _children(n):
    """Child nodes evaluated as part of n, in evaluation order (nested function bodies are
    excluded: they run when called, not when declared)."""
    t = type(n)
    if t is N.Block:
        return n.stmts
    if t is N.ExprStmt:
        return [n.expr]
    if t is N.VarDecl:
        return [n.init] if n.init is not None else []
    if t is N.MultiVarDecl:
        return [n.init] if n.init is not None else []
    if t is N.FunDecl or t is N.Closure or t is N.ClassDecl:
        return []
    if t is N.MakeObj:
        return list(n.args)
    if t is N.If:
        return [x for x in (n.cond, n.then, n.else_) if x is not None]
    if t is N.While:
        return [n.cond, n.body]
    if t is N.DoUntil:
        return [n.body, n.cond]
    if t is N.For:
        return list(n.init) + ([n.cond] if n.cond is not None else []) + list(n.update) + [n.body]
    if t is N.ForIn:
        return [n.iterable] + (_pattern_exprs(n.pattern) if n.pattern is not None else []) + \
            [n.body]
    if t is N.Return:
        return [n.expr] if n.expr is not None else []
    if t in (N.Break, N.Continue, N.Literal, N.Ident, N.BreakExpr, N.ContinueExpr):
        return []
    if t is N.ArrayNew:
        return list(e for e in n.sizes if e is not None)
    if t is N.InterpString:
        return [p for p in n.parts if not isinstance(p, str)]
    if t is N.RegexLit:
        return [x for x in (n.pattern, n.replace) if x is not None]
    if t is N.ListLit:
        return n.items
    if t is N.MapLit:
        out = []
        for k, v in n.entries:
            out.append(k)
            out.append(v)
        return out
    if t is N.Binary:
        return [n.left, n.right]
    if t in (N.Unary, N.Postfix):
        return [n.expr]
    if t is N.Assign:
        return [n.target, n.value]
    if t is N.MultiAssign:
        return list(n.targets) + [n.value]
    if t is N.Ternary:
        return [n.cond, n.then, n.else_]
    if t in (N.Cast, N.As, N.InstanceOf):
        return [n.expr]
    if t is N.Index:
        return [n.obj, n.index]
    if t is N.Field:
        return [n.obj] + ([n.name] if not isinstance(n.name, str) else [])
    if t is N.Call:
        return [n.callee] + list(n.args) + [na.value for na in n.named]
    if t is N.MethodCall:
        return [n.obj] + ([n.name] if not isinstance(n.name, str) else []) + list(n.args) + \
            [na.value for na in n.named]
    if t is N.DoBlock:
        return [n.body]
    if t in (N.Die, N.ReturnExpr):
        return [n.expr] if n.expr is not None else []
    if t in (N.Print, N.Eval):
        return list(n.args)
    if t is N.Script:
        return [n.body]
    if t is N.SwitchExpr:
        out = [n.subject] if n.subject is not None else []
        for case in n.cases:
            for pat, guard in case.patterns:
                out.extend(_pattern_exprs(pat))
                if guard is not None:
                    out.append(guard)
            out.append(case.result)
        return out
    return [c for c in getattr(n, "__dict__", {}).values() if isinstance(c, N.Node)]


def binary_type(op, lt, rt):
    """Static result type of a binary operator on operands of static types lt, rt."""
    if op in ("==", "!=", "===", "!==", "<", "<=", ">", ">=", "&&", "||", "in", "!in",
              "=~", "!~"):
        return "boolean"
    if op == "<=>":
        return "int"
    if op in ("+", "-", "*", "/", "%", "%%"):
        if lt == "String" and op in ("+", "*"):
            return "String"
        if lt in NUMERIC_RANK and rt in NUMERIC_RANK:
            if "Decimal" in (lt, rt):
                return "Decimal"
            t = ["byte", "int", "long", "double", "Decimal"][max(NUMERIC_RANK[lt], NUMERIC_RANK[rt])]
            if t == "byte":
                t = "int" if lt != rt else "byte"
            return t
        return "def"
    if op in ("&", "|", "^", "<<", ">>", ">>>"):
        if lt in ("int", "long") and rt in ("int", "long", "byte") and op in ("<<", ">>", ">>>"):
            return lt
        if lt in ("int", "long") and rt in ("int", "long"):
            return "long" if "long" in (lt, rt) else "int"
        return "def"
    return "def"


def _type_name(t):
    if t is None:
        return "def"
    name = t.name
    if name == "Object":
        name = "def"
    return name + "[]" * t.dims


def _safe(name):
    """An ASCII Python identifier part for a Jactl name. Non-ASCII characters are
    hex-escaped: Python NFKC-normalises identifiers, so ``ｘ`` (fullwidth) would otherwise
    become the same local as ``x``. Names that still collide (``a$b`` vs ``a_b``) are told
    apart by ``_pyname``'s uniqueness check."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch == "_") else f"_u{ord(ch):x}_"
                   for ch in name)


def resolve(script, source, **kw):
    """Resolve the script; untyped locals that provably only hold ints are then typed int
    (a second pass recomputes every static type with that knowledge)."""
    from .infer import infer_locals
    first = Resolver(source, **kw)
    resolved = first.resolve(script)
    decls = infer_locals(first.int_candidates, first.assigns)
    if not decls:
        return resolved
    for d, t in decls.items():
        d.inferred = t
    return Resolver(source, **kw).resolve(script)


def _collect_classes(stmts, out, outer):
    for st in stmts:
        if isinstance(st, N.ClassDecl):
            out.append(st)
            _collect_classes(st.classes, out, st)


_LITERAL_TYPES = {"int": "int", "long": "long", "double": "double", "decimal": "Decimal",
                  "string": "String", "bool": "boolean"}


def _var_field_type(vd):
    """The type of a ``var`` field: its initialiser's, when that is evident (a literal,
    List or Map literal); else untyped."""
    e = vd.init
    if isinstance(e, N.Literal):
        t = _LITERAL_TYPES.get(e.kind)
    elif isinstance(e, N.ListLit):
        t = "List"
    elif isinstance(e, N.MapLit):
        t = "Map"
    else:
        t = None
    return N.TypeRef(t, line=vd.line, col=vd.col) if t is not None else None


def _tname(t):
    return "def" if t is None else t.name + "[]" * t.dims


def _is_class_member(e):
    """``X."${name}"``: a class member looked up by name when it runs (not assignable)."""
    return isinstance(e, N.Call) and e.class_member


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


def _runtime_called(f):
    """A class's toString(): the runtime calls it inside string conversions, which cannot
    suspend, so checkpoint_each_statement mode leaves it without statement checkpoints."""
    return isinstance(f.node, N.FunDecl) and f.node.method_name == "toString"


def _is_final_field(ci, name):
    """Is ``name`` a ``final`` field of class ``ci`` (a ClassInfo or None)?"""
    f = ci.field(name) if ci is not None else None
    return f is not None and f[3].is_final


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


def _pattern_exprs(p):
    """Expressions evaluated while matching pattern p (literals, ``${...}``, regexes)."""
    if p.kind in ("lit", "expr", "regex"):
        return [p.value]
    out = []
    for x in p.items:
        out.extend(_pattern_exprs(x))
    for _, x in p.entries:
        out.extend(_pattern_exprs(x))
    return out


_NUM_TYPES = ("int", "long", "double", "Decimal", "byte")


def _type_may_match(stype, ptype):
    """Can a value of static type stype be an instance of ptype?"""
    if stype in ("def", "Object") or ptype in ("def", "Object"):
        return True
    if stype == ptype:
        return True
    if stype in PRIMITIVES or ptype in PRIMITIVES:
        if ptype == "Number" and stype in _NUM_TYPES:
            return True
        return False
    if stype.endswith("[]") or ptype.endswith("[]"):
        return stype.endswith("[]") and ptype.endswith("[]") and \
            _type_may_match(stype[:-2], ptype[:-2])
    if stype in ("List", "Map", "Function") or ptype in ("List", "Map", "Function"):
        return False
    return True


def _lit_key(p):
    if p.kind == "lit" and isinstance(p.value, N.Literal):
        return (p.value.kind, repr(p.value.value))
    if p.kind == "list":
        keys = [_lit_key(x) for x in p.items]
        return None if None in keys else ("list", tuple(keys))
    if p.kind == "map" and not p.star:
        keys = [(k, _lit_key(x)) for k, x in p.entries]
        return None if any(x is None for _, x in keys) else ("map", tuple(keys))
    return None


def _wild(p):
    """Matches any value at all (within a structure)."""
    if p.kind == "any":
        return True
    if p.kind == "type" and p.tname in ("def", "Object"):
        return True
    if p.kind == "bind" and p.tname is None and p.first:
        return True
    return False


def _matches_all(p, stype):
    if _wild(p):
        return True
    t = p.tname if p.kind in ("type", "bind") else None
    return t is not None and t == stype and stype != "def"


def _names(p, acc):
    if p.kind in ("bind", "star") and p.name is not None:
        acc[p.name] = acc.get(p.name, 0) + 1
    for x in p.items:
        _names(x, acc)
    for _, x in p.entries:
        _names(x, acc)
    return acc


def _covers(q, p, classes=None):
    """Does the (unguarded) earlier pattern q match everything p matches?"""
    counts = _names(q, {})
    return _cov(q, p, counts, classes or {})


def _is_class_or_sub(name, base, classes):
    """Is class name base, or a class extending it?"""
    ci = classes.get(name)
    while ci is not None:
        if ci.name == base:
            return True
        ci = ci.base
    return name == base


def _cov(q, p, counts, classes):
    if q.kind in ("any",) or (q.kind == "type" and q.tname in ("def", "Object")):
        return True
    if q.kind == "bind":
        if counts.get(q.name, 0) > 1:
            return False
        if q.tname is None:
            return True
        return _cov(N.Pattern("type", tname=q.tname), p, counts, classes)
    if q.kind == "type":
        if p.kind == "type" or (p.kind == "bind" and p.tname is not None) or p.kind == "ctor":
            return p.tname == q.tname or (q.tname in classes and
                                          _is_class_or_sub(p.tname, q.tname, classes))
        if p.kind == "lit" and isinstance(p.value, N.Literal):
            return p.value.stype == q.tname
        if p.kind == "list":
            return q.tname == "List"
        if p.kind == "map":
            return q.tname == "Map"
        return False
    if q.kind == "lit":
        k = _lit_key(q)
        return k is not None and k == _lit_key(p)
    if q.kind == "list":
        if p.kind != "list" or any(x.kind == "star" for x in p.items):
            return False
        star = next((i for i, x in enumerate(q.items) if x.kind == "star"), None)
        if star is None:
            return len(q.items) == len(p.items) and \
                all(_cov(a, b, counts, classes) for a, b in zip(q.items, p.items))
        if q.items[star].name is not None and counts.get(q.items[star].name, 0) > 1:
            return False
        pre, post = q.items[:star], q.items[star + 1:]
        if len(p.items) < len(pre) + len(post):
            return False
        return all(_cov(a, b, counts, classes) for a, b in zip(pre, p.items)) and \
            all(_cov(a, b, counts, classes) for a, b in zip(post, p.items[len(p.items) - len(post):]))
    if q.kind == "map":
        if p.kind != "map" or p.star:
            return False
        pk = dict(p.entries)
        if not q.star and len(pk) != len(q.entries):
            return False
        return all(k in pk and _cov(x, pk[k], counts, classes) for k, x in q.entries)
    return False
