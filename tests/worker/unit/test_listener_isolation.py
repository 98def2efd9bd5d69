"""One inbox message never stops the others: rejected messages, dead letters, trimming, on
fakeredis with the real Lua transitions."""

import logging
import threading
import time

import pytest

from jactl_worker.config import Settings
from jactl_worker.embedded import EmbeddedFleet
from jactl_worker.keys import LISTENER_GROUP
from jactl_worker.listener import Listener


@pytest.fixture
def settings():
    return Settings(prefix="t", queue="tq", lease_ms=1000, reap_interval_ms=100, claim_idle_ms=0,
                    requeue_after_ms=0, timeout_grace_ms=0, max_deliveries=3)


@pytest.fixture
def fleet(redis, settings):
    return EmbeddedFleet(settings, connection=redis)


def _waiting(fleet, corr):
    iid = fleet.client.start(f"receive('{corr}', 60000)")
    fleet.step()
    assert fleet.client.status(iid)["state"] == "waiting"
    return iid


def _pending(redis, keys):
    return redis.xpending(keys.inbox, LISTENER_GROUP)["pending"]


def test_poison_bodies_in_a_batch_are_noticed_and_the_good_replies_resume(fleet, redis, caplog):
    keys = fleet.client.store.keys
    a, b = _waiting(fleet, "a"), _waiting(fleet, "b")
    redis.xadd(keys.inbox, {"correlation_id": "deep", "body": "[" * 3000 + "]" * 3000})
    redis.xadd(keys.inbox, {"correlation_id": "a", "body": '"A"', b"\xff\xfename": b"\xff"})  # non-UTF-8 name
    redis.xadd(keys.inbox, {"correlation_id": "num", "body": '{"n": 1e1000000}'})
    redis.xadd(keys.inbox, {"correlation_id": "bin", "body": b'"\xff"'})
    redis.xadd(keys.inbox, {"correlation_id": b"\xfe\xff", "body": "1"})
    redis.xadd(keys.inbox, {"correlation_id": "nan", "body": "[NaN]"})
    redis.xadd(keys.inbox, {"correlation_id": "b", "body": '{"n": 3000000000}'})
    with caplog.at_level(logging.WARNING, "jactl_worker.listener"):
        assert fleet.listener.step(block_ms=None) == 7
    assert fleet.run_instance(a, 10)["result"] == "A"
    assert fleet.run_instance(b, 10)["result"] == {"n": 3_000_000_000}
    notices = {n["correlation_id"]: n for n in fleet.client.notices()}
    assert notices["deep"]["kind"] == "malformed" and "deeper than 100" in notices["deep"]["detail"]
    assert "too large" in notices["num"]["detail"]
    assert "not UTF-8" in notices["bin"]["detail"]
    assert "correlation_id is not UTF-8" in notices["\ufffd\ufffd"]["detail"]
    assert "NaN" in notices["nan"]["detail"]
    assert _pending(redis, keys) == 0 and redis.xlen(keys.inbox) == 0
    # a rejected body shows in the log as a short prefix only
    deep_line = next(r.getMessage() for r in caplog.records if "'deep'" in r.getMessage())
    assert len(deep_line) < 300


def test_a_message_whose_deliver_fails_is_retried_then_dead_lettered(fleet, redis, settings):
    keys = fleet.client.store.keys
    a = _waiting(fleet, "a")
    redis.set(keys.wait("poison"), "not a hash")  # HMGET in deliver.lua fails with WRONGTYPE
    poison = redis.xadd(keys.inbox, {"correlation_id": "poison", "body": '{"x": 1}', "message_id": "m-1"}).decode()
    redis.xadd(keys.inbox, {"correlation_id": "a", "body": '"A"'})
    # the good reply in the same batch goes through; the poison one stays pending
    assert fleet.listener.step(block_ms=None) == 1
    assert fleet.run_instance(a, 10)["result"] == "A"
    assert _pending(redis, keys) == 1
    assert not [n for n in fleet.client.notices() if n["kind"] == "dead-letter"]
    # handed out again (XAUTOCLAIM) until Redis has delivered it max_deliveries times; (the
    # listener's own periodic reclaim may already have run while the instance ran, on a slow
    # machine: so count deliveries, not reclaim calls)
    for _ in range(5):
        if not _pending(redis, keys):
            break
        [entry] = redis.xpending_range(keys.inbox, LISTENER_GROUP, "-", "+", 10)
        assert entry["times_delivered"] < 3
        assert not [n for n in fleet.client.notices() if n["kind"] == "dead-letter"]
        fleet.listener.reclaim()
    assert _pending(redis, keys) == 0 and redis.xlen(keys.inbox) == 0
    [dead] = [n for n in fleet.client.notices() if n["kind"] == "dead-letter"]
    assert dead["correlation_id"] == "poison" and dead["message_id"] == "m-1"
    assert "3 time(s)" in dead["detail"] and "WRONGTYPE" in dead["detail"]
    # the message itself is kept whole for an operator
    [(_, kept)] = redis.xrange(keys.dead_letters)
    assert kept[b"body"] == b'{"x": 1}' and kept[b"correlation_id"] == b"poison"
    assert kept[b"dead_letter_entry"].decode() == poison and kept[b"dead_letter_deliveries"] == b"3"


def test_a_message_whose_resume_job_cannot_be_queued_stays_pending_alone(fleet, redis, monkeypatch):
    keys = fleet.client.store.keys
    a, b = _waiting(fleet, "a"), _waiting(fleet, "b")
    enqueue = fleet.listener.dispatch.enqueue_drain
    calls = []

    def failing(queue, token, pipeline=None):
        calls.append(token)
        if len(calls) == 1:  # the drain job asked for by a's reply
            pipeline.set("half-queued", 1)  # a command already queued for it is taken back too
            raise RuntimeError("enqueue broke")
        return enqueue(queue, token, pipeline=pipeline)

    monkeypatch.setattr(fleet.listener.dispatch, "enqueue_drain", failing)
    fleet.client.deliver("a", 1)
    fleet.client.deliver("b", 2)
    assert fleet.listener.step(block_ms=None) == 1
    assert _pending(redis, keys) == 1 and not redis.exists("half-queued")
    assert fleet.run_instance(b, 10)["result"] == 2
    monkeypatch.setattr(fleet.listener.dispatch, "enqueue_drain", enqueue)
    # redelivered (now, or already by the listener's periodic reclaim while b ran, on a slow
    # machine): deliver.lua recognises it and resolves nothing twice
    fleet.listener.reclaim()
    assert _pending(redis, keys) == 0
    assert fleet.run_instance(a, 10)["result"] == 1  # a was ready: b's drainer ran it


def test_handled_messages_are_deleted_so_the_inbox_stays_short(fleet, redis):
    keys = fleet.client.store.keys
    for i in range(50):
        fleet.client.deliver(f"c{i}", i)  # buffered: nobody waits yet
    fleet.step()
    assert redis.xlen(keys.inbox) == 0 and _pending(redis, keys) == 0
    assert fleet.client.buffered("c7")["body"] == 7


def test_trim_removes_acknowledged_entries_but_keeps_those_a_dead_listener_holds(fleet, redis, settings):
    keys = fleet.client.store.keys
    # an older listener acknowledged without deleting; a dead one holds an entry in between
    e1 = redis.xadd(keys.inbox, {"correlation_id": "x1", "body": "1"})
    redis.xreadgroup(LISTENER_GROUP, "old", {keys.inbox: ">"}, count=1)
    redis.xack(keys.inbox, LISTENER_GROUP, e1)
    e2 = redis.xadd(keys.inbox, {"correlation_id": "x2", "body": "2"})
    redis.xreadgroup(LISTENER_GROUP, "dead", {keys.inbox: ">"}, count=1)
    e3 = redis.xadd(keys.inbox, {"correlation_id": "x3", "body": "3"})
    redis.xreadgroup(LISTENER_GROUP, "old", {keys.inbox: ">"}, count=1)
    redis.xack(keys.inbox, LISTENER_GROUP, e3)
    e4 = redis.xadd(keys.inbox, {"correlation_id": "x4", "body": "4"})  # not yet read by anyone

    listener = Listener(redis, settings.with_(claim_idle_ms=60_000), name="live")
    assert listener.trim() == 1
    assert [e for e, _ in redis.xrange(keys.inbox)] == [e2, e3, e4]
    Listener(redis, settings, name="live").reclaim()  # takes over e2 and handles it
    assert listener.trim() == 1  # e3 can go now; e4 is not delivered yet
    assert [e for e, _ in redis.xrange(keys.inbox)] == [e4]
    fleet.step()
    assert redis.xlen(keys.inbox) == 0


def test_the_loop_outlives_errors_and_stops_on_request(fleet, redis, settings, monkeypatch):
    listener = fleet.listener
    calls = []
    real_step = listener.step

    def flaky_step(block_ms=None):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        if len(calls) == 2:
            raise KeyError("another")
        n = real_step(block_ms=None)
        if len(calls) >= 4:
            listener.stop()
        return n

    monkeypatch.setattr(listener, "step", flaky_step)
    monkeypatch.setattr("jactl_worker.listener.BACKOFF_FIRST_S", 0.01)
    fleet.client.deliver("c", 1)
    listener.run()
    assert len(calls) == 4 and listener.processed == 1


def test_the_consumer_group_is_created_again_when_the_inbox_vanishes(fleet, redis):
    keys = fleet.client.store.keys
    listener = fleet.listener
    runner = threading.Thread(target=listener.run, daemon=True)
    runner.start()
    try:
        fleet.client.deliver("before", 1)
        _until(lambda: fleet.client.buffered("before"))
        redis.delete(keys.inbox)  # as after FLUSHALL: stream and group are gone
        fleet.client.deliver("after", 2)  # XADD makes the stream again, without the group
        _until(lambda: fleet.client.buffered("after"))
        assert runner.is_alive()
    finally:
        listener.stop()
        runner.join(5)
    assert not runner.is_alive() and listener.processed == 2


def _until(predicate, timeout=10.0):
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)
