"""Shards (shards.py): the routing rule, the sharded Client, and the listener's forwarding,
on two in-process fakeredis servers (the processes on two real redis-servers are in
tests/worker/integration/test_shards.py)."""

import time
import zlib

import fakeredis
import pytest

from jactl_worker import Client, Settings, UnknownInstance
from jactl_worker.listener import Listener
from jactl_worker.shards import Shards, ShardUnavailable, local_settings, parse_urls, shard_of

URLS = ("redis://127.0.0.1:1/0", "redis://127.0.0.1:2/0")  # never connected: fakeredis stands in


def test_parse_urls():
    assert parse_urls("redis://a:6379/0") == ["redis://a:6379/0"]
    assert parse_urls("redis://a/0, redis://b/0") == ["redis://a/0", "redis://b/0"]
    assert parse_urls(None) == []
    with pytest.raises(ValueError, match="empty entry"):
        parse_urls("redis://a/0,,redis://b/0")
    with pytest.raises(ValueError, match="twice"):
        parse_urls("redis://a/0,redis://a/0")


def test_shard_of_is_a_stable_hash_unless_the_id_carries_a_marker():
    assert shard_of("anything", 1) == 0
    for name in ("order-42", "pay-7", "ü-ñ"):
        assert shard_of(name, 3) == zlib.crc32(name.encode()) % 3  # the same in any language
    assert shard_of("abc@s1", 2) == 1
    assert shard_of("pay-abc@s1", 2) == 1  # built from an instance id
    assert shard_of("abc@s1:card", 2) == 1
    assert shard_of("abc@s0-x@s1", 2) == 1  # the last marker wins
    assert shard_of("abc@s1x", 2) == zlib.crc32(b"abc@s1x") % 2  # not a marker: a letter follows
    assert shard_of("abc@s7", 2) == zlib.crc32(b"abc@s7") % 2  # no such shard: hashed


def test_local_settings_name_one_shard_and_keep_the_list():
    s = Settings(redis_url=",".join(URLS))
    one = local_settings(s, 1)
    assert (one.redis_url, one.shard, one.shard_urls) == (URLS[1], 1, URLS)
    with pytest.raises(ValueError, match="shard 2 does not exist"):
        local_settings(s, 2)
    single = local_settings(Settings(redis_url=URLS[0]), 0)
    assert (single.redis_url, single.shard_urls) == (URLS[0], ())


@pytest.fixture
def two():
    return [fakeredis.FakeRedis(server=fakeredis.FakeServer()) for _ in range(2)]


@pytest.fixture
def settings():
    return Settings(redis_url=",".join(URLS), prefix="t", queue="tq", claim_idle_ms=0)


def test_the_client_routes_every_call_by_id(two, settings):
    c = Client(two, settings=settings)
    ids = [c.start("receive('c-' + instanceId, 60000)") for _ in range(4)]
    assert [c.shard_of(i) for i in ids] == [0, 1, 0, 1]  # generated ids: marked, round robin
    assert all(i.endswith(f"@s{n % 2}") for n, i in enumerate(ids))
    for i in ids:
        assert two[c.shard_of(i)].exists(f"t:instance:{i}")
        assert not two[1 - c.shard_of(i)].exists(f"t:instance:{i}")
        assert c.status(i)["shard"] == c.shard_of(i)
    named = c.start_many("1", [{}] * 6, instance_ids=[f"n{k}" for k in range(6)])
    for i in named:
        assert two[shard_of(i, 2)].exists(f"t:instance:{i}")
    assert c.count() == 10 and c.counts()["queued"] == 10
    assert sorted(c.instances()) == sorted(ids + named)
    assert [sum(d.values()) for d in c.shard_counts()] == [
        sum(1 for i in ids + named if shard_of(i, 2) == k) for k in range(2)]
    assert c.cancel(ids[1]) and c.status(ids[1])["state"] == "cancelled"
    c.deliver("reply-x", {"ok": 1})
    home = shard_of("reply-x", 2)
    assert two[home].xlen("t:inbox") == 1 and not two[1 - home].exists("t:inbox")


def test_an_unreachable_shard_is_a_clear_error(two, settings):
    dead = fakeredis.FakeServer()
    dead.connected = False
    c = Client([two[0], fakeredis.FakeRedis(server=dead)], settings=settings)
    with pytest.raises(ShardUnavailable, match=r"shard 1 \(redis://127.0.0.1:2/0\) is unavailable"):
        c.status("x@s1")
    with pytest.raises(ShardUnavailable):
        c.start("1", instance_id="y@s1")
    with pytest.raises(ShardUnavailable):
        c.counts()
    with pytest.raises(UnknownInstance):  # the live shard answers
        c.status("x@s0")
    assert c.start("1", instance_id="y@s0") == "y@s0"


def _listener(two, settings, shard):
    s = local_settings(settings, shard)
    listener = Listener(two[shard], s, name=f"l{shard}")
    listener.shards = Shards(list(URLS), s, list(two))
    listener.store.ensure_group()
    return listener


def _corr_on(shard):
    n = 0
    while shard_of(f"k{n}", 2) != shard:
        n += 1
    return f"k{n}"


def test_a_reply_sent_to_the_wrong_shard_is_forwarded_to_its_home(two, settings):
    l0 = _listener(two, settings, 0)
    corr = _corr_on(1)
    two[0].xadd("t:inbox", {"correlation_id": corr, "body": "1", "message_id": "m1"})
    assert l0.step(block_ms=None) == 1
    assert two[0].xlen("t:inbox") == 0  # acknowledged and deleted only after the forward
    (entry,) = two[1].xrange("t:inbox")
    assert entry[1][b"jactl_forward"] == b"home" and entry[1][b"message_id"] == b"m1"
    l1 = _listener(two, settings, 1)
    assert l1.step(block_ms=None) == 1  # at its home: buffered there
    assert two[1].exists(f"t:mailbox:{corr}")


def test_a_route_takes_a_buffered_reply_and_forwards_later_ones(two, settings):
    l0 = _listener(two, settings, 0)
    corr = _corr_on(0)
    two[0].xadd("t:inbox", {"correlation_id": corr, "body": '"early"'})
    l0.step(block_ms=None)
    assert two[0].exists(f"t:mailbox:{corr}")  # no wait anywhere yet: buffered at the home
    # an instance of shard 1 is about to wait on it: route.lua at the home moves the reply back
    assert l0.store.route(corr, 1, "i@s1", 60) == ("routed", True)
    assert not two[0].exists(f"t:mailbox:{corr}")
    assert l0.step(block_ms=None) == 1
    two[0].xadd("t:inbox", {"correlation_id": corr, "body": '"later"'})
    assert l0.step(block_ms=None) == 1
    bodies = [(f[b"body"], f[b"jactl_forward"]) for _, f in two[1].xrange("t:inbox")]
    assert bodies == [(b'"early"', b"route"), (b'"later"', b"route")]
    assert two[0].xlen("t:inbox") == 0
    # a routed copy is delivered where it arrives, never forwarded again
    l1 = _listener(two, settings, 1)
    assert l1.step(block_ms=None) == 2
    assert two[1].exists(f"t:mailbox:{corr}") and two[0].xlen("t:inbox") == 0


def test_a_wait_at_the_home_refuses_a_route_and_replaces_one(two, settings):
    from jactl_worker.store import Store

    store0 = Store(two[0], local_settings(settings, 0))
    corr = _corr_on(0)
    assert store0.route(corr, 1, "i@s1", 60)[0] == "routed"
    two[0].hset(f"t:wait:{corr}", mapping={"status": "waiting", "instance": "j@s0"})
    assert store0.route(corr, 1, "i@s1", 60) == ("busy", "j@s0")


def test_a_forward_to_an_unreachable_shard_stays_pending_and_is_never_dead_lettered(two, settings):
    settings = settings.with_(max_deliveries=2)
    l0 = _listener(two, settings, 0)
    dead = fakeredis.FakeServer()
    dead.connected = False
    l0.shards._conns[1] = fakeredis.FakeRedis(server=dead)
    two[0].xadd("t:inbox", {"correlation_id": _corr_on(1), "body": "1"})
    for _ in range(4):  # handed out 4 times (reclaimed at most every 0.2 s)
        l0.step(block_ms=None)
        time.sleep(0.25)
    assert two[0].xpending_range("t:inbox", "listeners", "-", "+", 1)[0]["times_delivered"] >= 3
    assert two[0].xpending("t:inbox", "listeners")["pending"] == 1
    assert not two[0].exists("t:dead-letters")
    l0.shards._conns[1] = two[1]  # back
    time.sleep(0.25)
    l0.step(block_ms=None)
    assert two[0].xpending("t:inbox", "listeners")["pending"] == 0 and two[1].xlen("t:inbox") == 1


def test_the_wait_router_registers_routes_and_retries_an_unreachable_home(two, settings):
    from jactl_worker.shards import WaitRouter
    from jactl_worker.store import Store

    s1 = local_settings(settings, 1)
    dead = fakeredis.FakeServer()
    dead.connected = False
    router = WaitRouter(Shards(list(URLS), s1, [fakeredis.FakeRedis(server=dead), two[1]]), Store(two[1], s1), s1)
    home0, home1 = _corr_on(0), _corr_on(1)
    assert router.route([(home0, "i@s1", 5000), (home1, "i@s1", None)]) == [None, None]
    assert two[1].zrange("t:unrouted", 0, -1) == [home0.encode()]  # only the foreign one
    assert not two[1].exists(f"t:route:{home1}")  # its home is here: no route
    # the home comes back; the timer's retry finds the wait on this shard and routes it
    router.shards._conns[0] = two[0]
    router.shards._stores.clear()
    router._down_until.clear()
    two[1].hset(f"t:wait:{home0}", mapping={"instance": "i@s1", "status": "waiting", "deadline": ""})
    two[1].zadd("t:unrouted", {home0: 0})
    assert router.retry_unrouted() == 1
    assert two[0].hget(f"t:route:{home0}", "shard") == b"1" and two[1].zcard("t:unrouted") == 0
    assert 0 < two[0].ttl(f"t:route:{home0}") <= settings.max_wait_ms // 1000 + 1 + settings.wait_record_ttl_s
    # an instance of the home waits on the id: the second waiter is refused
    two[0].hset(f"t:wait:{home0}", mapping={"status": "waiting", "instance": "j@s0"})
    assert router.route([(home0, "k@s1", 1000)]) == ["j@s0"]


def test_read_merges_every_shards_stream_by_time(two, settings):
    c = Client(two, settings=settings)
    a = two[0].xadd("t:out:orders", {"from": "a@s0", "body": "1"}, id="1000-0")
    b = two[1].xadd("t:out:orders", {"from": "b@s1", "body": "2"}, id="2000-0")
    two[0].xadd("t:out:orders", {"from": "c@s0", "body": "3"}, id="3000-0")
    got = c.read("orders")
    assert [(m["from"], m["shard"], m["body"]) for m in got] == [("a@s0", 0, 1), ("b@s1", 1, 2), ("c@s0", 0, 3)]
    assert [m["from"] for m in c.read("orders", after={0: a.decode(), 1: b.decode()})] == ["c@s0"]
    t0 = time.monotonic()
    assert c.read("orders", after={0: "3000-0", 1: "2000-0"}, block_ms=200) == []
    assert time.monotonic() - t0 >= 0.2
