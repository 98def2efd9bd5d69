"""receiveAny / receiveAll against real Redis with real worker and listener processes: replies
racing the timeout, early replies, duplicates, and a worker killed mid-resume."""

import random
import signal
import time

from .conftest import wait_for


def _waiting(fleet, ids):
    wait_for(lambda: all(fleet.client.status(i)["state"] == "waiting" for i in ids), what="all to park")


def test_receive_any_replies_against_the_timeout_resume_each_instance_exactly_once(fleet):
    fleet.worker()
    fleet.worker()
    fleet.listener()
    n = 20
    src = ("def r = receiveAny(['a-' + instanceId, 'b-' + instanceId], 1200)\n"
           "send('out', [id: instanceId, r: r])\nr")
    ids = [fleet.client.start(src, instance_id=f"x{i}") for i in range(n)]
    _waiting(fleet, ids)
    deadline = max(fleet.client.status(i)["timeout_at"] for i in ids) / 1000
    time.sleep(max(0.0, deadline - time.time() - 0.4))
    for i in random.sample(ids, n):  # both ids answered, around the deadline
        fleet.client.deliver(f"b-{i}", "B")
        fleet.client.deliver(f"a-{i}", "A")
        time.sleep(0.03)
    results = {i: fleet.client.result(i, timeout=30) for i in ids}
    time.sleep(1.0)
    for i, r in results.items():
        assert r is None or r in ({"id": f"a-{i}", "body": "A"}, {"id": f"b-{i}", "body": "B"})
    assert all(fleet.client.status(i)["runs"] == 2 for i in ids)
    assert sorted(m["body"]["id"] for m in fleet.client.read("out", count=1000)) == sorted(ids)
    # every reply that did not win is a notice (late), none is left buffered
    late = [x["correlation_id"] for x in fleet.client.notices("late", count=1000)]
    winners = sum(1 for r in results.values() if r is not None)
    assert len(late) == 2 * n - winners
    assert all(fleet.client.buffered(f"{p}-{i}") is None for i in ids for p in "ab")


def test_receive_all_takes_early_replies_and_times_out_with_what_arrived(fleet):
    fleet.listener()
    fleet.client.deliver("early-a", {"n": 1}, message_id="m-a")
    wait_for(lambda: fleet.client.buffered("early-a"), what="the reply to be buffered")
    fleet.worker()
    iid = fleet.client.start("receiveAll(['early-a', 'late-b', 'never-c'], 2500)")
    wait_for(lambda: fleet.client.status(iid)["state"] == "waiting", what="park")
    fleet.client.deliver("late-b", "two")
    assert fleet.client.result(iid, timeout=30) == {"early-a": {"n": 1}, "late-b": "two", "never-c": None}
    assert fleet.client.status(iid)["runs"] == 2
    fleet.client.deliver("never-c", "too late")
    wait_for(lambda: fleet.client.notices("late"), what="the late notice")
    assert fleet.client.notices("late")[-1]["correlation_id"] == "never-c"


def test_receive_all_returns_early_once_all_replied_and_duplicates_are_notices(fleet):
    fleet.worker()
    fleet.listener()
    fleet.listener()
    iid = fleet.client.start("def r = receiveAll(['d1', 'd2'], 60000)\nsend('resumed', r)\nr")
    wait_for(lambda: fleet.client.status(iid)["state"] == "waiting", what="park")
    fleet.client.deliver("d1", 1, message_id="m1")
    fleet.client.deliver("d1", 1, message_id="m1")
    fleet.client.deliver("d2", 2, message_id="m2")
    fleet.client.deliver("d2", 3, message_id="m3")
    t0 = time.monotonic()
    result = fleet.client.result(iid, timeout=20)
    assert time.monotonic() - t0 < 30
    assert result["d1"] == 1 and result["d2"] in (2, 3)
    wait_for(lambda: len(fleet.client.notices("duplicate")) >= 2, what="duplicate notices")
    time.sleep(0.5)
    assert fleet.client.status(iid)["runs"] == 2
    assert len(fleet.client.read("resumed")) == 1


def test_a_worker_killed_mid_resume_recovers_with_one_result(fleet):
    a = fleet.worker(JACTL_INLINE_SLEEP_MS="20000")
    fleet.listener()
    src = "def r = receiveAny(['k1', 'k2'], 60000)\nsend('log', 'resumed')\nsleep(10000)\nr"
    iid = fleet.client.start(src)
    wait_for(lambda: fleet.client.status(iid)["state"] == "waiting", what="park")
    fleet.client.deliver("k2", "v")
    wait_for(lambda: fleet.client.read("log"), what="the resume")
    assert fleet.proc_running(iid) is a
    fleet.worker(JACTL_INLINE_SLEEP_MS="20000")
    a.signal(signal.SIGKILL)
    assert fleet.client.result(iid, timeout=60) == {"id": "k2", "body": "v"}
    st = fleet.client.status(iid)
    assert st["state"] == "completed" and st["runs"] == 3
    fleet.client.deliver("k1", "after")
    wait_for(lambda: fleet.client.notices("late"), what="the late notice")
    assert fleet.client.status(iid)["runs"] == 3
