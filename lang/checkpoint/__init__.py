"""Checkpoints: a suspended script as bytes, and back.

A Jactl script may wait for days: for a reply message, a timer, or just after
``checkpoint()`` so that a crash does not lose its progress. Meanwhile no process holds it in
memory; its state — the frames of its suspended functions, its globals and instance state,
and everything they reach (values, closures, cells, iterator and builtin frame states) — is
stored as bytes and later restored by whichever worker picks it up, possibly on another host,
after a restart.

This stage exists because that state cannot be handed to ``pickle``: restoring a checkpoint
must never import, evaluate or call code named by the data. Here the data can only name

* plain values (the types listed in ``format.py``),
* functions by (script hash, function id, layout hash) — resolved through the script
  instance the restoring context compiled from the same source, and rejected when the
  function's layout differs (the code changed), and
* runtime classes by the fixed TAG under which they are registered in
  ``lang.runtime.continuation.SERIALIZABLE``.

Sharing and cycles are kept, decoding is iterative and bounded (objects, depth, memory),
all counts are checked against the data that remains, every checkpoint carries a SHA-256
digest, and with an ``hmac_key`` on the context it is signed and verified before anything is
decoded. The header binds the script, the instance and a per-instance sequence number, and
what the body says is validated before it runs (``validate.py``). Every failure is a
``lang.errors.CheckpointError``.

    data = Checkpointer.save(continuation)        # -> bytes (sequence + 1)
    checkpoint_header(data)                       # -> script_hash, instance_id, sequence...
    cont = Restorer.restore(ctx, data, instance_id=..., sequence=...)
"""

from .decoder import Restorer
from .encoder import Checkpointer
from .envelope import CheckpointHeader, read_header as checkpoint_header

__all__ = ["Checkpointer", "Restorer", "CheckpointHeader", "checkpoint_header"]
