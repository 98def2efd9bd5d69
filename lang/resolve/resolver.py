"""Name resolution, static types and the "may suspend" analysis.

The parser only knows shapes. This pass binds every identifier to the Symbol it means
(local, captured, function, global or builtin), decides which locals are captured by
closures (those live in Cells), gives expressions the static type the code generator uses to
skip conversions, and computes — to a fixpoint over the call graph — which functions and
which call sites may suspend. Only those pay for resumability in the generated code.

It reports the errors the parser cannot see: unknown variables, duplicate declarations,
assignments to constants, break/continue outside loops, bad argument counts.

Resolver is composed of mixins, one module per seam of the work (types.py, suspend.py,
statements.py, expressions.py, calls.py, switch.py, classes.py); what several of them use is in
shared.py.
"""

from ..errors import CompileError
from ..runtime.builtin_facts import BUILTIN_FUNCTIONS
from ..syntax import nodes as N
from .classnames import qualify
from .forward import check_block
from .scopes import FunctionDef, Scope, Symbol
from .types import _type_name
from .suspend import SuspendMixin
from .statements import StatementsMixin
from .expressions import ExpressionsMixin
from .calls import CallsMixin
from .switch import SwitchMixin
from .classes import ClassesMixin, _collect_classes
from .shared import _err


class Resolved:
    """What the resolver hands the code generator."""

    def __init__(self, script, functions, main, checkpoint_each_statement):
        self.script = script
        self.functions = functions        # every FunctionDef, index == id
        self.main = main
        self.checkpoint_each_statement = checkpoint_each_statement
        self.classes = ()                 # ClassInfos, base classes first


class Resolver(SuspendMixin, StatementsMixin, ExpressionsMixin, CallsMixin, SwitchMixin,
               ClassesMixin):
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

    marking_return_type = None


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
