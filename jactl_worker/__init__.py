"""jactl_worker: Jactl scripts run by RQ workers on Redis, parked as bytes while they wait.

Public names: Client (producer API), Settings, and the error tree. They are imported on
first use, so a process that needs only part of the package (the lease watchdog, the
listener) does not pay for compiling Jactl.
"""

from importlib import import_module

_EXPORTS = {
    "Client": ".client",
    "Settings": ".config",
    "WorkerError": ".errors",
    "UnknownInstance": ".errors",
    "InvalidMessage": ".errors",
    "ScriptFailed": ".errors",
    "Cancelled": ".errors",
    "ResultTimeout": ".errors",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value
