"""receiveAny / receiveAll: a script waits on several correlation ids with one deadline.

    receiveAny(ids, timeoutMs)   [id: <the id>, body: <its reply>] for the first reply, or null
    receiveAll(ids, timeoutMs)   [id1: reply or null, ...] once every id replied, or at the timeout

Both suspend like receive; the worker parks the instance on all the ids at once
(lua/park_many.lua), and deliver.lua / timeout.lua / cancel.lua resolve the whole group in
one step, so exactly one resume happens however replies and the deadline race. This module
only checks the arguments - before anything is written - and reports a bad call at the
script line that made it, as Jactl's own errors do.
"""

from __future__ import annotations

import lang

MULTI_KINDS = ("receiveAny", "receiveAll")
MAX_IDS = 100  # ids in one wait: each costs a key per transition of the group
MAX_CORRELATION_ID = 200  # as for receive (instance.py)


def multi_args(outcome, wait_ms, router=None) -> tuple[list[str], int | None]:
    """The ids and timeout (ms, None = no deadline) of a receiveAny/receiveAll suspension;
    raises lang.JactlError at the call's line and column if they are not valid. ``wait_ms``:
    the worker's check of a timeout (instance._wait_ms, bound to max_wait_ms); ``router``
    (sharded fleets): every id must live on this shard."""
    request = outcome.request
    name = f"{request.kind}()"
    try:
        args = request.args
        if not args:
            raise ValueError(f"{name} needs a list of correlation ids")
        ids = args[0]
        if not isinstance(ids, list):
            raise ValueError(f"{name}: the correlation ids must be a List, not {_type(ids)}")
        if not ids or len(ids) > MAX_IDS:
            raise ValueError(f"{name}: needs 1 to {MAX_IDS} correlation ids, not {len(ids)}")
        out, seen = [], set()
        for corr in ids:
            if isinstance(corr, bool) or not isinstance(corr, (str, int)):
                raise ValueError(f"{name}: each correlation id must be a string, not {_type(corr)}")
            corr = str(corr)
            if not corr or len(corr) > MAX_CORRELATION_ID:
                raise ValueError(f"{name}: each correlation id must have 1 to {MAX_CORRELATION_ID} characters")
            if corr in seen:
                raise ValueError(f"{name}: correlation id {corr!r} is listed twice")
            seen.add(corr)
            out.append(corr)
        if router is not None:
            away = [c for c in out if not router.is_home(c)]
            if away:
                raise ValueError(f"{name}: correlation id {away[0]!r} belongs to another shard; the ids of "
                                 "one receiveAny/receiveAll must all live on this shard (use receive for it)")
        timeout = wait_ms(args[1] if len(args) > 1 else None, name)
    except Exception as e:  # noqa: BLE001 - ValueError here, or the timeout check's own error
        line, column = position(outcome)
        raise lang.JactlError(str(e), line, column) from None
    return out, timeout


def position(outcome) -> tuple[int | None, int | None]:
    """Line and column of the call the script is suspended at (its innermost compiled frame)."""
    cont = outcome.continuation
    maps = getattr(getattr(cont.instance, "script", None), "frame_maps", {}) or {}
    for frame in cont.frames:
        fmap = maps.get(getattr(getattr(frame, "fn", None), "id", None))
        if fmap is not None:
            return fmap.position(frame.pc)
    return None, None


def _type(value) -> str:
    return "null" if value is None else type(value).__name__
