"""metrics.py: the per-minute activity costs no Redis command when counted, one pipeline per
flush; reply outcomes map onto the issue's labels; the Redis gauges come from the indexes."""

from __future__ import annotations

import time

import fakeredis

from jactl_worker import metrics
from jactl_worker.keys import Keys


class _NoRedis:
    """A connection that fails the test if it is used."""

    def pipeline(self, *a, **k):
        raise AssertionError("counting must not touch Redis")


def test_counting_is_in_memory_and_a_flush_is_one_pipeline():
    r = fakeredis.FakeRedis()
    a = metrics.Activity(_NoRedis(), "p")
    for _ in range(1000):
        a.add("parks")  # no Redis traffic per count
    a._conn = lambda: r  # flush into a real (fake) Redis
    a.add("starts", 3)
    assert a.flush() == 2
    minute = int(time.time() // 60)
    key = Keys("p").minute(minute)
    assert r.hgetall(key) == {b"parks": b"1000", b"starts": b"3"}
    assert 0 < r.ttl(key) <= metrics.MINUTE_TTL_S
    assert a.flush() == 0  # nothing new: no round trip
    rows = metrics.read_activity(r, "p", 60)
    assert len(rows) == 60 and rows[-1] == {"minute": minute, "starts": 3, "parks": 1000, "resumes": 0,
                                            "completions": 0}


def test_a_failed_flush_keeps_its_counts():
    class Broken:
        def pipeline(self, *a, **k):
            class P:
                def hincrby(self, *a): pass
                def expire(self, *a): pass
                def execute(self): raise ConnectionError("down")
            return P()

    conn = Broken()
    a = metrics.Activity(conn, "p")
    a.add("resumes", 2)
    assert a.flush() == 0
    r = fakeredis.FakeRedis()
    a._conn = lambda: r
    assert a.flush() == 1 and metrics.read_activity(r, "p", 1)[-1]["resumes"] == 2


def test_reply_outcomes_use_the_issue_labels():
    def value(outcome):
        return metrics.REPLIES.labels(outcome)._value.get()

    before = {o: value(o) for o in ("resumed", "buffered", "late", "duplicate", "malformed", "rejected")}
    for kind in ("resolved", "buffered", "late", "duplicate", "redelivered", "malformed", "oversized", "rejected",
                 "dead-letter", "something-new"):
        metrics.reply_handled(kind)
    after = {o: value(o) for o in before}
    assert {o: after[o] - before[o] for o in before} == {"resumed": 1, "buffered": 1, "late": 1, "duplicate": 2,
                                                         "malformed": 2, "rejected": 2}


def test_the_gauges_come_from_the_indexes():
    r = fakeredis.FakeRedis()
    k = Keys("g")
    r.zadd(k.state("waiting"), {"a": 1, "b": 2})
    r.zadd(k.leases, {"c": 1})
    r.zadd(k.ready("q1"), {"d": 1})
    r.sadd("rq:queues", "rq:queue:q2")
    r.zadd(k.ready("q2"), {"e": 1, "f": 2})
    fams = {f.name: {tuple(s.labels.values()): s.value for s in f.samples}
            for f in metrics.RedisCollector(r, "g", ["q1", "q3"]).collect()}
    assert fams["jactl_instances"][("waiting",)] == 2 and fams["jactl_instances"][("running",)] == 1
    assert fams["jactl_queue_depth"] == {("q1",): 1, ("q3",): 0, ("q2",): 2}
