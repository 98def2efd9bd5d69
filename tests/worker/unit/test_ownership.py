"""A restart point belongs to its instance (issue 8, findings 2, 3 and 7): reused correlation
ids, redelivered replies, counted lost runs, and scripts whose source does not match its
hash. Store level, on fakeredis (Lua through lupa)."""

import time

from jactl_worker.keys import LISTENER_GROUP, script_hash
from jactl_worker.store import Store


def _running(store, iid, source="1"):
    created, seq, _ = store.create(iid, script_hash(source), source, "{}", "q", "")
    assert created
    return store.claim(iid, int(seq), "w1")


def _pending_entry(store, corr, body):
    """An inbox entry read by a listener and not yet acknowledged (as in a real batch)."""
    r = store.redis
    store.ensure_group()
    entry = store.add_inbox(corr, body)
    r.xreadgroup(LISTENER_GROUP, "l1", {store.keys.inbox: ">"}, count=100)
    return entry


def test_a_reused_correlation_id_never_hands_one_instance_anothers_state(redis, settings):
    # finding 2: A's wait on order-1 is resolved and its resume queued; B then parks on order-1
    s = Store(redis, settings)
    a = _running(s, "A")
    assert s.park("A", a.run_seq, "order-1", "receive", None, "null", b"A-STATE")[0] == "parked"
    d = s.deliver("order-1", '"for A"', "m1", "")
    assert d.outcome == "resolved" and d.instance_id == "A"
    b = _running(s, "B")
    assert s.park("B", b.run_seq, "order-1", "receive", None, "null", b"B-STATE")[0] == "parked"
    # A runs its own continuation with its own reply; B keeps its own
    ca = s.claim("A", d.run_seq, "w2")
    assert (ca.continuation, ca.value_json) == (b"A-STATE", '"for A"')
    d2 = s.deliver("order-1", '"for B"', "m2", "")
    assert d2.outcome == "resolved" and d2.instance_id == "B"
    cb = s.claim("B", d2.run_seq, "w3")
    assert (cb.continuation, cb.value_json) == (b"B-STATE", '"for B"')


def test_a_redelivered_reply_of_an_earlier_use_resumes_that_instance_not_the_new_waiter(redis, settings):
    s = Store(redis, settings)
    a = _running(s, "A")
    s.park("A", a.run_seq, "order-1", "receive", None, "null", b"A-STATE")
    entry = _pending_entry(s, "order-1", '"for A"')
    d = s.deliver("order-1", '"for A"', entry, entry)          # the listener dies before its ack
    assert d.outcome == "resolved"
    b = _running(s, "B")
    assert s.park("B", b.run_seq, "order-1", "receive", None, "null", b"B-STATE")[0] == "parked"
    assert s.wait_record("order-1")["prev_entry"] == entry
    # another listener delivers the same entry again: A's run is asked for again, B is untouched
    again = s.deliver("order-1", '"for A"', entry, entry)
    assert (again.outcome, again.instance_id, again.run_seq) == ("reenqueue", "A", d.run_seq)
    assert s.wait_record("order-1")["status"] == "waiting" and s.instance("B")["state"] == "waiting"
    s.claim("A", d.run_seq, "w2")
    assert s.deliver("order-1", '"for A"', entry, entry).outcome == "redelivered"
    assert s.instance("B")["state"] == "waiting"


def test_a_third_use_waits_until_an_earlier_reply_is_acknowledged(redis, settings):
    s = Store(redis, settings)
    for iid, body in (("A", '"a"'), ("B", '"b"')):
        c = _running(s, iid)
        assert s.park(iid, c.run_seq, "x", "receive", None, "null", iid.encode())[0] == "parked"
        e = _pending_entry(s, "x", body)
        assert s.deliver("x", body, e, e).outcome == "resolved"
    c = _running(s, "C")
    assert s.park("C", c.run_seq, "x", "receive", None, "null", b"C") == ("settling", "B")
    pending = [p["message_id"] for p in s.redis.xpending_range(s.keys.inbox, LISTENER_GROUP, "-", "+", 10)]
    s.redis.xack(s.keys.inbox, LISTENER_GROUP, pending[0])       # A's reply is acknowledged
    assert s.park("C", c.run_seq, "x", "receive", None, "null", b"C")[0] == "parked"


def test_a_wait_point_is_only_resolved_for_its_own_instance_and_wait(redis, settings):
    s = Store(redis, settings)
    a = _running(s, "A")
    s.park("A", a.run_seq, "c1", "receive", None, "null", b"A")
    s.redis.hset(s.keys.point("A"), "wait_seq", "99")           # the point is another wait
    assert s.deliver("c1", "1", "m", "").outcome == "late"
    assert s.instance("A")["state"] == "waiting"


def test_lost_runs_are_counted_and_the_instance_fails_after_max_attempts(redis, settings):
    s = Store(redis, settings.with_(lease_ms=20, max_attempts=3))
    c = _running(s, "A")
    outcomes = []
    for _ in range(3):
        time.sleep(0.03)
        r = s.requeue("A", "lease")
        outcomes.append(r)
        if r.failed:
            break
        c = s.claim("A", r.run_seq, f"w{r.run_seq}")
    assert [r.lost for r in outcomes[:2]] == [1, 2]
    assert outcomes[2].failed == "run lost its lease 3 times; last worker w3"
    st = s.instance("A")
    assert st["state"] == "failed" and st["error"].startswith("run lost its lease 3 times")
    assert not s.finish("A", c.run_seq, "completed", "1")        # the last run is fenced off


def test_a_new_restart_point_resets_the_count_of_lost_runs(redis, settings):
    s = Store(redis, settings.with_(lease_ms=20, max_attempts=2))
    c = _running(s, "A")
    time.sleep(0.03)
    r = s.requeue("A", "lease")
    c = s.claim("A", r.run_seq, "w2")
    assert s.save_checkpoint("A", c.run_seq, 1, b"CK")
    time.sleep(0.03)
    r = s.requeue("A", "lease")
    assert r.failed is None and r.lost == 1


def test_a_planted_source_is_repaired_by_the_next_start_and_never_run(redis, settings):
    s = Store(redis, settings)
    good = "1 + 1"
    h = script_hash(good)
    s.redis.set(s.keys.script(h), "send('evil', 1)")               # planted under good's hash
    import pytest
    from jactl_worker.store import ScriptMismatch
    with pytest.raises(ScriptMismatch):
        s.script_source(h)
    s.create("A", h, good, "{}", "q", "")
    assert s.script_source(h) == good
