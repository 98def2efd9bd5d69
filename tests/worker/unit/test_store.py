"""The Lua state transitions, one by one, on fakeredis."""

import time

from hypothesis import given, settings as hsettings
from hypothesis import strategies as st

from jactl_worker.keys import script_hash
from jactl_worker.store import Requeue, Store


def _store(redis, settings):
    return Store(redis, settings)


def _running(store, iid="i1"):
    created, seq, _ = store.create(iid, "h", "1", "{}", "q", "")
    assert created
    claim = store.claim(iid, int(seq), "w1")
    assert claim.point == "start"
    return claim


def test_create_is_idempotent_and_indexes_the_instance(redis, settings):
    s = _store(redis, settings)
    h = script_hash("src")
    assert s.create("i1", h, "src", "{}", "q", "")[:2] == (True, "1")
    assert s.create("i1", h, "other", "{}", "q", "") == (False, "queued", None)
    assert s.script_source(h) == "src"
    assert s.instance_ids("queued") == ["i1"] and s.instance_ids() == ["i1"]


def test_a_claim_with_a_stale_run_seq_does_nothing(redis, settings):
    s = _store(redis, settings)
    s.create("i1", "h", "src", "{}", "q", "")
    assert s.claim("i1", 2, "w") == "stale"
    assert isinstance(s.claim("i1", 1, "w").run_seq, int)
    assert s.claim("i1", 1, "w") == "running"  # a duplicate job of the same run
    assert s.instance("i1")["runs"] == "1"


def test_park_then_reply_resolves_once_and_queues_a_new_run(redis, settings):
    s = _store(redis, settings)
    c = _running(s)
    assert s.park("i1", c.run_seq, "corr", "receive", None, "null", b"CONT") == ("parked", 1)
    assert s.instance("i1")["state"] == "waiting"
    d = s.deliver("corr", '"yes"', "m1", "1-0")
    assert (d.outcome, d.instance_id, d.run_seq, d.queue) == ("resolved", "i1", 2, "q")
    assert s.deliver("corr", '"yes"', "m1", "2-0").outcome == "duplicate"      # same id, new XADD
    assert s.deliver("corr", '"again"', "m2", "3-0").outcome == "duplicate"    # another id
    assert s.deliver("corr", '"yes"', "m1", "1-0").outcome == "reenqueue"      # same entry redelivered
    claim = s.claim("i1", 2, "w2")
    assert (claim.point, claim.continuation, claim.value_json) == ("wait", b"CONT", '"yes"')
    assert s.deliver("corr", '"yes"', "m1", "1-0").outcome == "duplicate"      # run already claimed


def test_a_reply_before_the_wait_is_buffered_and_taken_by_the_wait(redis, settings):
    s = _store(redis, settings)
    assert s.deliver("corr", "1", "m1", "1-0").outcome == "buffered"
    assert s.deliver("corr", "2", "m2", "2-0").outcome == "duplicate"
    assert 0 < redis.ttl(s.keys.mailbox("corr")) <= settings.mailbox_ttl_s
    c = _running(s)
    assert s.park("i1", c.run_seq, "corr", "receive", None, "null", b"C") == ("resolved", "1", "early")
    assert s.mailbox("corr") is None
    assert s.instance("i1")["state"] == "running"
    assert s.instance("i1")["point"] == "wait"  # the wait is the restart point even so


def test_timeout_waits_for_its_deadline_then_beats_a_later_reply(redis, settings):
    s = _store(redis, settings)
    c = _running(s)
    deadline = int(time.time() * 1000) + 300
    _, wait_seq = s.park("i1", c.run_seq, "corr", "receive", deadline, "null", b"C")
    assert s.timeout("corr", wait_seq) == ("early", deadline, "q")
    time.sleep(0.35)
    assert s.timeout("corr", wait_seq + 1)[0] == "stale"
    assert s.timeout("corr", wait_seq)[:4] == ("resolved", "i1", 2, "q")
    assert s.timeout("corr", wait_seq)[0] == "stale"
    assert s.deliver("corr", "1", "m1", "1-0").outcome == "late"
    assert s.wait_record("corr")["late"] == "1"
    assert s.mailbox("corr") is None


def test_a_deadline_in_the_past_resolves_the_wait_at_once(redis, settings):
    s = _store(redis, settings)
    c = _running(s)
    assert s.park("i1", c.run_seq, "corr", "receive", 0, "null", b"C") == ("resolved", "null", "timeout")


def test_a_requeued_run_fences_off_every_write_of_the_old_run(redis, settings):
    s = _store(redis, settings.with_(lease_ms=50))
    c = _running(s)
    time.sleep(0.1)
    r = s.requeue("i1", "lease")
    assert (r.run_seq, r.queue, r.lost, r.failed) == (2, "q", 1, None)
    assert not s.renew("i1", c.run_seq)
    assert not s.save_checkpoint("i1", c.run_seq, 1, b"C")
    assert s.send("i1", c.run_seq, "out", "1") is None
    assert s.park("i1", c.run_seq, "corr", "receive", None, "null", b"C") == ("fenced",)
    assert not s.finish("i1", c.run_seq, "completed", "1")
    assert s.claim("i1", 2, "w2").run_seq == 2
    assert s.finish("i1", 2, "completed", "7")
    assert s.instance("i1")["result"] == "7"


def test_a_live_lease_is_not_requeued(redis, settings):
    s = _store(redis, settings)
    _running(s)
    assert s.requeue("i1", "lease") is None
    assert s.instance("i1")["state"] == "running"


def test_checkpoint_becomes_the_restart_point_and_finish_cleans_up(redis, settings):
    s = _store(redis, settings)
    c = _running(s)
    assert s.park("i1", c.run_seq, "corr", "receive", 0, "null", b"W")[0] == "resolved"
    assert s.point("i1")["kind"] == "wait"
    assert s.save_checkpoint("i1", c.run_seq, 1, b"CK", sequence=7)
    assert (s.point("i1")["kind"], s.point("i1")["continuation"], s.point("i1")["seq"]) == ("checkpoint", b"CK", "7")
    assert "continuation" not in s.wait_record("corr")   # a wait record never holds bytes
    assert redis.ttl(s.keys.wait("corr")) > 0
    assert s.finish("i1", c.run_seq, "completed", "1")
    assert not redis.exists(s.keys.point("i1"))
    assert s.instance("i1")["state"] == "completed" and s.instance_ids("running") == []


def test_cancel_stops_a_wait_and_later_replies_are_late(redis, settings):
    s = _store(redis, settings)
    c = _running(s)
    s.park("i1", c.run_seq, "corr", "receive", None, "null", b"C")
    assert s.cancel("i1") == (True, "waiting")
    assert s.cancel("i1") == (False, "cancelled")
    assert s.cancel("nope") == (False, None)
    assert s.deliver("corr", "1", "m", "1-0").outcome == "late"


def test_a_correlation_id_awaited_by_one_instance_cannot_be_awaited_by_another(redis, settings):
    s = _store(redis, settings)
    a = _running(s, "a")
    b = _running(s, "b")
    s.park("a", a.run_seq, "corr", "receive", None, "null", b"C")
    assert s.park("b", b.run_seq, "corr", "receive", None, "null", b"C") == ("busy", "a")


def test_a_reply_to_a_sleep_is_rejected(redis, settings):
    s = _store(redis, settings)
    c = _running(s)
    s.park("i1", c.run_seq, "sleep:x", "sleep", int(time.time() * 1000) + 60000, '"v"', b"C")
    assert s.deliver("sleep:x", "1", "m", "1-0").outcome == "rejected"


@hsettings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["reply_a", "reply_a_again", "reply_b", "timeout", "cancel", "claim"]), max_size=8))
def test_whatever_the_order_of_events_a_wait_is_resolved_at_most_once(events):
    import fakeredis

    from jactl_worker.config import Settings

    s = Store(fakeredis.FakeRedis(), Settings(prefix="h"))
    c = _running(s)
    # (a deadline 300 ms out: on a loaded machine 100 ms and more have passed before park.lua
    # ran, and a wait whose deadline passed is timed out by park.lua itself)
    _, wait_seq = s.park("i1", c.run_seq, "corr", "receive", int(time.time() * 1000) + 300, "null", b"C")
    time.sleep(0.305)  # the deadline has passed: reply and timeout both may win
    resolutions, runs_claimed = 0, 0
    for i, e in enumerate(events):
        if e.startswith("reply"):
            mid = "b" if e == "reply_b" else "a"
            d = s.deliver("corr", "1", mid, f"{i}-0")
            resolutions += d.outcome == "resolved"
        elif e == "timeout":
            resolutions += s.timeout("corr", wait_seq)[0] == "resolved"
        elif e == "cancel":
            s.cancel("i1")
        else:
            seq = int(s.instance("i1")["run_seq"])
            runs_claimed += not isinstance(s.claim("i1", seq, "w"), str)
    assert resolutions <= 1
    assert runs_claimed <= resolutions
    inst = s.instance("i1")
    assert int(inst["run_seq"]) == 1 + resolutions + (inst["state"] == "cancelled")


def test_a_reply_that_resolves_a_timed_wait_names_the_timeout_job_to_drop(redis, settings):
    s = _store(redis, settings)
    c = _running(s)
    _, wait_seq = s.park("i1", c.run_seq, "corr", "receive", int(time.time() * 1000) + 60000, "null", b"C")
    assert s.deliver("corr", "1", "m", "1-0").wait_seq == wait_seq
