"""The errors jactl_worker raises to its callers: one tree rooted at WorkerError.

Errors of the script itself (compile errors, runtime errors with their line and column) are
not raised in the worker: they are recorded on the instance (``status()["error"]``) and
re-raised to a producer by ``Client.result()`` as ScriptFailed.
"""

from __future__ import annotations


class WorkerError(Exception):
    """Base of every error raised by jactl_worker."""


class UnknownInstance(WorkerError, KeyError):
    """No instance with this id exists under the prefix."""

    def __init__(self, instance_id: str):
        self.instance_id = instance_id
        super().__init__(instance_id)

    def __str__(self):
        return f"no instance {self.instance_id!r}"


class InvalidMessage(WorkerError, ValueError):
    """A message (reply or send) is malformed: bad id, not JSON-able, or too large."""


class ScriptFailed(WorkerError):
    """The instance ended with an error; ``error`` is the recorded message (with script line)."""

    def __init__(self, instance_id: str, error: str):
        self.instance_id = instance_id
        self.error = error
        super().__init__(f"instance {instance_id!r} failed: {error}")


class Cancelled(WorkerError):
    """The instance was cancelled before it completed."""

    def __init__(self, instance_id: str):
        self.instance_id = instance_id
        super().__init__(f"instance {instance_id!r} was cancelled")


class ResultTimeout(WorkerError, TimeoutError):
    """``Client.result(timeout=...)`` passed before the instance ended."""


class Fenced(WorkerError):
    """This job no longer owns the instance (its lease lapsed and another run took over, or it
    was cancelled). The job stops without writing anything more."""
