"""Fault injection for tests with real processes: ``JACTL_FAULT=<point>[:<arg>]`` makes a
process misbehave at a named point, so a test can crash or stall exactly there.

Points: ``listener-after-read`` and ``listener-after-deliver`` (the listener SIGKILLs
itself), ``worker-hold-gil:<seconds>`` (a run holds the GIL in one C call for that long
before its script starts, as a catastrophic regex or a huge conversion would).
"""

from __future__ import annotations

import logging
import os
import signal

log = logging.getLogger("jactl_worker.faults")


def _armed(point: str) -> str | None:
    spec = os.environ.get("JACTL_FAULT", "")
    name, _, arg = spec.partition(":")
    return arg if name == point else None


def die_at(point: str) -> None:
    """SIGKILL this process if JACTL_FAULT names ``point``."""
    if _armed(point) is not None:
        log.warning("fault injection: dying at %s", point)
        os.kill(os.getpid(), signal.SIGKILL)


def hold_gil() -> None:
    """Block in one C call that keeps the GIL, if JACTL_FAULT=worker-hold-gil:<seconds>."""
    arg = _armed("worker-hold-gil")
    if arg:
        import ctypes

        log.warning("fault injection: holding the GIL for %s s", arg)
        ctypes.PyDLL(None).sleep(int(arg))  # PyDLL: the GIL is not released around the call
