"""Context, Script and script instances: parse -> resolve -> generate -> exec, and the
driver that turns a run into ``Completed`` or ``Suspended``.

A Context holds compiled scripts (cached by source hash), host functions and limits. A
Script is compiled code; every ``start`` makes a fresh *instance*: a namespace in which the
script's Python functions are defined next to its globals map and runtime state, so
instances never share mutable state. A Continuation names code only through its instance,
by (script hash, function id).
"""

import hashlib
import sys
import time

from .runtime.objects import set_current_classes

from .checkpoint import Checkpointer
from .checkpoint.format import DEFAULT_MAX_CHECKPOINT_SIZE
from .checkpoint import Restorer as _Decoder
from .errors import CompileError, JactlError, JactlRuntimeError
from .errors import TimeoutError as LimitError
from .runtime.calls import CheckpointFrame
from .runtime.continuation import Continuation, Request, Suspend
from .runtime.exports import EXPORTS
from .syntax.parser import parse
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
    the checkpoint key."""

    def __init__(self, *, hmac_key=None, max_checkpoint_size=DEFAULT_MAX_CHECKPOINT_SIZE,
                 max_execution_ms=None, max_loop_iterations=None, max_call_depth=None,
                 output=None, input=None):
        self.hmac_key = hmac_key
        self.max_checkpoint_size = max_checkpoint_size
        self.max_execution_ms = max_execution_ms
        self.max_loop_iterations = max_loop_iterations
        self.max_call_depth = max_call_depth
        self.output = output
        self.input = input
        self._host = {}
        self._scripts = {}
        self._by_hash = {}

    @property
    def limited(self):
        return bool(self.max_execution_ms or self.max_loop_iterations)

    # -------------------------------------------------------------- host functions

    def register_function(self, name, fn=None, *, suspends=False):
        """Make ``name(...)`` callable from scripts. A suspending function does not run
        in Python: the call suspends the script with ``request.kind == name`` and
        ``request.args``; the host resumes it with the call's result."""
        if not suspends and fn is None:
            raise ValueError("a non-suspending host function needs an implementation")
        self._host[name] = (fn, suspends)
        self._scripts.clear()

    # -------------------------------------------------------------- compiling

    def compile(self, source, name="script", *, globals=None, checkpoint_each_statement=False):
        """Compile source (cached by hash). ``globals``: names the script may use as
        globals; when given, other unknown names are compile errors."""
        h = script_hash(source, checkpoint_each_statement, self.limited)
        key = (h, None if globals is None else frozenset(globals))
        s = self._scripts.get(key)
        if s is None:
            s = Script(self, source, name, h, globals, checkpoint_each_statement)
            self._scripts[key] = s
            self._by_hash.setdefault(h, s)
        return s

    def instance_for_restore(self, h):
        s = self._by_hash.get(h)
        if s is None:
            raise KeyError(h)
        return Instance(s, {}, None)


def script_hash(source, checkpoint_each_statement=False, limited=False):
    text = f"{COMPILER_VERSION}\0{int(bool(checkpoint_each_statement))}{int(limited)}\0{source}"
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
        compiled = generate(resolved, h, limits=ctx.limited)
        self.py_source = compiled.source
        self.line_table = compiled.line_table
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


class Instance:
    """One run of a script: its namespace of functions, globals map and runtime state.
    Generated code reaches it as ``_RT``."""

    def __init__(self, script, globals, instance_id):
        self.script = script
        self.context = script.context
        self.globals = globals
        # what travels with a checkpoint: restoring does not reset the limits' counters
        self.state = {"instance_id": instance_id, "checkpoint_id": 0, "loops": 0,
                      "run_ms": 0.0}
        ns = dict(EXPORTS)
        ns["_G"] = globals
        ns["_RT"] = self
        ns["_H"] = script.hash
        exec(script.code, ns)
        self.ns = ns
        self.started = time.monotonic()

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

    def main(self):
        return self.ns["_FN0"].pyfunc()

    def resume(self, cont, value):
        return self.drive(lambda: cont.run_frames(value))

    def check_limits(self, n):
        """Called every 1024 loop iterations when the Context has limits."""
        st = self.state
        st["loops"] = st.get("loops", 0) + n
        ctx = self.context
        if ctx.max_loop_iterations and st["loops"] > ctx.max_loop_iterations:
            raise LimitError(f"Loop iterations exceeded limit of {ctx.max_loop_iterations}")
        if ctx.max_execution_ms:
            used = st.get("run_ms", 0.0) + (time.monotonic() - self.started) * 1000
            if used > ctx.max_execution_ms:
                raise LimitError(f"Execution time exceeded limit of {ctx.max_execution_ms} ms")

    def drive(self, fn):
        self.started = time.monotonic()
        prev = set_current_classes(self.ns.get("_CLASSES"))
        try:
            return self._drive(fn)
        finally:
            set_current_classes(prev)

    def _drive(self, fn):
        try:
            return Completed(fn())
        except Suspend as s:
            self.state["run_ms"] = self.state.get("run_ms", 0.0) + \
                (time.monotonic() - self.started) * 1000
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
        except Exception as e:  # a Python error inside generated code or the runtime
            err = JactlRuntimeError(f"Unexpected error: {type(e).__name__}: {e}")
            self._locate(err, e.__traceback__)
            raise err from e

    def _locate(self, err, tb):
        if err.line is not None:
            return
        lineno = None
        fname = self.script.filename
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == fname:
                lineno = tb.tb_lineno
            tb = tb.tb_next
        if lineno is not None:
            line, col = self.script.position_of(lineno)
            err.with_position(line, col, self.script.source)

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
        """``eval(source, globals)``: compile and run a nested script to completion. A
        compile error or die stores the message under '$error' and returns null."""
        g = {} if globals is None else globals
        try:
            script = self.context.compile(source if source is not None else "", "eval")
            out = Instance(script, g, None).drive_blocking()
            return out
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
                    time.sleep(req.ms / 1000.0)
                out = out.continuation.resume(req.value)
            elif req.kind == "checkpoint":
                out = out.continuation.resume(None)
            else:
                raise JactlRuntimeError(f"Cannot wait for '{req.kind}' inside eval()")
        return out.value


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


def eval(source, globals=None, *, classes=(), checkpoint_each_statement=False):  # noqa: A001
    """Compile and run a script to completion and return its value. Sleeps block;
    checkpoints commit. With checkpoint_each_statement, after every statement the
    continuation is serialized, restored from the bytes alone in a fresh Context and
    resumed there."""
    if classes:
        source = "\n".join(classes) + "\n" + source
    g = {} if globals is None else globals
    ctx = Context()
    script = ctx.compile(source, globals=list(g), checkpoint_each_statement=checkpoint_each_statement)
    out = script.start(g)
    while isinstance(out, Suspended):
        req = out.request
        cont = out.continuation
        if checkpoint_each_statement:
            data = Checkpointer.save(cont)
            fresh = Context()
            fresh.compile(source, globals=list(g), checkpoint_each_statement=True)
            cont = Restorer.restore(fresh, data)
            first = cont.frames[0] if cont.frames else None
            if isinstance(first, CheckpointFrame):
                first.recovering = False   # the save succeeded: commit, as a plain run does
        if req.kind == "sleep":
            if req.ms and req.ms > 0 and not checkpoint_each_statement:
                time.sleep(req.ms / 1000.0)
            out = cont.resume(req.value)
        elif req.kind == "checkpoint":
            out = cont.resume(None)
        else:
            raise JactlRuntimeError(f"No host to handle '{req.kind}' in eval()")
    return out.value
