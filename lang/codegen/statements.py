"""Statements: blocks and their values, declarations, if, loops (fast and resumable),
jumps and return."""

from ..errors import CompileError
from ..syntax import nodes as N
from .dynamic import iter_list, truthy
from .shared import _Item, _ScopeHolder, _is_simple


class StatementsMixin:
    """The statements part of FuncGen (see the module docstring)."""

    def block_value(self, block, mode, result=None):
        """Emit a block's statements. mode 'return': the last statement's value is
        returned; 'assign': assigned to ``result``; None: discarded."""
        stmts = block.stmts
        mark = self.resume.mark()
        self.block_prologue(block)
        if not stmts:
            if mode == "return":
                self.step("return None")
            elif mode == "assign":
                self.step(f"{result} = None")
            self.resume.release(mark)
            return
        for i, st in enumerate(stmts):
            last = i == len(stmts) - 1
            self.statement(st, mode if last else None, result)
            if self.mod.cpe and self.susp and \
                    not isinstance(st, (N.FunDecl, N.Return, N.Break, N.Continue)) \
                    and not (last and mode == "return"):
                self.stmt_checkpoint(st)
        self.resume.release(mark)

    def block_prologue(self, block):
        """Cells for captured variables declared in this block, and closures of the
        functions declared in it (hoisted: they can be called before their declaration)."""
        scope = block.scope
        if scope is None:
            return
        items = []
        for sym in scope.names.values():
            if sym.captured and sym.kind == "local" and not sym.is_param:
                items.append(f"{sym.pyname} = _Cell({self.default_for(sym.type)})")
                self.resume.define(sym.pyname)
            elif sym.type == "@groups" and sym.kind == "local":
                items.append(f"{sym.pyname} = None")    # no match yet in this block
                self.resume.define(sym.pyname)
        for st in block.stmts:
            if isinstance(st, N.FunDecl):
                g = st.info
                sym = st.sym
                if g.needs_cells or sym.captured:
                    if sym.captured:
                        items.append(f"{sym.pyname} = _Cell()")
                        self.resume.define(sym.pyname)
        for st in block.stmts:
            if isinstance(st, N.FunDecl):
                g = st.info
                sym = st.sym
                if g.needs_cells or sym.captured:
                    val = f"_Closure(_FN{g.id}, {self.cells_tuple(g)})" if g.needs_cells \
                        else f"_Closure(_FN{g.id})"
                    if sym.captured:
                        items.append(f"{sym.pyname}.v = {val}")
                    else:
                        items.append(f"{sym.pyname} = {val}")
                        self.resume.define(sym.pyname)
        if not items:
            return
        if self.susp:
            self.em.emit("if not _pc:")
            with self.indent():
                for it in items:
                    self.em.emit(it)
        else:
            for it in items:
                self.em.emit(it)

    def statement(self, st, mode=None, result=None):
        self.em.pos = (st.line, st.col)
        m = getattr(self, "s_" + type(st).__name__)
        mark = self.resume.mark()
        m(st, mode, result)
        self.resume.release(mark)
        # a declared variable holds a value from here to the end of its block
        for sym in (st.syms if isinstance(st, N.MultiVarDecl) else
                    (st.sym,) if isinstance(st, N.VarDecl) else ()):
            if not sym.captured:
                self.resume.define(sym.pyname)

    def finish_value(self, mode, result, value, node=None):
        if mode == "return":
            rt = self.f.return_type
            if node is not None and rt not in ("def", "var") and not self.f.is_main:
                value = self.convert(value, node, rt)
            self.step(f"return {value}")
        elif mode == "assign":
            self.step(f"{result} = {value}")
        else:
            if value and not _is_simple(value):
                self.step(value)

    def s_ExprStmt(self, st, mode, result):
        def body():
            e = st.expr
            if mode is None and isinstance(e, N.Assign):
                self.assign(e, want_value=False)
                return
            if mode is None and isinstance(e, (N.Unary, N.Postfix)) and e.op in ("++", "--"):
                self.incdec(e, want_value=False)
                return
            v = self.expr(e)
            self.finish_value(mode, result, v, e)
        self.guarded(st, body)

    def s_VarDecl(self, st, mode, result):
        sym = st.sym

        self.typed.declare(sym)

        def body():
            if st.init is None:
                v = self.default_for(sym.type)
                if sym.type.endswith("[]") or sym.type in ("List", "Map"):
                    v = {"List": "[]", "Map": "{}"}.get(sym.type, "None")
            elif sym.unboxed and self.typed.kind(st.init) in ("int", "long"):
                v = self.typed.raw(st.init)
            else:
                v = self.convert(self.expr(st.init), st.init, sym.type)
            if sym.captured:
                self.step(f"{sym.pyname}.v = {v}")
                val = f"{sym.pyname}.v"
            else:
                self.step(f"{sym.pyname} = {v}")
                val = f"_Long({sym.pyname})" if sym.unboxed else sym.pyname
            if mode:
                self.finish_value(mode, result, val)
        self.guarded(st, body)

    def s_MultiVarDecl(self, st, mode, result):
        def body():
            src = self.expr(st.init) if st.init is not None else "None"
            t = self.temp()
            self.step(f"{t} = {src}")
            for i, sym in enumerate(st.syms):
                v = self.convert(f"_mget({t}, {i})", None, sym.type)
                if sym.captured:
                    self.step(f"{sym.pyname}.v = {v}")
                else:
                    self.step(f"{sym.pyname} = {v}")
            if mode:     # the value is the last variable's
                last = st.syms[-1] if st.syms else None
                self.finish_value(mode, result, t if last is None else
                                  f"{last.pyname}.v" if last.captured else last.pyname)
        self.guarded(st, body)

    def s_ClassDecl(self, st, mode, result):
        if mode:
            def body():
                self.finish_value(mode, result, "None")
            self.guarded(st, body)

    def s_FunDecl(self, st, mode, result):
        # its closure (if it needs one) was made at block entry; the function itself is
        # module level. As the last statement, its value is the function.
        sym = st.sym
        if mode:
            def body():
                self.finish_value(mode, result, self.func_value(sym))
            self.guarded(st, body)

    def s_Block(self, st, mode, result):
        def body():
            self.block_value(st, mode, result)
        self.guarded(st, body)

    def s_If(self, st, mode, result):
        def body():
            self.if_stmt(st.cond, lambda: self.sub_stmt(st.then, mode, result),
                         (lambda: self.sub_stmt(st.else_, mode, result)) if st.else_ is not None
                         else None, st, mode, result)
        self.guarded(st, body)

    def sub_stmt(self, st, mode, result):
        if isinstance(st, N.Block):
            self.block_value(st, mode, result)
        else:
            self.statement(st, mode, result)

    def if_stmt(self, cond, then_fn, else_fn, node, mode=None, result=None):
        c = self.cond(cond)
        if else_fn is None and mode in ("return", "assign"):
            # the statement's value when the condition is false
            def else_fn():
                self.step("return None" if mode == "return" else f"{result} = None")
        self.if_stmt_raw(c, then_fn, else_fn)

    def cond(self, e):
        v = self.expr(e)
        if self.st(e) == "boolean":
            return v
        return truthy(self, v)

    # loops ---------------------------------------------------------------

    def loop(self, label, header_fn, body_stmt, node, update_fn=None, first_flag=False,
             tail_fn=None, head="while True:"):
        """Emit ``while True:`` (or ``head``) with header (may break), body and
        labelled-jump handling."""
        self.loop_ids += 1
        lid = self.loop_ids
        self.loop_stack.append((label, lid, None))
        first = None
        if first_flag:
            first = self.temp()
            self.guarded(_Item(node), lambda: self.em.emit(f"{first} = True"))
        self.em.emit(head)
        with self.indent():
            self.tick()
            if first_flag:
                def hdr():
                    self.em.emit(f"if {first}:")
                    self.em.emit(f"    {first} = False")
                    saved = self.em.push()
                    mark = self.resume.mark()    # (the update does not run on the first pass)
                    if update_fn is not None:
                        update_fn()
                    self.resume.release(mark)
                    buf = self.em.pop(saved)
                    if buf.lines:
                        self.em.emit("else:")
                        self.em.splice(buf, 1)
                    header_fn()
                self.guarded(_Item(node), hdr)
            else:
                self.guarded(_Item(node), header_fn)
            self.sub_stmt(body_stmt, None, None)
            if tail_fn is not None:
                self.guarded(_Item(node), tail_fn)
        self.loop_stack.pop()
        self.jump_check()

    def tick(self):
        """With a time or iteration limit: one work unit per loop iteration, taken from the
        instance's countdown (see runtime/limits.py). Not guarded by ``_pc``: passing the
        loop head again on resume only counts one more unit."""
        if self.mod.count_work:
            self.em.emit(_TICK)

    def jump_check(self):
        """After an inner loop: a labelled jump to an outer loop leaves through it."""
        if self.uses_jmp and self.loop_stack:
            outer_label, outer_id, outer_update = self.loop_stack[-1]
            self.em.emit("if _jmp is not None:")
            with self.indent():
                self.em.emit(f"if _jmp[0] == {outer_id}:")
                self.em.emit("    _k = _jmp[1]; _jmp = None")
                self.em.emit("    if _k: break")
                if outer_update is not None:
                    with self.indent():
                        outer_update()
                self.em.emit("    continue")
                self.em.emit("break")

    def fast_for(self, st):
        """``for`` in a function that cannot suspend: ``while cond: body; update``, with the
        update repeated before each ``continue``."""
        saved = self.em.push()
        c = self.cond(st.cond) if st.cond is not None else "True"
        pre = self.em.pop(saved)
        if pre.lines:
            return False

        counter = _bounded_counter(st)

        def update():
            for e in st.update:
                if counter is not None and e is st.update[0]:
                    # ``i < n`` held before the increment, so ``i + 1`` cannot overflow
                    self.em.emit(f"{self.name_of(counter)} += 1")
                else:
                    self.discard_expr(e)
        self.loop_ids += 1
        self.loop_stack.append((st.label, self.loop_ids, update if st.update else None))
        self.em.emit(f"while {c}:")
        with self.indent():
            self.tick()
            n = len(self.em.buf.lines)
            self.sub_stmt(st.body, None, None)
            update()
            if len(self.em.buf.lines) == n:
                self.em.emit("pass")
        self.loop_stack.pop()
        self.jump_check()
        return True

    def s_While(self, st, mode, result):
        def body():
            def header():
                c = self.cond(st.cond)
                self.step(f"if not {c}: break")
            self.loop(st.label, header, st.body, st)
            if mode:
                self.finish_value(mode, result, "None")
        self.guarded(st, body)

    def s_DoUntil(self, st, mode, result):
        def body():
            def update():
                c = self.cond(st.cond)
                self.step(f"if {c}: break")
            self.loop(st.label, lambda: None, st.body, st, update_fn=update, first_flag=True)
            if mode:
                self.finish_value(mode, result, "None")
        self.guarded(st, body)

    def s_For(self, st, mode, result):
        def body():
            self.block_prologue(_ScopeHolder(st.scope, []))
            for s in st.init:
                self.statement(s)

            first = _sized_first_index(st)
            if first is not None:
                self.typed.sized.add(id(first))
            if not self.susp and (self.typed.range_for(st) or self.fast_for(st)):
                if mode:
                    self.finish_value(mode, result, "None")
                return

            def header():
                if st.cond is not None:
                    c = self.cond(st.cond)
                    self.step(f"if not {c}: break")

            counter = _bounded_counter(st)

            def update():
                for e in st.update:
                    if counter is not None and e is st.update[0]:
                        # (as in fast_for: nothing else assigns i, so i < n still holds)
                        self.step(f"{self.name_of(counter)} += 1")
                    else:
                        self.discard_expr(e)
            self.loop(st.label, header, st.body, st, update_fn=update if st.update else None,
                      first_flag=bool(st.update))
            if mode:
                self.finish_value(mode, result, "None")
        self.guarded(st, body)

    def s_ForIn(self, st, mode, result):
        def body():
            self.block_prologue(_ScopeHolder(st.scope, []))
            src = self.temp("@list")
            idx = self.temp("@int")
            it = self.expr(st.iterable)
            self.step(f"{src} = {iter_list(self, it)}")
            if not self.susp:
                # nothing saves the position: Python's list iterator is this same
                # index loop (it re-reads the length on every step)
                sym = st.syms[0] if len(st.syms) == 1 and st.it_sym is None else None
                if sym is not None and sym.kind == "local" and not sym.captured and \
                        not sym.unboxed and sym.type in ("def", "var", None):
                    # the loop variable itself takes each element
                    self.loop(st.label, lambda: self.em.emit("pass"), st.body, st,
                              head=f"for {self.name_of(sym)} in {src}:")
                else:
                    self.loop(st.label, lambda: self.for_in_vars(st, tv), st.body, st,
                              head=f"for {(tv := self.temp())} in {src}:")
                if mode:
                    self.finish_value(mode, result, "None")
                return
            self.step(f"{idx} = 0")
            self.resume.define(src)
            self.resume.define(idx)

            def header():
                self.step(f"if {idx} >= len({src}): break")
                self.step(f"{idx} += 1")
                if st.it_sym is not None:
                    self.store_sym(st.it_sym, f"{src}[{idx} - 1]")
                if st.pattern is not None:
                    self.for_pattern_test(st, f"{src}[{idx} - 1]")
                else:
                    self.store_sym(st.syms[0], self.convert(f"{src}[{idx} - 1]", None,
                                                            st.syms[0].type))
                # the loop variables hold a value in the body
                for s in st.syms + _bound_syms(st.pattern) + [st.it_sym]:
                    if s is not None and not s.captured:
                        self.resume.define(s.pyname)
            self.loop(st.label, header, st.body, st)
            if mode:
                self.finish_value(mode, result, "None")
        self.guarded(st, body)

    def for_pattern_test(self, st, v):
        """Match the element v against a for-each header's pattern, binding its variables:
        skip the element when it does not match, or with ``:`` fail."""
        tv = self.temp()
        self.step(f"{tv} = {v}")
        p = st.pattern
        if p.kind == "bind" and p.sym.type in _FAST_TYPE_TESTS:
            # ``for (String s in xs)``: an inline type test, then a plain store
            test = _FAST_TYPE_TESTS[p.sym.type].format(tv)
            self.step(f"if not ({test}): " + (f"_for_no_match({tv})" if st.strict
                                              else "continue"))
            self.store_sym(p.sym, tv)
            return
        ok = self.pattern(st.pattern, tv, set())
        if ok == "True":
            return
        if st.strict:
            self.step(f"if not {ok}: _for_no_match({tv})")
        else:
            self.step(f"if not {ok}: continue")

    def for_in_vars(self, st, tv):
        """The loop variables (and ``it``) of a non-suspending for-in, from the element
        ``tv``; an element its pattern does not match is skipped (or with ``:`` fails)."""
        if st.it_sym is not None:
            self.store_sym(st.it_sym, tv)
        if st.pattern is not None:
            self.for_pattern_test(st, tv)
        else:
            self.store_sym(st.syms[0], self.convert(tv, None, st.syms[0].type))

    def store_sym(self, sym, value):
        if sym.kind == "global":
            self.step(f"_G[{sym.name!r}] = {value}")
        elif sym.captured:
            self.step(f"{self.name_of(sym)}.v = {value}")
        else:
            self.step(f"{self.name_of(sym)} = {value}")

    def jump(self, st, is_break):
        target = None
        if st.label is not None:
            for i in range(len(self.loop_stack) - 1, -1, -1):
                if self.loop_stack[i][0] == st.label:
                    target = i
                    break
            if target is None:
                raise CompileError(f"Could not find enclosing loop with label {st.label}",
                                   st.line, st.col)
        if target is None or target == len(self.loop_stack) - 1:
            upd = self.loop_stack[-1][2] if self.loop_stack else None
            if not is_break and upd is not None:
                upd()
            self.step("break" if is_break else "continue")
            return
        self.uses_jmp = True
        if "_jmp" not in self.extra_locals:
            self.extra_locals.append("_jmp")
            self.extra_locals.append("_k")
            self.resume.kind("_jmp", "@jmp")
        self.step(f"_jmp = ({self.loop_stack[target][1]}, {is_break})")
        self.step("break")

    def s_Break(self, st, mode, result):
        self.guarded(st, lambda: self.jump(st, True))

    def s_Continue(self, st, mode, result):
        self.guarded(st, lambda: self.jump(st, False))

    def s_Return(self, st, mode, result):
        def body():
            v = self.expr(st.expr) if st.expr is not None else "None"
            v = self.convert(v, st.expr, self.f.return_type) if st.expr is not None else v
            # a class's constructor also runs inside implicit Map conversions (runtime
            # code that cannot be resumed): no checkpoint there
            if self.mod.cpe and self.susp and not self.f.name.endswith("$new"):
                t = self.temp()
                self.step(f"{t} = {v}")
                self.suspend_call("_stmt_checkpoint(_RT)", st)
                v = t
            self.step(f"return {v}")
        self.guarded(st, body)

    # ------------------------------------------------------------------ expressions

    def discard_expr(self, e):
        if isinstance(e, N.Assign):
            self.assign(e, want_value=False)
        elif isinstance(e, (N.Unary, N.Postfix)) and e.op in ("++", "--"):
            self.incdec(e, want_value=False)
        else:
            v = self.expr(e)
            if not _is_simple(v):
                self.step(v)


# one work unit from the instance's countdown; reaching 0 reports the chunk
_TICK = "if (_BC := _BC - 1) <= 0: _RT.check_limits()"

# exact Python types of Jactl values of these static types (Long is not int: its own class)
_FAST_TYPE_TESTS = {"String": "type({0}) is str", "int": "type({0}) is int",
                    "double": "type({0}) is float", "boolean": "type({0}) is bool",
                    "Map": "type({0}) is dict"}


def _bound_syms(p):
    """The binding variables of pattern p (None: none)."""
    out = []
    stack = [p] if p is not None else []
    while stack:
        x = stack.pop()
        if x.kind in ("bind", "star") and x.sym is not None and x.sym not in out:
            out.append(x.sym)
        stack.extend(x.items or ())
        stack.extend(v for _, v in (x.entries or ()))
    return out


def _sized_first_index(st):
    """The ``a[i]`` that ``for (int i = K; i < a.size(); i++) { def x = a[i]; ...`` (K >= 0)
    evaluates first in its body: nothing runs between the condition and it, so when a is
    a List the condition has just proved 0 <= i < len(a) (the index needs only a's type)."""
    counter = _bounded_counter(st)
    cond = st.cond
    if counter is None or not isinstance(cond.right, N.MethodCall) or \
            cond.right.name != "size" or cond.right.args or cond.right.named or \
            cond.right.null_safe or not isinstance(cond.right.obj, N.Ident):
        return None
    lst = cond.right.obj.sym
    if lst is None or lst.kind != "local" or lst.captured:
        return None
    init = next(d.init for d in st.init if isinstance(d, N.VarDecl) and d.sym is counter)
    if not (isinstance(init, N.Literal) and init.kind == "int" and type(init.value) is int
            and init.value >= 0):
        return None
    body = st.body.stmts if isinstance(st.body, N.Block) else [st.body]
    first = body[0] if body else None
    if isinstance(first, N.VarDecl):
        e = first.init
    elif isinstance(first, N.ExprStmt) and isinstance(first.expr, N.Assign) and \
            first.expr.op == "=" and isinstance(first.expr.target, N.Ident):
        e = first.expr.value
    else:
        return None
    if isinstance(e, N.Index) and not e.null_safe and isinstance(e.obj, N.Ident) and \
            e.obj.sym is lst and isinstance(e.index, N.Ident) and e.index.sym is counter:
        return e
    return None


def _bounded_counter(st):
    """The int loop variable of ``for (int i = ...; i < E; i++)`` when nothing else assigns
    it: its increment needs no overflow check."""
    if len(st.update) < 1 or not isinstance(st.cond, N.Binary) or st.cond.op != "<":
        return None
    upd = st.update[0]
    if not (isinstance(upd, (N.Postfix, N.Unary)) and upd.op == "++" and
            isinstance(upd.expr, N.Ident)):
        return None
    sym = upd.expr.sym
    if not (isinstance(st.cond.left, N.Ident) and st.cond.left.sym is sym):
        return None
    if sym is None or sym.kind != "local" or sym.type != "int" or sym.captured or \
            sym.nassign != 1 or st.cond.right.stype != "int":
        return None
    if not any(isinstance(d, N.VarDecl) and d.sym is sym for d in st.init) or \
            st.scope.names.get(sym.name) is not sym:     # (it outlives the loop)
        return None
    return sym
