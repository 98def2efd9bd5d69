"""What the dashboard's pages read from Redis, each in a bounded number of round trips.

Nothing here walks the keyspace or every instance: a page of instances is a range of one of
the ZSET indexes (``{p}:all`` by creation, ``{p}:state:{s}`` by last change, ``{p}:leases``),
cut by score for the age filter, plus one pipelined HMGET per shown row; a correlation-id
prefix is a range of the lex index ``{p}:waits-by-corr``. So a page costs the same with
100,000 instances as with ten (bench/bench_dashboard.py measures it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rq import Worker

from ..inspect import count_waiting, find_waiting
from ..keys import LISTENER_GROUP, STATES, Keys
from ..metrics import instance_counts

ROW_FIELDS = ("state", "waiting_on", "wait_kind", "timeout_at", "created_at", "updated_at", "runs",
              "checkpoint_id", "queue", "error")
LISTENER_ALIVE_MS = 15_000   # a listener reads (blocking 1 s) in a loop: idle longer means gone
NOTICES_SHOWN = 20
OVERDUE_SHOWN = 10
CORR_CHUNK_MAX = 800     # most waits read per round trip when a corr prefix is combined with filters
CORR_SCAN_CAP = 5000     # ... and at most this many


def _s(v):
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v


def _int(v):
    try:
        return int(v) if v not in (None, "", b"") else None
    except (TypeError, ValueError):
        return None


@dataclass
class Page:
    rows: list = field(default_factory=list)
    total: int | None = 0          # instances matching the filter (None: not counted)
    offset: int = 0
    limit: int = 50
    has_next: bool = False


def list_instances(conn, prefix: str, *, state: str | None = None, corr: str | None = None,
                   min_age_s: float | None = None, offset: int = 0, limit: int = 50,
                   now_ms: int | None = None) -> Page:
    """A page of instances, newest first. ``state`` picks the index; ``min_age_s`` keeps those
    created (no state) or last changed (a state) at least that long ago; ``corr`` keeps waits
    whose correlation id starts with it."""
    keys = Keys(prefix)
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    offset, limit = max(0, int(offset)), max(1, min(int(limit), 500))
    if corr:
        return _by_corr(conn, keys, corr, state, min_age_s, offset, limit, now_ms)
    if state and state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    if state == "running":
        return _running(conn, keys, min_age_s, offset, limit, now_ms)
    index = keys.all if not state else keys.state(state)
    top = "+inf" if not min_age_s else now_ms - int(float(min_age_s) * 1000)
    pipe = conn.pipeline(transaction=False)
    pipe.zrevrangebyscore(index, top, "-inf", start=offset, num=limit + 1)
    if top == "+inf":
        pipe.zcard(index)
    else:
        pipe.zcount(index, "-inf", top)
    ids, total = pipe.execute()
    ids = [_s(i) for i in ids]
    page = Page(total=int(total), offset=offset, limit=limit, has_next=len(ids) > limit)
    page.rows = rows_for(conn, keys, ids[:limit])
    return page


def _running(conn, keys, min_age_s, offset, limit, now_ms) -> Page:
    """Running instances: ``{p}:leases`` is scored by lease deadline, not by change, but it
    holds only what the workers run right now (a few per worker), so it is read whole and
    ordered by last change here."""
    rows = rows_for(conn, keys, [_s(i) for i in conn.zrange(keys.leases, 0, -1)])
    if min_age_s:
        cut = now_ms - float(min_age_s) * 1000
        rows = [r for r in rows if (r["updated_at"] or 0) <= cut]
    rows.sort(key=lambda r: r["updated_at"] or 0, reverse=True)
    return Page(rows=rows[offset:offset + limit], total=len(rows), offset=offset, limit=limit,
                has_next=len(rows) > offset + limit)


def _by_corr(conn, keys, corr, state, min_age_s, offset, limit, now_ms) -> Page:
    """Waits by correlation-id prefix, in correlation-id order (the lex index). Alone, a page is
    one range: O(log N + limit). With a state or age filter too, the range is read in chunks
    and filtered, up to CORR_SCAN_CAP entries (``Page.total`` is None then)."""
    if not (state or min_age_s):
        page = Page(total=count_waiting(conn, keys.prefix, corr), offset=offset, limit=limit)
        found = find_waiting(conn, keys.prefix, corr, offset, limit + 1, details=False)
        page.has_next = len(found) > limit
        page.rows = rows_for(conn, keys, [x["instance_id"] for x in found[:limit]])
        return page
    cut = now_ms - float(min_age_s) * 1000 if min_age_s else None
    matches, at, chunk = [], 0, offset + limit + 1  # most live waits match: start with a page's worth
    while len(matches) < offset + limit + 1 and at < CORR_SCAN_CAP:
        found = find_waiting(conn, keys.prefix, corr, at, min(chunk, CORR_SCAN_CAP - at), details=False)
        if not found:
            break
        at, chunk = at + len(found), min(chunk * 2, CORR_CHUNK_MAX)
        for r in rows_for(conn, keys, [x["instance_id"] for x in found]):
            if (not state or r["state"] == state) and (cut is None or (r["updated_at"] or 0) <= cut):
                matches.append(r)
    rows = matches[offset:]
    return Page(rows=rows[:limit], total=None, offset=offset, limit=limit, has_next=len(rows) > limit)


def rows_for(conn, keys: Keys, ids) -> list[dict]:
    """The list columns of these instances, one pipelined HMGET each (one round trip)."""
    if not ids:
        return []
    pipe = conn.pipeline(transaction=False)
    for iid in ids:
        pipe.hmget(keys.instance(iid), *ROW_FIELDS)
    rows = []
    for iid, values in zip(ids, pipe.execute()):
        r = dict(zip(ROW_FIELDS, (_s(v) for v in values)))
        if r["state"] is None:
            continue  # ended and expired since the index was read
        for f in ("timeout_at", "created_at", "updated_at", "runs", "checkpoint_id"):
            r[f] = _int(r[f])
        r["id"] = iid
        rows.append(r)
    return rows


def fleet(conn, prefix: str, queues, now_ms: int | None = None) -> dict:
    """The Fleet page: processes alive, queue depths, instances by state, parked by kind,
    overdue waits and recent notices."""
    keys = Keys(prefix)
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    queues = list(queues)
    counts = instance_counts(conn, keys)
    pipe = conn.pipeline(transaction=False)
    for q in queues:
        pipe.zcard(keys.ready(q))
        pipe.llen(f"rq:queue:{q}")
    pipe.zlexcount(keys.waits_by_corr, "[sleep:", "(sleep;")  # sleeps wait on "sleep:..." ids
    pipe.zcount(keys.deadlines, "-inf", now_ms - 1000)
    pipe.zrangebyscore(keys.deadlines, "-inf", now_ms - 1000, start=0, num=OVERDUE_SHOWN, withscores=True)
    pipe.xrevrange(keys.notices, count=NOTICES_SHOWN)
    r = pipe.execute()
    depth = [{"queue": q, "ready": int(r[2 * i]), "rq_jobs": int(r[2 * i + 1])} for i, q in enumerate(queues)]
    sleeping, overdue_n, overdue, notices = r[2 * len(queues):]
    waiting = counts.get("waiting", 0)
    sleeping = min(int(sleeping), waiting)
    return {
        "counts": counts,
        "total": sum(counts.values()),
        "queues": depth,
        "parked": {"receive": waiting - sleeping, "sleep": sleeping},
        "overdue_count": int(overdue_n),
        "overdue": _overdue(conn, keys, overdue, now_ms),
        "notices": [{"id": _s(e), **{_s(k): _s(v) for k, v in f.items()}} for e, f in notices],
        "workers": workers(conn, queues),
        "listeners": listeners(conn, keys),
    }


def _overdue(conn, keys: Keys, due, now_ms: int) -> list[dict]:
    """The shown overdue waits with the instance each belongs to (one pipelined HGET each)."""
    pipe = conn.pipeline(transaction=False)
    for corr, _ in due:
        pipe.hget(keys.wait(_s(corr)), "instance")
    return [{"correlation_id": _s(c), "instance": _s(i), "deadline": int(d), "late_ms": now_ms - int(d)}
            for (c, d), i in zip(due, pipe.execute() if due else [])]


def workers(conn, queues) -> list[dict]:
    """RQ workers registered for any of these queues (RQ drops a worker whose heartbeat lapsed)."""
    wanted = set(queues)
    out = []
    for w in Worker.all(connection=conn):
        names = w.queue_names()
        if wanted and not wanted.intersection(names):
            continue
        beat = w.last_heartbeat
        out.append({"name": w.name, "state": w.get_state(), "queues": names,
                    "heartbeat": beat.isoformat(timespec="seconds") if beat else None})
    return sorted(out, key=lambda w: w["name"])


def listeners(conn, keys: Keys) -> list[dict]:
    """Consumers of the inbox's listener group; alive if they read within LISTENER_ALIVE_MS."""
    try:
        consumers = conn.xinfo_consumers(keys.inbox, LISTENER_GROUP)
    except Exception:  # noqa: BLE001 - no inbox or group yet: no listener ever ran
        return []
    out = []
    for c in consumers:
        idle = int(c.get("idle", 0))  # since its last read attempt (a blocked read counts)
        out.append({"name": _s(c["name"]), "pending": int(c.get("pending", 0)), "idle_ms": idle,
                    "alive": idle < LISTENER_ALIVE_MS})
    return sorted(out, key=lambda c: (not c["alive"], c["name"]))
