"""Ready sets and drain jobs: how queued instances get run, without one RQ job per run.

RQ's bookkeeping costs ~40 Redis commands per job, which made every wait/reply cycle cost two
jobs' worth. Instead, every transition that makes an instance runnable (create, a reply, a
timeout, a requeue after a lost run) adds it, in the same Lua script, to its queue's ready
set ``{p}:ready:{queue}`` (score: when it may run) and, if the queue has fewer than
``max_drainers`` live drainers, hands back a drainer token; the caller enqueues ONE RQ "drain
job" for that token (``jactl_worker.jobs.drain_job(prefix, queue, token)``).

A drain job loops: ``claim_next.lua`` claims up to ``drain_batch`` due ready instances (each
exactly as claim.lua claims one: lease, fencing by run_seq) and renews the token; the worker
runs each (restore -> run until it parks, checkpoints on, completes or fails, every write
fenced as before); then the next batch. It stops when nothing is ready or after
``drain_slice_ms``; ``drain_exit.lua`` removes its token and, in the same atomic step, issues a
token for a successor if ready ids remain, so no wake-up is lost between "the set is empty"
and "the drainer is gone". An idle fleet still resumes at once: a single ready instance gets
a drainer immediately because none is running.

Failures: a token expires ``lease_ms`` after its drainer last claimed, so a drainer whose
worker was killed (or whose job was never enqueued) stops counting; the timer's ``wake.lua``
then issues a new token. Instances a dead drainer had claimed hold leases, which lapse and are
requeued by the reaper, exactly as before.

The timer (every worker, one at a time under the ``{p}:timer`` lock, every
``timer_interval_ms``) replaces RQ-scheduled timeout jobs: waits due in ``{p}:deadlines`` go
through timeout.lua (same fencing as before) and become ready; queues with due ready ids and
no drainer (a retry's backoff ended, a drainer died) are woken.
"""

from __future__ import annotations

import logging
import time

from . import metrics
from .config import Settings
from .batch import run_batch
from .dispatch import Dispatcher
from .host import RedisUnavailable
from .shards import WaitRouter
from .store import Store, parse_timeout

log = logging.getLogger("jactl_worker.drain")

TIMER_BATCH = 500


def drain(runtime, queue: str, token: str, first=None) -> str:
    """The body of a drain job: run ready instances of ``queue`` until none is due or the slice
    is over, then hand over to a successor if needed. ``first``: the first batch, when it was
    claimed already (with the job's preparation, jobs.prefetch)."""
    store, settings = runtime.store, runtime.settings
    end = time.monotonic() + settings.drain_slice_ms / 1000
    ran = 0
    try:
        while True:
            if first is not None:
                claims, first = first, None
            else:
                claims = store.claim_next(queue, token, runtime.worker_name, settings.drain_batch)
            if not claims:
                break
            try:
                ran += run_batch(runtime, claims)
            except RedisUnavailable as e:  # the claimed leases lapse; the sweep recovers them
                log.warning("drainer %s of %s stopped: Redis failed (%s)", token, queue, e.error)
                raise e.error from None
            if time.monotonic() >= end:
                break
    finally:
        try:
            successor = store.drain_exit(queue, token)
            if successor:
                runtime.dispatch.enqueue_drain(queue, successor)
        except Exception:  # noqa: BLE001 - the token expires and the timer wakes the queue
            log.warning("drainer %s of %s could not hand over", token, queue, exc_info=True)
    return f"ran {ran}"


class Timer:
    """Times out due waits and wakes stalled queues; see the module docstring."""

    def __init__(self, store: Store, dispatch: Dispatcher, settings: Settings, queue_names, name: str):
        self.store = store
        self.dispatch = dispatch
        self.settings = settings
        self.queue_names = list(queue_names)
        self.name = name
        self.router = WaitRouter.of(settings, store)  # sharded fleets: waits parked unrouted
        self._routed_at = 0.0

    def tick(self) -> int:
        """One pass (if this worker holds the timer lock); returns how many waits timed out."""
        keys = self.store.keys
        if not self.store.try_lock(keys.timer, self.name, max(10, self.settings.timer_interval_ms)):
            return 0
        tokens: list[tuple[str, str]] = []
        n = 0
        due = self.store.due(keys.deadlines, int(time.time() * 1000), TIMER_BATCH)
        pipe = self.store.redis.pipeline(transaction=False)
        for corr, _ in due:
            self.store.timeout(corr, "", client=pipe)
        for q in self.queue_names:
            self.store.wake(q, client=pipe)
        results = self.store.execute(pipe)
        for (corr, _), r in zip(due, results):
            if isinstance(r, Exception):
                log.warning("timing out %s failed: %s", corr, r)
                continue
            t = parse_timeout(r)
            if t[0] == "resolved":
                n += 1
                if t[4]:
                    tokens.append((t[3] or self.settings.queue, t[4]))
        for q, r in zip(self.queue_names, results[len(due):]):
            if isinstance(r, Exception):
                log.warning("waking %s failed: %s", q, r)
            elif r:
                tokens.append((q, r.decode() if isinstance(r, bytes) else str(r)))
        self.enqueue(tokens)
        metrics.resumed("timeout", n)
        if self.router and time.monotonic() - self._routed_at >= 1.0:
            self._routed_at = time.monotonic()
            try:
                self.router.retry_unrouted()
            except Exception as e:  # noqa: BLE001 - this shard's own timeouts matter more
                log.warning("routing waits parked unrouted failed: %s", e)
        return n

    def enqueue(self, tokens) -> None:
        if not tokens:
            return
        pipe = self.store.redis.pipeline(transaction=False)
        for q, token in tokens:
            self.dispatch.enqueue_drain(q, token, pipeline=pipe)
        pipe.execute()
