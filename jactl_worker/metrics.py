"""What the fleet's processes count, for Prometheus and for the dashboard's activity chart.

Two outlets, fed by the same small calls made at the existing hook points (drain/batch runs,
the listener's deliveries, the timer and the recovery sweep), in the spirit of Dramatiq's
middleware but written out where they happen, so a reader sees every count in place:

* Prometheus (``prometheus_client``): counters and histograms kept in this process and served
  by ``serve(port)`` (``--metrics-port``, on 127.0.0.1 unless ``--metrics-host`` widens it:
  the page needs no credentials); the gauges ``jactl_instances{state}`` and
  ``jactl_queue_depth{queue}`` are read from Redis when scraped (``RedisCollector``), so every
  process reports the fleet's numbers, not its own.
* Per-minute activity (starts, parks, resumes, completions) for the dashboard's chart: kept in
  memory and flushed about once a second by a background thread as ONE pipeline of HINCRBYs
  into ``{p}:minute:{epoch_minute}`` (keys.py), so the chart costs no Redis command per run
  however busy the fleet is.

Counting never fails a run: a Redis error while flushing is logged and the counts are kept for
the next flush.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref

from prometheus_client import REGISTRY, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily

from .keys import STATES, Keys

log = logging.getLogger("jactl_worker.metrics")

RUNS = Counter("jactl_runs_total", "Runs of script instances, by how they stopped "
               "(completed, failed, parked, lost)", ["outcome"])
PARKS = Counter("jactl_parks_total", "Waits an instance parked on (receive, sleep)", ["kind"])
RESUMES = Counter("jactl_resumes_total", "Waits and lost runs made runnable again, by cause "
                  "(reply, timeout, recovery)", ["cause"])
REPLIES = Counter("jactl_replies_total", "Inbox replies handled by listeners, by outcome "
                  "(resumed, buffered, late, duplicate, malformed, rejected)", ["outcome"])
RUN_SECONDS = Histogram("jactl_run_seconds", "Wall time of one run, from its claim to where it stopped",
                        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
CHECKPOINT_BYTES = Histogram("jactl_checkpoint_bytes", "Size of each saved continuation (checkpoints and parks)",
                             buckets=(256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304))

# deliver.lua's outcomes (and the listener's own rejections) -> the outcome label
_REPLY_OUTCOMES = {
    "resolved": "resumed", "reenqueue": "resumed",  # a reclaimed message enqueues its resume again
    "buffered": "buffered", "stored": "buffered", "late": "late", "duplicate": "duplicate", "redelivered": "duplicate",
    "malformed": "malformed", "oversized": "malformed", "rejected": "rejected", "dead-letter": "rejected",
}
ACTIVITY = ("starts", "parks", "resumes", "completions")
MINUTE_TTL_S = 2 * 3600
FLUSH_INTERVAL_S = 1.0


# -- what the hook points call ----------------------------------------------------------------
def run_began(store, point: str) -> None:
    """A worker begins a run at its restart point: "start" is a start, anything else a resume."""
    activity(store).add("starts" if point == "start" else "resumes")


def run_ended(store, outcome: str, began: float, kind: str | None = None) -> None:
    """A run stopped: completed | failed | parked (on ``kind``) | lost."""
    RUNS.labels(outcome).inc()
    RUN_SECONDS.observe(max(0.0, time.monotonic() - began))
    if outcome == "parked":
        PARKS.labels(kind or "receive").inc()
        activity(store).add("parks")
    elif outcome in ("completed", "failed"):
        activity(store).add("completions")


def checkpoint_saved(nbytes: int) -> None:
    CHECKPOINT_BYTES.observe(nbytes)


def reply_handled(outcome: str) -> None:
    label = _REPLY_OUTCOMES.get(outcome)
    if label is None:
        return
    REPLIES.labels(label).inc()
    if label == "resumed":
        RESUMES.labels("reply").inc()


def resumed(cause: str, n: int = 1) -> None:
    if n:
        RESUMES.labels(cause).inc(n)


# -- per-minute activity ------------------------------------------------------------------------
class Activity:
    """In-memory per-minute counts of one prefix, flushed to ``{p}:minute:{m}`` in one pipeline.
    Holds its connection weakly: a fleet that is gone (a test's fakeredis) is simply dropped."""

    def __init__(self, connection, prefix: str):
        self._conn = weakref.ref(connection)
        self.keys = Keys(prefix)
        self._lock = threading.Lock()
        self._counts: dict[tuple[int, str], int] = {}

    def add(self, what: str, n: int = 1) -> None:
        minute = int(time.time() // 60)
        with self._lock:
            self._counts[(minute, what)] = self._counts.get((minute, what), 0) + n
        _ensure_flusher()

    def flush(self) -> int:
        """Write what was counted since the last flush; returns how many counts were written."""
        with self._lock:
            counts, self._counts = self._counts, {}
        connection = self._conn()
        if not counts or connection is None:
            return 0
        pipe = connection.pipeline(transaction=False)
        for minute in sorted({m for m, _ in counts}):
            key = self.keys.minute(minute)
            for (m, what), n in counts.items():
                if m == minute:
                    pipe.hincrby(key, what, n)
            pipe.expire(key, MINUTE_TTL_S)
        try:
            pipe.execute()
        except Exception as e:  # noqa: BLE001 - keep the counts; Redis may be back next second
            log.warning("could not flush activity counts: %s", e)
            with self._lock:
                for k, n in counts.items():
                    self._counts[k] = self._counts.get(k, 0) + n
            return 0
        return len(counts)


_activities: dict[tuple[int, str], Activity] = {}
_activities_lock = threading.Lock()
_flusher: threading.Thread | None = None


def activity(store) -> Activity:
    """The Activity of a store's connection and prefix (one per process)."""
    key = (id(store.redis), store.settings.prefix)
    a = _activities.get(key)
    if a is None or a._conn() is not store.redis:  # new, or an id reused by a new connection
        with _activities_lock:
            a = _activities.get(key)
            if a is None or a._conn() is not store.redis:
                a = _activities[key] = Activity(store.redis, store.settings.prefix)
    return a


def flush_all() -> None:
    """Flush every Activity now (the embedded fleet after a step; a process on its way out)."""
    for key, a in list(_activities.items()):
        a.flush()
        if a._conn() is None:
            _activities.pop(key, None)


def _ensure_flusher() -> None:
    global _flusher
    if _flusher is not None:
        return
    with _activities_lock:
        if _flusher is None:
            _flusher = threading.Thread(target=_flush_loop, name="jactl-activity", daemon=True)
            _flusher.start()


def _flush_loop() -> None:
    while True:
        time.sleep(FLUSH_INTERVAL_S)
        try:
            flush_all()
        except Exception:  # noqa: BLE001 - counting must never stop
            log.warning("activity flush failed", exc_info=True)


def read_activity(connection, prefix: str, minutes: int = 60, now: float | None = None) -> list[dict]:
    """The last ``minutes`` minutes of activity, oldest first: {minute (epoch minute), starts,
    parks, resumes, completions}; one pipelined HGETALL per minute."""
    keys = Keys(prefix)
    last = int((now if now is not None else time.time()) // 60)
    span = list(range(last - minutes + 1, last + 1))
    pipe = connection.pipeline(transaction=False)
    for m in span:
        pipe.hgetall(keys.minute(m))
    rows = []
    for m, h in zip(span, pipe.execute()):
        h = {(k.decode() if isinstance(k, bytes) else k): int(v) for k, v in (h or {}).items()}
        rows.append({"minute": m, **{what: h.get(what, 0) for what in ACTIVITY}})
    return rows


# -- gauges read from Redis at scrape time ------------------------------------------------------
class RedisCollector:
    """``jactl_instances{state}`` and ``jactl_queue_depth{queue}``: a handful of ZCARDs in one
    pipeline per scrape. Queues: the ones this process serves, plus every RQ queue that has a
    ready set under this prefix (RQ's ``rq:queues`` set is small; the keyspace is never scanned).
    ``connection`` may be a list (the dashboard of a sharded fleet): the gauges are the sums
    over the shards that answer."""

    def __init__(self, connection, prefix: str, queues=()):
        self.conns = list(connection) if isinstance(connection, (list, tuple)) else [connection]
        self.redis = self.conns[0]
        self.keys = Keys(prefix)
        self.queues = list(queues)

    def queue_names(self, conn=None) -> list[str]:
        names = list(self.queues)
        try:
            for q in (conn or self.redis).smembers("rq:queues"):
                q = q.decode() if isinstance(q, bytes) else q
                name = q[len("rq:queue:"):] if q.startswith("rq:queue:") else q
                if name not in names:
                    names.append(name)
        except Exception:  # noqa: BLE001 - the known queues still get reported
            pass
        return names

    def collect(self):
        instances = GaugeMetricFamily("jactl_instances", "Instances by state (read from Redis)", labels=["state"])
        depth = GaugeMetricFamily("jactl_queue_depth", "Instances ready to run, by queue (read from Redis)",
                                  labels=["queue"])
        counts: dict[str, int] = {}
        depths: dict[str, int] = {}
        answered = 0
        for conn in self.conns:
            try:
                c = instance_counts(conn, self.keys)
                names = self.queue_names(conn)
                pipe = conn.pipeline(transaction=False)
                for q in names:
                    pipe.zcard(self.keys.ready(q))
                d = dict(zip(names, pipe.execute()))
            except Exception as e:  # noqa: BLE001 - a scrape must answer even when Redis does not
                log.warning("could not read gauges from Redis: %s", e)
                continue
            answered += 1
            for k, n in c.items():
                counts[k] = counts.get(k, 0) + n
            for k, n in d.items():
                depths[k] = depths.get(k, 0) + int(n)
        if not answered:
            return
        for state, n in counts.items():
            instances.add_metric([state], n)
        for q, n in depths.items():
            if n or q in self.queues:
                depth.add_metric([q], n)
        yield instances
        yield depth


def instance_counts(connection, keys: Keys) -> dict[str, int]:
    """Instances per state from the state indexes (running: the leases set)."""
    pipe = connection.pipeline(transaction=False)
    for state in STATES:
        pipe.zcard(keys.leases if state == "running" else keys.state(state))
    return dict(zip(STATES, (int(n) for n in pipe.execute())))


_collector: RedisCollector | None = None


def serve(port: int, connection=None, prefix: str | None = None, queues=(), addr: str = "127.0.0.1") -> None:
    """Serve /metrics on ``port`` (``--metrics-port``) from a background thread, with the Redis
    gauges if a connection (or one per shard) is given (one process serves one fleet's gauges).
    Local only by default (``addr``, ``--metrics-host``): whoever reaches it reads the fleet's
    counts."""
    global _collector
    if connection is not None and prefix is not None and _collector is None:
        _collector = RedisCollector(connection, prefix, queues)
        REGISTRY.register(_collector)
    start_http_server(port, addr=addr)
    log.info("Prometheus metrics on http://%s:%d/metrics", addr, port)
