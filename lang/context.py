"""Context, Script and script instances: parse -> resolve -> generate -> exec, and the
driver that turns a run into ``Completed`` or ``Suspended``.

A Context holds compiled scripts (cached by source hash), host functions and limits. A
Script is compiled code; every ``start`` makes a fresh *instance*: a namespace in which the
script's Python functions are defined next to its globals map and runtime state, so
instances never share mutable state. A Continuation names code only through its instance,
by (script hash, function id).
"""

import decimal
import hashlib
import re
import sys
import time
from collections import OrderedDict

from .runtime.objects import null_receiver_error

from .checkpoint import Checkpointer
from .checkpoint.format import (DEFAULT_MAX_CHECKPOINT_SIZE, DEFAULT_MAX_RESTORE_BYTES,
                                DEFAULT_MAX_RESTORE_DEPTH, DEFAULT_MAX_RESTORE_OBJECTS)
from .checkpoint import Restorer as _Decoder
from .errors import CompileError, JactlError, JactlRuntimeError, LimitError
from .runtime import limits as _limits
from .runtime.calls import CheckpointFrame
from .runtime.continuation import Continuation, Request, Suspend
from .runtime.exports import EXPORTS
from .syntax.parser import check_class_unit, class_unit_names, parse
from .resolve.resolver import resolve
from .codegen.codegen import generate

COMPILER_VERSION = "jactl-py-0.1"


class Completed:
    """The script ran to the end; ``value`` is its result."""
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return f"Completed({self.value!r})"


class Suspended:
    """The script is waiting: persist ``continuation`` (Checkpointer.save) and resume it
    later with the result of ``request``."""
    __slots__ = ("continuation", "request")

    def __init__(self, continuation, request):
        self.continuation = continuation
        self.request = request

    def __repr__(self):
        return f"Suspended({self.request!r})"


class Context:
    """Compiles scripts and holds what their instances share: host functions, limits and
    the checkpoint key.

    Limits (each documented in docs/lang.md, "Limits"): ``max_execution_ms`` and
    ``max_loop_iterations`` bound the running time and the work units (loop iterations,
    function calls, builtin element steps) of one instance, ``eval`` included;
    ``max_call_depth`` bounds nested calls; ``max_value_bytes`` bounds any single value a
    builtin or operator builds; ``max_regex_ms`` bounds one regex operation;
    ``allow_eval=False`` makes ``eval()`` an error. ``max_cached_scripts`` bounds the
    scripts ``eval()`` compiled and keeps for reuse (host-compiled scripts stay, so their
    continuations can always be restored here)."""

    def __init__(self, *, hmac_key=None, max_checkpoint_size=DEFAULT_MAX_CHECKPOINT_SIZE,
                 max_execution_ms=None, max_loop_iterations=None, max_call_depth=None,
                 max_value_bytes=_limits.DEFAULT_MAX_VALUE_BYTES, allow_eval=True,
                 max_regex_ms=_limits.DEFAULT_MAX_REGEX_MS, max_cached_scripts=256,
                 max_restore_objects=DEFAULT_MAX_RESTORE_OBJECTS,
                 max_restore_depth=DEFAULT_MAX_RESTORE_DEPTH,
                 max_restore_bytes=DEFAULT_MAX_RESTORE_BYTES,
                 output=None, input=None):
        for name, v in (("max_execution_ms", max_execution_ms),
                        ("max_loop_iterations", max_loop_iterations),
                        ("max_call_depth", max_call_depth), ("max_regex_ms", max_regex_ms),
                        ("max_cached_scripts", max_cached_scripts),
                        ("max_restore_objects", max_restore_objects),
                        ("max_restore_depth", max_restore_depth),
                        ("max_restore_bytes", max_restore_bytes)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))
                                  or v < 0):
                raise ValueError(f"{name} must be a non-negative number or None, not {v!r}")
        if max_value_bytes is not None and (isinstance(max_value_bytes, bool) or
                                            not isinstance(max_value_bytes, int) or
                                            max_value_bytes < _limits.BYTES_MIN):
            raise ValueError(f"max_value_bytes must be an int >= {_limits.BYTES_MIN} or None")
        self.hmac_key = hmac_key
        self.max_checkpoint_size = max_checkpoint_size
        self.max_execution_ms = max_execution_ms
        self.max_loop_iterations = max_loop_iterations
        self.max_call_depth = max_call_depth
        self.max_value_bytes = max_value_bytes
        self.allow_eval = allow_eval
        self.max_regex_ms = max_regex_ms
        self.max_cached_scripts = max_cached_scripts
        # decoding bounds of Restorer.restore (checkpoint/decoder.py)
        self.max_restore_objects = max_restore_objects
        self.max_restore_depth = max_restore_depth
        self.max_restore_bytes = max_restore_bytes
        self.output = output
        self.input = input
        self._host = {}
        self._scripts = {}               # host-compiled: kept (continuations name them)
        self._eval_scripts = OrderedDict()   # compiled by eval(): least recently used go
        self._by_hash = {}

    @property
    def limited(self):
        """Whether generated code counts work units (a time or iteration limit is set)."""
        return bool(self.max_execution_ms or self.max_loop_iterations)

    @property
    def codegen_flags(self):
        """What the Context changes in generated code (part of the script hash)."""
        return f"c{int(self.limited)}d{int(bool(self.max_call_depth))}"

    # -------------------------------------------------------------- host functions

    def register_function(self, name, fn=None, *, suspends=False):
        """Make ``name(...)`` callable from scripts. A suspending function does not run
        in Python: the call suspends the script with ``request.kind == name`` and
        ``request.args``; the host resumes it with the call's result."""
        if not suspends and fn is None:
            raise ValueError("a non-suspending host function needs an implementation")
        self._host[name] = (fn, suspends)
        # scripts compiled before resolved calls without this function: compile again
        self._scripts.clear()
        self._eval_scripts.clear()
        self._by_hash.clear()

    def _host_signature(self):
        return ",".join(f"{n}:{int(bool(s))}" for n, (f, s) in sorted(self._host.items()))

    # -------------------------------------------------------------- compiling

    def compile(self, source, name="script", *, globals=None, checkpoint_each_statement=False):
        """Compile source (cached by hash). ``globals``: names the script may use as
        globals; when given, other unknown names are compile errors. The script stays
        in this Context, so a continuation it makes can always be restored here."""
        h = self._hash(source, checkpoint_each_statement)
        key = (h, None if globals is None else frozenset(globals))
        s = self._scripts.get(key)
        if s is None:
            s = self._eval_scripts.pop(key, None)
            if s is None:
                s = Script(self, source, name, h, globals, checkpoint_each_statement)
            self._scripts[key] = s
        self._by_hash.setdefault(h, s)
        return s

    def compile_for_eval(self, source):
        """Compile the source of an ``eval()`` call: cached, least recently used first
        out once ``max_cached_scripts`` are held. Never named by a continuation (eval
        runs to completion inside its caller), so evicting one loses nothing."""
        h = self._hash(source, False)
        key = (h, None)
        s = self._scripts.get(key)
        if s is not None:
            return s
        cache = self._eval_scripts
        s = cache.get(key)
        if s is not None:
            cache.move_to_end(key)
            return s
        s = Script(self, source, "eval", h, None, False)
        bound = self.max_cached_scripts
        if bound:
            cache[key] = s
            while len(cache) > bound:
                cache.popitem(last=False)
        return s

    def _hash(self, source, cpe):
        return script_hash(source, cpe, self.codegen_flags, self._host_signature())

    def instance_for_restore(self, h):
        s = self._by_hash.get(h)
        if s is None:
            raise KeyError(h)
        return Instance(s, {}, None)


def script_hash(source, checkpoint_each_statement=False, flags="", host=""):
    """Hash naming compiled code: compiler version, code generation options, the host
    functions the resolver saw (name and whether it suspends) and the source."""
    text = (f"{COMPILER_VERSION}\0{int(bool(checkpoint_each_statement))}{flags}\0{host}\0"
            f"{source}")
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Script:
    """A compiled script. ``start`` runs a new instance of it."""

    def __init__(self, ctx, source, name, h, globals_names, cpe):
        self.context = ctx
        self.source = source
        self.name = name
        self.hash = h
        self.filename = f"<jactl:{name}:{h[:12]}>"
        ast = parse(source, name)
        host = {n: s for n, (f, s) in ctx._host.items()}
        resolved = resolve(ast, source, globals_names=globals_names, host_functions=host,
                           checkpoint_each_statement=cpe)
        compiled = generate(resolved, h, count_work=ctx.limited,
                            track_depth=bool(ctx.max_call_depth))
        self.py_source = compiled.source
        self.line_table = compiled.line_table
        self.frame_maps = compiled.frame_maps   # function id -> FrameMap (lang.describe)
        try:
            self.code = compile(compiled.source, self.filename, "exec")
        except SyntaxError as e:  # a code generator bug, reported with the script position
            raise CompileError(f"Internal compiler error: {e.msg} in generated line {e.lineno}")

    def start(self, globals=None, *, instance_id=None):
        """Run a new instance until it completes or suspends."""
        inst = Instance(self, {} if globals is None else globals, instance_id)
        return inst.drive(inst.main)

    def position_of(self, lineno):
        table = self.line_table
        i = lineno - 1
        while 0 <= i < len(table):
            line, col = table[i]
            if line:
                return line, col
            i -= 1
        return None, None


# Python exceptions that can only come from generated code or the runtime working on
# Jactl values (a bug, or a case the runtime does not map to a Jactl message yet): reported
# as a Jactl runtime error at the script position. Anything else — MemoryError, SystemExit,
# KeyboardInterrupt, a job timeout raised by a signal handler, OSError from the host —
# belongs to the host and propagates unchanged.
_SCRIPT_FAULTS = (TypeError, ValueError, AttributeError, LookupError, ArithmeticError,
                  RuntimeError, NameError, AssertionError, StopIteration, re.error)


class Instance:
    """One run of a script: its namespace of functions, globals map and runtime state.
    Generated code reaches it as ``_RT``.

    ``parent``: the instance whose ``eval()`` made this one; it shares the parent's
    Budget (time, work units, call depth)."""

    def __init__(self, script, globals, instance_id, parent=None):
        self.script = script
        self.context = script.context
        self.globals = globals
        # what travels with a checkpoint: restoring does not reset the limits' counters
        self.state = {"instance_id": instance_id, "checkpoint_id": 0, "loops": 0,
                      "run_ms": 0.0}
        self.budget = parent.budget if parent is not None else \
            _limits.Budget(self.context, self.state)
        ns = dict(EXPORTS)
        ns["_G"] = globals
        ns["_RT"] = self
        ns["_H"] = script.hash
        # the work countdown and call depth (module globals of the generated code)
        ns["_BC"] = self._given = self.budget.allowance()
        ns["_D"] = parent.ns["_D"] + 1 if parent is not None else 0
        ns["_DMAX"] = self.budget.max_depth or 0
        exec(script.code, ns)
        self.ns = ns

    @property
    def script_hash(self):
        return self.script.hash

    def function(self, fn_id):
        return self.ns["_FNS"].get(fn_id)

    def klass(self, name):
        """The ClassDef of class ``name`` in this script (checkpoint restore), or None."""
        if type(name) is not str:
            return None
        return self.ns.get("_CLASSES", {}).get(name)

    def set_restored(self, globals, state):
        self.globals = globals
        self.ns["_G"] = globals
        self.state = dict(state)
        self.budget.state = self.state
        self.refill()

    def main(self):
        return self.ns["_FN0"].pyfunc()

    def resume(self, cont, value):
        # frames run one after the other, but each still has its callers outside it
        depth_ns = self.ns if self.budget.max_depth else None
        return self.drive(lambda: cont.run_frames(value, depth_ns))

    # -------------------------------------------------------------- the budget

    def check_limits(self):
        """Generated code's countdown ran out: report the chunk, get the next one."""
        ns = self.ns
        used = self._given - ns["_BC"]
        self._given = ns["_BC"] = 0
        self.budget.charge(used)
        self._given = ns["_BC"] = self.budget.allowance()

    def depth_exceeded(self):
        self.budget.depth_exceeded()

    def flush(self):
        """Count what the current chunk has used so far (before the state is saved, or
        before an eval runs on the same budget)."""
        ns = self.ns
        left = ns["_BC"]
        if left < self._given:
            st = self.budget.state
            st["loops"] = st.get("loops", 0) + (self._given - max(left, 0))
        self._given = left

    def refill(self):
        self._given = self.ns["_BC"] = self.budget.allowance()

    # -------------------------------------------------------------- driving

    def drive(self, fn):
        b = self.budget
        prev_budget = _limits.set_current(b)
        b.enter()
        if b.counting:
            self.refill()
        try:
            return self._drive(fn)
        finally:
            if b.counting:
                self.flush()
            b.leave()
            _limits.set_current(prev_budget)

    def _drive(self, fn):
        try:
            return Completed(fn())
        except Suspend as s:
            req = s.request
            if req.kind == "checkpoint":
                self.state["checkpoint_id"] += 1
                req.args = (self.state["instance_id"], self.state["checkpoint_id"])
            return Suspended(Continuation(s.frames, self, req), req)
        except JactlError as e:
            self._locate(e, e.__traceback__)
            raise
        except RecursionError as e:
            err = JactlRuntimeError("Stack overflow")
            self._locate(err, e.__traceback__)
            raise err from None
        except (decimal.Overflow, decimal.Underflow) as e:
            err = _limits.decimal_limit_error()
            self._locate(err, e.__traceback__)
            raise err from None
        except _SCRIPT_FAULTS as e:
            err = null_receiver_error(e) if type(e) is AttributeError else None
            if err is None:
                err = JactlRuntimeError(f"Unexpected error: {type(e).__name__}: {e}")
            self._locate(err, e.__traceback__)
            raise err from e

    def _locate(self, err, tb):
        """Give err the script position where it was raised and the Jactl call stack (each
        frame's function and line, outermost first), read off the Python traceback: each
        generated function ``_f<id>`` is one Jactl function."""
        frames = []
        fname = self.script.filename
        while tb is not None:
            code = tb.tb_frame.f_code
            if code.co_filename == fname:
                frames.append((self._function_name(code.co_name), tb.tb_lineno))
            tb = tb.tb_next
        if not frames:
            return
        if err.line is None:
            line, col = self.script.position_of(frames[-1][1])
            err.with_position(line, col, self.script.source)
        if len(frames) > 1 and not err.stack:
            err.with_stack([(name, *self.script.position_of(lineno)) for name, lineno in frames])

    def _function_name(self, co_name):
        if co_name.startswith("_f") and co_name[2:].isdigit():
            info = self.function(int(co_name[2:]))
            if info is not None:
                return "script" if info.is_main else info.name
        return co_name

    # -------------------------------------------------------------- runtime services

    def write(self, text):
        out = self.context.output or sys.stdout
        out.write(text)

    def next_line(self):
        inp = self.context.input or sys.stdin
        line = inp.readline()
        if not line:
            return None
        return line[:-1] if line.endswith("\n") else line

    def call_host(self, name, args):
        entry = self.context._host.get(name)
        if entry is None:
            raise JactlRuntimeError(f"Unknown function '{name}'")
        fn, suspends = entry
        if suspends:
            raise Suspend(Request(name, args=args))
        return fn(*args)

    def eval_script(self, source, globals):
        """``eval(source, globals)``: compile and run a nested script to completion on this
        instance's budget. A compile error or a runtime error stores the message under
        '$error' and returns null; a limit error propagates (the limit bounds the whole
        instance), and so does anything that is not a Jactl error."""
        if not self.context.allow_eval:
            raise JactlRuntimeError("eval() is disabled in this context")
        g = {} if globals is None else globals
        try:
            script = self.context.compile_for_eval(source if source is not None else "")
            counting = self.budget.counting
            if counting:
                self.flush()
            try:
                return Instance(script, g, None, parent=self).drive_blocking()
            finally:
                if counting:
                    self.refill()
        except LimitError:
            raise
        except JactlError as e:
            if isinstance(g, dict):
                g["$error"] = str(e)
            return None

    def drive_blocking(self):
        out = self.drive(self.main)
        while isinstance(out, Suspended):
            req = out.request
            if req.kind == "sleep":
                if req.ms and req.ms > 0:
                    self._sleep(req.ms)
                out = out.continuation.resume(req.value)
            elif req.kind == "checkpoint":
                out = out.continuation.resume(None)
            else:
                raise JactlRuntimeError(f"Cannot wait for '{req.kind}' inside eval()")
        return out.value

    def _sleep(self, ms):
        """A sleep inside eval blocks its caller: it may not outlast the time limit."""
        b = self.budget
        if b.max_ms is not None:
            left = b.max_ms - b.used_ms()
            if ms > left:
                time.sleep(max(left, 0) / 1000.0)
                b.charge(0)
        time.sleep(ms / 1000.0)


class Restorer:
    """Continuation from checkpoint bytes. If the script was suspended in ``checkpoint()``,
    resuming runs its *recover* closure: the state came back from storage, not from the
    save that was just made."""

    @staticmethod
    def restore(ctx, data, *, instance_id=None, sequence=None):
        cont = _Decoder.restore(ctx, data, instance_id=instance_id, sequence=sequence)
        first = cont.frames[0] if cont.frames else None
        if isinstance(first, CheckpointFrame):
            first.recovering = True
        return cont


_SLEEP_VALUE = "$sleep"     # (no Jactl name: a script cannot see it)


def eval(source, globals=None, *, classes=(), checkpoint_each_statement=False):  # noqa: A001
    """Compile and run a script to completion and return its value. Sleeps block;
    checkpoints commit. With checkpoint_each_statement, after every statement the
    continuation is serialized, restored from the bytes alone in a fresh Context and
    resumed there."""
    if classes:
        for unit in classes:
            check_class_unit(unit)
        # a unit whose classes are all compiled again by a later unit is replaced by it
        names = [set(class_unit_names(u)) for u in classes]
        classes = [u for k, u in enumerate(classes)
                   if not names[k] or not names[k] <= set().union(*names[k + 1:])]
        source = "\n".join(classes) + "\n" + source
    g = {} if globals is None else globals
    ctx = Context()
    script = ctx.compile(source, globals=list(g), checkpoint_each_statement=checkpoint_each_statement)
    out = script.start(g)
    while isinstance(out, Suspended):
        req = out.request
        cont = out.continuation
        value = req.value
        if checkpoint_each_statement:
            # a sleep's value travels inside the checkpoint, as Jactl keeps it in the
            # continuation: restored with the rest, it shares their objects (a closure over
            # ``this`` still updates the restored instance)
            carried = cont.instance.globals
            carried[_SLEEP_VALUE] = value
            try:
                data = Checkpointer.save(cont)
            finally:
                carried.pop(_SLEEP_VALUE, None)
            fresh = Context()
            fresh.compile(source, globals=list(g), checkpoint_each_statement=True)
            cont = Restorer.restore(fresh, data)
            value = cont.instance.globals.pop(_SLEEP_VALUE, None)
            first = cont.frames[0] if cont.frames else None
            if isinstance(first, CheckpointFrame):
                first.recovering = False   # the save succeeded: commit, as a plain run does
        if req.kind == "sleep":
            if req.ms and req.ms > 0 and not checkpoint_each_statement:
                time.sleep(req.ms / 1000.0)
            out = cont.resume(value)
        elif req.kind == "checkpoint":
            out = cont.resume(None)
        else:
            raise JactlRuntimeError(f"No host to handle '{req.kind}' in eval()")
    return out.value
