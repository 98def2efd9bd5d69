"""The races and faults of the issue, each against real Redis with real worker and listener
processes (scenarios 1-6; scenario 7 is test_faults.py)."""

import random
import signal
import time

from .conftest import wait_for


# 1 ------------------------------------------------------------------------------------------
def test_a_reply_that_arrives_before_the_wait_is_buffered_and_returned_at_once(fleet):
    # Given a reply delivered before the instance even exists
    fleet.listener()
    fleet.client.deliver("early-1", {"ok": True}, message_id="m-1")
    wait_for(lambda: fleet.client.buffered("early-1"), what="the reply to be buffered")
    assert fleet.client.notices("buffered")[-1]["correlation_id"] == "early-1"
    assert fleet.redis.ttl(fleet.client.store.keys.mailbox("early-1")) > 0
    # When the script waits on it
    fleet.worker()
    iid = fleet.client.start("def r = receive('early-1', 60000)\nr")
    # I expect the wait to return the buffered reply without parking
    assert fleet.client.result(iid, timeout=20) == {"ok": True}
    st = fleet.client.status(iid)
    assert st["runs"] == 1
    assert fleet.client.buffered("early-1") is None
    assert fleet.client.store.wait_record("early-1")["resolution"] == "early"


# 2 ------------------------------------------------------------------------------------------
def test_duplicate_replies_resume_the_script_exactly_once(fleet):
    fleet.worker()
    fleet.listener()
    fleet.listener()
    src = "def r = receive('dup-' + instanceId, 60000)\nsend('resumed', r)\nr"
    ids = [fleet.client.start(src, instance_id=f"d{i}") for i in range(5)]
    wait_for(lambda: all(fleet.client.status(i)["state"] == "waiting" for i in ids), what="all to park")
    # When each gets the same reply twice (same message id) and a second one (another id)
    for i in ids:
        fleet.client.deliver(f"dup-{i}", 1, message_id=f"msg-{i}")
        fleet.client.deliver(f"dup-{i}", 1, message_id=f"msg-{i}")
        fleet.client.deliver(f"dup-{i}", 2, message_id=f"other-{i}")
    # Two listeners share the stream, so which of the three is handled first is not fixed
    for i in ids:
        assert fleet.client.result(i, timeout=20) in (1, 2)
    wait_for(lambda: len(fleet.client.notices("duplicate")) >= 10, what="duplicate notices")
    time.sleep(0.5)
    # I expect one resume per instance
    assert [fleet.client.status(i)["runs"] for i in ids] == [2] * 5
    assert sorted(m["body"] for m in fleet.client.read("resumed")) == sorted(fleet.client.result(i) for i in ids)
    assert len(fleet.client.notices("duplicate")) == 10


# 3 ------------------------------------------------------------------------------------------
def test_reply_and_timeout_race_and_exactly_one_wins(fleet):
    fleet.worker()
    fleet.worker()
    fleet.listener()
    n = 30
    src = "def r = receive('race-' + instanceId, 1200)\nsend('out', [id: instanceId, r: r])\nr"
    ids = [fleet.client.start(src, instance_id=f"r{i}") for i in range(n)]
    wait_for(lambda: all(fleet.client.status(i)["state"] == "waiting" for i in ids), what="all to park")
    deadline = max(fleet.client.status(i)["timeout_at"] or 0 for i in ids) / 1000
    # replies land around the deadlines: some before, some after
    time.sleep(max(0.0, deadline - time.time() - 0.4))
    for i in random.sample(ids, n):
        fleet.client.deliver(f"race-{i}", "reply")
        time.sleep(0.03)
    results = {i: fleet.client.result(i, timeout=30) for i in ids}
    time.sleep(1.0)
    won_by_reply = {i for i, r in results.items() if r == "reply"}
    timed_out = {i for i, r in results.items() if r is None}
    assert won_by_reply | timed_out == set(ids)
    # exactly one outcome per instance, each resumed once, each sent once
    assert all(fleet.client.status(i)["runs"] == 2 for i in ids)
    sent = [m["body"]["id"] for m in fleet.client.read("out", count=1000)]
    assert sorted(sent) == sorted(ids)
    # every reply that lost to the timeout is visible as late, none buffered for a later wait
    late = {n["correlation_id"] for n in fleet.client.notices("late", count=1000)}
    assert late == {f"race-{i}" for i in timed_out}
    assert all(fleet.client.buffered(f"race-{i}") is None for i in ids)


def test_a_late_reply_is_never_handed_to_a_later_wait_on_the_same_id(fleet):
    fleet.worker(JACTL_INLINE_SLEEP_MS="5000")
    fleet.listener()
    src = "def a = receive('same', 800)\nsend('log', 'first wait over')\nsleep(1500)\ndef b = receive('same', 800)\n[a: a, b: b]"
    iid = fleet.client.start(src)
    wait_for(lambda: fleet.client.read("log"), what="the first wait to time out")
    fleet.client.deliver("same", "late reply")
    assert fleet.client.result(iid, timeout=20) == {"a": None, "b": None}
    [late] = fleet.client.notices("late")
    assert late["correlation_id"] == "same" and late["instance"] == iid


# 4 ------------------------------------------------------------------------------------------
def _listener_crash_loses_nothing(fleet, fault):
    fleet.worker()
    src = "def r = receive('lc-' + instanceId, 60000)\nr"
    iid = fleet.client.start(src)
    wait_for(lambda: fleet.client.status(iid)["state"] == "waiting", what="park")
    # Given a listener that dies (SIGKILL) at the fault point after reading the reply
    doomed = fleet.listener(JACTL_FAULT=fault)
    fleet.client.deliver(f"lc-{iid}", {"v": 7})
    wait_for(lambda: doomed.popen.poll() is not None, what="the listener to die")
    assert doomed.popen.returncode == -signal.SIGKILL
    time.sleep(0.3)
    assert fleet.client.status(iid)["state"] in ("waiting", "queued")
    # When another listener starts, it reclaims the unacknowledged message
    fleet.listener()
    assert fleet.client.result(iid, timeout=30) == {"v": 7}
    assert fleet.client.status(iid)["runs"] == 2
    inbox = fleet.client.store.keys.inbox
    wait_for(lambda: fleet.redis.xpending(inbox, "listeners")["pending"] == 0, what="the ack")


def test_a_listener_killed_after_resolving_the_wait_but_before_enqueueing_loses_nothing(fleet):
    _listener_crash_loses_nothing(fleet, "listener-after-deliver")


def test_a_listener_killed_after_reading_a_reply_loses_nothing(fleet):
    _listener_crash_loses_nothing(fleet, "listener-after-read")


# 5 ------------------------------------------------------------------------------------------
CRASHY = """
send('log', 'started')
def r = checkpoint(commit: { 'committed' }, recover: { 'recovered' })
send('log', r)
sleep(10000)
[r: r]
"""


def test_a_worker_killed_after_a_checkpoint_resumes_from_it_on_another_worker(fleet):
    # (the sleep is long enough that a loaded machine still starts worker B before A ends it)
    a = fleet.worker(JACTL_INLINE_SLEEP_MS="20000")
    iid = fleet.client.start(CRASHY)
    wait_for(lambda: fleet.client.status(iid)["checkpoint_id"] == 1, what="the checkpoint")
    assert fleet.proc_running(iid) is a
    b = fleet.worker(JACTL_INLINE_SLEEP_MS="20000")
    # When the worker running it is killed mid-sleep
    a.signal(signal.SIGKILL)
    t0 = time.monotonic()
    # I expect another worker to take it over from the checkpoint, through recover
    assert fleet.client.result(iid, timeout=40) == {"r": "recovered"}
    assert time.monotonic() - t0 < 60
    assert [m["body"] for m in fleet.client.read("log")] == ["started", "committed", "recovered"]
    st = fleet.client.status(iid)
    assert st["runs"] == 2 and st["checkpoint_id"] == 1
    assert b.popen.poll() is None


def test_a_worker_killed_before_any_checkpoint_restarts_the_script(fleet):
    # (the sleep outlasts starting worker B on a loaded machine, so A is killed mid-run)
    a = fleet.worker(JACTL_INLINE_SLEEP_MS="20000")
    iid = fleet.client.start("send('log', 'started')\nsleep(10000)\n'done'")
    wait_for(lambda: fleet.client.read("log"), what="the script to start")
    fleet.worker(JACTL_INLINE_SLEEP_MS="20000")
    a.signal(signal.SIGKILL)
    assert fleet.client.result(iid, timeout=40) == "done"
    assert [m["body"] for m in fleet.client.read("log")] == ["started", "started"]
    assert fleet.client.status(iid)["runs"] == 2


def test_a_hung_worker_that_comes_back_cannot_run_the_instance_a_second_time(fleet):
    # Given an instance running on worker A, which then hangs (SIGSTOP) past its lease
    a = fleet.worker(JACTL_INLINE_SLEEP_MS="10000")
    src = "def r = checkpoint(commit: { 'a' }, recover: { 'b' })\nsleep(2000)\nsend('log', r)\nr"
    iid = fleet.client.start(src)
    wait_for(lambda: fleet.client.status(iid)["checkpoint_id"] == 1, what="the checkpoint")
    a.signal(signal.SIGSTOP)
    b = fleet.worker(JACTL_INLINE_SLEEP_MS="10000")
    # When B takes over and finishes, and only then A wakes up
    assert fleet.client.result(iid, timeout=40) == "b"
    assert fleet.client.status(iid)["worker"] is None
    a.signal(signal.SIGCONT)
    wait_for(lambda: "lost its lease" in a.output(), timeout=15, what="A to notice it was fenced off")
    # I expect A's run to have been fenced off: one send, B's result stands
    assert [m["body"] for m in fleet.client.read("log")] == ["b"]
    st = fleet.client.status(iid)
    assert st["state"] == "completed" and st["result"] == "b" and st["runs"] == 2
    assert b.popen.poll() is None


# 6 ------------------------------------------------------------------------------------------
def test_200_waiting_instances_across_2_workers_and_2_listeners_all_complete_once(fleet):
    fleet.worker()
    fleet.worker()
    fleet.listener()
    fleet.listener()
    n = 200
    src = "def x = receive('many-' + instanceId, 120000)\nsend('log', instanceId)\nx * 2 + base"
    ids = [fleet.client.start(src, {"base": i}, instance_id=f"m{i}", reply_to="results") for i in range(n)]
    wait_for(lambda: fleet.client.store.count("waiting") == n, timeout=60, what="all 200 to wait")
    assert sorted(fleet.client.instances("waiting")) == sorted(ids)
    order = list(range(n))
    random.shuffle(order)
    for i in order:
        fleet.client.deliver(f"many-m{i}", i * 10)
    for i in range(n):
        assert fleet.client.result(f"m{i}", timeout=60) == i * 20 + i
    time.sleep(0.5)
    assert all(fleet.client.status(f"m{i}")["runs"] == 2 for i in range(n))
    results = fleet.client.read("results", count=1000)
    assert sorted(m["from"] for m in results) == sorted(ids)
    assert sorted(m["body"] for m in fleet.client.read("log", count=1000)) == sorted(ids)
    assert fleet.client.store.count("completed") == n
