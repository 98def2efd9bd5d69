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

FuncGen is composed of mixins, one module per seam of the work (suspend.py, statements.py,
expressions.py, regex.py, assign.py, convert.py, calls.py, switch.py); what several of them use
is in shared.py.
"""

import hashlib
from ..resolve.infer import infer_type, returns_int, nonnull_decimals, stored_globals
from .sortkey import sort_key
from .typed import Typed
from ..resolve.types import NUMERIC_RANK, PRIMITIVES
from ..syntax import nodes as N
from .emitter import Emitter
from .classes import emit_classes
from .dynamic import add_fast_variant, numeric_uses
from .resume import ResumeTracker
from .suspend import SuspendMixin
from .statements import StatementsMixin, _TICK
from .expressions import ExpressionsMixin
from .regex import RegexMixin
from .assign import AssignMixin, _Indent
from .convert import ConvertMixin
from .calls import CallsMixin
from .switch import SwitchMixin
from .shared import _prologue_may_suspend

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


class FuncGen(SuspendMixin, StatementsMixin, ExpressionsMixin, RegexMixin, AssignMixin,
              ConvertMixin, CallsMixin, SwitchMixin):
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

    def classes_arg(self, tname):
        """The script's class table as the last argument of a conversion to type tname
        that may need it (a Map becomes an instance of one of its classes): passed
        explicitly, so a closure called by the host after the script returned converts
        to its own script's classes."""
        if not getattr(self.mod.r, "classes", ()) or tname.rstrip("[]") in _NO_CLASS_TYPES:
            return ""
        return ", _CLASSES"


# types whose conversions never make an instance of a script's class
_NO_CLASS_TYPES = frozenset(("int", "long", "double", "boolean", "byte", "Decimal", "String",
                             "List", "Map", "Function", "def", "var", "Object"))


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


__all__ = ["generate", "Compiled", "NUMERIC_RANK", "PRIMITIVES"]
