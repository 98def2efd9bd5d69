"""jactl_worker: Jactl scripts run by RQ workers on Redis, parked as bytes while they wait.

Public names: Client (producer API), Settings, and the error tree.
"""

from .client import Client
from .config import Settings
from .errors import Cancelled, InvalidMessage, ResultTimeout, ScriptFailed, UnknownInstance, WorkerError

__all__ = [
    "Client",
    "Settings",
    "WorkerError",
    "UnknownInstance",
    "InvalidMessage",
    "ScriptFailed",
    "Cancelled",
    "ResultTimeout",
]
