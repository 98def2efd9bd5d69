"""A whole fleet in one process, for machines with no Redis configured.

An in-process fakeredis (with Lua through lupa) stands in for Redis; one RQ SimpleWorker,
RQ's scheduler, the listener and the recovery sweep take turns in the calling thread. Used by
``jactl-worker demo`` and ``jactl-worker run`` when ``JACTL_REDIS_URL`` is unset, and by the
unit tests. Everything else - keys, Lua transitions, jobs, serialization - is exactly what a
real fleet runs.
"""

from __future__ import annotations

import secrets
import time

import fakeredis
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from .client import Client
from .config import Settings
from .dispatch import Dispatcher
from .listener import Listener
from .reaper import Reaper
from .drain import Timer
from .store import Store
from .worker import JactlWorker, Scheduler, worker_name


class EmbeddedFleet:
    """Client + worker + scheduler + listener on one connection (fakeredis by default)."""

    def __init__(self, settings: Settings | None = None, connection=None, queues=None):
        settings = settings or Settings()
        if not settings.hmac_key:  # nothing to configure, still signed: a key of its own
            settings = settings.with_(hmac_key=secrets.token_hex(32))
        self.settings = settings
        self.redis = connection if connection is not None else fakeredis.FakeRedis()
        self.queues = list(queues or [self.settings.queue])
        name = worker_name()
        self.client = Client(self.redis, settings=self.settings)
        self.worker = JactlWorker(self.queues, connection=self.redis, settings=self.settings, name=name, background=False)
        self.scheduler = Scheduler(self.redis, self.queues, name)
        self.listener = Listener(self.redis, self.settings, name=name)
        self.listener.store.ensure_group()
        self.reaper = Reaper(Store(self.redis, self.settings), Dispatcher(self.redis, self.settings), self.settings, name)
        self.timer = Timer(Store(self.redis, self.settings), Dispatcher(self.redis, self.settings), self.settings,
                           self.queues, name)
        self._registries = [ScheduledJobRegistry(q, connection=self.redis, serializer=JSONSerializer) for q in self.queues]

    def step(self) -> bool:
        """Deliver inbox messages, move due scheduled jobs, run every queued job. True if
        anything was done."""
        did = self.listener.step(block_ms=None) > 0
        self.listener.beat()  # so a dashboard on this fleet shows its listener alive
        self.scheduler.tick()
        did = self.timer.tick() > 0 or did
        did = self.worker.work(burst=True, logging_level="WARNING") or did
        return did

    def next_scheduled(self) -> float | None:
        """Seconds until the next scheduled job (a timeout or a long sleep) is due."""
        times = []
        first = self.redis.zrange(self.timer.store.keys.deadlines, 0, 0, withscores=True)
        if first:
            times.append(first[0][1] / 1000)
        for q in self.queues:  # a lost run waiting out its backoff
            first = self.redis.zrange(self.timer.store.keys.ready(q), 0, 0, withscores=True)
            if first:
                times.append(first[0][1] / 1000)
        for reg in self._registries:
            rows = self.redis.zrange(reg.key, 0, 0, withscores=True)
            if rows:
                times.append(rows[0][1])
        return max(0.0, min(times) - time.time()) if times else None

    def run_until(self, predicate, timeout: float = 60.0, on_step=None) -> bool:
        """Step until ``predicate()`` holds, sleeping until the next scheduled job when idle."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            did = self.step()
            if on_step:
                on_step()
            if predicate():
                return True
            if not did:
                wait = self.next_scheduled()
                time.sleep(0.05 if wait is None else min(max(wait, 0.05), 0.5, max(0.0, end - time.monotonic())))
        return predicate()

    def run_instance(self, instance_id: str, timeout: float = 60.0, on_step=None):
        """Step until the instance ends; returns its status."""
        ended = ("completed", "failed", "cancelled")
        self.run_until(lambda: self.client.status(instance_id)["state"] in ended, timeout, on_step)
        return self.client.status(instance_id)
