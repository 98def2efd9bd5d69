"""The *may suspend* analysis: which calls are suspend points, the fixpoint over the
call graph, and the ``susp``/``lower`` marks the code generator compiles by."""

from ..runtime.builtin_facts import BUILTIN_FUNCTIONS, LAZY_STAGES, MAY_SUSPEND_METHODS
from ..syntax import nodes as N
from .types import PRIMITIVES, _type_name
from .classes import _is_sub
from .shared import _builtin_method_names


class SuspendMixin:
    """The suspend part of Resolver (see the module docstring)."""

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


def walk(root):
    """Every node under root (a node, or lists of nodes), root first, through _children:
    what is evaluated as part of it (not nested function bodies)."""
    stack = [root]
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, N.Node):
            yield x
            stack.extend(_children(x))


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


def _runtime_called(f):
    """A class's toString(): the runtime calls it inside string conversions, which cannot
    suspend, so checkpoint_each_statement mode leaves it without statement checkpoints."""
    return isinstance(f.node, N.FunDecl) and f.node.method_name == "toString"


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
