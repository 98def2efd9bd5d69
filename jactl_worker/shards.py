"""Shards: several independent Redis primaries, each a complete fleet, and which one an id lives on.

Why: one primary caps the fleet (docs/worker.md, "Capacity model"), and RQ cannot use Redis
Cluster (its keys cannot share hash slots), so the way past one Redis is several primaries,
each with its own RQ queues and its own copy of every jactl_worker key, and a rule that puts
each instance and each correlation id on exactly one of them.

``JACTL_REDIS_URL`` names the shards, comma-separated, in order: ``redis://a:6379/0,redis://b:6379/0``.
The count and the order are part of the fleet's configuration (every process and producer
must use the same list); growing or reordering it moves ids to other shards, so it is not
supported on a live fleet. One URL is a fleet of one shard, exactly as before sharding.

Which shard an id (instance id or correlation id) lives on:

* an explicit marker: the last ``@s<N>`` in the id that is not followed by a letter or digit
  names shard N (``order-7@s1``, ``pay:3f2a@s0:card``), if N is below the shard count;
* otherwise crc32 of its UTF-8 bytes modulo the shard count (a stable hash: the same in every
  process and language, unlike Python's ``hash()``).

Generated instance ids carry a marker (``<32 hex>@s<N>``, shards taken round robin), so a
script that builds its correlation ids from ``instanceId`` (``"pay-" + instanceId``) gets ids
that live on its own shard, and its replies never cross shards. Replies for other correlation
ids are routed between shards (route.lua, listener.py).
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
import zlib

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .config import Settings
from .errors import WorkerError
from .store import Store

log = logging.getLogger("jactl_worker.shards")

MARKER = re.compile(r"@s(\d{1,4})(?![0-9A-Za-z])")
# errors that mean "this shard's Redis cannot be reached", as opposed to an error reply
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ShardUnavailable(WorkerError):
    """The Redis of the shard an id lives on cannot be reached. Other shards keep serving."""

    def __init__(self, shard: int, url: str, error: BaseException):
        self.shard, self.url, self.error = shard, url, error
        super().__init__(f"shard {shard} ({safe_url(url)}) is unavailable: {type(error).__name__}: {error}")


def safe_url(url: str) -> str:
    """The URL without its credentials, for messages."""
    return re.sub(r"//[^@/]*@", "//***@", url)


def parse_urls(url: str | None) -> list[str]:
    """The shard URLs ``JACTL_REDIS_URL`` names (comma-separated; one URL = one shard)."""
    if not url:
        return []
    urls = [u.strip() for u in url.split(",")]
    if any(not u for u in urls):
        raise ValueError(f"JACTL_REDIS_URL has an empty entry: {safe_url(url)!r}")
    if len(set(urls)) != len(urls):
        raise ValueError("JACTL_REDIS_URL names the same Redis twice")
    return urls


def shard_of(name: str, count: int) -> int:
    """The shard an instance id or correlation id lives on (see the module doc)."""
    if count <= 1:
        return 0
    marked = None
    for m in MARKER.finditer(name):
        marked = m
    if marked is not None:
        n = int(marked.group(1))
        if n < count:
            return n
    return zlib.crc32(name.encode("utf-8")) % count


def mark(name: str, shard: int) -> str:
    return f"{name}@s{shard}"


def local_settings(settings: Settings, shard: int) -> Settings:
    """The settings of a process serving ``shard`` of the fleet ``settings.redis_url`` names:
    its own Redis as ``redis_url``, the whole list in ``shard_urls`` (to route replies)."""
    urls = parse_urls(settings.redis_url) if not settings.shard_urls else list(settings.shard_urls)
    if not 0 <= shard < max(len(urls), 1):
        raise ValueError(f"shard {shard} does not exist: JACTL_REDIS_URL names {len(urls)} shard(s)")
    if len(urls) <= 1:
        return settings.with_(shard=0, shard_urls=())
    return settings.with_(redis_url=urls[shard], shard=shard, shard_urls=tuple(urls))


class Shards:
    """The shards of a fleet: their URLs, lazily made connections and stores, and the
    routing rule. Thread-safe; connections are made on first use (a shard that is down does
    not stop the others from being used)."""

    def __init__(self, urls: list[str], settings: Settings, connections: list[Redis] | None = None):
        self.urls = list(urls)
        self.settings = settings
        self._conns: dict[int, Redis] = dict(enumerate(connections or []))
        self._stores: dict[int, Store] = {}
        self._lock = threading.RLock()
        self._next = itertools.count()

    @classmethod
    def of(cls, settings: Settings) -> "Shards | None":
        """The fleet's shards if it has more than one, else None (unsharded)."""
        urls = list(settings.shard_urls) or parse_urls(settings.redis_url)
        return cls(urls, settings) if len(urls) > 1 else None

    def __len__(self) -> int:
        return len(self.urls)

    def index_of(self, name: str) -> int:
        return shard_of(name, len(self.urls))

    def new_id(self, base: str) -> str:
        """``base`` marked with the next shard, round robin."""
        return mark(base, next(self._next) % len(self.urls)) if len(self.urls) > 1 else base

    def connection(self, i: int) -> Redis:
        c = self._conns.get(i)
        if c is None:
            with self._lock:
                c = self._conns.get(i)
                if c is None:
                    c = self._conns[i] = Redis.from_url(self.urls[i], socket_connect_timeout=2,
                                                        socket_timeout=10)
        return c

    def store(self, i: int) -> Store:
        s = self._stores.get(i)
        if s is None:
            with self._lock:
                s = self._stores.get(i)
                if s is None:
                    s = self._stores[i] = Store(self.connection(i), self.settings)
        return s

    def unavailable(self, i: int, error: BaseException) -> ShardUnavailable:
        return ShardUnavailable(i, self.urls[i], error)


class WaitRouter:
    """A worker's half of cross-shard waits: before an instance of this shard parks on a
    correlation id whose home is another shard, the route id -> this shard is registered at
    the home (route.lua), so replies sent there are forwarded here by the home's listener.

    Registering before parking means no reply can slip past: one forwarded before the park is
    buffered in this shard's mailbox and taken by the park; one buffered at the home before
    the route existed is put back on the home's inbox by route.lua and forwarded. If the home
    cannot be reached, the instance parks anyway (it can still time out, be cancelled) and the
    id goes into ``{p}:unrouted``, which the timer retries until the home is back."""

    RETRY_AFTER_MS = 1000
    DOWN_FOR_S = 2.0  # after a failed attempt, a home is taken as down this long (no connect waits)

    def __init__(self, shards: Shards, local: Store, settings: Settings):
        self.shards, self.local, self.settings = shards, local, settings
        self.me = settings.shard
        self._down_until: dict[int, float] = {}

    @classmethod
    def of(cls, settings: Settings, local: Store) -> "WaitRouter | None":
        shards = Shards.of(settings)
        return cls(shards, local, settings) if shards is not None and settings.shard_urls else None

    def is_home(self, corr: str) -> bool:
        return self.shards.index_of(corr) == self.me

    def _ttl_s(self, wait_ms: int | None) -> int:
        wait_ms = self.settings.max_wait_ms if wait_ms is None else max(0, wait_ms)
        return wait_ms // 1000 + 1 + self.settings.wait_record_ttl_s

    def route(self, waits) -> list[str | None]:
        """``waits``: (correlation id, instance id, timeout ms or None) of receives about to
        park here. Returns, for each, None (its home is here, or it is routed, or it will be
        by the timer) or the id of an instance of the home shard already waiting on it."""
        out: list[str | None] = [None] * len(waits)
        by_home: dict[int, list[int]] = {}
        for i, (corr, _, _) in enumerate(waits):
            h = self.shards.index_of(corr)
            if h != self.me:
                by_home.setdefault(h, []).append(i)
        unrouted = []
        for h, idx in by_home.items():
            if time.monotonic() < self._down_until.get(h, 0.0):
                unrouted += [waits[i][0] for i in idx]
                continue
            store = self.shards.store(h)
            try:
                pipe = store.redis.pipeline(transaction=False)
                for i in idx:
                    corr, iid, timeout_ms = waits[i]
                    store.route(corr, self.me, iid, self._ttl_s(timeout_ms), client=pipe)
                replies = store.execute(pipe)
            except UNREACHABLE as e:
                log.warning("shard %d is unreachable (%s): %d wait(s) park unrouted; the timer routes "
                            "them when it is back", h, e, len(idx))
                self._down_until[h] = time.monotonic() + self.DOWN_FOR_S
                unrouted += [waits[i][0] for i in idx]
                continue
            for i, r in zip(idx, replies):
                if isinstance(r, Exception):
                    log.warning("routing %r to shard %d failed (%s); the timer retries", waits[i][0], h, r)
                    unrouted.append(waits[i][0])
                elif r[0] == -1:
                    out[i] = r[1].decode() if isinstance(r[1], bytes) else str(r[1])
        if unrouted:
            now = int(time.time() * 1000)
            self.local.redis.zadd(self.local.keys.unrouted, {c: now for c in unrouted})
        return out

    def retry_unrouted(self) -> int:
        """Register the routes of waits parked while their home was unreachable; returns how
        many were settled."""
        now = int(time.time() * 1000)
        key = self.local.keys.unrouted
        n = 0
        for corr, _ in self.local.due(key, now - self.RETRY_AFTER_MS, 100):
            w = self.local.wait_record(corr)
            if not w or not w.get("instance"):
                self.local.forget(key, corr)
                continue
            deadline = w.get("deadline") or ""
            wait_ms = int(deadline) - now if deadline else None
            h = self.shards.index_of(corr)
            try:
                r = self.shards.store(h).route(corr, self.me, w["instance"], self._ttl_s(wait_ms))
            except UNREACHABLE:
                self.local.touch(key, corr, now)
                break  # still down; the next tick tries again
            if r[0] == "busy":
                log.warning("correlation id %r: instance %s of shard %d waits on it too; replies go "
                            "there", corr, r[1], h)
            self.local.forget(key, corr)
            n += 1
        return n
