"""Jactl source -> AST (lang.syntax.nodes).

``parse(source, name)`` tokenises with lexer.py, then runs the LALR(1) tables of jactl.lark
(generated ahead of time by tables.py, loaded in milliseconds) with a small shift/reduce driver that calls one _Builder method
per grammar rule / alias, so nodes are built directly and no parse tree is materialised. Syntax
errors become CompileError / EOFError with Jactl's wording and the offending token's position.
"""

import copy
import threading


from lang.errors import CompileError, EOFError as JactlEOFError
from lang.syntax import nodes as N
from lang.syntax.lexer import TYPE_NAMES, Token, tokenize

class _ExprTuple(N.Expr):
    """``(a, b)``: only legal as the target of a multi-assignment."""

    def __init__(self, items, line, col):
        super().__init__(line=line, col=col)
        self.items = items


def _pos(x):
    if isinstance(x, Token):
        return x.line, x.column
    if isinstance(x, N.Node):
        return x.line, x.col
    if isinstance(x, list) and x:
        return _pos(x[0])
    if isinstance(x, tuple) and x:
        return _pos(x[0])
    return 0, 0


def _at(node, x):
    node.line, node.col = _pos(x)
    return node


def _nodes(children):
    return [c for c in children if not isinstance(c, Token)]


def _is_lvalue(e):
    if isinstance(e, N.Ident):
        return not e.name.startswith("$")
    return isinstance(e, (N.Field, N.Index))


_LOOPS = (N.While, N.For, N.ForIn, N.DoUntil)
_LVALUE_NODES = (N.Ident, N.Field, N.Index)


class _CallArgs(tuple):
    """(args, named) of one parenthesised or closure argument list, and its shape."""
    closure_ended = False
    bare_closure = False


def _multi_fields(md):
    """``def (x, y) = e`` in a class body: one field per name, field i initialised to
    ``e[i]`` (a name beyond the list's end is null); without ``= e`` all are mandatory."""
    fields = []
    for i, (t, name) in enumerate(zip(md.types, md.names)):
        init = None
        if md.init is not None:
            src = md.init if i == 0 else copy.deepcopy(md.init)
            init = _at(N.Index(src, _at(N.Literal("int", i), md.init)), md.init)
        fields.append(_at(N.VarDecl(t, name, init), md))
    return fields


class _Builder:
    """The parser callbacks: one method per rule/alias in jactl.lark."""

    def __init__(self, source):
        self.source = source
        self.parenthesised = set()      # ids of lvalue nodes written in parentheses
        self.closure_ended = set()      # ids of calls whose arguments end with a closure

    def err(self, msg, at):
        line, col = _pos(at)
        return CompileError(msg, line, col, self.source)

    def _single(self, c):  # pragma: no cover - ?rules with one symbol never reach here
        return c[0]

    # ------------------------------------------------------------------ statements
    def start(self, c):
        stmts = c[0]
        return N.Script(N.Block(stmts, line=1, col=1), line=1, col=1)

    def stmts(self, c):
        out = []
        for s in c:
            if isinstance(s, Token):
                continue
            if isinstance(s, list):
                out.extend(s)
            else:
                out.append(s)
        return out

    def _one(self, s):
        if isinstance(s, list):
            if len(s) == 1:
                return s[0]
            return _at(N.Block(s), s[0])
        return s

    def expr_stmt(self, c):
        e = c[0]
        self._no_tuple(e)
        if isinstance(e, N.ReturnExpr):
            return _at(N.Return(e.expr), e)
        if isinstance(e, N.BreakExpr):
            return _at(N.Break(e.label), e)
        if isinstance(e, N.ContinueExpr):
            return _at(N.Continue(e.label), e)
        return _at(N.ExprStmt(e), e)

    def if_mod(self, c):
        stmt, _, cond = c
        return _at(N.If(cond, self._one(stmt), None), stmt)

    def unless_mod(self, c):
        stmt, tok, cond = c
        return _at(N.If(_at(N.Unary("!", cond), tok), self._one(stmt), None), stmt)

    def block(self, c):
        return _at(N.Block(c[1]), c[0])

    def empty_body(self, c):
        return _at(N.Block([]), c[0])

    def labelled_stmt(self, c):
        label, _, stmt = c
        if isinstance(stmt, _LOOPS):
            stmt.label = label.value
            stmt.line, stmt.col = label.line, label.column
            return stmt
        raise self.err("Labels can only be applied to for, while, and do/until statements "
                       "(label applied to statement that is not for/while)", label)

    def if_stmt(self, c):
        cond = c[2]
        then = self._one(c[4])
        else_ = self._one(c[6]) if len(c) > 5 else None
        return _at(N.If(cond, then, else_), c[0])

    def _check_global_regex(self, cond):
        """At most one /re/g match may appear in a while/for condition."""
        found = []

        def walk(x):
            if isinstance(x, N.RegexLit):
                if "g" in x.flags and x.replace is None:
                    found.append(x)
                return
            if isinstance(x, (N.Closure, N.Block)):
                return
            if isinstance(x, N.Node):
                for v in x.__dict__.values():
                    if isinstance(v, (N.Node, list, tuple)):
                        walk(v)
            elif isinstance(x, (list, tuple)):
                for v in x:
                    walk(v)
        walk(cond)
        if len(found) > 1:
            raise self.err("Regex match with global modifier can only occur once within "
                           "while/for condition", found[1])

    def while_stmt(self, c):
        if len(c) == 4:        # while () body: loops forever
            return _at(N.While(_at(N.Literal("bool", True), c[1]), self._one(c[3])), c[0])
        self._check_global_regex(c[2])
        return _at(N.While(c[2], self._one(c[4])), c[0])

    def do_until_stmt(self, c):
        return _at(N.DoUntil(c[1], c[4]), c[0])

    def for_stmt(self, c):
        # FOR ( init ; cond ; update ) body
        if c[4] is not None:
            self._check_global_regex(c[4])
        return _at(N.For(c[2], c[4], c[6], self._one(c[8])), c[0])

    def for_init(self, c):
        if not c:
            return []
        items = c[0]
        if items and isinstance(items[0], N.VarDecl):
            return items
        return [_at(N.ExprStmt(e), e) for e in items]

    def for_cond(self, c):
        return c[0] if c else None

    def for_update(self, c):
        items = _nodes(c)
        for e in items:
            self._no_tuple(e)
        return items

    def expr_list(self, c):
        items = _nodes(c)
        for e in items:
            self._no_tuple(e)
        return items

    def foreach_stmt(self, c):
        pat = c[2]
        iterable = c[4]
        body = self._one(c[6])
        strict = isinstance(c[3], Token) and c[3].type == "COLON"
        if isinstance(pat, N.Pattern):
            return _at(N.ForIn(None, [], iterable, body, is_decl=True, pattern=pat,
                               strict=strict), c[0])
        var_type, name = pat
        return _at(N.ForIn(var_type, [name], iterable, body, is_decl=var_type is not None,
                           strict=strict), c[0])

    def for_var(self, c):
        """``x`` / ``def x`` / ``var x``: every element; ``int x`` / ``X x``: the elements
        of that type; ``X``: type only."""
        if len(c) == 1:
            if isinstance(c[0], N.TypeRef):     # for (int : xs): match on type only
                return self.sp_type(c)
            return (None, c[0].value)
        t = c[0]
        if isinstance(t, N.TypeRef) and not t.dims and t.name in ("def", "var", "Object"):
            return (t, c[1].value)
        if isinstance(t, N.TypeRef):
            return self.sp_bind(c)
        return (t, c[1].value)

    def for_coll(self, c):
        return self.sp_coll(c)

    def for_ctor(self, c):
        return self.sp_ctor(c)

    def var_decl(self, c):
        return c[0]

    def decl_core(self, c):
        first = c[0]
        is_const = isinstance(first, Token) and first.type == "CONST"
        is_final = isinstance(first, Token) and first.type == "FINAL"
        if is_final:
            c = c[1:]
        k = 0
        if is_const:
            k = 1
            if isinstance(c[1], N.TypeRef):
                dtype = c[1]
                k = 2
            else:
                dtype = _at(N.TypeRef("var"), first)
        else:
            dtype = c[0]
            k = 1
        decls = []
        for item in c[k:]:
            if isinstance(item, Token):
                continue
            name_tok, init = item
            d = N.VarDecl(N.TypeRef(dtype.name, dtype.dims, line=dtype.line, col=dtype.col),
                          name_tok.value, init, is_const, is_final=is_final)
            if not decls:
                _at(d, first)
            else:
                _at(d, name_tok)
            decls.append(d)
        return decls

    def var_init(self, c):
        if len(c) == 1:
            return (c[0], None)
        init = c[2]
        self._no_tuple(init)
        self._no_print(init)
        return (c[0], init)

    def _no_print(self, e):
        """print/println are statements: they give no value to declare a variable with."""
        if isinstance(e, N.Print):
            word = "println" if e.newline else "print"
            raise CompileError(f"Unexpected token '{word}': Expected start of expression",
                               e.line, e.col, self.source)

    def multi_var_decl(self, c):
        dtype = c[0]
        items = []
        init = None
        k = 2
        while k < len(c):
            x = c[k]
            if isinstance(x, Token):
                if x.type == "ASSIGN":
                    init = c[k + 1]
                    self._no_print(init)
                    break
            else:
                items.append(x)
            k += 1
        types = [t if t is not None else N.TypeRef(dtype.name, dtype.dims, line=dtype.line, col=dtype.col)
                 for t, _ in items]
        names = [n for _, n in items]
        return _at(N.MultiVarDecl(types, names, init), dtype)

    def mv_item(self, c):
        if len(c) == 1:
            return (None, c[0].value)
        return (c[0], c[1].value)

    def if_expr(self, c):
        value, _, cond = c
        self._no_tuple(value)
        self._no_tuple(cond)
        return _at(N.Ternary(cond, value, _at(N.Literal("null", None), value)), value)

    def unless_expr(self, c):
        value, _, cond = c
        self._no_tuple(value)
        self._no_tuple(cond)
        return _at(N.Ternary(cond, _at(N.Literal("null", None), value), value), value)

    def decl_type(self, c):
        x = c[0]
        if isinstance(x, Token):
            return _at(N.TypeRef(x.value), x)
        return x

    def type(self, c):
        dims = c[1] if len(c) > 1 else 0
        return _at(N.TypeRef(c[0].value, dims), c[0])

    def dims(self, c):
        return len(c) // 2

    def fun_decl(self, c):
        rtype = c[0]
        name = c[1].value
        params = c[3] if isinstance(c[3], list) else []
        body = c[-1]
        ret = None if rtype.name == "def" else rtype
        return _at(N.FunDecl(name, ret, params, body), rtype)

    def static_fun(self, c):
        fd = c[1]
        fd.is_static = True
        return fd

    # ``package a.b.c`` / ``import a.b.c.X [as Y]``: every class of a compilation is in
    # one namespace here, so they declare nothing (an empty statement list)
    def package_stmt(self, c):
        return []

    def import_stmt(self, c):
        return []

    def qual_name(self, c):
        return [t for t in c if t.type != "DOT"]

    def final_fun(self, c):
        fd = c[1]
        fd.is_final = True
        return fd

    def multi_mod_fun(self, c):
        mods = [t.value for t in c[:-1]]
        raise self.err(f"Cannot combine modifiers: {' '.join(mods)}", c[1])

    def static_var(self, c):
        raise self.err("Field or variable cannot be static", c[0])

    def class_decl(self, c):
        name = c[1].value
        base = c[3].name if len(c) > 3 else None
        body = c[-1]
        cd = _at(N.ClassDecl(name, base), c[0])
        for st in body.stmts:
            if isinstance(st, N.VarDecl):
                cd.fields.append(st)
            elif isinstance(st, N.FunDecl):
                cd.methods.append(st)
            elif isinstance(st, N.ClassDecl):
                cd.classes.append(st)
            elif isinstance(st, N.MultiVarDecl):
                cd.fields.extend(_multi_fields(st))
            else:
                raise CompileError("Expected field, method or class declaration in class body",
                                   st.line, st.col, self.source)
        return cd

    def class_new(self, c):
        args, named = c[2]
        return _at(N.NewObj(c[1].value, args, named), c[0])

    def class_member(self, c):
        m = c[2] if getattr(c[2], "interp", False) else self._member(c[2])
        return _at(N.Field(_at(N.ClassRef(c[0].value), c[0]), m), c[0])

    def params(self, c):
        return _nodes(c)

    def param(self, c):
        k = 0
        ptype = None
        if isinstance(c[0], N.TypeRef):
            ptype = c[0] if c[0].name != "def" else None
            k = 1
        name = c[k].value
        default = c[k + 2] if len(c) > k + 1 else None
        return _at(N.Param(ptype, name, default), c[0])

    # ------------------------------------------------------------------ low-precedence forms
    def or_expr(self, c):
        return self._bin("||", c[0], c[2])

    def and_expr(self, c):
        return self._bin("&&", c[0], c[2])

    def not_expr(self, c):
        self._no_tuple(c[1])
        return _at(N.Unary("!", c[1]), c[0])

    def print_expr(self, c):
        args = [x for x in c[1:] if not isinstance(x, Token)]
        for a in args:
            self._no_tuple(a)
        return _at(N.Print(c[0].value == "println", args), c[0])

    def die_expr(self, c):
        e = c[1] if len(c) > 1 else None
        self._no_tuple(e)
        return _at(N.Die(e), c[0])

    def return_expr(self, c):
        e = c[1] if len(c) > 1 else None
        self._no_tuple(e)
        return _at(N.ReturnExpr(e), c[0])

    # ------------------------------------------------------------------ operators
    def _no_tuple(self, e):
        if isinstance(e, _ExprTuple):
            raise self.err("Expression lists not supported", e)

    def _bin(self, op, left, right):
        self._no_tuple(left)
        self._no_tuple(right)
        return _at(N.Binary(op, left, right), left)

    def assign(self, c):
        target, op, value = c
        self._no_tuple(value)
        if isinstance(target, _ExprTuple):
            for t in target.items:
                if not _is_lvalue(t):
                    raise self.err(f"Invalid left-hand side for '{op.value}' (invalid lvalue)", t)
            return _at(N.MultiAssign(op.value, target.items, value), target)
        if not _is_lvalue(target):
            raise self.err(f"Invalid left-hand side for '{op.value}' (invalid lvalue)", op)
        if id(target) in self.parenthesised:
            return _at(N.MultiAssign(op.value, [target], value), target)
        return _at(N.Assign(op.value, target, value), target)

    def ternary(self, c):
        for x in (c[0], c[2], c[4]):
            self._no_tuple(x)
        return _at(N.Ternary(c[0], c[2], c[4]), c[0])

    def binop(self, c):
        left, op, right = c
        opv = op.value
        if op.type == "MATCH_OP" and isinstance(right, N.RegexLit) and right.replace is not None \
                and "r" not in right.flags and not _is_lvalue(left):
            raise self.err("Invalid lvalue for regex substitution (invalid lvalue)", left)
        return self._bin(opv, left, right)

    def instanceof(self, c):
        self._no_tuple(c[0])
        return _at(N.InstanceOf(c[0], c[2], c[1].type == "NOT_INSTANCEOF"), c[0])

    def as_expr(self, c):
        self._no_tuple(c[0])
        return _at(N.As(c[0], c[2]), c[0])

    def unary(self, c):
        self._no_tuple(c[1])
        return _at(N.Unary(c[0].value, c[1]), c[0])

    def cast(self, c):
        self._no_tuple(c[3])
        return _at(N.Cast(c[1], c[3]), c[0])

    def postfix_incdec(self, c):
        e, op = c
        self._no_tuple(e)
        if isinstance(e, N.Postfix):
            raise self.err(f"Operator '{op.value}' cannot be used here", op)
        return _at(N.Postfix(op.value, e), e)

    # ------------------------------------------------------------------ postfix forms
    def _member(self, m):
        if isinstance(m, Token):
            return m.value
        if isinstance(m, N.Literal) and m.kind == "string":
            return m.value
        return m

    def _member_of(self, obj, m):
        # (``super."${'i'}"`` stays a dynamic name: Jactl rejects it)
        if isinstance(obj, N.Ident) and obj.name == "super" and getattr(m, "interp", False):
            return m
        return self._member(m)

    def field(self, c):
        obj, dot, member = c
        self._no_tuple(obj)
        return _at(N.Field(obj, self._member_of(obj, member), dot.type == "QDOT"), obj)

    def method_call(self, c):
        obj, dot, member, ca = c
        args, named = ca
        self._no_tuple(obj)
        e = _at(N.MethodCall(obj, self._member_of(obj, member), args, named, dot.type == "QDOT",
                             not isinstance(member, Token)), obj)
        if ca.closure_ended:
            self.closure_ended.add(id(e))
        return e

    def index(self, c):
        obj, lb, idx, _ = c
        self._no_tuple(obj)
        e = obj
        null_safe = lb.type == "QLBRACKET"
        for k, ix in enumerate(idx):
            e = _at(N.Index(e, ix, null_safe and k == 0), obj)
        return e

    def index_list(self, c):
        items = _nodes(c)
        for e in items:
            self._no_tuple(e)
        return items

    def call(self, c):
        callee, ca = c
        args, named = ca
        self._no_tuple(callee)
        if ca.bare_closure and id(callee) in self.closure_ended:
            # ``f{...}{...}``: each further closure is one more argument of the same call
            callee.args.append(args[0])
            return callee
        e = _at(N.Call(callee, args, named), callee)
        if ca.closure_ended:
            self.closure_ended.add(id(e))
        return e

    def call_args(self, c):
        args = []
        named = []
        for x in c:
            if isinstance(x, Token):
                continue
            if isinstance(x, N.Closure):
                args.append(x)
            elif x and isinstance(x[0], N.NamedArg):
                named = x
            else:
                args.extend(x)
        out = _CallArgs((args, named))
        out.closure_ended = isinstance(c[-1], N.Closure)
        out.bare_closure = len(c) == 1 and out.closure_ended
        return out

    def arg_list(self, c):
        items = _nodes(c)
        for e in items:
            self._no_tuple(e)
        return items

    def named_args(self, c):
        return _nodes(c)

    def named_arg_expr(self, c):
        """``f((expr):v)``: Jactl parses it, then rejects it (a name must be an identifier)."""
        raise self.err("Invalid parameter name", c[0])

    def named_arg(self, c):
        self._no_tuple(c[2])
        return _at(N.NamedArg(c[0].value, c[2]), c[0])

    # ------------------------------------------------------------------ primaries
    def ident(self, c):
        return _at(N.Ident(c[0].value), c[0])

    def paren(self, c):
        e = c[1]
        if isinstance(e, _LVALUE_NODES):
            self.parenthesised.add(id(e))    # '(x) = [1]' is a one-target multi-assignment
        return e

    def expr_tuple(self, c):
        items = _nodes(c)
        for e in items:
            self._no_tuple(e)
        return _ExprTuple(items, c[0].line, c[0].column)

    def do_block(self, c):
        return _at(N.DoBlock(c[1]), c[0])

    def eval_expr(self, c):
        args = c[2] if len(c) > 3 else []
        return _at(N.Eval(args), c[0])

    def array_new(self, c):
        sizes, empties = c[2]
        if not sizes:
            raise self.err("Need a size for array allocation", c[0])
        return _at(N.ArrayNew(_at(N.TypeRef(c[1].value, len(sizes) + empties), c[1]), sizes), c[0])

    def new_dims(self, c):
        sizes = []
        empties = 0
        k = 0
        c = list(c)
        while k < len(c):
            if isinstance(c[k + 1], Token):      # '[' ']'
                empties += 1
                k += 2
            else:
                if empties:
                    raise self.err("Unexpected token: array size after '[]'", c[k])
                sizes.append(c[k + 1])
                k += 3
        return (sizes, empties)

    def break_expr(self, c):
        return _at(N.BreakExpr(c[1].value if len(c) > 1 else None), c[0])

    def continue_expr(self, c):
        return _at(N.ContinueExpr(c[1].value if len(c) > 1 else None), c[0])

    _LIT_KINDS = {"INT": "int", "LONG": "long", "DOUBLE": "double", "DECIMAL": "decimal"}

    def literal(self, c):
        t = c[0]
        tt = t.type
        if tt == "TRUE":
            return _at(N.Literal("bool", True), t)
        if tt == "FALSE":
            return _at(N.Literal("bool", False), t)
        if tt == "NULL":
            return _at(N.Literal("null", None), t)
        return _at(N.Literal(self._LIT_KINDS[tt], t.value), t)

    def plain_string(self, c):
        return _at(N.Literal("string", c[0].value), c[0])

    def _string_node(self, parts, at):
        out = []
        for p in parts:
            if isinstance(p, Token):
                if p.type == "STR_CHUNK":
                    if out and isinstance(out[-1], str):
                        out[-1] += p.value
                    else:
                        out.append(p.value)
                    continue
                if p.type == "ISTR_IDENT":
                    out.append(_at(N.Ident(p.value), p))
                    continue
                continue
            if isinstance(p, N.Literal) and p.kind == "string":
                if out and isinstance(out[-1], str):
                    out[-1] += p.value
                else:
                    out.append(p.value)
                continue
            out.append(p)
        if all(isinstance(p, str) for p in out):
            return _at(N.Literal("string", "".join(out)), at)
        return _at(N.InterpString(out), at)

    def interp_string(self, c):
        e = self._string_node(c[1:-1], c[0])
        e.interp = True            # (``X."${'i'}"`` stays a dynamic member name)
        return e

    def istr_code(self, c):
        stmts = c[1]
        if len(stmts) == 1 and isinstance(stmts[0], N.ExprStmt):
            return stmts[0].expr
        if not stmts:
            return _at(N.Literal("null", None), c[0])
        body = _at(N.Block(stmts), c[0])
        return _at(N.Call(_at(N.Closure([], body), c[0]), []), c[0])

    def istr_parts(self, c):
        return c

    def _it_match(self, regex, at):
        return _at(N.Binary("=~", _at(N.Ident("it", implicit=True), at), regex), at)

    def bare_pattern(self, c):
        s = self._string_node(c[1:-1], c[0])
        flags = c[-1].value
        if flags:
            return self._it_match(_at(N.RegexLit(s, flags), c[0]), c[0])
        if isinstance(s, (N.Literal, N.InterpString)):
            s.from_regex = True     # (a string, but not a condition: see the resolver)
        return s

    def regex_lit(self, c):
        s = self._string_node(c[1:-1], c[0])
        return _at(N.RegexLit(s, c[-1].value), c[0])

    def subst_lit(self, c):
        pat = self._string_node(c[1], c[0])
        rep = self._string_node(c[3], c[2])
        return _at(N.RegexLit(pat, c[4].value, rep), c[0])

    def bare_subst(self, c):
        return self._it_match(self.subst_lit(c), c[0])

    def list_lit(self, c):
        items = _nodes(c)
        for e in items:
            self._no_tuple(e)
        return _at(N.ListLit(items), c[0])

    def map_lit(self, c):
        entries = [x for x in c if isinstance(x, tuple)]
        return _at(N.MapLit(entries), c[0])

    def map_entry(self, c):
        self._no_tuple(c[2])
        return (c[0], c[2])

    def key_name(self, c):
        return _at(N.Literal("string", c[0].value), c[0])

    def closure(self, c):
        first = c[0]
        if first.type == "LBRACE":
            return _at(N.Closure(None, _at(N.Block(c[1]), first)), first)
        if len(c) == 4:       # { -> stmts }
            return _at(N.Closure([], _at(N.Block(c[2]), first)), first)
        return _at(N.Closure(c[1], _at(N.Block(c[3]), first)), first)


    # switch expressions -----------------------------------------------------

    def switch_expr(self, c):
        if len(c) == 7:
            subject, cases = c[2], c[5]
        else:
            subject, cases = None, c[2]
        if subject is not None:
            self._no_tuple(subject)
        return _at(N.SwitchExpr(subject, cases), c[0])

    def sw_cases(self, c):
        return [x for x in c if isinstance(x, N.SwitchCase)]

    def sw_case(self, c):
        result = c[-1]
        if isinstance(c[0], Token) and c[0].type == "DEFAULT":
            return _at(N.SwitchCase([], result, True), c[0])
        return _at(N.SwitchCase(c[0], result), c[0][0][0])

    def sw_pats(self, c):
        return [x for x in c if isinstance(x, tuple)]

    def sw_pg(self, c):
        if len(c) == 1:
            return (c[0], None)
        return (c[0], c[2])

    def sp_lit(self, c):
        v = c[0]
        if isinstance(v, N.InterpString):
            raise self.err("Embedded expressions not supported in switch pattern string", v)
        return _at(N.Pattern("lit", v), v)

    def sp_pat(self, c):
        s = self._string_node(c[1:-1], c[0])
        return (s, c[-1].value, c[0])

    def sp_regex(self, c):
        s, flags, tok = c[0]
        if flags:
            return _at(N.Pattern("regex", _at(N.RegexLit(s, flags), tok)), tok)
        if isinstance(s, N.InterpString):
            raise self.err("Embedded expressions not supported in switch pattern string", s)
        return _at(N.Pattern("lit", s), tok)

    def sp_cast(self, c):
        if len(c) == 5:
            v = _at(N.Unary("-", c[4]), c[3])
            return _at(N.Pattern("lit", _at(N.Cast(c[1], v), c[0])), c[0])
        return _at(N.Pattern("lit", _at(N.Cast(c[1], c[3]), c[0])), c[0])

    def sp_type(self, c):
        t = c[0]
        if isinstance(t, Token):
            return _at(N.Pattern("type", tname="def"), t)
        return _at(N.Pattern("type", tname=t.name + "[]" * t.dims), t)

    def sp_ctor(self, c):
        """``X(p1, p2)`` / ``X(f: p)``: an instance of class X whose mandatory fields (in
        order) or named fields match the sub-patterns."""
        t = c[0]
        args = [x for x in c[1:] if not isinstance(x, Token)]
        items = [x for x in args if isinstance(x, N.Pattern)]
        entries = [x for x in args if isinstance(x, tuple)]
        if items and entries:
            raise self.err("Cannot mix named and positional sub-patterns", c[1])
        return _at(N.Pattern("ctor", tname=t.name + "[]" * t.dims, items=items,
                             entries=entries), t)

    def sp_carg(self, c):
        if len(c) == 1:
            return c[0]
        return (c[0].value, c[2])

    def sp_bind(self, c):
        if len(c) == 1:
            return _at(N.Pattern("bind", name=c[0].value), c[0])
        t = c[0]
        if isinstance(t, Token):
            tname = None
        else:
            tname = t.name + "[]" * t.dims
            if tname == "Object":
                tname = None
        return _at(N.Pattern("bind", name=c[1].value, tname=tname), c[0])

    def sp_any(self, c):
        return _at(N.Pattern("any"), c[0])

    def sp_expr(self, c):
        if len(c) == 1:
            return _at(N.Pattern("expr", _at(N.Ident(c[0].value), c[0])), c[0])
        return _at(N.Pattern("expr", self.istr_code(c)), c[0])

    def sp_const(self, c):
        """``X.A``: the value of class X's constant A (matched like ``${X.A}``)."""
        cls = N.ClassRef(c[0].value) if c[0].type == "CLASS_NAME" else N.Ident(c[0].value)
        return _at(N.Pattern("expr", _at(N.Field(_at(cls, c[0]), c[2].value), c[0])), c[0])

    def sp_elem(self, c):
        first = c[0]
        if isinstance(first, Token) and first.type == "MUL_OP":
            name = c[1].value if len(c) > 1 else None
            return _at(N.Pattern("star", name=name), first)
        if len(c) == 1:
            return first
        key = c[0]
        if isinstance(key, Token):
            k = key.value
        elif isinstance(key, tuple):
            if isinstance(key[0], N.InterpString):
                raise self.err("Expected string constant for map key", key[2])
            k = key[0].value
        else:
            if not isinstance(key, N.Literal) or key.kind != "string":
                raise self.err("Expected string constant for map key", key)
            k = key.value
        return ("entry", k, c[2])

    def sp_coll(self, c):
        elems = [x for x in c if not isinstance(x, Token)]
        if any(isinstance(x, Token) and x.type == "COLON" for x in c[1:2]) or \
                any(isinstance(x, tuple) for x in elems):
            entries = []
            star = False
            for x in elems:
                if isinstance(x, tuple):
                    entries.append((x[1], x[2]))
                elif x.kind == "star" and x.name is None:
                    star = True
                else:
                    raise self.err("Unexpected pattern in map pattern", x)
            return _at(N.Pattern("map", entries=entries, star=star), c[0])
        stars = [x for x in elems if x.kind == "star"]
        if len(stars) > 1:
            raise self.err("Unexpected token '*': only one '*' allowed in list pattern", stars[1])
        return _at(N.Pattern("list", items=elems), c[0])


# ---------------------------------------------------------------------- parser construction

_lock = threading.Lock()
_driver = None


def _token_text(tok):
    tt = tok.type
    if tt == "STRING":
        return "'" + tok.value + "'"
    if tt in ("ISTR_BEGIN", "ISTR_END"):
        return '"'
    if tt == "DOLLAR_WORD":
        return "$"
    return str(tok.value)


def _class_names(tokens):
    return {tokens[i + 1].value for i in range(len(tokens) - 1) if tokens[i].type == "CLASS"}


def _class_name_misuse(tok, prev, tokens):
    """A user class name where an expression was expected (``x = X``, ``X == 1``, ``!X``):
    Jactl's error for it."""
    if tok.type == "TYPE" and tok.value in _class_names(tokens):
        return "IDENT" not in (prev.type if prev is not None else "")
    return prev is not None and prev.type == "TYPE" and tok.type not in ("IDENT", "DOT") and \
        prev.value in _class_names(tokens)


def _syntax_error(tok, expected, tokens, source):
    if tok.type == "$END":
        prev = tokens[-1] if tokens else None
        if _is_class_name(prev) and "IDENT" in expected:
            return CompileError("Class name not allowed here", prev.line, prev.column, source)
        line, col = _end_pos(source)
        last = tokens[-1] if tokens else None
        if last is not None and last.type == "TYPE" and last.value in _class_names(tokens):
            return CompileError("Class name not allowed here", last.line, last.column, source)
        return JactlEOFError("Unexpected end-of-file", line, col, source)
    prev0, _ = _prev_tokens(tokens, tok)
    if _class_name_misuse(tok, prev0, tokens):
        at = tok if tok.type == "TYPE" else prev0
        return CompileError("Class name not allowed here", at.line, at.column, source)
    if tok.type == "NL":
        msg = "Unexpected end of line"
    else:
        msg = f"Unexpected token '{_token_text(tok)}'"
    prev, prev2 = _prev_tokens(tokens, tok)
    ptype = prev.type if prev is not None else None
    cls_err = _class_syntax_error(tok, prev, prev2, tokens)
    if cls_err is not None:
        msg, at = cls_err
        return CompileError(msg, at.line, at.column, source)
    if ptype == "RBRACKET" and prev2 is not None and prev2.type == "LBRACKET":
        ptype = "DIMS"
    if tok.type in ("ASSIGN", "OP_ASSIGN"):
        declared_name = ptype == "IDENT" and prev2 is not None and prev2.type in (
            "TYPE", "DEF", "VAR", "RBRACKET")
        if prev is not None and not declared_name and ptype not in (
                "NL", "SEMI", "LPAREN", "COMMA", "LBRACE", "BLOCK_LBRACE", "LBRACKET"):
            msg += ": Invalid lvalue"
    elif _is_class_name(tok) and "IDENT" in expected or \
            _is_class_name(prev) and ptype == "TYPE" and "IDENT" in expected and (
                prev2 is None or prev2.type not in ("AS", "INSTANCEOF", "NOT_INSTANCEOF",
                                                    "NEW")):
        # a user class name where a value is expected (``X``, ``++X``, ``X == 1``)
        msg = "Class name not allowed here"
        if not _is_class_name(tok):
            tok = prev
    elif ptype in ("TYPE", "DEF", "VAR", "DIMS") and "IDENT" in expected and (
            prev2 is None or prev2.type not in ("AS", "INSTANCEOF", "NOT_INSTANCEOF")):
        msg += ": Expecting identifier"
    elif "TYPE" in expected and "IDENT" in expected and "INT" not in expected:
        msg += ": Expected valid type or parameter name"
    elif "IDENT" in expected and expected <= {"IDENT", "LBRACKET"}:
        msg += ": Expecting identifier"
    elif ("SEMI" in expected or "NL" in expected) and ("RBRACE" in expected or "$END" in expected):
        msg += ": Expecting end of statement"
    return CompileError(msg, tok.line, tok.column, source)


def _is_class_name(tok):
    return tok is not None and tok.type == "TYPE" and tok.value not in TYPE_NAMES


_STMT_START = frozenset((None, "NL", "SEMI", "LBRACE", "BLOCK_LBRACE", "RBRACE"))


def _class_syntax_error(tok, prev, prev2, tokens):
    """Jactl's messages for class names the parser cannot make sense of: ``new`` not
    followed by a type, an unknown class name declaring a variable (``X x``), an unknown
    inner class (``X.I x``)."""
    ptype = prev.type if prev is not None else None
    if ptype in ("DOT", "QDOT") and tok.type in ("LBRACKET", "QLBRACKET"):
        return (f"Unexpected token '{_token_text(tok)}': invalid token after '{prev.value}'",
                tok)
    if ptype == "NEW":
        if tok.type == "IDENT":
            return f"Unknown class '{tok.value}'", tok
        return f"Unexpected token '{_token_text(tok)}': Expected type after 'new'", tok
    if tok.type == "IDENT" and ptype == "IDENT":
        p2 = prev2.type if prev2 is not None else None
        if p2 in _STMT_START and prev.value[:1].isupper():
            return f"Unknown class '{prev.value}'", prev
        if p2 == "DOT":
            k = next((k for k, t in enumerate(tokens) if t is prev2), 0)
            if k > 0 and tokens[k - 1].type == "CLASS_NAME":
                return (f"Unknown inner class '{prev.value}' of class {tokens[k - 1].value}",
                        prev)
    return None


def _prev_tokens(tokens, tok):
    for k, t in enumerate(tokens):
        if t is tok:
            return (tokens[k - 1] if k > 0 else None), (tokens[k - 2] if k > 1 else None)
    return None, None


def _end_pos(source):
    lines = source.split("\n")
    return len(lines), len(lines[-1]) + 1


class _Inline(list):
    """Children of a lark-internal helper rule (e.g. the expansion of ``x*``); spliced into
    the parent rule's children."""


def _flatten(children):
    for c in children:
        if type(c) is _Inline:
            break
    else:
        return children
    out = []
    for c in children:
        if type(c) is _Inline:
            out.extend(c)
        else:
            out.append(c)
    return out


def _inline(children):
    return _Inline(_flatten(children))


class _Driver:
    """An LALR driver over the tables of jactl.lark (tables.py: generated ahead of time into
    _lalr.json, or built with lark if the grammar changed since) - the same shift/reduce loop as
    lark's own parser - that calls a per-parse _Builder on every reduction. All tokens are
    kept; ``?rule`` alternatives with one child are passed through and lark's internal helper
    rules (``_sep``, ``__x_star_N`` ...) are spliced into their parent, as lark's tree builder
    would."""

    def __init__(self):
        from lang.syntax import tables

        t = tables.load()
        if t is None or t["grammar_sha256"] != tables.grammar_hash():
            t = tables.build(lambda name: hasattr(_Builder, name))
        self.states, self.rules = t["states"], t["rules"]
        self.start_state, self.end_state = t["start"], t["end"]

    def run(self, tokens, builder):
        states = self.states
        rules = self.rules
        end_state = self.end_state
        state_stack = [self.start_state]
        value_stack = []
        fns = {}

        def reducer(i):
            _origin, name, expand1, _size = rules[i]
            if name is None:
                return _inline
            method = getattr(builder, name)
            if expand1:
                def fn(children):
                    children = _flatten(children)
                    if len(children) == 1:
                        return children[0]
                    return method(children)
                return fn
            return lambda children: method(_flatten(children))

        end_tok = None
        k = 0
        n = len(tokens)
        while True:
            if k < n:
                tok = tokens[k]
            else:
                if end_tok is None:
                    end_tok = Token("$END", "", None, 0, 0)
                tok = end_tok
            ttype = tok.type
            while True:
                st = state_stack[-1]
                try:
                    action = states[st][ttype]
                except KeyError:
                    expected = {s for s in states[st].keys() if s.isupper()}
                    raise _syntax_error(tok, expected, tokens, builder.source) from None
                if action >= 0:
                    state_stack.append(action)
                    value_stack.append(tok)
                    break
                i = -1 - action
                origin, _name, _expand1, size = rules[i]
                if size:
                    s = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    s = []
                fn = fns.get(i)
                if fn is None:
                    fn = fns[i] = reducer(i)
                value = fn(s)
                state_stack.append(states[state_stack[-1]][origin])
                value_stack.append(value)
                if tok is end_tok and state_stack[-1] == end_state:
                    return value_stack[-1]
            k += 1


def _get_driver():
    global _driver
    if _driver is None:
        with _lock:
            if _driver is None:
                _driver = _Driver()
    return _driver


def parse(source: str, name: str = "script") -> N.Script:
    """Parse Jactl source text into a nodes.Script. Raises CompileError / EOFError."""
    tokens = tokenize(source)
    return _get_driver().run(tokens, _Builder(source))


def check_class_unit(source: str) -> None:
    """A compilation unit of classes only (``package``/``import`` then class declarations):
    raises Jactl's CompileError for any other statement."""
    try:
        stmts = parse(source).body.stmts
    except CompileError:
        return       # (names of other units' classes: the whole compilation reports it)
    seen_class = False
    for st in stmts:
        if isinstance(st, N.ClassDecl):
            seen_class = True
            continue
        want = "EOF" if seen_class else "class"
        raise CompileError(f"Unexpected token: expecting '{want}'", st.line, st.col, source)


def class_unit_names(source: str):
    """The names of the top-level classes a class compilation unit declares (empty when
    it does not parse on its own)."""
    try:
        return [st.name for st in parse(source).body.stmts if isinstance(st, N.ClassDecl)]
    except CompileError:
        return []
