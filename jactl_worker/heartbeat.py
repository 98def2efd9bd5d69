"""Listener liveness: every listener stamps its name in ``{p}:listeners`` with Redis' time.

Why not XINFO CONSUMERS' ``idle``: before Redis 7.2 it counts the time since the consumer last
RECEIVED a message, not since it last tried to read (and a consumer that never received one
is not listed at all), so a healthy listener on a quiet inbox looked dead. Instead each
listener, between reads and at most once per BEAT_S, sets its score in the ZSET
``{p}:listeners`` to Redis' TIME (one small script); a reader compares the scores with Redis'
TIME too, so no host's clock matters. Alive: beat within ALIVE_MS (a few beats), so a
listener killed with SIGKILL shows as gone ALIVE_MS after its last beat; one that stops
cleanly removes its name at once. Names not seen for FORGET_MS are dropped by the next beat.

One key per shard (each shard's listener beats on its own Redis), read in one round trip
together with XINFO CONSUMERS, which still gives the pending counts.
"""

from __future__ import annotations

from .keys import LISTENER_GROUP, Keys

BEAT_S = 1.0            # a listener beats at most this often (its blocking read lasts 1 s)
ALIVE_MS = 5_000        # ... and is gone once it missed about five beats
FORGET_MS = 3_600_000   # a gone listener is listed this long

_BEAT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
return now
"""


def due(last_beat: float, now: float) -> bool:
    """Whether a listener that last beat at ``last_beat`` (time.monotonic()) should beat now."""
    return now - last_beat >= BEAT_S


def beat(conn, keys: Keys, name: str) -> int:
    """Stamp ``name`` with Redis' time (ms), which it returns."""
    return int(conn.register_script(_BEAT)(keys=[keys.listeners], args=[name, FORGET_MS]))


def forget(conn, keys: Keys, name: str) -> None:
    """A listener that stops says so at once, rather than being taken as gone after ALIVE_MS."""
    conn.zrem(keys.listeners, name)


def _s(v):
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else v


def listeners(conn, keys: Keys) -> list[dict]:
    """Every listener that beat within FORGET_MS or has a consumer in the inbox's group: name,
    pending (its unacknowledged messages), alive, beat_ago_ms (since its last beat; None if it
    never beat or stopped); alive ones first."""
    pipe = conn.pipeline(transaction=False)
    pipe.time()
    pipe.zrange(keys.listeners, 0, -1, withscores=True)
    pipe.xinfo_consumers(keys.inbox, LISTENER_GROUP)
    (secs, micros), beats, consumers = pipe.execute(raise_on_error=False)
    now_ms = secs * 1000 + micros // 1000
    pending = {} if isinstance(consumers, Exception) else {  # no inbox or group yet: none
        _s(c["name"]): int(c.get("pending", 0)) for c in consumers}
    last = {_s(n): int(score) for n, score in beats}
    out = []
    for name in set(pending) | set(last):
        ago = max(now_ms - last[name], 0) if name in last else None
        out.append({"name": name, "pending": pending.get(name, 0), "beat_ago_ms": ago,
                    "alive": ago is not None and ago < ALIVE_MS})
    return sorted(out, key=lambda c: (not c["alive"], c["name"]))
