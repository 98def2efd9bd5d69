"""Listener liveness from the heartbeat ZSET (fakeredis): a beat within ALIVE_MS of Redis' time
is alive, the pending counts still come from the consumer group, a listener beats between
reads at most once per BEAT_S and removes its name when it stops."""

from __future__ import annotations

import threading

from jactl_worker import heartbeat
from jactl_worker.dashboard import queries
from jactl_worker.keys import LISTENER_GROUP, Keys
from jactl_worker.listener import Listener


def _redis_ms(redis) -> int:
    s, us = redis.time()
    return s * 1000 + us // 1000


def test_alive_within_alive_ms_of_its_last_beat_gone_after(redis, settings):
    keys = Keys(settings.prefix)
    now = heartbeat.beat(redis, keys, "a")
    assert abs(now - _redis_ms(redis)) < 1000  # Redis' clock
    heartbeat.beat(redis, keys, "b")
    redis.zadd(keys.listeners, {"b": now - heartbeat.ALIVE_MS - 1})  # as if b missed its beats
    seen = {c["name"]: c for c in heartbeat.listeners(redis, keys)}
    assert seen["a"]["alive"] and 0 <= seen["a"]["beat_ago_ms"] < 1000
    assert not seen["b"]["alive"] and seen["b"]["beat_ago_ms"] > heartbeat.ALIVE_MS
    assert [c["name"] for c in heartbeat.listeners(redis, keys)] == ["a", "b"]  # alive first


def test_a_beat_forgets_names_not_seen_for_forget_ms(redis, settings):
    keys = Keys(settings.prefix)
    redis.zadd(keys.listeners, {"ancient": _redis_ms(redis) - heartbeat.FORGET_MS - 1000})
    heartbeat.beat(redis, keys, "a")
    assert [c["name"] for c in heartbeat.listeners(redis, keys)] == ["a"]


def test_pending_counts_come_from_the_group_and_consumers_that_never_beat_are_gone(redis, settings):
    keys = Keys(settings.prefix)
    Listener(redis, settings, name="x").store.ensure_group()
    redis.xadd(keys.inbox, {"correlation_id": "c", "body": "1"})
    redis.xreadgroup(LISTENER_GROUP, "reader", {keys.inbox: ">"}, count=1)  # never acknowledged
    redis.xreadgroup(LISTENER_GROUP, "old", {keys.inbox: "0"}, count=1)     # a consumer, no beat
    heartbeat.beat(redis, keys, "reader")
    seen = {c["name"]: c for c in heartbeat.listeners(redis, keys)}
    assert seen["reader"] == {"name": "reader", "pending": 1, "alive": True, "beat_ago_ms": seen["reader"]["beat_ago_ms"]}
    assert not seen["old"]["alive"] and seen["old"]["beat_ago_ms"] is None


def test_nothing_ran_means_no_listeners(redis):
    assert heartbeat.listeners(redis, Keys("nothing")) == []


def test_the_fleet_page_reads_the_heartbeat(redis, settings):
    heartbeat.beat(redis, Keys(settings.prefix), "quiet")
    data = queries.fleet(redis, settings.prefix, [settings.queue])
    assert [(c["name"], c["alive"]) for c in data["listeners"]] == [("quiet", True)]


def test_the_listener_beats_between_reads_at_most_once_per_beat_s_and_forgets_on_stop(redis, settings):
    listener = Listener(redis, settings, name="L")
    key = listener.store.keys.listeners
    seen, real_step = [], listener.step

    def step(block_ms=None):  # the real step, with 10 ms reads; records the beat before each
        seen.append(redis.zscore(key, "L"))
        if len(seen) == 20:
            listener.stop()
        return real_step(block_ms=10)

    listener.step = step
    t = threading.Thread(target=listener.run)
    t.start()
    t.join(20)
    assert not t.is_alive()
    assert seen[0] is None  # the first beat follows the first read
    # 19 reads of 10 ms: well within one BEAT_S, so one beat (its score is in ms)
    assert seen[1] is not None and set(seen[1:]) == {seen[1]}
    assert redis.zscore(key, "L") is None  # stopped: removed itself


def test_due_once_per_beat_s():
    assert heartbeat.due(float("-inf"), 0.0)
    assert not heartbeat.due(10.0, 10.0 + heartbeat.BEAT_S - 0.01)
    assert heartbeat.due(10.0, 10.0 + heartbeat.BEAT_S)


def test_an_embedded_fleet_shows_its_listener_alive(fleet, settings):
    fleet.step()
    rows = queries.fleet(fleet.redis, settings.prefix, [settings.queue])["listeners"]
    assert [(c["name"], c["alive"]) for c in rows] == [(fleet.listener.name, True)]
