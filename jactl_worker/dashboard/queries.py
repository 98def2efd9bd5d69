"""What the dashboard's pages read from Redis, each in a bounded number of round trips.

A sharded fleet is read as one: the pages ask every shown shard in parallel (``View.each``)
and merge - instance pages by the index's score, k-way (``list_view``); the Fleet page per
shard and in total (``fleet_view``). A shard whose Redis does not answer is reported in
``down`` and left out, so the others keep working.

Nothing here walks the keyspace or every instance: a page of instances is a range of one of
the ZSET indexes (``{p}:all`` by creation, ``{p}:state:{s}`` by last change, ``{p}:leases``),
cut by score for the age filter, plus one pipelined HMGET per shown row; a correlation-id
prefix is a range of the lex index ``{p}:waits-by-corr``. So a page costs the same with
100,000 instances as with ten (bench/bench_dashboard.py measures it).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from redis.exceptions import RedisError
from rq import Worker

from .. import heartbeat
from ..inspect import count_waiting, find_waiting
from ..keys import STATES, Keys
from ..metrics import instance_counts

ROW_FIELDS = ("state", "waiting_on", "wait_kind", "timeout_at", "created_at", "updated_at", "runs",
              "checkpoint_id", "queue", "error")
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
    has_prev: bool = False
    down: dict = field(default_factory=dict)   # shard -> why it could not be read


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
        "listeners": heartbeat.listeners(conn, keys),
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


# -- every shard of a sharded fleet -------------------------------------------------------------
TIE_CAP = 10_000          # most instances read that share one score (one millisecond) at a cursor
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="jactl-dashboard-shard")


class View:
    """The shards a dashboard reads: every shard's connection in the fleet's order (the routing
    rule needs the count) and the ones shown (all, or the ``--shard`` filter). A shard that
    failed is taken as down for DOWN_FOR_S without asking it again, so a host that does not
    answer at all costs one connect timeout every few seconds, not one per read of a page."""

    DOWN_FOR_S = 2.0

    def __init__(self, conns, shown=None, _down=None):
        self.conns = list(conns) if isinstance(conns, (list, tuple)) else [conns]
        self.shown = list(range(len(self.conns))) if shown is None else list(shown)
        self._down: dict[int, tuple[float, str]] = {} if _down is None else _down  # shard -> (until, why)

    def subset(self, shards) -> "View":
        return View(self.conns, shards, self._down)

    @property
    def sharded(self) -> bool:
        return len(self.conns) > 1

    def shard_of(self, name: str) -> int:
        from ..shards import shard_of

        return shard_of(name, len(self.conns))

    def each(self, fn) -> tuple[dict, dict]:
        """``fn(shard, conn)`` for each shown shard, in parallel: ({shard: result}, {shard: error
        text}) - a shard whose Redis fails is in the second, the others still answer. One
        Redis (unsharded) raises: the page is a 503, as nothing could be read."""
        def one(i):
            until, why = self._down.get(i, (0.0, ""))
            if time.monotonic() < until:
                return i, None, why
            try:
                return i, fn(i, self.conns[i]), None
            except (RedisError, OSError) as e:
                if not self.sharded:
                    raise
                why = f"{type(e).__name__}: {e}"
                self._down[i] = (time.monotonic() + self.DOWN_FOR_S, why)
                return i, None, why
        if len(self.shown) == 1:
            done = [one(self.shown[0])]
        else:
            done = list(_pool.map(one, self.shown))
        return ({i: r for i, r, e in done if e is None}, {i: e for i, _, e in done if e is not None})


def _key(row) -> tuple:
    return (row[0], row[1], row[2])   # (score, shard, id): a total order over every shard


def parse_cursor(text: str | None):
    """``score:shard:id`` (the row a page continues from) or None."""
    if not text:
        return None
    score, _, rest = text.partition(":")
    shard, _, iid = rest.partition(":")
    try:
        return int(float(score)), int(shard), iid
    except ValueError:
        raise ValueError(f"bad cursor {text!r}") from None


def cursor_of(row: dict) -> str:
    return f"{row['_score']}:{row['shard']}:{row['id']}"


def list_view(view: View, prefix: str, *, state: str | None = None, corr: str | None = None,
              min_age_s: float | None = None, offset: int = 0, limit: int = 50, before: str | None = None,
              after: str | None = None, now_ms: int | None = None) -> Page:
    """``list_instances`` over the shown shards, newest first, each row with its ``shard``.

    A page of an index (all, or a state) is a k-way merge of each shard's next ``limit + 1``
    entries by (score, shard, id), so it costs per shard what one shard's page costs. Paging
    goes by cursor: ``before`` (older than that row) or ``after`` (newer), each a row's
    ``cursor_of`` (the links carry them); without one, ``offset`` is found by a binary search
    on the score (``_score_at_rank``: ZCOUNTs, O(log N) each), then read like a cursor. Running
    instances and correlation-id prefixes are small or shallow and merged whole."""
    if not view.sharded and not (before or after):
        page = list_instances(view.conns[0], prefix, state=state, corr=corr, min_age_s=min_age_s, offset=offset,
                              limit=limit, now_ms=now_ms)
        for r in page.rows:
            r["shard"] = 0
        page.has_prev = offset > 0
        return page
    keys = Keys(prefix)
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    offset, limit = max(0, int(offset)), max(1, min(int(limit), 500))
    if state and state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    if corr or state == "running":
        return _merged_whole(view, prefix, state, corr, min_age_s, offset, limit, now_ms)
    index = keys.all if not state else keys.state(state)
    top = None if not min_age_s else now_ms - int(float(min_age_s) * 1000)
    cur_b, cur_a = parse_cursor(before), parse_cursor(after)
    skip, down = 0, {}
    if offset and not (cur_b or cur_a):   # a page number without a cursor: where it begins
        at, down = _score_at_rank(view, index, offset, top)
        if at is None:
            return Page(total=None, offset=offset, limit=limit, has_prev=True, down=down)
        # every entry scored <= v, of every shard (a cursor past the last shard), less the
        # ones of score v that come before the offset
        cur_b, skip = (at[0], len(view.conns), ""), offset - at[1]
    want = skip + limit + 1

    def read(i, conn):
        pipe = conn.pipeline(transaction=False)
        n_ties = _index_range(pipe, index, i, top, cur_b, cur_a, want)
        pipe.zcard(index) if top is None else pipe.zcount(index, "-inf", top)
        out = pipe.execute()
        rows = []
        if n_ties:
            c = cur_b or cur_a
            rows += [(int(sc), i, _s(m)) for m, sc in out[0]
                     if (_s(m) < c[2] if cur_b else _s(m) > c[2])]
        rows += [(int(sc), i, _s(m)) for m, sc in out[n_ties]]
        return rows, int(out[-1])

    got, more_down = view.each(read)
    down.update(more_down)
    cands = sorted((r for rows, _ in got.values() for r in rows), key=_key, reverse=not cur_a)
    page = Page(total=sum(n for _, n in got.values()), offset=offset, limit=limit, down=down)
    if cur_a:   # the `limit` nearest newer ones, shown newest first
        chosen = list(reversed(cands[:limit]))
        page.has_prev, page.has_next = len(cands) > limit, True
    else:
        chosen = cands[skip:skip + limit]
        page.has_next, page.has_prev = len(cands) > skip + limit, bool(cur_b) or offset > 0
    page.rows = _rows_merged(view, keys, chosen, down)
    return page


def _score_at_rank(view: View, index: str, rank: int, top) -> tuple:
    """((v, n), down): v the score of the entry at ``rank`` (0 = newest) of the merged index
    (at most ``top``), n how many entries score above v; (None, down) past the end. A binary
    search on the (integer, ms) score: each step one ZCOUNT per shard, in parallel."""
    hi_arg = "+inf" if top is None else top

    def bounds(i, conn):
        pipe = conn.pipeline(transaction=False)
        pipe.zcount(index, "-inf", hi_arg)
        pipe.zrangebyscore(index, "-inf", hi_arg, start=0, num=1, withscores=True)
        pipe.zrevrangebyscore(index, hi_arg, "-inf", start=0, num=1, withscores=True)
        return pipe.execute()

    got, down = view.each(bounds)
    if sum(int(n) for n, _, _ in got.values()) <= rank:
        return None, down
    lo = min(int(first[0][1]) for _, first, _ in got.values() if first)
    hi = max(int(last[0][1]) for _, _, last in got.values() if last)
    shards = sorted(got)
    sub = view.subset(shards)

    def above(v):   # entries scored above v, over the shards that answered the first read
        counts, _ = sub.each(lambda i, conn: int(conn.zcount(index, f"({v}", hi_arg)))
        return sum(counts.values())

    while lo < hi:   # the smallest v with at most `rank` entries above it
        mid = (lo + hi) // 2
        if above(mid) <= rank:
            hi = mid
        else:
            lo = mid + 1
    return (lo, above(lo)), down


def _index_range(pipe, index, shard, top, cur_b, cur_a, want) -> int:
    """Queue on ``pipe`` the reads of one shard's next entries past the cursor (see list_view);
    returns 1 if the first read is the entries tied with the cursor's score, else 0."""
    hi = "+inf" if top is None else top
    if cur_b:
        s, cs, _ = cur_b
        if top is not None and top < s:
            pipe.zrevrangebyscore(index, top, "-inf", start=0, num=want, withscores=True)
            return 0
        ties = shard == cs
        if ties:
            pipe.zrevrangebyscore(index, s, s, start=0, num=TIE_CAP, withscores=True)
        # shards ordered before the cursor's take its score whole; after it, none of it
        pipe.zrevrangebyscore(index, s if shard < cs else f"({s}", "-inf", start=0, num=want, withscores=True)
        return int(ties)
    if cur_a:
        s, cs, _ = cur_a
        if top is not None and top < s:
            pipe.zrangebyscore(index, "+inf", "-inf", withscores=True)  # an empty range: nothing is newer
            return 0
        ties = shard == cs
        if ties:
            pipe.zrangebyscore(index, s, s, start=0, num=TIE_CAP, withscores=True)
        pipe.zrangebyscore(index, s if shard > cs else f"({s}", hi, start=0, num=want, withscores=True)
        return int(ties)
    pipe.zrevrangebyscore(index, hi, "-inf", start=0, num=want, withscores=True)
    return 0


def _rows_merged(view: View, keys: Keys, chosen, down: dict) -> list[dict]:
    """The rows of ``chosen`` ((score, shard, id), in page order), one pipeline per shard."""
    by_shard: dict[int, list] = {}
    for sc, i, iid in chosen:
        by_shard.setdefault(i, []).append(iid)
    got, more_down = view.each(lambda i, conn: {r["id"]: r for r in rows_for(conn, keys, by_shard.get(i, []))})
    down.update(more_down)
    out = []
    for sc, i, iid in chosen:
        r = got.get(i, {}).get(iid)
        if r is not None:
            r["shard"], r["_score"] = i, sc
            out.append(r)
    return out


def _merged_whole(view, prefix, state, corr, min_age_s, offset, limit, now_ms) -> Page:
    """Running instances (a few per worker) or waits by correlation-id prefix, over the shards:
    each shard's first ``offset + limit + 1`` matches, merged (running: by last change; a
    prefix: by correlation id, as one shard orders them)."""
    n = offset + limit + 1

    def read(i, conn):
        keys = Keys(prefix)
        if corr:
            p = _by_corr(conn, keys, corr, state, min_age_s, 0, n, now_ms)
        else:
            p = _running(conn, keys, min_age_s, 0, n, now_ms)
        for r in p.rows:
            r["shard"] = i
        return p

    got, down = view.each(read)
    rows = [r for p in got.values() for r in p.rows]
    if corr:
        rows.sort(key=lambda r: (r.get("waiting_on") or "", r["id"]))
    else:
        rows.sort(key=lambda r: (r["updated_at"] or 0, r["shard"], r["id"]), reverse=True)
    totals = [p.total for p in got.values()]
    total = None if any(t is None for t in totals) else sum(totals)
    return Page(rows=rows[offset:offset + limit], total=total, offset=offset, limit=limit,
                has_next=len(rows) > offset + limit, has_prev=offset > 0, down=down)


def fleet_view(view: View, prefix: str, queues, now_ms: int | None = None) -> dict:
    """The Fleet page over the shown shards: ``shards`` (each shard's ``fleet`` dict with its
    ``shard`` and ``up``), the totals in ``fleet``'s own shape, and ``down``."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    queues = list(queues)
    got, down = view.each(lambda i, conn: fleet(conn, prefix, queues, now_ms))
    per = []
    for i in view.shown:
        d = got.get(i)
        per.append({"shard": i, "up": d is not None, "error": down.get(i), **(d or {})})
    up = [p for p in per if p["up"]]
    counts = {s: sum(p["counts"].get(s, 0) for p in up) for s in STATES}
    total = {
        "counts": counts,
        "total": sum(counts.values()),
        "queues": [{"queue": q, "ready": sum(p["queues"][k]["ready"] for p in up),
                    "rq_jobs": sum(p["queues"][k]["rq_jobs"] for p in up)} for k, q in enumerate(queues)],
        "parked": {k: sum(p["parked"][k] for p in up) for k in ("receive", "sleep")},
        "overdue_count": sum(p["overdue_count"] for p in up),
        "overdue": sorted(({**o, "shard": p["shard"]} for p in up for o in p["overdue"]),
                          key=lambda o: -o["late_ms"])[:OVERDUE_SHOWN],
        "notices": sorted(({**n, "shard": p["shard"]} for p in up for n in p["notices"]),
                          key=lambda n: _int(n.get("at")) or 0, reverse=True)[:NOTICES_SHOWN],
        "workers": [{**w, "shard": p["shard"]} for p in up for w in p["workers"]],
        "listeners": [{**c, "shard": p["shard"]} for p in up for c in p["listeners"]],
    }
    return {"fleet": total, "shards": per, "down": down}


def activity_view(view: View, prefix: str, minutes: int = 60) -> tuple[list[dict], dict]:
    """The per-minute activity summed over the shown shards (and the shards that did not answer)."""
    from ..metrics import ACTIVITY, read_activity

    now = time.time()
    got, down = view.each(lambda i, conn: read_activity(conn, prefix, minutes, now=now))
    rows = None
    for i in sorted(got):
        if rows is None:
            rows = [dict(r) for r in got[i]]
        else:
            for r, o in zip(rows, got[i]):
                for what in ACTIVITY:
                    r[what] += o[what]
    if rows is None:
        last = int(now // 60)
        rows = [{"minute": m, **dict.fromkeys(ACTIVITY, 0)} for m in range(last - minutes + 1, last + 1)]
    return rows, down
