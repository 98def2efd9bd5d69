"""The listener survives anything: poison messages, handling that keeps failing, Redis losing
its data or restarting. Real Redis, real `python -m jactl_worker listen|worker` processes;
the tests that flush or restart Redis run their own private redis-server."""

from __future__ import annotations

import signal
import time

import pytest
from redis import Redis

from jactl_worker.keys import LISTENER_GROUP

from .conftest import private_fleet, wait_for

WAITER = "def r = receive('w-' + instanceId, 60000)\n[got: r]"


def _parked(fleet, n=1, source=WAITER):
    ids = [fleet.client.start(source) for _ in range(n)]
    for iid in ids:
        wait_for(lambda iid=iid: fleet.client.status(iid)["state"] == "waiting", what=f"{iid} to park")
    return ids


def _alive(proc) -> bool:
    return proc.popen.poll() is None


def _pending(fleet) -> int:
    return fleet.redis.xpending(fleet.client.store.keys.inbox, LISTENER_GROUP)["pending"]


def _kinds(fleet, kind):
    return [n for n in fleet.client.notices(count=1000) if n["kind"] == kind]


def test_poison_messages_in_a_batch_neither_stop_the_listener_nor_the_good_replies(fleet):
    fleet.worker()
    a, b, c = _parked(fleet, 3)
    inbox = fleet.client.store.keys.inbox
    # all in the inbox before the listener starts, so its first read takes them as one batch
    pipe = fleet.redis.pipeline(transaction=True)
    pipe.xadd(inbox, {"correlation_id": f"w-{a}", "body": '"A"'})
    pipe.xadd(inbox, {"correlation_id": "deep", "body": "[" * 3000 + "]" * 3000})  # 6 KB
    pipe.xadd(inbox, {"correlation_id": f"w-{b}", "body": '{"n": 3000000000}', b"\xff\xfe": b"x"})
    pipe.xadd(inbox, {"correlation_id": "huge", "body": '{"n": 1e1000000}'})
    pipe.xadd(inbox, {"correlation_id": "binary", "body": b'"\xc3\x28"'})
    pipe.xadd(inbox, {"correlation_id": f"w-{c}", "body": "[1, 2]"})
    pipe.execute()
    listener = fleet.listener()
    assert fleet.client.result(a, timeout=20) == {"got": "A"}
    assert fleet.client.result(b, timeout=20) == {"got": {"n": 3_000_000_000}}
    assert fleet.client.result(c, timeout=20) == {"got": [1, 2]}
    wait_for(lambda: len(_kinds(fleet, "malformed")) == 3, what="three malformed notices")
    by_corr = {n["correlation_id"]: n["detail"] for n in _kinds(fleet, "malformed")}
    assert "deeper than 100 levels" in by_corr["deep"]
    assert "too large" in by_corr["huge"]
    assert "not UTF-8" in by_corr["binary"]
    assert _alive(listener), listener.output()
    assert _pending(fleet) == 0 and fleet.redis.xlen(inbox) == 0
    # and it goes on handling replies
    [d] = _parked(fleet)
    fleet.client.deliver(f"w-{d}", "later")
    assert fleet.client.result(d, timeout=20) == {"got": "later"}
    assert "RecursionError" not in listener.output() and "Traceback" not in listener.output()


@pytest.mark.fleet_env(JACTL_MAX_DELIVERIES="3")
def test_a_message_whose_delivery_keeps_failing_is_dead_lettered_after_n_deliveries(fleet):
    fleet.worker()
    [a] = _parked(fleet)
    keys = fleet.client.store.keys
    fleet.redis.set(keys.wait("poison"), "a string, not a wait")  # deliver.lua: WRONGTYPE
    pipe = fleet.redis.pipeline(transaction=True)
    pipe.xadd(keys.inbox, {"correlation_id": "poison", "body": '{"x": 1}', "message_id": "m-poison"})
    pipe.xadd(keys.inbox, {"correlation_id": f"w-{a}", "body": '"fine"'})
    pipe.execute()
    listener = fleet.listener()
    assert fleet.client.result(a, timeout=20) == {"got": "fine"}  # the batch went on without it
    assert not _kinds(fleet, "dead-letter") and _pending(fleet) == 1
    # retried once per claim_idle_ms (1.5 s here) until Redis has handed it out 3 times
    [dead] = wait_for(lambda: _kinds(fleet, "dead-letter"), timeout=30, what="the dead-letter notice")
    assert dead["correlation_id"] == "poison" and dead["message_id"] == "m-poison"
    assert "3 time(s)" in dead["detail"] and "WRONGTYPE" in dead["detail"]
    assert _pending(fleet) == 0 and fleet.redis.xlen(keys.inbox) == 0
    [(_, kept)] = fleet.redis.xrange(keys.dead_letters)
    assert kept[b"body"] == b'{"x": 1}' and kept[b"dead_letter_deliveries"] == b"3"
    assert _alive(listener), listener.output()
    [b] = _parked(fleet)
    fleet.client.deliver(f"w-{b}", "still listening")
    assert fleet.client.result(b, timeout=20) == {"got": "still listening"}


def test_the_inbox_stays_short_however_many_replies_were_handled(fleet):
    fleet.listener()
    n = 300
    pipe = fleet.redis.pipeline(transaction=False)
    for i in range(n):
        pipe.xadd(fleet.client.store.keys.inbox, {"correlation_id": f"early-{i}", "body": str(i)})
    pipe.execute()
    wait_for(lambda: len(_kinds(fleet, "buffered")) == n, what=f"{n} buffered replies")
    wait_for(lambda: fleet.redis.xlen(fleet.client.store.keys.inbox) == 0, timeout=5, what="an empty inbox")
    assert _pending(fleet) == 0
    assert fleet.client.buffered("early-123")["body"] == 123


# -- a private Redis: these tests flush and restart it -------------------------------------------
@pytest.fixture
def private(tmp_path, monkeypatch):
    """A fleet on its own throwaway redis-server, without persistence and with an eviction
    policy (so the startup checks have something to say)."""
    yield from private_fleet(tmp_path, monkeypatch, "--save", "", "--appendonly", "no",
                             "--maxmemory-policy", "allkeys-lru")


def test_the_listener_names_a_redis_that_would_lose_the_fleets_state_at_start(private):
    listener = private.listener()
    wait_for(lambda: "maxmemory-policy" in listener.output(), timeout=10, what="the startup checks")
    out = listener.output()
    assert "REDIS CONFIGURATION: Redis does not persist its data" in out
    assert "maxmemory-policy is 'allkeys-lru'" in out
    assert _alive(listener)  # a warning, not a refusal to start


def test_after_flushall_and_a_restart_without_persistence_the_listener_recreates_its_group(private):
    fleet = private
    listener = fleet.listener()
    fleet.redis.flushall()  # the stream and its group are gone; the listener's read is UNBLOCKED
    wait_for(lambda: "creating it again" in listener.output() or not _alive(listener), timeout=10,
             what="the listener to see its group gone")
    assert _alive(listener), listener.output()
    fleet.worker()
    [a] = _parked(fleet)
    fleet.client.deliver(f"w-{a}", "after flush")
    assert fleet.client.result(a, timeout=20) == {"got": "after flush"}
    assert _alive(listener), listener.output()

    fleet.server.stop()  # Redis restarts and comes back empty
    wait_for(lambda: "Redis unreachable" in listener.output(), timeout=10, what="the listener to notice")
    time.sleep(1.0)
    fleet.server.start()
    [b] = _parked(fleet)  # the worker outlived the restart too
    fleet.client.deliver(f"w-{b}", "after restart")
    assert fleet.client.result(b, timeout=30) == {"got": "after restart"}
    assert _alive(listener), listener.output()

    # SIGTERM ends it, cleanly, even while it is backing off from an unreachable Redis
    fleet.server.stop()
    wait_for(lambda: listener.output().count("Redis unreachable") >= 2, timeout=10, what="a second outage")
    listener.signal(signal.SIGTERM)
    assert listener.popen.wait(10) == 0
    assert "stopped after" in listener.output()
    fleet.server.start()


def test_a_redis_out_of_memory_delays_replies_but_never_dead_letters_them(private):
    fleet = private
    fleet.worker()
    [a] = _parked(fleet)
    admin = Redis.from_url(fleet.server.url)
    listener = fleet.listener(JACTL_MAX_DELIVERIES="2")
    admin.config_set("maxmemory-policy", "noeviction")
    listener.signal(signal.SIGSTOP)  # so that it reads the reply only once Redis is full
    fleet.redis.xadd(fleet.client.store.keys.inbox, {"correlation_id": f"w-{a}", "body": '"patience"'})
    admin.config_set("maxmemory", "1")  # every write that may grow memory fails with OOM
    listener.signal(signal.SIGCONT)
    # handed out again and again (claim_idle_ms 1.5 s), more often than max_deliveries
    wait_for(lambda: listener.output().count("Redis trouble") >= 3, timeout=30, what="three failed deliveries")
    assert fleet.client.status(a)["state"] == "waiting"
    admin.config_set("maxmemory", "0")
    assert fleet.client.result(a, timeout=20) == {"got": "patience"}
    assert not _kinds(fleet, "dead-letter")
    assert _alive(listener), listener.output()
