"""Jactl, compiled to Python, with serializable continuations.

Public API (hosts and the worker depend on exactly these names)::

    lang.eval(source, globals=None, *, classes=(), checkpoint_each_statement=False)
    ctx = lang.Context(...); script = ctx.compile(source); outcome = script.start(globals)
    lang.Completed / lang.Suspended(continuation, request)
    data = lang.Checkpointer.save(continuation); cont = lang.Restorer.restore(ctx, data)
    lang.checkpoint_header(data)  # script_hash, instance_id, sequence, signed, version
    cont.resume(value)
    lang.describe(ctx, data)      # frames (innermost last), locals, checkpoint id: runs nothing
"""

from .errors import CheckpointError, CompileError, JactlError, JactlRuntimeError, LimitError
from .context import Checkpointer, Completed, Context, Restorer, Script, Suspended, eval  # noqa: A004
from .runtime.continuation import Continuation, Request
from .checkpoint import CheckpointHeader, checkpoint_header
from .checkpoint.describe import describe_continuation, describe_continuation as describe

__all__ = ["eval", "Context", "Script", "Completed", "Suspended", "Continuation", "Request",
           "Checkpointer", "Restorer", "JactlError", "CompileError", "JactlRuntimeError",
           "CheckpointError", "LimitError", "checkpoint_header", "CheckpointHeader",
           "describe", "describe_continuation"]
