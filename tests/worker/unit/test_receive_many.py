"""receiveAny / receiveAll transitions (park_many.lua and the group paths of deliver, timeout
and cancel) on fakeredis through the embedded fleet."""

import time

import pytest

from jactl_worker import Settings

from jactl_worker import inspect as inspect_mod


def _park(fleet, src):
    iid = fleet.client.start(src)
    fleet.run_until(lambda: fleet.client.status(iid)["state"] in ("waiting", "completed", "failed"), 10)
    return iid


def test_receive_any_resolves_on_the_first_reply_and_later_ones_are_late(fleet):
    iid = _park(fleet, "receiveAny(['a', 'b', 'c'], 60000)")
    st = fleet.client.status(iid)
    assert st["state"] == "waiting" and st["wait_kind"] == "receiveAny"
    fleet.client.deliver("b", {"x": 1})
    fleet.client.deliver("a", 2)
    assert fleet.run_instance(iid, 10)["result"] == {"id": "b", "body": {"x": 1}}
    fleet.client.deliver("c", 3)
    fleet.run_until(lambda: len(fleet.client.notices("late")) >= 2, 5)
    assert sorted(n["correlation_id"] for n in fleet.client.notices("late")) == ["a", "c"]
    assert fleet.client.status(iid)["runs"] == 2
    keys = fleet.client.store.keys
    assert fleet.redis.zcard(keys.waits_by_corr) == 0 and fleet.redis.zcard(keys.deadlines) == 0


def test_receive_any_returns_a_buffered_reply_without_parking(fleet):
    fleet.client.deliver("q2", "early")
    fleet.run_until(lambda: fleet.client.buffered("q2"), 5)
    iid = _park(fleet, "receiveAny(['q1', 'q2'], 60000)")
    st = fleet.client.status(iid)
    assert st["state"] == "completed" and st["runs"] == 1
    assert st["result"] == {"id": "q2", "body": "early"}


def test_receive_all_collects_and_times_out_with_nulls(fleet):
    iid = _park(fleet, "receiveAll(['m1', 'm2'], 1500)")
    fleet.client.deliver("m2", "two")
    fleet.run_until(lambda: False, 0.2)
    assert fleet.client.status(iid)["state"] == "waiting"  # one of two: still waiting
    assert fleet.run_instance(iid, 10)["result"] == {"m1": None, "m2": "two"}
    fleet.client.deliver("m2", "again")
    fleet.run_until(lambda: fleet.client.notices("duplicate"), 5)
    assert fleet.client.notices("duplicate")[-1]["correlation_id"] == "m2"


def test_receive_all_with_every_reply_buffered_completes_in_one_run(fleet):
    fleet.client.deliver("e1", 1)
    fleet.client.deliver("e2", 2)
    fleet.run_until(lambda: fleet.client.buffered("e2"), 5)
    iid = _park(fleet, "receiveAll(['e1', 'e2'], null)")
    st = fleet.client.status(iid)
    assert st["state"] == "completed" and st["runs"] == 1 and st["result"] == {"e1": 1, "e2": 2}


def test_cancel_settles_every_id_and_inspect_shows_them(fleet):
    iid = _park(fleet, "def x = 5\nreceiveAll(['z1', 'z2'], 60000)")
    info = inspect_mod.inspect_instance(fleet.redis, fleet.settings, iid)
    assert info["wait"]["ids"] == ["z1", "z2"] and info["wait"]["kind"] == "receiveAll"
    assert fleet.client.cancel(iid)
    keys = fleet.client.store.keys
    assert fleet.redis.zcard(keys.waits_by_corr) == 0 and fleet.redis.zcard(keys.deadlines) == 0
    assert fleet.client.store.wait_record("z1")["status"] == "cancelled"
    fleet.client.deliver("z1", 1)
    fleet.run_until(lambda: fleet.client.notices("late"), 5)
    assert fleet.client.notices("late")[-1]["detail"] == "the instance was cancelled"
    # the ids are free again for a new wait
    other = _park(fleet, "receiveAny(['z1', 'z2'], 60000)")
    assert fleet.client.status(other)["state"] == "waiting"


def test_an_id_already_awaited_fails_the_second_waiter(fleet):
    _park(fleet, "receive('busy1', 60000)")
    iid = _park(fleet, "receiveAny(['free', 'busy1'], 60000)")
    st = fleet.client.status(iid)
    assert st["state"] == "failed" and "already awaited" in st["error"]
    assert fleet.client.store.wait_record("free") is None or \
        fleet.client.store.wait_record("free").get("status") != "waiting"


@pytest.mark.parametrize("call, message", [
    ("receiveAny([], 10)", "needs 1 to 100 correlation ids"),
    ("receiveAny('a', 10)", "must be a List"),
    ("receiveAll(['a', 'a'], 10)", "listed twice"),
    ("receiveAll(['a', ''], 10)", "1 to 200 characters"),
    ("receiveAll(['a', [1]], 10)", "must be a string"),
    ("receiveAll(101.map{ 'i' + it }, 10)", "needs 1 to 100"),
    ("receiveAny(['a'], 'soon')", "number of milliseconds"),
])
def test_bad_arguments_fail_with_line_and_column(fleet, call, message):
    iid = _park(fleet, "def x = 1\ndef r = " + call)
    st = fleet.client.status(iid)
    assert st["state"] == "failed"
    assert message in st["error"] and "@ line 2, column 9" in st["error"]


def test_reindex_waits_indexes_each_waiting_id_of_a_group(fleet):
    iid = _park(fleet, "receiveAll(['r1', 'r2', 'r3'], 60000)")
    fleet.client.deliver("r2", 2)
    fleet.run_until(lambda: fleet.client.store.wait_record("r2")["status"] == "resolved", 5)
    keys = fleet.client.store.keys
    before = sorted(fleet.redis.zrange(keys.waits_by_corr, 0, -1))
    fleet.redis.delete(keys.waits_by_corr)
    assert inspect_mod.rebuild_wait_index(fleet.redis, fleet.settings.prefix) == 2
    assert sorted(fleet.redis.zrange(keys.waits_by_corr, 0, -1)) == before == \
        [f"r1\0{iid}".encode(), f"r3\0{iid}".encode()]


def test_on_a_sharded_fleet_ids_of_another_shard_are_refused(redis):
    import lang

    from jactl_worker.multi import multi_args
    from jactl_worker.shards import WaitRouter, local_settings, shard_of
    from jactl_worker.store import Store

    settings = local_settings(Settings(redis_url="redis://127.0.0.1:1/0,redis://127.0.0.1:2/0", prefix="t"), 0)
    router = WaitRouter.of(settings, Store(redis, settings))
    here = next(f"k{n}" for n in range(100) if shard_of(f"k{n}", 2) == 0)
    away = next(f"k{n}" for n in range(100) if shard_of(f"k{n}", 2) == 1)
    ctx = lang.Context()
    ctx.register_function("receiveAny", suspends=True)

    def outcome(ids):
        return ctx.compile(f"def a = 1\nreceiveAny({ids!r}, 10)").start({})

    assert multi_args(outcome([here]), lambda v, what: v, router) == ([here], 10)
    with pytest.raises(lang.JactlError) as e:
        multi_args(outcome([here, away]), lambda v, what: v, router)
    assert f"{away!r} belongs to another shard" in str(e.value) and "@ line 2, column 1" in str(e.value)


def test_history_shows_the_ids_and_the_reply_that_resumed(fleet):
    from jactl_worker.history import read_history

    iid = _park(fleet, "receiveAny(['h1', 'h2'], 60000)")
    fleet.client.deliver("h2", "x", message_id="mh")
    fleet.run_instance(iid, 10)
    events = read_history(fleet.redis, fleet.settings.prefix, iid)
    parked = next(e for e in events if e["event"] == "parked")
    assert parked["ids"] == ["h1", "h2"] and parked["kind"] == "receiveAny"
    matched = next(e for e in events if e["event"] == "reply-matched")
    assert matched["correlation_id"] == "h2" and matched["message_id"] == "mh"
    assert events[-1]["event"] == "completed"


def test_a_lone_run_job_parks_and_resumes_a_group_too(fleet):
    # the run path of run jobs (instance.Runtime.run), besides the drainers' batches
    from jactl_worker.instance import Runtime

    rt = Runtime(fleet.redis, fleet.settings, "lone", keep_leases=False)
    iid = fleet.client.start("def r = receiveAll(['l1', 'l2'], 60000)\nr")
    assert rt.run(iid, fleet.client.status(iid)["run_seq"]) == "parked"
    fleet.client.deliver("l1", 1)
    fleet.client.deliver("l2", 2)
    fleet.listener.step(block_ms=None)
    st = fleet.client.status(iid)
    assert st["state"] == "queued"
    assert rt.run(iid, st["run_seq"]) == "completed"
    assert fleet.client.status(iid)["result"] == {"l1": 1, "l2": 2}
    # (an untyped value: a String literal there is a compile-time error)
    bad = fleet.client.start("def t = 'x'\nreceiveAny(['l3'], t)")
    assert rt.run(bad, fleet.client.status(bad)["run_seq"]) == "failed"
    assert "@ line 2, column 1" in fleet.client.status(bad)["error"]


def test_the_group_transitions_resolve_exactly_once_in_either_order(fleet):
    store = fleet.client.store
    # a reply first: the timeout and the other id find the group resolved
    a = _park(fleet, "receiveAny(['o1', 'o2'], 60000)")
    group = fleet.client.status(a)["waiting_on"]
    d = store.deliver("o1", '"r"', "m1")
    assert d.outcome == "resolved" and d.instance_id == a
    assert store.timeout(group, "")[0] == "stale"
    assert store.deliver("o2", '"s"', "m2").outcome == "late"
    # the timeout first: every reply after it is late, the instance queued once
    b = _park(fleet, "receiveAll(['o3', 'o4'], 300)")
    group = fleet.client.status(b)["waiting_on"]
    assert store.deliver("o3", '"three"', "m3").outcome == "stored"
    time.sleep(0.4)
    t = store.timeout(group, "")
    assert t[0] == "resolved" and t[1] == b
    assert store.deliver("o4", '"four"', "m4").outcome == "late"
    assert store.deliver("o3", '"three"', "m3").outcome == "duplicate"
    assert fleet.run_instance(b, 10)["result"] == {"o3": "three", "o4": None}
    assert fleet.client.status(b)["runs"] == 2
