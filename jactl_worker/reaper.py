"""Recovery: finds work a dead or stuck process left behind, and hands it to a live worker.

Workers run ``Reaper.sweep()`` every ``reap_interval_ms``; a lock lets one worker of the fleet
sweep per interval. Three things are looked for:

* lapsed leases - an instance "running" whose worker stopped renewing (killed, OOM-killed,
  cut off; a worker busy in a long call keeps renewing, see watchdog.py). It is requeued with
  a new run_seq, which fences the old run off: if that worker comes back, its next write is
  refused. The new run starts at the instance's restart point (its last checkpoint, whose
  recover closure runs; or its last resolved wait; or the start), after a backoff that grows
  with the runs of that point already lost; after ``max_attempts`` lost runs the instance
  fails instead ("run lost its lease 3 times; last worker ..."), so a script that kills
  every worker it runs on is not retried forever.
* lost run jobs - an instance an older version queued (indexed in ``{p}:pending``, in no
  ready set) for ``requeue_after_ms`` whose RQ run job no longer exists or has ended without
  claiming it. It is requeued. (Instances queued now sit in a ready set; a lost drain job is
  covered by its drainer token's expiry and the timer's wake, drain.py.)
* overdue waits - a wait ``timeout_grace_ms`` past its deadline and still waiting (the
  timer, drain.py, was not running). It is timed out now (only if it is still waiting).

Recovered instances join their queue's ready set (a lost run after its backoff); the Lua
transition hands back a drainer token when one is needed, and a drain job is enqueued.
"""

from __future__ import annotations

import logging
import time

from .config import Settings
from .dispatch import Dispatcher
from .store import Store

log = logging.getLogger("jactl_worker.reaper")

BATCH = 200


class Reaper:
    def __init__(self, store: Store, dispatch: Dispatcher, settings: Settings, name: str):
        self.store = store
        self.dispatch = dispatch
        self.settings = settings
        self.name = name
        self._epoch: str | None = None

    def sweep(self, force: bool = False) -> dict[str, int]:
        """One pass; returns counts of what was recovered."""
        counts = {"leases": 0, "jobs": 0, "timeouts": 0}
        self._check_epoch()
        lock_ms = max(100, self.settings.reap_interval_ms - 50)
        if not force and not self.store.try_lock(self.store.keys.reaper, self.name, lock_ms):
            return counts
        now = int(time.time() * 1000)
        counts["leases"] = self._lapsed_leases(now)
        counts["jobs"] = self._lost_jobs(now)
        counts["timeouts"] = self._overdue_waits(now)
        if self.settings.ended_ttl_s is not None:
            self.store.trim_ended(self.settings.ended_ttl_s)
        if any(counts.values()):
            log.info("recovered %s", counts)
        return counts

    def _check_epoch(self) -> None:
        """Record it when Redis lost the fleet's data (restarted without persistence, flushed,
        keys evicted): whatever was parked there is gone, and this notice and log line are
        the only trace left of it."""
        epoch = self.store.fleet_epoch()
        if self._epoch is not None and epoch != self._epoch:
            detail = (f"Redis lost the fleet's data: the fleet record {self._epoch} this worker saw is "
                      f"gone (new record {epoch}). Instances, waits, replies and checkpoints stored "
                      "before are lost. Redis must persist its data (appendonly yes) and never evict "
                      "(maxmemory-policy noeviction).")
            if self.store.try_lock(f"{self.store.keys.fleet}:lost:{self._epoch}", self.name, 86_400_000):
                log.critical(detail)
                self.store.notice("data-loss", detail=detail)
        self._epoch = epoch

    def _lapsed_leases(self, now: int) -> int:
        n = 0
        for instance_id, _ in self.store.due(self.store.keys.leases, now, BATCH):
            n += self._recover(instance_id, self.store.requeue(instance_id, "lease"),
                               "its worker's lease lapsed")
        return n

    def _recover(self, instance_id: str, r, why: str) -> int:
        if r is None:
            return 0
        if r.failed:
            log.error("instance %s failed: %s", instance_id, r.failed)
            return 1
        delay_ms = self.settings.retry_backoff_ms * 4 ** max(0, r.lost - 1)
        log.warning("instance %s: %s (%d lost so far); run %s in %.1f s", instance_id, why, r.lost,
                    r.run_seq, delay_ms / 1000)
        if r.token:  # no backoff (retry_backoff_ms 0): ready now; else the timer wakes the queue
            self.dispatch.enqueue_drain(r.queue or self.settings.queue, r.token)
        return 1

    def _lost_jobs(self, now: int) -> int:
        n = 0
        keys = self.store.keys
        for instance_id, _ in self.store.due(keys.pending, now - self.settings.requeue_after_ms, BATCH):
            inst = self.store.instance(instance_id)
            if inst is None or inst.get("state") != "queued":
                self.store.forget(keys.pending, instance_id)
                continue
            run_seq = inst.get("run_seq", "")
            # ready: a drainer (or the timer's wake) takes it; else a run job of an older version
            ready = self.store.redis.zscore(keys.ready(inst.get("queue") or self.settings.queue), instance_id)
            if ready is not None or self.dispatch.job_alive(keys.run_job_id(instance_id, int(run_seq or 0))):
                self.store.touch(keys.pending, instance_id, now)
                continue
            n += self._recover(instance_id, self.store.requeue(instance_id, "pending", run_seq),
                               "queued without a job")
        return n

    def _overdue_waits(self, now: int) -> int:
        n = 0
        keys = self.store.keys
        for corr, _ in self.store.due(keys.deadlines, now - self.settings.timeout_grace_ms, BATCH):
            w = self.store.wait_record(corr)
            if not w or w.get("status") != "waiting":
                self.store.forget(keys.deadlines, corr)
                continue
            wait_seq = int(w.get("wait_seq") or 0)
            log.warning("wait %s is overdue; timing it out now", corr)
            t = self.store.timeout(corr, wait_seq)
            if t[0] == "resolved":
                if t[4]:
                    self.dispatch.enqueue_drain(t[3] or self.settings.queue, t[4])
                n += 1
        return n
