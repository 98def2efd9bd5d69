"""Resolved AST -> Python source.

Every Jactl function (the script body, declared functions, closures) becomes one Python
function. A function the resolver proved cannot suspend is emitted as straight Python.

A function that may suspend is emitted as *guarded re-entry of structured code*: each
suspend point gets a number (the resume point, ``_pc``); every statement and every
lowered sub-expression that precedes a suspend point is guarded so that, when the function
is re-entered with ``_pc = k`` and its locals restored, control flows through the same
structured code to point k without re-running anything that already ran. Expressions that
contain suspend points are lowered to temporaries (A-normal form), so in
``f(a(), sleep(0, 2), c())`` the value of ``a()`` is a saved local and ``a()`` never runs
twice. At a suspend point the Suspend exception is caught, the frame (function, pc, locals)
is appended to it and it is re-raised.

The contract with the runtime is the set of names in ``runtime.exports``.
"""

import hashlib
from decimal import Decimal

from ..errors import CompileError, LimitError
from ..resolve.infer import infer_type, returns_int
from .sortkey import sort_key
from .typed import Typed
from . import strdec
from ..resolve.resolver import NUMERIC_RANK, PRIMITIVES
from ..runtime.builtin_facts import EARLY_STOP_METHODS, LAZY_STAGES
from ..runtime.limits import BYTES_MIN, check_decimal
from ..syntax import nodes as N
from .emitter import Emitter
from . import classes as _cls
from .classes import class_ident, emit_classes
from .dynamic import add_fast_variant, call_value, method_call, iter_list, comprehension, fusable, index_read, StoreText, truthy, fast_long, field_read, switch_literal, string_eq, exact_convert, int_ops, list_append, str_part, long_fallback, \
    null_tolerant_index, compound_start, numeric_uses
from .resume import FrameMap, ResumeTracker
from ..resolve.infer import nonnull_decimals, stored_globals
from .callargs import check_positional, may_spread, named_arg_nodes

INT_MIN, INT_MAX = -2147483648, 2147483647

BINOPS = {
    "+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod", "%%": "_rem",
    "&": "_band", "|": "_bor", "^": "_bxor", "<<": "_shl", ">>": "_shr", ">>>": "_ushr",
    "==": "_eq", "!=": "_ne", "===": "_is", "!==": "_isnot", "<": "_lt", "<=": "_le",
    ">": "_gt", ">=": "_ge", "<=>": "_cmp", "in": "_in", "!in": "_notin",
}

ASSIGN_OPS = {
    "+=": "_add_assign", "-=": "_sub", "*=": "_mul", "/=": "_div", "%=": "_mod", "%%=": "_rem",
    "<<=": "_shl_assign", ">>=": "_shr", ">>>=": "_ushr", "&=": "_band", "|=": "_bor",
    "^=": "_bxor",
}

INT_NATIVE = {"+", "-", "*"}
FAST_OPS = {"+", "-", "*", "%", "<", "<=", ">", ">=", "==", "!="}
INT_COMPARE = {"<", "<=", ">", ">=", "==", "!="}


# The first lines of every generated module: the contract it is written against.
HEADER = (
    "# Generated from a Jactl script by lang/codegen. Contract: this module uses only the",
    "# names in lang/runtime/exports.py (EXPORTS, MODULE_NAMES, PYTHON_BUILTINS) and the",
    "# names it defines itself (tests/lang/codegen/test_exports_contract.py checks this).",
)


class Compiled:
    """Python source of one script plus the line table for error positions."""

    def __init__(self, source, line_table, functions, frame_maps=None):
        self.source = source
        self.line_table = line_table
        self.functions = functions
        self.frame_maps = frame_maps or {}   # function id -> FrameMap (codegen/resume.py)


def generate(resolved, script_hash, count_work=False, track_depth=False):
    """count_work: count loop iterations and calls against the instance's budget (the
    Context has a time or iteration limit); track_depth: count call depth (it has a
    max_call_depth). Without them the code has no trace of limits."""
    g = ModuleGen(resolved, script_hash, count_work, track_depth)
    return g.generate()


class ModuleGen:
    def __init__(self, resolved, script_hash, count_work=False, track_depth=False):
        self.r = resolved
        self.hash = script_hash
        self.count_work = count_work
        self.track_depth = track_depth
        self.em = Emitter()
        self.locals_tokens = {}
        self.frame_maps = {}
        self.cpe = resolved.checkpoint_each_statement
        self.consts = {}
        self.dec_nonnull = nonnull_decimals(resolved.script)     # (strdec.py)
        self.stored_globals = stored_globals(resolved.script)    # (typed.py range loops)
        self.class_names = None   # names of the script's classes (made when first needed)
        self.class_facts = None   # codegen/classes.py's ClassFacts (made when first needed)

    def const(self, text):
        """A module-level name for the value of the constant expression ``text`` (built
        once, not at every use: a Decimal literal in a loop)."""
        name = self.consts.get(text)
        if name is None:
            name = self.consts[text] = f"_K{len(self.consts)}"
        return name

    def generate(self):
        for text in HEADER:
            self.em.emit(text)
        for f in self.r.functions:
            FuncGen(self, f).generate()
        em = self.em
        for text, name in self.consts.items():
            em.emit(f"{name} = {text}")
        em.emit("_FNS = {" + ", ".join(f"{f.id}: _FN{f.id}" for f in self.r.functions) + "}")
        emit_classes(em, self.r.classes)
        src, table = em.render(self.locals_tokens)
        return Compiled(src, table, self.r.functions, self.frame_maps)


class FuncGen:
    def __init__(self, mod, f):
        self.mod = mod
        self.f = f
        self.em = mod.em
        self.susp = f.may_suspend
        self.ntemps = 0
        self.nq = 0
        self.sym_alias = {}        # closure parameter -> comprehension variable (inlining)
        self.int_syms = set()      # parameters known to be int in the current body copy
        self.int_funcs = ()        # functions known to return int for int arguments there
        self.none_locals = []      # locals that must start as None (regex state)
        self.npc = 0
        self.extra_locals = []     # temps and bookkeeping names, in creation order
        self.loop_stack = []       # [label, id, has_update] for labelled jumps
        self.loop_ids = 0
        self.uses_jmp = False
        # placeholder for the frame's locals tuple, filled in once the function is done;
        # NUL never occurs in generated text otherwise (repr() escapes it in literals)
        self.token = f"\0L{f.id}\0"
        self.resume = ResumeTracker()   # valid resume points and locals, for checkpoints
        self.typed = Typed(self)        # inline long/double/array fast paths (typed.py)

    # ------------------------------------------------------------------ helpers

    def temp(self, kind="@temp"):
        self.ntemps += 1
        name = f"_t{self.ntemps}"
        self.extra_locals.append(name)
        self.resume.kind(name, kind)
        return name

    def emit(self, text, node=None):
        self.em.emit(text, (node.line, node.col) if node is not None and node.line else None)

    def name_of(self, sym):
        """Python local holding sym (its value, or its Cell when captured)."""
        if sym.owner is self.f:
            return sym.pyname
        return f"k{sym.owner.id}_{sym.pyname}"

    def read_sym(self, sym):
        alias = self.sym_alias.get(sym)
        if alias is not None:
            return alias
        if sym.is_const and type(sym.const_value) in _CONST_TYPES.get(sym.type, ()):
            return repr(sym.const_value)    # (a const is never assigned: its literal)
        n = self.name_of(sym)
        if sym.unboxed:     # a typed long held as a plain int (typed.py): boxed when read
            return f"_Long({n})"
        return n + ".v" if sym.captured else n

    def indent(self):
        return _Indent(self.em)

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

    # ------------------------------------------------------------------ function

    def generate(self):
        f = self.f
        em = self.em
        params = [p.sym for p in f.node_params]
        pnames = [p.pyname for p in params]
        args = (["_c"] if f.needs_cells else []) + pnames
        if self.susp:
            args += ["_fr=None", "_rv=None"]
        node = f.node
        em.pos = (node.line, node.col)
        start = len(em.buf.lines)
        self.emit(f"def _f{f.id}({', '.join(args)}):", node)
        with self.indent():
            self.entry_checks()
            # prologue (first entry only)
            pro = em.push()
            if f.needs_cells and f.free:
                names = [self.name_of(s) for s in f.free]
                self.emit(f"{', '.join(names)}, = _c")
            saved_susp, self.susp = self.susp, False   # defaults run on first entry only
            seen_default = False
            deferred = _deferred_defaults(f) if saved_susp else []
            for p in f.node_params:
                if p.default is None and seen_default:
                    # mandatory after an optional one: a dynamic call may have left it out
                    self.emit(f"if {p.sym.pyname} is _M: _missing_arg({p.sym.name!r})", p)
                seen_default = seen_default or p.default is not None
                if p in deferred:
                    if p.sym.captured:      # (its default, run later, fills the Cell)
                        self.emit(f"{p.sym.pyname} = _Cell({p.sym.pyname})")
                    continue
                if p.default is not None:
                    self.emit(f"if {p.sym.pyname} is _M:", p)
                    with self.indent():
                        v = self.expr(p.default)
                        self.emit(f"{p.sym.pyname} = {self.convert(v, p.default, p.sym.type)}", p)
                if p.sym.captured:
                    self.emit(f"{p.sym.pyname} = _Cell({p.sym.pyname})")
            self.susp = saved_susp
            prologue = em.pop(pro)

            self.declare_frame_kinds(params, {p.sym for p in deferred})
            body = em.push()
            if deferred:
                self.run_defaults(deferred)
            self.function_body(f)
            body_buf = em.pop(body)

            all_locals = self.local_layout(params)
            if self.susp:
                self.emit("if _fr is None:")
                with self.indent():
                    self.emit("_pc = 0")
                    others = [n for n in all_locals if n not in pnames and n != "_c" and
                              n not in self.cell_names_of_free()]
                    if others:
                        self.emit(" = ".join(others) + " = None")
                    em.splice(prologue)
                self.emit("else:")
                with self.indent():
                    self.emit("_pc = _fr.pc")
                    self.emit(f"{self.token}, = _fr.locals" if all_locals else "pass")
                self.mod.locals_tokens[self.token] = ", ".join(all_locals) if all_locals else "()"
            else:
                if self.uses_jmp:
                    prologue.lines.append((0, "_jmp = None", 0, 0))
                if self.none_locals:
                    prologue.lines.insert(0, (0, " = ".join(self.none_locals) + " = None", 0, 0))
                em.splice(prologue)
            em.splice(body_buf)
            if not body_buf.lines:
                self.emit("pass")
            self.exit_checks()
        if self.susp:   # a guard-free copy for first entries (codegen/dynamic.py)
            add_fast_variant(em.buf.lines, start, f.id, args)
        # (what a frame's locals and resume points mean is part of the layout: a checkpoint
        # from code that reads them differently is "changed code", not a bad local)
        resume = self.resume.info_source(self.local_layout(params)) if self.susp else ""
        if self.susp:
            self.mod.frame_maps[f.id] = self.frame_map(params)
        layout = hashlib.sha256(
            (",".join(self.local_layout(params)) + f"|{self.npc}|{f.id}|{f.name}"
             + (f"|{resume}" if resume else "")).encode()
        ).hexdigest()[:16]
        ptypes = [p.type for p in params]
        nps = f.node_params
        mandatory = sum(1 for p in nps if p.default is None)
        last = max((i + 1 for i, p in enumerate(nps) if p.default is None), default=0)
        optional = tuple(i for i, p in enumerate(nps) if p.default is not None)
        self.emit(f"_FN{f.id} = _FI(_H, {f.id}, {f.name!r}, _f{f.id}, {tuple(pnames and [p.name for p in params])!r}, "
                  f"{tuple(ptypes)!r}, {mandatory}, {self.susp}, {bool(f.needs_cells)}, "
                  f"{layout!r}, {f.is_closure}, {f.implicit_it}, "
                  f"{'' if last == mandatory else f'optional={optional!r}, '}"
                  f"cell_kinds={tuple(s.type or 'def' for s in f.free)!r}, "
                  f"is_main={bool(f.is_main)}{', ' + resume if resume else ''}"
                  f"{', returns_int=True' if f.is_closure and returns_int(f, ()) else ''}"
                  f"{f', sort_key={sk!r}' if f.is_closure and (sk := sort_key(f)) else ''})")

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

    def entry_checks(self):
        """Limits at function entry: one work unit, and the call depth (kept exact by a
        ``finally``, which only decrements a counter: harmless while a Suspend unwinds)."""
        mod = self.mod
        names = [n for n, on in (("_BC", mod.count_work), ("_D", mod.track_depth)) if on]
        if not names:
            return
        em = self.em
        em.emit(f"global {', '.join(names)}")
        if mod.track_depth:
            em.emit("_D += 1")
            em.emit("try:")
            em.indent += 1
            em.emit("if _D > _DMAX: _RT.depth_exceeded()")
        if mod.count_work:
            em.emit(_TICK)

    def exit_checks(self):
        if self.mod.track_depth:
            em = self.em
            em.indent -= 1
            em.emit("finally:")
            em.emit("    _D -= 1")

    def cell_names_of_free(self):
        if not self.f.needs_cells:
            return set()
        return {self.name_of(s) for s in self.f.free}

    def local_layout(self, params):
        names = []
        seen = set()
        if self.f.needs_cells:
            names.append("_c")
            seen.add("_c")
        for s in params:
            if s.pyname not in seen:
                names.append(s.pyname)
                seen.add(s.pyname)
        for s in self.f.free:
            n = self.name_of(s)
            if n not in seen:
                names.append(n)
                seen.add(n)
        for s in self.f.locals:
            if s.pyname not in seen:
                names.append(s.pyname)
                seen.add(s.pyname)
        for n in self.extra_locals:
            if n not in seen:
                names.append(n)
                seen.add(n)
        return names

    def function_body(self, f):
        body = f.node.body
        spec = self.int_specialisable(f)
        if not spec:
            self.block_value(body, "return")
            return
        # Untyped parameters that are ints at run time (the common case) get a copy of the
        # body compiled as if they were declared int: no run-time type tests on them.
        test = " and ".join(f"type({p.pyname}) is int" for p in spec)
        saved = self.em.push()
        self.int_syms = set(spec)
        # all params int and every result int: recursive calls with int args are ints
        all_int = len(spec) == len(f.node_params)
        self.int_funcs = (f,) if all_int and returns_int(f, self.int_syms) else ()
        self.block_value(body, "return")
        self.int_syms = set()
        self.int_funcs = ()
        fast = self.em.pop(saved)
        saved = self.em.push()
        self.block_value(body, "return")
        general = self.em.pop(saved)
        if fast.lines == general.lines:     # (nothing in it depends on the types: no test)
            self.em.splice(general)
            return
        self.em.emit(f"if {test}:")
        self.em.splice(fast, 1)
        self.em.emit("else:")
        self.em.splice(general, 1)

    def int_specialisable(self, f):
        if self.susp or self.mod.cpe or f.is_main:
            return None
        params = [p.sym for p in f.node_params]
        spec = [p for p in params if p.type in ("def", "var") and not p.captured
                and not p.assigned_after_decl]
        if spec:
            used = numeric_uses(f.node.body)
            spec = [p for p in spec if p in used]
        if not spec or len(spec) > 3 or _size(f.node.body) > 60:
            return None
        if f.children:
            return None
        return spec

    def st(self, node, default="def"):
        """Static type of node; inside an int-specialised body the specialised parameters
        count as int."""
        if node is None:
            return default
        if self.int_syms:
            return infer_type(node, self.int_syms, self.int_funcs)
        return node.stype or default

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

    def cells_tuple(self, g):
        names = []
        for s in g.free:
            names.append(self.name_of(s) if s.owner is not self.f else s.pyname)
        if not names:
            return "()"
        return "(" + ", ".join(names) + ",)"

    def default_for(self, tname):
        return {"int": "0", "long": "_Long(0)", "double": "0.0", "Decimal": "_Dec0",
                "String": "''", "boolean": "False", "byte": "_Byte(0)"}.get(tname, "None")

    def stmt_checkpoint(self, st):
        """checkpoint_each_statement mode: a suspend point after the statement."""
        def body():
            self.suspend_call("_stmt_checkpoint(_RT)", st)
        self.guarded(_Item(st), body)

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

            if not self.susp and (self.typed.range_for(st) or self.fast_for(st)):
                if mode:
                    self.finish_value(mode, result, "None")
                return

            def header():
                if st.cond is not None:
                    c = self.cond(st.cond)
                    self.step(f"if not {c}: break")

            def update():
                for e in st.update:
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

    def expr(self, e):
        m = getattr(self, "e_" + type(e).__name__)
        return m(e)

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

    # literals ------------------------------------------------------------

    def e_Literal(self, e):
        k = e.kind
        if k == "int":
            return repr(e.value)
        if k == "long":
            return f"_Long({e.value!r})"
        if k == "double":
            v = e.value
            if v != v or v in (float("inf"), float("-inf")):
                return f"float({str(v)!r})"
            return repr(float(v))
        if k == "decimal":
            text = str(e.value)
            try:
                check_decimal(Decimal(text))
            except LimitError as err:
                raise CompileError(err.raw_message, e.line, e.col) from None
            return self.mod.const(f"_Dec({text!r})")
        if k == "string":
            return repr(e.value)
        if k == "bool":
            return "True" if e.value else "False"
        return "None"

    def e_InterpString(self, e):
        exprs = [p for p in e.parts if not isinstance(p, str)]
        vals = self.exprs(exprs)
        if len(e.parts) == 1 and exprs:
            return strdec.interp_part(self, exprs[0], vals[0]) or str_part(self, vals[0])
        if not e.parts:
            return "''"
        # ``s = "$s$s"`` doubles: a result past BYTES_MIN is measured against the limit
        return f"(_si if len(_si := {strdec.interpolation(self, e.parts, vals)}) <= {BYTES_MIN} else _bigs(_si))"

    def e_RegexLit(self, e):
        return self.expr(e.pattern)

    def e_ListLit(self, e):
        items = self.exprs(e.items)
        return "[" + ", ".join(items) + "]"

    def e_MapLit(self, e):
        flat = []
        for k, v in e.entries:
            flat.append(k)
            flat.append(v)
        vals = self.exprs(flat)
        keys = [k for k, _ in e.entries]
        # list and map keys are stored as hashable copies
        pairs = [f"{vals[i] if isinstance(keys[i // 2], N.Literal) else f'_hk({vals[i]})'}: "
                 f"{vals[i + 1]}" for i in range(0, len(vals), 2)]
        return "{" + ", ".join(pairs) + "}"

    def e_ClassRef(self, e):
        return f"_DTS[{e.cname!r}]"

    def e_Ident(self, e):
        sym = e.sym
        if sym.kind == "local":
            return self.read_sym(sym)
        if sym.kind == "function":
            return self.func_value(sym)
        if sym.kind == "builtin":
            return f"_builtin_value(_RT, {sym.name!r})"
        if sym.kind == "capture":
            return strdec.capture(self, self.read_sym(sym.match_sym), int(sym.name[1:]))
        return f"(_G[{sym.name!r}] if {sym.name!r} in _G else _gget(_G, {sym.name!r}))"

    def func_value(self, sym):
        g = sym.func
        if g.needs_cells or sym.captured:
            if g is self.f:
                return f"_Closure(_FN{g.id}, _c)" if g.needs_cells else f"_Closure(_FN{g.id})"
            return self.read_sym(sym)
        return f"_Closure(_FN{g.id})"

    # operators -----------------------------------------------------------

    def e_Binary(self, e):
        op = e.op
        if op in ("&&", "||"):
            return self.logical(e)
        if op == "?:":
            return self.elvis(e)
        if op in ("=~", "!~"):
            return self.regex(e)
        if op in ("===", "!==") and _const_collection(e.left) and _const_collection(e.right):
            # Jactl keeps one copy of equal constant list/map literals: they are identical
            l, r = self.exprs([e.left, e.right])
            return f"({'' if op == '===' else 'not '}_sw_eq({l}, {r}))"
        fast = self.typed.binary(e)
        if fast is None:
            fast = strdec.binary(self, e, BINOPS)     # String / Decimal operands
        if fast is not None:
            return fast
        if op in INT_NATIVE and self.int_tree(e):
            # + - * are ring operations: wrapping once at the end gives what wrapping
            # every intermediate result gives (mod 2**32), so one range check suffices
            return f"(_r if {INT_MIN} <= (_r := {self.int_raw(e)}) <= {INT_MAX} else _w32(_r))"
        l, r = self.exprs([e.left, e.right])
        lt, rt = self.st(e.left), self.st(e.right)
        if lt == "int" and rt == "int":
            if op in INT_NATIVE:
                return (op != "*" and self.typed.int_minus(e, l, r)) or \
                    self.int_checked(f"{l} {op} {r}", op, e.right)
            if op in INT_COMPARE or op in ("&", "|", "^"):
                return f"({l} {op} {r})"
            if op == "%":
                if _is_int_literal(r) and int(r) != 0:
                    return f"({l} % {r})"
                if _is_simple_operand(r):
                    return f"({l} % {r} if {r} else _mod({l}, {r}))"
        if lt in ("int", "long", "double") and rt in ("int", "long", "double") and op in ("<", "<=", ">", ">="):
            return f"({l} {op} {r})"
        if op in ("==", "!=") and (lt in ("boolean",) and rt == "boolean"):
            return f"({l} {op} {r})"
        fn = BINOPS[op]
        fast = fast_long(self, l, r, lt, rt, op, fn) or string_eq(self, l, r, op, fn) or \
            int_ops(self, l, r, lt, rt, op, fn) or self.fast_int(l, r, lt, rt, op, fn)
        if fast is not None:
            return fast
        return f"{fn}({l}, {r})"

    def int_arith(self, e):
        """e is an int ``+ - *`` the int path below emits (both operands statically int,
        nothing lowered)."""
        return isinstance(e, N.Binary) and e.op in INT_NATIVE and \
            not e.left.lower and not e.right.lower and \
            self.st(e.left) == "int" and self.st(e.right) == "int"

    def int_tree(self, e):
        """An int ``+ - *`` with another one as an operand (``i * 7 + j * 13``)."""
        return self.int_arith(e) and (self.int_arith(e.left) or self.int_arith(e.right))

    def int_raw(self, e):
        """Unwrapped Python text of an int ``+ - *`` tree; leaves as usual."""
        if not self.int_arith(e):
            return self.expr(e)
        return f"({self.int_raw(e.left)} {e.op} {self.int_raw(e.right)})"

    def int_checked(self, text, op, right=None):
        """An int result brought back into 32 bits. When the sign of the right operand is
        known, only one bound can be crossed, and one comparison is cheaper than two."""
        sign = _sign(right) if right is not None else None
        if op in ("+", "-") and sign is not None:
            up = (sign > 0) == (op == "+")
            test = f"(_r := {text}) <= {INT_MAX}" if up else f"(_r := {text}) >= {INT_MIN}"
            return f"(_r if {test} else _w32(_r))"
        return f"(_r if {INT_MIN} <= (_r := {text}) <= {INT_MAX} else _w32(_r))"

    def fast_int(self, l, r, lt, rt, op, fn):
        """Inline path for untyped operands that turn out to be ints at run time (the
        common case of ``def`` code): Python int arithmetic with a 32-bit range check,
        falling back to the general operator."""
        if lt not in ("int", "def") or rt not in ("int", "def"):
            return None
        if op not in FAST_OPS:
            return None
        evals = []     # complex operands: evaluated (in order) into temps, then checked
        checks = []    # simple untyped operands: checked only
        ops_ = []
        for x, t in ((l, lt), (r, rt)):
            if _is_simple_operand(x):
                if t == "def" and not _is_int_literal(x):
                    checks.append(f"type({x}) is int")
                ops_.append(x)
            else:
                self.nq += 1
                q = f"_q{self.nq}"
                evals.append(f"type({q} := {x}) is int")
                ops_.append(q)
        if not evals and not checks:
            return None
        # both complex operands must be evaluated even when the first is not an int
        first = " & ".join(f"({c})" for c in evals) if len(evals) > 1 else "".join(evals)
        cond = " and ".join([c for c in [first] if c] + checks)
        a, b = ops_
        other = long_fallback(a, b, lt, rt, op, fn)     # long operands, then fn
        if op in ("+", "-", "*"):
            return (f"(_r if {cond} and {INT_MIN} <= (_r := {a} {op} {b}) <= {INT_MAX} "
                    f"else {other})")
        if op == "%":
            nz = "" if _is_int_literal(b) and int(b) != 0 else f" and {b}"
            return f"({a} % {b} if {cond}{nz} else {other})"
        return f"({a} {op} {b} if {cond} else {other})"

    def match_local(self, name):
        """A function-local used by regex matching ($n groups, /g positions): starts as
        None and is saved with the frame like any local."""
        if name not in self.extra_locals:
            self.extra_locals.append(name)
            self.none_locals.append(name)
            self.resume.kind(name, "@groups" if name == "_m" else "@count" if name == "_lc"
                             else "@rx" if name.startswith("_g") else "@temp")
        return name

    def regex(self, e):
        r = e.right
        negate = e.op == "!~"
        if isinstance(r, N.RegexLit) and r.replace is not None:
            return self.substitution(e.left, r)
        flags = r.flags if isinstance(r, N.RegexLit) else ""
        pat_node = r.pattern if isinstance(r, N.RegexLit) else r
        l, p = self.exprs([e.left, pat_node])
        if "g" in flags:
            self.nq += 1
            st = self.match_local(f"_g{self.nq}")
            call = f"_rx_next(({st} := {st} or [None, 0]), {l}, {p}, {flags!r})"
        else:
            call = f"_rx_find({l}, {p}, {flags!r})"
        test = "is None" if negate else "is not None"
        return f"({self.store_groups(e.match_sym, call)} {test})"

    def store_groups(self, sym, call):
        """An expression storing a match's groups in the ``$@`` local sym; its value."""
        if sym.captured:
            return f"_cset({self.name_of(sym)}, {call})"
        return f"({self.name_of(sym)} := {call})"

    def substitution(self, target, r):
        """``x =~ s/p/r/f``: a replacement without statements is a Python callback of
        re.sub; one that runs statements (it may suspend) is a loop over the matches."""
        pat = self.expr(r.pattern)
        in_place = isinstance(target, (N.Ident, N.Field, N.Index)) and "r" not in r.flags and \
            not (isinstance(target, N.Ident) and target.sym.kind != "local"
                 and target.sym.kind != "global")
        if in_place:
            read, write, ttype = self.lvalue_parts(target)
            subject = read()
        else:
            subject = self.expr(target)
        self.block_prologue(_ScopeHolder(r.repl_scope, []))
        if r.replace.lower:
            res = self.substitution_loop(subject, pat, r)
        else:
            bind = self.store_groups(r.repl_sym, "_mm")
            fn = f"lambda _mm: ({bind}, {self.expr(r.replace)})[1]"
            res = f"_rx_subst({subject}, {pat}, {r.flags!r}, {fn})"
        if in_place:
            t = self.temp()
            self.step(f"{t} = {res}")
            self.step(write(t))
            return t
        return res

    def substitution_loop(self, subject, pat, r):
        """The matches are found first (plain values), then each replacement is evaluated
        as ordinary statements, so it can suspend and resume mid-way."""
        sv, found, parts, i = self.temp(), self.temp("@list"), self.temp("@list"), \
            self.temp("@int")
        self.step(f"{sv} = {subject}")
        self.step(f"{found} = _rx_matches({sv}, {pat}, {r.flags!r})")
        self.step(f"{parts} = []")
        self.step(f"{i} = 0")
        for t in (sv, found, parts, i):
            self.resume.define(t)

        def loop():     # (guarded as a whole: a resume after it must not enter it)
            self.em.emit("while True:")
            with self.indent():
                self.tick()
                self.guarded(_Item(r), header)
                self.guarded(_Item(r.replace), body)

        def header():
            self.step(f"if {i} >= len({found}): break")
            self.store_sym(r.repl_sym, f"{found}[{i}][2]")

        def body():
            v = self.expr(r.replace)
            self.step(f"_rx_text({v}, {parts})")
            self.step(f"{i} += 1")
        self.guarded(_Item(r), loop)
        return f"_rx_join({sv}, {found}, {parts})"

    def logical(self, e):
        is_and = e.op == "&&"
        if not e.right.lower:
            l = self.cond(e.left)
            r = self.cond(e.right)
            return f"({l} {'and' if is_and else 'or'} {r})"
        t = self.temp()
        l = self.cond(e.left)
        self.step(f"{t} = {l}")

        def then():
            r = self.cond(e.right)
            self.step(f"{t} = {r}")
        self.if_stmt_raw(t if is_and else f"not {t}", then)
        return t

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
            self.em.emit(f"if {c}:")
            if then_buf.lines:
                self.em.splice(then_buf, 1)
            else:
                self.em.emit("    pass")
            if else_buf.lines:
                self.em.emit("else:")
                self.em.splice(else_buf, 1)
            return
        if mid > start:
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

    def elvis(self, e):
        # (as for ``?=``: a null met while evaluating the left side makes it null)
        if not e.right.lower and not e.left.lower and \
                not isinstance(e.left, N.MethodCall):
            l = null_tolerant_index(self, e.left)
            if l is None:
                l = self.expr(e.left)
                if not _is_simple(l):
                    l = f"_try_null(lambda: {l})"
            r = self.expr(e.right)
            return f"(_r if (_r := {l}) is not None else {r})"
        t = self.null_tolerant(e.left)

        def then():
            self.step(f"{t} = {self.expr(e.right)}")
        self.if_stmt_raw(f"{t} is None", then)
        return t

    def e_Ternary(self, e):
        if not (e.then.lower or e.else_.lower):
            c = self.cond(e.cond)
            with self.typed.known_lower(e.cond, e.then, True):
                then = self.expr(e.then)
            with self.typed.known_lower(e.cond, e.else_, False):
                return f"({then} if {c} else {self.expr(e.else_)})"
        t = self.temp()
        c = self.cond(e.cond)
        ct = self.temp()
        self.step(f"{ct} = {c}")
        self.if_stmt_raw(ct, lambda: self.em.emit(f"{t} = {self.expr(e.then)}"),
                         lambda: self.em.emit(f"{t} = {self.expr(e.else_)}"))
        return t

    def e_Unary(self, e):
        op = e.op
        if op in ("++", "--"):
            return self.incdec(e, want_value=True)
        v = self.expr(e.expr)
        if op == "??":     # not null, a null met on the way counting as null
            if e.expr.lower or _is_simple(v):
                return f"({v} is not None)"
            return f"(_try_null(lambda: {v}) is not None)"
        if op == "!":
            if self.st(e.expr) == "boolean":
                return f"(not {v})"
            return f"(not {truthy(self, v)})"
        if op == "-":
            if isinstance(e.expr, N.Literal) and e.expr.kind in ("int", "long", "double", "decimal"):
                return self.e_Literal(_negated_literal(e.expr))
            return f"_neg({v})"
        if op == "+":
            return f"_pos({v})"
        if op == "~":
            return f"_bnot({v})"
        raise CompileError(f"Unknown operator {op}", e.line, e.col)

    def e_Postfix(self, e):
        return self.incdec(e, want_value=True)

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
            if _cls.facts(self).get(self.st(e.obj)) is not None:
                kind += ":typed"       # (objects.auto_field)
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

    # conversions -----------------------------------------------------------

    def convert(self, v, node, tname):
        if tname in ("def", "var", None, "Object"):
            return v
        st = self.st(node, None) if node is not None else None
        if st == tname:
            return v
        if tname == "long" and st == "int":
            return f"_Long({v})"
        if tname == "double" and st in ("int", "long"):
            return f"float({v})"
        fast = _cls.convert_to_class(self, v, node, tname, False)
        if fast is not None:
            return fast
        if self.susp and self.is_user_class(tname):
            # a Map converts to an instance by running the class's initialisers
            return self.suspend_call(f"_cv({v}, {tname!r}{self.classes_arg(tname)})", node,
                                     *self.ctor_of(tname))
        return (self.mod.const(c) if (c := strdec.convert(node, tname)) else None) or exact_convert(self, v, tname) or \
            f"_cv({v}, {tname!r}{self.classes_arg(tname)})"

    def classes_arg(self, tname):
        """The script's class table as the last argument of a conversion to type tname
        that may need it (a Map becomes an instance of one of its classes): passed
        explicitly, so a closure called by the host after the script returned converts
        to its own script's classes."""
        if not getattr(self.mod.r, "classes", ()) or tname.rstrip("[]") in _NO_CLASS_TYPES:
            return ""
        return ", _CLASSES"

    def is_user_class(self, tname):
        names = self.mod.class_names
        if names is None:
            names = self.mod.class_names = {ci.name for ci in self.mod.r.classes}
        return tname in names

    def ctor_of(self, tname):
        """(kind, callee) of a Map-to-class conversion: the constructor's frame is inside,
        unless its initialisers (parameter defaults) can suspend without one."""
        for ci in self.mod.r.classes:
            if ci.name == tname:
                g = ci.ctor.info
                if _prologue_may_suspend(g):
                    return "@temp", None
                return tname, g.id
        return "@temp", None

    def e_Cast(self, e):
        fast = self.typed.cast(e)
        if fast is not None:
            return fast
        t = _tn(e.type)
        return self.class_conversion(e, f"_cast({self.expr(e.expr)}, {t!r}{self.classes_arg(t)})")

    def e_As(self, e):
        fast = strdec.as_int(self, e)
        if fast is not None:
            return fast
        t = _tn(e.type)
        return self.class_conversion(e, f"_as({self.expr(e.expr)}, {t!r}{self.classes_arg(t)})")

    def class_conversion(self, e, text):
        """``(X)v`` / ``v as X`` may run X's constructor (a Map to an instance): a suspend
        point when that may suspend."""
        t = _tn(e.type)
        if self.susp and e.susp and self.is_user_class(t):
            return self.suspend_call(text, e, *self.ctor_of(t))
        return text

    def e_InstanceOf(self, e):
        v = f"_instanceof({self.expr(e.expr)}, {_tn(e.type)!r})"
        return f"(not {v})" if e.negated else v

    # access ----------------------------------------------------------------

    def null_safe(self, obj_text, fn):
        t = self.temp()
        self.step(f"{t} = {obj_text}")
        return f"(None if {t} is None else {fn(t)})"

    def e_Index(self, e):
        fast = self.typed.index_read(e)
        if fast is not None:
            return fast
        o, i = self.exprs([e.obj, e.index])
        if e.null_safe:
            return f"_index_ns({o}, {i})"
        return index_read(self, o, i, self.st(e.index), self.st(e.obj))

    def e_Field(self, e):
        fast = _cls.field_read(self, e)
        if fast is not None:
            return fast
        if isinstance(e.name, str):
            o = self.expr(e.obj)
            nm = repr(e.name)
        else:
            o, nm = self.exprs([e.obj, e.name])
        if e.null_safe:
            return f"_field_ns({o}, {nm})"
        if isinstance(e.name, str):
            return field_read(self, o, e.name)
        return f"_field({o}, {nm})"

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

    def e_Closure(self, e):
        g = e.info
        if g.needs_cells:
            return f"_Closure(_FN{g.id}, {self.cells_tuple(g)})"
        return f"_Closure(_FN{g.id})"

    def e_DoBlock(self, e):
        t = self.temp()
        self.block_value(e.body, "assign", t)
        return t

    # switch ----------------------------------------------------------------

    def e_SwitchExpr(self, e):
        res = self.temp()
        ok = self.temp()
        subj = self.expr(e.subject)
        self.store_sym(e.it_sym, subj)
        it = self.read_sym(e.it_sym)
        self.step(f"{res} = None")
        if self.switch_chain(e, it, res):
            return res
        cases = [c for c in e.cases if not c.is_default]
        default = next((c for c in e.cases if c.is_default), None)
        # each case is the else branch of the one before (no "matched" flag tested per
        # case); groups of cases bound the nesting depth, a flag joins the groups
        groups = [cases[i:i + _SWITCH_NEST] for i in range(0, len(cases), _SWITCH_NEST)]
        done = self.temp() if len(groups) > 1 else None
        if done:
            self.step(f"{done} = False")

        def chain(group, k):
            if k == len(group):
                if default is not None and done is None:
                    self.case_result(default.result, res)
                return
            case = group[k]
            self.block_prologue(_ScopeHolder(case.scope, []))
            has_rx = any(_has_regex(pt) for pt, _ in case.patterns)
            for j, (pat, guard) in enumerate(case.patterns):
                def alt(pat=pat, guard=guard):
                    bound = set()
                    if has_rx:     # (groups of an alternative that did not match)
                        for m in _regex_match_syms(*(pt for pt, _ in case.patterns)):
                            self.store_sym(m, "None")
                    self.pattern_into(pat, it, bound, ok)
                    if guard is not None:
                        self.if_stmt_raw(ok, lambda: self.step(f"{ok} = {self.cond(guard)}"))
                if j == 0:
                    alt()       # (it sets ok whatever it finds)
                else:
                    self.if_stmt_raw(f"not {ok}", alt)

            def then():
                if done:
                    self.step(f"{done} = True")
                self.case_result(case.result, res)
            rest = len(group) > k + 1 or (default is not None and done is None)
            self.if_stmt_raw(ok, then, (lambda: chain(group, k + 1)) if rest else None)

        for n, group in enumerate(groups):
            if n == 0:
                chain(group, 0)
            else:
                self.if_stmt_raw(f"not {done}", lambda group=group: chain(group, 0))
        if not groups and default is not None:
            self.case_result(default.result, res)
        elif done and default is not None:
            self.if_stmt_raw(f"not {done}", lambda: self.case_result(default.result, res))
        return res

    def switch_chain(self, e, it, res):
        """A switch whose cases are all literals without guards: one ``if/elif/else``
        chain of the literal tests (what the general form's done/ok flags compute, one test
        per case). In a resumable function a case holding resume points is entered by its
        range of ``_pc`` on a resume (as if_stmt_raw does); the first-entry copy drops
        those ranges (dynamic.add_fast_variant). True when emitted."""
        if not all(
                case.is_default or all(pat.kind == "lit" and guard is None and
                                       isinstance(pat.value, N.Literal)
                                       for pat, guard in case.patterns)
                for case in e.cases):
            return False
        cases = [c for c in e.cases if not c.is_default]
        default = next((c for c in e.cases if c.is_default), None)
        mark = self.resume.mark()
        for k, case in enumerate(cases):
            test = " or ".join(self.pattern(pat, it, set()) for pat, _ in case.patterns)
            start = self.npc
            saved = self.em.push()
            self.block_prologue(_ScopeHolder(case.scope, []))
            self.case_result(case.result, res)
            self.resume.release(mark)
            buf = self.em.pop(saved)
            if self.susp:
                test = f"({start + 1} <= _pc <= {self.npc} if _pc else {test})" \
                    if self.npc > start else f"(not _pc and {test})"
            self.em.emit(f"{'if' if k == 0 else 'elif'} {test}:")
            self.em.splice(buf, 1) if buf.lines else self.em.emit("    pass")
        if default is not None:
            saved = self.em.push()
            self.case_result(default.result, res)
            self.resume.release(mark)
            buf = self.em.pop(saved)
            if buf.lines:
                self.em.emit("else:" if cases else "if True:")
                self.em.splice(buf, 1)
        return True

    def case_result(self, r, res):
        if isinstance(r, N.Block):
            self.block_value(r, "assign", res)
        elif isinstance(r, N.Assign):
            self.step(f"{res} = {self.assign(r, want_value=True)}")
        else:
            self.step(f"{res} = {self.expr(r)}")

    def bind_text(self, sym, v):
        if sym.captured:
            return f"_sw_cset({self.name_of(sym)}, {v})"
        return f"_sw_t({self.name_of(sym)} := {v})"

    def pattern_into(self, p, v, bound, ok):
        """Set ``ok`` to whether v matches p. A pattern with ``${...}`` code (``${++a}``,
        a block, a suspending call) is tested part by part, in order: its code sees the
        variables bound before it and runs only if everything before it matched, as in
        Jactl. Other patterns are one boolean expression (``pattern``)."""
        if not _has_code(p) or p.kind not in ("list", "map", "ctor"):
            self.step(f"{ok} = {self.pattern(p, v, bound)}")
            return

        def then(x, xv):
            self.if_stmt_raw(ok, lambda: self.pattern_into(x, xv, bound, ok))

        if p.kind == "ctor":
            self.step(f"{ok} = {_inst_test(v, _tn_s(p.tname))}")
            subs = [x for _, x in p.entries] if p.entries else p.items
            for fname, sub in zip(p.fields, subs):
                fv = f"_field({v}, {fname!r})"
                if sub.kind == "lit":   # a field matches a literal by value, as with ==
                    self.if_stmt_raw(ok, lambda sub=sub, fv=fv: self.step(
                        f"{ok} = _eq({fv}, {self.expr(sub.value)})"))
                else:
                    then(sub, fv)
            return
        if p.kind == "map":
            n = len(p.entries)
            self.step(f"{ok} = type({v}) is dict and len({v}) {'>=' if p.star else '=='} {n} "
                      f"and {' and '.join(f'{k!r} in {v}' for k, _ in p.entries) or 'True'}")
            for key, x in p.entries:
                then(x, f"{v}[{key!r}]")
            return
        items = p.items
        n = len(items)
        star = next((i for i, x in enumerate(items) if x.kind == "star"), None)
        islist = f"(type({v}) is list or _sw_islist({v}))"
        if star is None:
            self.step(f"{ok} = {islist} and len({v}) == {n}")
            for i, x in enumerate(items):
                then(x, f"{v}[{i}]")
            return
        self.step(f"{ok} = {islist} and len({v}) >= {n - 1}")
        after = n - 1 - star
        for i, x in enumerate(items[:star]):
            then(x, f"{v}[{i}]")
        for j, x in enumerate(items[star + 1:]):
            then(x, f"{v}[{j - after}]")
        sp = items[star]
        if sp.name is not None:
            sl = f"list({v}[{star}:{'' if after == 0 else -after}])"
            if sp.sym.name in bound:
                test = f"_sw_eq({sl}, {self.read_sym(sp.sym)})"
            else:
                bound.add(sp.sym.name)
                test = self.bind_text(sp.sym, sl)
            self.if_stmt_raw(ok, lambda: self.step(f"{ok} = {test}"))

    def pattern(self, p, v, bound):
        """Python boolean expression testing v (a side-effect-free text) against p; binding
        variables are assigned as the test proceeds."""
        k = p.kind
        if k == "any":
            return "True"
        if k == "lit":
            return switch_literal(v, self.expr(p.value))
        if k == "expr":
            return f"_sw_eq({v}, {self.expr(p.value)})"
        if k == "type":
            if p.tname in ("def", "Object"):
                return "True"
            return _inst_test(v, _tn_s(p.tname))
        if k == "bind":
            sym = p.sym
            tests = []
            if sym.type not in ("def", "var"):
                tests.append(_inst_test(v, _tn_s(sym.type)))
            if sym.name in bound:
                tests.append(f"_sw_eq({v}, {self.read_sym(sym)})")
            else:
                bound.add(sym.name)
                tests.append(self.bind_text(sym, v))
            return "(" + " and ".join(tests) + ")"
        if k == "ctor":
            tests = [_inst_test(v, _tn_s(p.tname))]
            subs = [x for _, x in p.entries] if p.entries else p.items
            for fname, sub in zip(p.fields, subs):
                fv = f"_field({v}, {fname!r})"
                if sub.kind == "lit":   # a field matches a literal by value, as with ==
                    tests.append(f"_eq({fv}, {self.expr(sub.value)})")
                else:
                    tests.append(self.pattern(sub, fv, bound))
            return "(" + " and ".join(tests) + ")"
        if k == "regex":
            r = p.value
            pt = self.expr(r.pattern)
            m = self.store_groups(p.match_sym, f"_rx_find({v}, {pt}, {r.flags!r})")
            return f"(type({v}) is str and ({m} is not None))"
        if k == "list":
            items = p.items
            n = len(items)
            star = next((i for i, x in enumerate(items) if x.kind == "star"), None)
            if star is None:
                tests = [f"(type({v}) is list or _sw_islist({v}))", f"len({v}) == {n}"]
                for i, x in enumerate(items):
                    tests.append(self.pattern(x, f"{v}[{i}]", bound))
            else:
                tests = [f"(type({v}) is list or _sw_islist({v}))", f"len({v}) >= {n - 1}"]
                after = n - 1 - star
                for i, x in enumerate(items[:star]):
                    tests.append(self.pattern(x, f"{v}[{i}]", bound))
                for j, x in enumerate(items[star + 1:]):
                    tests.append(self.pattern(x, f"{v}[{j - after}]", bound))
                sp = items[star]
                if sp.name is not None:
                    sl = f"list({v}[{star}:{'' if after == 0 else -after}])"
                    if sp.sym.name in bound:
                        tests.append(f"_sw_eq({sl}, {self.read_sym(sp.sym)})")
                    else:
                        bound.add(sp.sym.name)
                        tests.append(self.bind_text(sp.sym, sl))
            tests = [t for t in tests if t != "True"]
            return "(" + " and ".join(tests) + ")"
        if k == "map":
            n = len(p.entries)
            tests = [f"type({v}) is dict", f"len({v}) {'>=' if p.star else '=='} {n}"]
            for key, x in p.entries:
                tests.append(f"{key!r} in {v}")
                t = self.pattern(x, f"{v}[{key!r}]", bound)
                if t != "True":
                    tests.append(t)
            return "(" + " and ".join(tests) + ")"
        raise CompileError("Unsupported switch pattern", p.line, p.col)

    def e_Die(self, e):
        v = self.expr(e.expr) if e.expr is not None else "None"
        return f"_die({v})"

    def e_Print(self, e):
        args = self.exprs(e.args)
        fn = "_B_println" if e.newline else "_B_print"
        return f"{fn}(_RT, {', '.join(args)})" if args else f"{fn}(_RT)"

    def e_ReturnExpr(self, e):
        v = self.expr(e.expr) if e.expr is not None else "None"
        self.em.emit(f"return {v}")
        return "None"

    def e_MakeObj(self, e):
        vals = self.exprs(list(e.args))
        return f"{class_ident(e.cname)}({', '.join(vals)})"

    def e_ArrayNew(self, e):
        sizes = self.exprs([x for x in e.sizes if x is not None])
        t = _tn(e.type)
        return f"_new_array({t!r}, ({', '.join(sizes)},){self.classes_arg(t)})"

    def e_BreakExpr(self, e):
        self.jump(e, True)
        return "None"

    def e_ContinueExpr(self, e):
        self.jump(e, False)
        return "None"

    def e_Eval(self, e):
        args = self.exprs(e.args)
        return f"_bcall(_RT, 'eval', ({', '.join(args)},))"


_DIRECT_BUILTINS = {"println", "print", "sprintf"}

# one work unit from the instance's countdown; reaching 0 reports the chunk
_TICK = "if (_BC := _BC - 1) <= 0: _RT.check_limits()"


class _Indent:
    def __init__(self, em):
        self.em = em

    def __enter__(self):
        self.em.indent += 1

    def __exit__(self, *a):
        self.em.indent -= 1


class _Item:
    """A guard holder for code that is not a statement node of its own."""

    def __init__(self, node):
        self.line = node.line
        self.col = node.col
        self.pcs = (None, None)


class _ScopeHolder:
    def __init__(self, scope, stmts):
        self.scope = scope
        self.stmts = stmts


# type patterns whose instances are exactly one Python type (values.instance_of)
_EXACT_INSTANCE = {"int": "int", "long": "_Long", "byte": "_Byte", "double": "float", "Decimal": "_Dec",
                   "String": "str", "boolean": "bool"}


def _inst_test(v, tname):
    """``v instanceof tname`` for a switch pattern (v: a side-effect-free text)."""
    py = _EXACT_INSTANCE.get(tname)
    if py is not None:
        return f"(type({v}) is {py})"
    return f"_instanceof({v}, {tname!r})"


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


def _is_simple(v):
    return v is None or v == "None" or v.isidentifier() or _is_const(v)


_ONE = N.Literal("int", 1)
# cases of a switch nested as else branches before a flag joins the next group (Python
# allows at most 100 levels of indentation)
_SWITCH_NEST = 16


# types whose conversions never make an instance of a script's class
_NO_CLASS_TYPES = frozenset(("int", "long", "double", "boolean", "byte", "Decimal", "String",
                             "List", "Map", "Function", "def", "var", "Object"))
_EARLY_STOP = EARLY_STOP_METHODS
_PASS_THROUGH = LAZY_STAGES - _EARLY_STOP
_PURE_NODES = (N.Literal, N.Ident, N.Binary, N.Ternary, N.Index, N.Field, N.ListLit,
               N.MapLit, N.InterpString, N.Cast, N.As, N.InstanceOf, N.Unary)


# exact Python types of Jactl values of these static types (Long is not int: its own class)
_FAST_TYPE_TESTS = {"String": "type({0}) is str", "int": "type({0}) is int",
                    "double": "type({0}) is float", "boolean": "type({0}) is bool",
                    "Map": "type({0}) is dict"}


def _const_collection(e):
    """A list/map literal made only of constants (nested ones included)."""
    if isinstance(e, N.ListLit):
        return all(isinstance(x, N.Literal) or _const_collection(x) for x in e.items)
    if isinstance(e, N.MapLit):
        return all(isinstance(k, N.Literal) and (isinstance(v, N.Literal) or
                                                _const_collection(v)) for k, v in e.entries)
    return False


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


def _regex_match_syms(*patterns):
    """The ``$@`` locals regex patterns in switch patterns store their groups in."""
    out = []
    stack = list(patterns)
    while stack:
        x = stack.pop()
        if x.kind == "regex" and x.match_sym is not None and x.match_sym not in out:
            out.append(x.match_sym)
        stack.extend(x.items or ())
        stack.extend(v for _, v in (x.entries or ()))
    return out


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


def _pure(node):
    """No calls, assignments or output: evaluating it early or late looks the same."""
    stack = [node]
    while stack:
        n = stack.pop()
        if not isinstance(n, _PURE_NODES):
            return False
        if isinstance(n, N.Unary) and n.op in ("++", "--"):
            return False
        if isinstance(n, N.Binary) and n.op in ("=~", "!~"):
            return False
        for v in vars(n).values():
            if isinstance(v, N.Node):
                stack.append(v)
            elif isinstance(v, list):
                for i in v:
                    if isinstance(i, N.Node):
                        stack.append(i)
                    elif isinstance(i, tuple):
                        stack.extend(x for x in i if isinstance(x, N.Node))
    return True


def _emits_statements_node(e):
    return isinstance(e, (N.Assign, N.MultiAssign, N.Postfix, N.DoBlock, N.SwitchExpr)) or \
        (isinstance(e, N.Unary) and e.op in ("++", "--"))


_BUILTIN_RECEIVERS = frozenset(("List", "Map", "String", "int", "long", "double", "Decimal",
                                "byte", "boolean"))


def _deferred_defaults(g):
    """The defaulted parameters of a may-suspend function whose defaults must run in its
    body (some default calls anything, so it may suspend): all of them, in order, so that
    they still run left to right (a captured one's Cell is made in the prologue)."""
    params = [p for p in g.node_params if p.default is not None]
    if not params or not _prologue_may_suspend(g):
        return []
    return params


# const locals read as their literal value: types whose repr is that value
_CONST_TYPES = {"int": (int,), "String": (str,), "boolean": (bool,)}


def _prologue_may_suspend(g):
    """A parameter default that calls anything: defaults run in the prologue, where a
    suspension leaves no frame of the function (the caller receives the suspended value)."""
    return any(p.default is not None and not _pure(p.default)
               for p in g.node_params)


def _size(node, limit=1000):
    """Number of AST nodes under node (capped), to bound the code a specialisation copies."""
    n = 0
    stack = [node]
    while stack and n < limit:
        x = stack.pop()
        n += 1
        for v in vars(x).values():
            if isinstance(v, N.Node):
                stack.append(v)
            elif isinstance(v, list):
                stack.extend(i for i in v if isinstance(i, N.Node))
    return n


def _sign(node):
    """+1 when an int expression is known to be >= 0, -1 when <= 0, else None."""
    if isinstance(node, N.Literal) and node.kind == "int":
        return 1 if node.value >= 0 else -1
    if isinstance(node, N.Binary) and node.stype == "int":
        if node.op == "%" and isinstance(node.right, N.Literal) and node.right.kind == "int" \
                and node.right.value > 0:
            return 1
        if node.op == "&" and (_sign(node.left) == 1 or _sign(node.right) == 1):
            return 1
    return None


def _is_simple_operand(v):
    return v.isidentifier() or _is_int_literal(v)


def _is_int_literal(v):
    try:
        int(v)
        return True
    except (TypeError, ValueError):
        return False


def _is_const(v):
    if v in ("None", "True", "False", "''", "()"):
        return True
    try:
        int(v)
        return True
    except (TypeError, ValueError):
        return False


def _tn(t):
    name = t.name
    return name + "[]" * t.dims


def _negated_literal(lit):
    v = lit.value
    if lit.kind == "decimal":
        s = str(v)
        v = s[1:] if s.startswith("-") else "-" + s
    else:
        v = -v
    return N.Literal(lit.kind, v, line=lit.line, col=lit.col)


__all__ = ["generate", "Compiled", "NUMERIC_RANK", "PRIMITIVES"]


def _tn_s(name):
    return "def" if name in ("Object", None) else name


def _has_code(p):
    """Does pattern p hold ``${...}`` code beyond a plain ``$name``?"""
    if p.kind == "expr":
        return not isinstance(p.value, N.Ident)
    return any(_has_code(x) for x in p.items) or any(_has_code(x) for _, x in p.entries)


def _has_regex(p):
    if p.kind == "regex":
        return True
    return any(_has_regex(x) for x in p.items) or any(_has_regex(x) for _, x in p.entries)
