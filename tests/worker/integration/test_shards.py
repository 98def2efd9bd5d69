"""A fleet on two shards: two real private redis-servers named by one JACTL_REDIS_URL, real
`python -m jactl_worker worker|listen` processes (a supervisor with a child per shard, or one
process per shard with --shard). Instances live on both shards, replies reach the right one
(also for correlation ids whose home is the other shard, and replies that came before the
wait), timeouts fire on each, and with one shard's Redis stopped the other keeps serving."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from redis import Redis

from jactl_worker.shards import ShardUnavailable, shard_of

from .conftest import corr_on as _corr_on
from .conftest import wait_for

TWO_WAITS = """
def a = receive('own-' + instanceId, 30000)
def b = receive(other, 30000)
[id: instanceId, a: a, b: b]
"""


def test_instances_on_both_shards_get_their_replies_routed_to_them(two_shards):
    f = two_shards
    worker = f.spawn("worker")       # a supervisor: one worker child per shard
    listener = f.spawn("listen")     # and one listener child per shard
    f.started(worker, 2)
    f.started(listener, 2)
    c = f.client
    ids, other = [], {}
    for n in range(12):
        iid = c.new_id()  # generated ids carry their shard, round robin
        # half wait on an id whose home is the other shard (the reply crosses shards)
        other[iid] = _corr_on(c.shard_of(iid) ^ (n % 2), f"x{n}-{f.id}")
        ids.append(iid)
    # early replies: at the id's home before the wait begins (buffered there, then routed)
    for iid in ids[:4]:
        c.deliver(other[iid], f"early {iid}")
    # one more early reply XADDed by hand to the wrong shard's inbox: forwarded to its home
    wrong = ids[5]
    home = c.shard_of(other[wrong])
    Redis.from_url(f.servers[1 - home].url).xadd(
        f"{f.prefix}:inbox", {"correlation_id": other[wrong], "body": '"early by hand"', "message_id": "m-hand"})
    for iid in ids:
        c.start(TWO_WAITS, {"other": other[iid]}, instance_id=iid)
    assert {c.status(i)["shard"] for i in ids} == {0, 1}
    assert {c.shard_of(i) for i in ids} == {0, 1}
    for iid in ids:
        f.parked(iid, f"own-{iid}")
        c.deliver(f"own-{iid}", f"own {iid}")
    late = [i for i in ids[4:] if i != wrong]
    for iid in late:
        f.parked(iid, other[iid])
        c.deliver(other[iid], f"late {iid}", message_id=f"m-{iid}")
        c.deliver(other[iid], f"late {iid} again", message_id=f"m-{iid}")  # a duplicate
    for iid in ids:
        want = f"late {iid}" if iid in late else "early by hand" if iid == wrong else f"early {iid}"
        assert c.result(iid, timeout=30) == {"id": iid, "a": f"own {iid}", "b": want}, iid
    crossed = [i for i in ids if c.shard_of(other[i]) != c.shard_of(i)]
    assert len(crossed) == 6
    # each wait resumed its instance once: a run to start, one per reply that came after its
    # wait began (an early one is taken by the park itself, in the same run)
    assert all(c.status(i)["runs"] == 3 for i in late)
    assert all(c.status(i)["runs"] in (2, 3) for i in ids if i not in late)
    # the duplicates resumed nothing and were recorded (on the instance's own shard)
    lates = {other[i] for i in late}
    wait_for(lambda: len([n for n in c.notices("duplicate") if n["correlation_id"] in lates]) == len(late), 20,
             what="a duplicate notice per second reply")
    assert c.counts()["completed"] == 12
    assert sorted(c.instances("completed")) == sorted(ids)


def test_a_timeout_fires_on_each_shard(two_shards):
    f = two_shards
    for i in range(2):
        f.started(f.spawn("worker", "--shard", str(i)), 1)
        f.started(f.spawn("listen", "--shard", str(i)), 1)
    c = f.client
    script = "def r = receive(corr, 800)\n[timedOut: r == null, shard: instanceId]"
    for shard in (0, 1):
        # one waits on its own shard's id, one on the other shard's (routed, then timed out here)
        own, cross = f"t-{f.id}@s{shard}", f"u-{f.id}@s{shard}"
        c.start(script, {"corr": _corr_on(shard, f"own{f.id}")}, instance_id=own)
        c.start(script, {"corr": _corr_on(1 - shard, f"cross{f.id}")}, instance_id=cross)
        for iid in (own, cross):
            assert c.shard_of(iid) == shard
            assert c.result(iid, timeout=30) == {"timedOut": True, "shard": iid}
            assert c.status(iid)["shard"] == shard
    # the CLI sees every shard
    env = {**os.environ, "JACTL_REDIS_URL": f.url, "JACTL_PREFIX": f.prefix}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "jactl_worker", *args], env=env, capture_output=True,
                              text=True, timeout=60, check=True).stdout
    assert sorted(cli("list", "--state", "completed").split()) == sorted(
        f"{k}-{f.id}@s{n}" for k in "tu" for n in (0, 1))
    assert cli("shard-of", f"t-{f.id}@s1").strip() == "1"
    rows = cli("shards").splitlines()
    assert [r.split("\t")[0] for r in rows] == ["0", "1"] and all("completed=2" in r for r in rows)
    assert '"shard": 1' in cli("status", f"u-{f.id}@s1")


def test_one_shard_stopped_while_the_other_keeps_serving(two_shards):
    f = two_shards
    procs = []
    for i in range(2):
        procs += [f.spawn("worker", "--shard", str(i)), f.spawn("listen", "--shard", str(i))]
    for p in procs:
        f.started(p, 1)
    c = f.client
    # on shard 0: waits on its own ids, and one on an id whose home is shard 1
    live = [f"live-{n}-{f.id}@s0" for n in range(5)]
    for iid in live:
        c.start("def r = receive('r-' + instanceId, 60000)\n[got: r]", instance_id=iid)
    crossing = f"cross-{f.id}@s0"
    corr1 = _corr_on(1, f"home1-{f.id}")
    c.start("def r = receive(corr, 60000)\n[got: r]", {"corr": corr1}, instance_id=crossing)
    parked1 = f"parked-{f.id}@s1"
    c.start("def r = receive('r-' + instanceId, 60000)\n[got: r]", instance_id=parked1)
    for iid in live + [crossing, parked1]:
        f.parked(iid)

    f.servers[1].stop()  # shard 1's Redis is gone (it persists: appendfsync always)

    with pytest.raises(ShardUnavailable, match=r"shard 1 \(redis://127\.0\.0\.1:\d+/0\) is unavailable"):
        c.status(parked1)
    with pytest.raises(ShardUnavailable):
        c.deliver(corr1, "x")
    with pytest.raises(ShardUnavailable):
        c.start("1", instance_id=f"new-{f.id}@s1")
    # shard 0 goes on: replies, new instances, parks on ids of the dead shard, timeouts
    for iid in live:
        c.deliver(f"r-{iid}", iid)
    for iid in live:
        assert c.result(iid, timeout=30) == {"got": iid}
    fresh = c.start("def r = receive('r-' + instanceId, 60000)\n[got: r]", instance_id=f"fresh-{f.id}@s0")
    f.parked(fresh)
    c.deliver(f"r-{fresh}", "fresh")
    assert c.result(fresh, timeout=30) == {"got": "fresh"}
    # an id whose home is the dead shard: parks unrouted on shard 0, and still times out there
    unrouted = c.start("def r = receive(corr, 1500)\n[got: r]", {"corr": _corr_on(1, f"dead-{f.id}")},
                       instance_id=f"unrouted-{f.id}@s0")
    assert c.result(unrouted, timeout=30) == {"got": None}
    late_route = c.start("def r = receive(corr, 60000)\n[got: r]", {"corr": _corr_on(1, f"back-{f.id}")},
                         instance_id=f"late-route-{f.id}@s0")
    f.parked(late_route)
    assert c.store.redis.zcard(f"{f.prefix}:unrouted") >= 1

    f.servers[1].start()  # back, with its data: its processes reconnect, the timer routes
    wait_for(lambda: c.store.redis.zscore(f"{f.prefix}:unrouted", _corr_on(1, f"back-{f.id}")) is None, 30,
             what="the unrouted wait to be routed")
    c.deliver(_corr_on(1, f"back-{f.id}"), "after the outage")
    assert c.result(late_route, timeout=30) == {"got": "after the outage"}
    c.deliver(corr1, "crossed")
    assert c.result(crossing, timeout=30) == {"got": "crossed"}
    c.deliver(f"r-{parked1}", "kept")
    assert c.result(parked1, timeout=30) == {"got": "kept"}
    assert c.counts()["completed"] == 10
