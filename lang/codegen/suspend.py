"""The suspend/resume machinery of a generated function: guarded statements that a
resume skips, suspend points (a call that either runs or, on resume, yields the
value it was waiting for), lowering of sub-expressions evaluated before a suspend
point, frame maps and checkpoint-each-statement points."""

from ..runtime.builtin_facts import LAZY_STAGES
from ..syntax import nodes as N
from .dynamic import StoreText
from .resume import FrameMap
from .shared import _Item, _is_const, _prologue_may_suspend


class SuspendMixin:
    """The suspend part of FuncGen (see the module docstring)."""

    def step(self, text):
        """A simple statement. In a may-suspend function it only runs when not resuming
        (``_pc`` is 0): code before the resume point must not run again, and code after
        it runs because the resume point resets ``_pc``."""
        if type(text) is StoreText:
            return text.emit(self)
        if self.susp:
            if text.startswith(("if ", "for ", "while ")):
                self.em.emit("if not _pc:")
                self.em.emit("    " + text)
            else:
                self.em.emit("if not _pc: " + text)
        else:
            self.em.emit(text)

    def frame_map(self, params):
        """Jactl names of the layout's locals and positions of the resume points."""
        jactl = {}
        for s in list(params) + list(self.f.locals):
            jactl.setdefault(s.pyname, s.name)
        for s in self.f.free:
            jactl.setdefault(self.name_of(s), s.name)
        names = [jactl.get(n) for n in self.local_layout(params)]
        return FrameMap(self.f.id, self.f.name, bool(self.f.is_main), bool(self.f.is_closure),
                        names, self.resume.positions)

    def run_defaults(self, params):
        """Parameter defaults that may suspend run as the body's first statements, resumable
        like any other. Which parameters were left out is recorded first, and they hold null
        until their default is computed, so a frame saved inside a default holds only
        Jactl values."""
        # (a captured parameter's Cell exists from the prologue: its value is what waits)
        names = [p.sym.pyname + (".v" if p.sym.captured else "") for p in params]
        t = self.temp()
        self.step(f"{t} = [{', '.join(f'{n} is _M' for n in names)}]")
        self.resume.define(t)
        for p, n in zip(params, names):
            # (a Cell is checkpointed with its declared type: a primitive's zero meanwhile)
            v = self.default_for(p.sym.type) if p.sym.captured else "None"
            self.step(f"if {n} is _M: {n} = {v}")
        for i, (p, n) in enumerate(zip(params, names)):
            def then(p=p, n=n):
                v = self.expr(p.default)
                self.step(f"{n} = {self.convert(v, p.default, p.sym.type)}")
            self.if_stmt_raw(f"{t}[{i}]", then)
            self.resume.define(p.sym.pyname)

    def declare_frame_kinds(self, params, pending=()):
        """Kinds of the named locals (for checkpoint validation); parameters (except those
        whose default is still ``pending``) and captured cells hold a value from the
        start."""
        r = self.resume
        if self.f.needs_cells:
            r.kind("_c", "@cells")
            r.define("_c")
        for s in self.f.free:
            r.kind(self.name_of(s), f"@cell:{s.type or 'def'}")
            r.define(self.name_of(s))
        for s in params:
            r.kind(s.pyname, f"@cell:{s.type or 'def'}" if s.captured else (s.type or "def"))
            if s not in pending:
                r.define(s.pyname)
        for s in self.f.locals:
            r.kind(s.pyname, f"@cell:{s.type or 'def'}" if s.captured else (s.type or "def"))

    # ------------------------------------------------------------------ statements

    def guard_open(self, node):
        """Emit the guard for an item inside a guarded region; returns True when it
        opened an indented block."""
        if not self.susp:
            return False
        lo, hi = node.pcs
        if lo is None:
            self.em.emit("if not _pc:")
        elif lo == hi:
            self.em.emit(f"if not _pc or _pc == {lo}:")
        else:
            self.em.emit(f"if not _pc or {lo} <= _pc <= {hi}:")
        return True

    def guarded(self, node, fn):
        """Emit fn() for an item, guarded when this function may suspend."""
        if not self.susp:
            fn()
            return
        start = self.npc
        saved = self.em.push()
        fn()
        buf = self.em.pop(saved)
        node.pcs = (start + 1, self.npc) if self.npc > start else (None, None)
        if not buf.lines:
            return
        if node.pcs[0] is None:
            _drop_inner_guards(buf)     # (the item's own guard already says not _pc)
        self.guard_open(node)
        self.em.splice(buf, 1)

    def stmt_checkpoint(self, st):
        """checkpoint_each_statement mode: a suspend point after the statement."""
        def body():
            self.suspend_call("_stmt_checkpoint(_RT)", st)
        self.guarded(_Item(st), body)

    def lower(self, e):
        """Evaluate e now into a temp when later siblings may suspend (keeps evaluation
        order and saves the value across the suspension)."""
        v = self.expr(e)
        if _is_const(v):
            return v
        # the value's static type, where the value is exactly that (a lazy stage is an
        # iterator in flight; an assignment's value is the one before it is converted)
        untyped = (isinstance(e, N.MethodCall) and e.name in LAZY_STAGES) or \
            _emits_statements_node(e)
        t = self.temp("@temp" if untyped else self.st(e))
        self.step(f"{t} = {v}")
        self.resume.define(t)
        return t

    def exprs(self, es):
        """Compile several expressions evaluated left to right; those before the last one
        that may suspend are saved in temps."""
        last = -1
        for i, e in enumerate(es):
            if e.lower:
                last = i
        out = []
        for i, e in enumerate(es):
            if i < last:
                out.append(self.lower(e))
            else:
                out.append(self.expr(e))
        return out

    def suspend_call(self, call_text, node, kind="@temp", callee=None):
        """A suspend point: the call either runs, or (on resume) its value is _rv.
        ``kind``: what the value can be (the callee's declared type when ``callee``, the
        function whose frame is inside this one on resume, is known)."""
        self.npc += 1
        k = self.npc
        pos = (node.line, node.col) if node is not None else None
        self.resume.point(k, callee, pos if pos and pos[0] else self.em.pos)
        t = self.temp(kind)
        self.em.emit(f"if _pc == {k}:", pos)
        self.em.emit(f"    {t} = _rv; _pc = 0", pos)
        self.em.emit("elif not _pc:", pos)
        self.em.emit("    try:", pos)
        self.em.emit(f"        {t} = {call_text}", pos)
        self.em.emit("    except _Suspend as _s:", pos)
        self.em.emit(f"        _s.frames.append(_CF(_FN{self.f.id}, {k}, ({self.token},)))", pos)
        self.em.emit("        raise", pos)
        self.resume.define(t)
        return t

    @staticmethod
    def prologue_may_suspend(g):
        return _prologue_may_suspend(g)

    def maybe_suspend(self, e, call_text, kind="@temp", callee=None):
        if self.susp and e.is_susp_call:
            return self.suspend_call(call_text, e, kind, callee)
        return call_text

    def if_stmt_raw(self, c, then_fn, else_fn=None):
        """if/else on an already computed condition text, honouring resume points."""
        start = self.npc
        saved = self.em.push()
        mark = self.resume.mark()
        then_fn()
        self.resume.release(mark)
        then_buf = self.em.pop(saved)
        mid = self.npc
        saved = self.em.push()
        if else_fn:
            else_fn()
            self.resume.release(mark)
        else_buf = self.em.pop(saved)
        if not self.susp or self.npc == start:
            test = c
        elif mid > start:
            test = f"({start + 1} <= _pc <= {mid} if _pc else {c})"
        else:
            test = f"(not _pc and {c})"
        self.em.emit(f"if {test}:")
        if then_buf.lines:
            self.em.splice(then_buf, 1)
        else:
            self.em.emit("    pass")
        if else_buf.lines:
            self.em.emit("else:")
            self.em.splice(else_buf, 1)


def _drop_inner_guards(buf):
    """Remove the ``if not _pc:`` guards at the top level of a buffer that goes under one
    ``if not _pc:`` of its own (it has no resume point, so ``_pc`` stays 0 inside): the
    one-line form ``if not _pc: x`` becomes ``x``, the block form loses its header and
    one level of indentation (step() writes its first line as "    " + text at the
    header's own level)."""
    out = []
    in_block = False
    for ind, text, line, col in buf.lines:
        if ind == 0 and not text.startswith("    "):
            in_block = False
            if text == "if not _pc:":
                in_block = True
                continue
            if text.startswith("if not _pc: "):
                text = text[len("if not _pc: "):]
        elif in_block:
            if ind > 0:
                ind -= 1
            else:
                text = text[4:]
        out.append((ind, text, line, col))
    buf.lines = out


def _emits_statements_node(e):
    return isinstance(e, (N.Assign, N.MultiAssign, N.Postfix, N.DoBlock, N.SwitchExpr)) or \
        (isinstance(e, N.Unary) and e.op in ("++", "--"))
