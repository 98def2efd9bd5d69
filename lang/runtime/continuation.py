"""Suspending and resuming a running script without keeping a Python stack.

A suspending builtin (``sleep``, ``checkpoint``, a host wait) raises ``Suspend``. Every
may-suspend frame on the way out catches it, appends a *frame record* describing where it
stopped and what its locals were, and re-raises. The script's entry point turns the chain
into a ``Continuation``. Resuming runs the frames innermost first: each frame's ``resume``
continues its function from the recorded point and returns what the function returns, which
becomes the result of the pending call in the next frame out. No Python recursion grows with
the number of suspends, and a suspend during resume splices the new chain onto the rest of
the old one.

Suspend derives from BaseException so that no ``except Exception`` in runtime code swallows
it; generated code has no ``finally`` that would run while it unwinds.
"""


class Suspend(BaseException):
    """Raised to suspend the running script. ``frames`` is filled innermost first while the
    exception unwinds."""

    def __init__(self, request):
        super().__init__()
        self.request = request
        self.frames = []


class Request:
    """Why a script suspended, handed to the host.

    kind: 'checkpoint', 'sleep' or the name of a host function ('receive', ...).
    A sleep carries ``ms`` and ``value``; a host wait carries ``args`` (positional arguments
    of the call)."""

    __slots__ = ("kind", "ms", "value", "args")

    def __init__(self, kind, ms=None, value=None, args=()):
        self.kind = kind
        self.ms = ms
        self.value = value
        self.args = tuple(args)

    @property
    def instance_id(self):
        """For a checkpoint: the instance being saved (args[0])."""
        return self.args[0] if self.kind == "checkpoint" and self.args else None

    @property
    def checkpoint_id(self):
        """For a checkpoint: 1, 2, 3... per instance, continuing after a restore (args[1])."""
        return self.args[1] if self.kind == "checkpoint" and len(self.args) > 1 else None

    def __repr__(self):
        if self.kind == "sleep":
            return f"Request(sleep, ms={self.ms!r}, value={self.value!r})"
        return f"Request({self.kind}, args={self.args!r})"


class Frame:
    """One suspended activation. ``resume(value)`` continues it with ``value`` as the result
    of the call it was waiting on, and returns the activation's own result."""

    __slots__ = ()

    def resume(self, value):  # pragma: no cover - abstract
        raise NotImplementedError


class CodeFrame(Frame):
    """A suspended activation of a compiled Jactl function.

    fn:     the FunctionInfo of the compiled function (names code by script hash + id)
    pc:     the resume point inside it
    locals: tuple of its live locals, in the layout the function declares
    """

    __slots__ = ("fn", "pc", "locals")

    def __init__(self, fn, pc, locals):
        self.fn = fn
        self.pc = pc
        self.locals = locals

    def resume(self, value):
        return self.fn.resume(self, value)

    def __repr__(self):
        return f"CodeFrame({self.fn.name}, pc={self.pc})"


class BuiltinFrame(Frame):
    """A suspended builtin (``map``, ``each``, ``sort``, ``checkpoint``...). Subclasses list
    their state in ``FIELDS`` and are registered with ``@serializable``."""

    __slots__ = ()
    FIELDS = ()
    TAG = None


SERIALIZABLE = {}
"""TAG -> class, for every runtime class (builtin frames, iterator states...) a checkpoint
may contain besides plain values. The encoder writes TAG then the FIELDS attribute values in
order; the decoder makes a shell with ``cls.__new__(cls)`` and sets the attributes."""


def serializable(cls):
    """Class decorator: register a class for checkpointing by its stable TAG."""
    assert cls.TAG and cls.TAG not in SERIALIZABLE, cls
    SERIALIZABLE[cls.TAG] = cls
    return cls


class Continuation:
    """A suspended script: its frames (innermost first) and the script instance they run in.

    ``resume(value)`` runs until the script completes or suspends again and returns
    ``lang.Completed`` / ``lang.Suspended`` (through the instance)."""

    __slots__ = ("frames", "instance", "request")

    def __init__(self, frames, instance, request=None):
        self.frames = list(frames)
        self.instance = instance
        self.request = request

    def resume(self, value=None):
        return self.instance.resume(self, value)

    def run_frames(self, value, depth_ns=None):
        """Run the frames innermost first; on a new Suspend, splice the remaining outer frames
        onto the new chain and re-raise.

        ``depth_ns``: the namespace whose ``_D`` counts call depth (when the Context limits
        it). Each frame runs with the frames still outside it counted as its callers, so a
        recursion that suspends at every level cannot grow without bound."""
        frames = self.frames
        i = 0
        n = len(frames)
        try:
            while i < n:
                if depth_ns is not None:
                    depth_ns["_D"] = n - i - 1
                value = frames[i].resume(value)
                i += 1
        except Suspend as s:
            s.frames.extend(frames[i + 1:])
            raise
        return value
