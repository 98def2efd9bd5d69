"""An instance's history: what happened to it and when, as a list of events.

The Lua transitions append to ``{p}:history:{id}`` (a stream capped at about
``history_maxlen`` entries, expiring with the ended instance): created, parked, checkpoint,
lease-lapsed, run-lost, completed, failed, cancelled, each written by the transition that makes
it. The events that happen between runs and always lead to a run - a reply or a timeout
resolving the wait, the claim starting the run - are carried by the entry that ends the run
(fields ``run_*``, see lua/_lib.lua), so a wait/reply cycle costs one XADD. This module
unfolds them again, in order, and adds what is pending from the live records (a resolved
wait not yet claimed, a run still going), so the list is complete at any moment.

Each event is a dict ``{"event", "at" (ms since the epoch), ...details}``; events are
created, run-started (worker, cause: start | reply | timeout | early | sleep | recovery),
parked (kind, correlation_id, deadline_ms, wait_seq), reply-matched (correlation_id,
message_id, early), timeout-fired (correlation_id), woke (a sleep ended), checkpoint (checkpoint_id), lease-lapsed (worker,
lost), run-lost (lost), completed, failed (error), cancelled (was).
"""

from __future__ import annotations

import json

import time

from .keys import Keys


def as_text(v):
    """A Redis reply field as text (None stays None)."""
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v


def as_int(v):
    """A Redis reply field as an int; None when absent, empty or not a number."""
    try:
        return int(v) if v not in (None, "") else None
    except ValueError:
        return None


class _Unfolder:
    """Turns stream entries (and the live records) into events, each once."""

    def __init__(self):
        self.events = []
        self.seen_resolutions = set()
        self.seen_runs = set()
        self.kinds = {}            # correlation id -> kind of its last wait (receive | sleep)

    def resolution(self, resolution, corr, at, message_id=""):
        key = (corr, at)
        if not resolution or key in self.seen_resolutions:
            return
        self.seen_resolutions.add(key)
        if resolution == "timeout" and self.kinds.get(corr) == "sleep":
            self.events.append({"event": "woke", "at": as_int(at), "correlation_id": corr})
        elif resolution == "timeout":
            self.events.append({"event": "timeout-fired", "at": as_int(at), "correlation_id": corr})
        else:
            ev = {"event": "reply-matched", "at": as_int(at), "correlation_id": corr,
                  "message_id": message_id or None}
            if resolution == "early":
                ev["early"] = True   # the reply had been buffered before the wait began
            self.events.append(ev)

    def run(self, f):
        """The run described by the run_* fields of ``f``: how it was caused, and its start."""
        run_at = f.get("run_at")
        if not run_at:
            return
        if f.get("run_resolution"):
            self.resolution(f["run_resolution"], f.get("run_corr") or "", f.get("run_resolved_at"),
                            f.get("run_message_id"))
        key = (run_at, f.get("worker"))
        if key in self.seen_runs:
            return
        self.seen_runs.add(key)
        lapses = as_int(f.get("lapses")) or 0
        start = f.get("run_from") or "start"
        cause = "recovery" if lapses or start == "checkpoint" else \
            (f.get("run_resolution") or "start") if start == "wait" else "start"
        if cause == "timeout" and self.kinds.get(f.get("run_corr")) == "sleep":
            cause = "sleep"
        self.events.append({"event": "run-started", "at": as_int(run_at), "worker": f.get("worker") or None,
                            "cause": cause})

    def entry(self, entry_id, f):
        ev = f.get("ev")
        at = as_int(f.get("at"))
        if ev == "created":
            e = {"event": "created", "at": at, "queue": f.get("queue")}
            start_at = as_int(f.get("start_at"))
            if start_at and at is not None and start_at > at:
                e["start_at"] = start_at   # a scheduled start
            self.events.append(e)
            return
        self.run(f)
        if ev == "parked":
            self.kinds[f.get("corr")] = f.get("kind")
            self.events.append({"event": "parked", "at": at, "kind": f.get("kind"),
                                "correlation_id": f.get("corr"), "deadline_ms": as_int(f.get("deadline")),
                                "wait_seq": as_int(f.get("wait_seq"))})
            if f.get("ids"):   # receiveAny / receiveAll: every id waited on (multi.py)
                try:
                    self.events[-1]["ids"] = json.loads(f["ids"])
                except ValueError:
                    pass
            if f.get("resolution"):   # resolved at once: a buffered reply, or a past deadline
                self.resolution(f["resolution"], f.get("corr") or "", f.get("at"), f.get("message_id"))
        elif ev == "checkpoint":
            self.events.append({"event": "checkpoint", "at": at, "checkpoint_id": as_int(f.get("checkpoint_id"))})
        elif ev == "lease-lapsed":
            self.events.append({"event": "lease-lapsed", "at": at, "worker": f.get("worker") or None,
                                "lost": as_int(f.get("lost"))})
        elif ev == "run-lost":
            self.events.append({"event": "run-lost", "at": at, "lost": as_int(f.get("lost"))})
        elif ev in ("completed", "failed", "cancelled"):
            e = {"event": ev, "at": at}
            if ev == "failed":
                e["error"] = f.get("error")
            if ev == "cancelled":
                e["was"] = f.get("was")
            self.events.append(e)
        else:
            self.events.append({"event": ev or "unknown", "at": at, "entry": entry_id})


def read_history(conn, prefix: str, instance_id: str, *, pending: bool = True) -> list[dict]:
    """The instance's events, oldest first ([] for an unknown or expired instance).
    ``pending``: also the events not yet carried by a stream entry (a resolved wait not yet
    claimed, the run in progress), read from the instance's records."""
    keys = Keys(prefix)
    pipe = conn.pipeline(transaction=False)
    pipe.xrange(keys.history(instance_id))
    pipe.hgetall(keys.instance(instance_id))
    pipe.hmget(keys.point(instance_id), "instance", "kind", "status", "resolution", "resolved_at",
               "message_id", "corr")
    entries, rec, point = pipe.execute()
    u = _Unfolder()
    for entry_id, fields in entries:
        u.entry(as_text(entry_id), {as_text(k): as_text(v) for k, v in fields.items()})
    if pending and rec:
        rec = {as_text(k): as_text(v) for k, v in rec.items()}
        state = rec.get("state")
        point = [as_text(x) for x in point]
        if state == "queued" and point[0] == instance_id and point[1] == "wait" and point[2] == "resolved":
            u.resolution(point[3], point[6] or "", point[4], point[5])
        elif state == "running":
            u.run(rec)
    return u.events


def format_events(events: list[dict]) -> str:
    """Events as text lines for a terminal: time, event, details."""
    out = []
    for e in events:
        at = e.get("at")
        when = "-" if at is None else time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at / 1000)) + f".{at % 1000:03d}Z"
        details = " ".join(f"{k}={v}" for k, v in e.items() if k not in ("event", "at") and v is not None)
        out.append(f"{when}  {e['event']:<14} {details}".rstrip())
    return "\n".join(out)
