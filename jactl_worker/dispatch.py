"""Putting jactl_worker's jobs on RQ queues.

Jobs are named by dotted path (``jactl_worker.jobs.run_job``) and their arguments are plain
strings and ints, serialized with RQ's JSONSerializer: nothing here is ever pickled, and a
producer never imports the worker loop. Job ids are deterministic (keys.py), so a re-enqueue
after a crash can tell whether the job already exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from .config import Settings
from .keys import Keys

RUN_JOB = "jactl_worker.jobs.run_job"
DRAIN_JOB = "jactl_worker.jobs.drain_job"
TIMEOUT_JOB = "jactl_worker.jobs.timeout_job"

# A job's result is never read (the instance record holds the outcome): RQ keeps none.
RESULT_TTL = 0
FAILURE_TTL = 7 * 86_400


class Dispatcher:
    """Enqueues run and timeout jobs for one prefix on one connection."""

    def __init__(self, connection: Redis, settings: Settings):
        self.redis = connection
        self.settings = settings
        self.keys = Keys(settings.prefix)
        self._queues: dict[str, Queue] = {}

    def queue(self, name: str) -> Queue:
        q = self._queues.get(name)
        if q is None:
            q = self._queues[name] = Queue(name, connection=self.redis, serializer=JSONSerializer)
        return q

    def enqueue_run(self, queue: str, instance_id: str, run_seq: int, pipeline=None, delay_ms: int = 0) -> str:
        """Enqueue the job that runs ``instance_id`` for run ``run_seq`` (after ``delay_ms``,
        through RQ's scheduler, when a lost run is retried with backoff)."""
        job_id = self.keys.run_job_id(instance_id, run_seq)
        description = f"run {instance_id} #{run_seq}"
        args = (self.settings.prefix, instance_id, run_seq)
        if delay_ms > 0:
            self.queue(queue).enqueue_in(
                timedelta(milliseconds=delay_ms), RUN_JOB, *args, job_id=job_id,
                job_timeout=self.settings.job_timeout_s, result_ttl=RESULT_TTL,
                failure_ttl=FAILURE_TTL, description=description)
            return job_id
        return self._enqueue(queue, RUN_JOB, args, job_id, description, pipeline)

    def enqueue_drain(self, queue: str, token: str, pipeline=None) -> str:
        """Enqueue the drain job that holds drainer ``token`` of ``queue`` (drain.py)."""
        return self._enqueue(queue, DRAIN_JOB, (self.settings.prefix, queue, token),
                             self.keys.drain_job_id(queue, token), f"drain {queue} {token}", pipeline)

    def _enqueue(self, queue, func, args, job_id, description, pipeline=None) -> str:
        self.queue(queue).enqueue_call(
            func, args=args, job_id=job_id, timeout=self.settings.job_timeout_s,
            result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL, description=description,
            pipeline=pipeline)
        return job_id

    def schedule_timeout(self, queue: str, corr: str, wait_seq: int, deadline_ms: int) -> str:
        """Arm the timeout of a wait with RQ's scheduler. RQ stores due times in whole seconds
        and polls once a second, so the job may run up to ~1 s early; timeout_job re-arms."""
        job_id = self.keys.timeout_job_id(corr, wait_seq)
        when = datetime.fromtimestamp(deadline_ms / 1000, tz=timezone.utc)
        self.queue(queue).enqueue_at(
            when,
            TIMEOUT_JOB,
            self.settings.prefix,
            corr,
            wait_seq,
            job_id=job_id,
            job_timeout=self.settings.job_timeout_s,
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
            description=f"timeout {corr} #{wait_seq}",
        )
        return job_id

    def cancel_timeout(self, queue: str, corr: str, wait_seq: int, pipeline) -> None:
        """Drop the scheduled timeout job of a wait a reply resolved (otherwise it would run at
        the deadline, only to find the wait resolved)."""
        job_id = self.keys.timeout_job_id(corr, wait_seq)
        pipeline.zrem(ScheduledJobRegistry(queue, connection=self.redis, serializer=JSONSerializer).key, job_id)
        pipeline.delete(Job.key_for(job_id))

    def enqueue_timeout_now(self, queue: str, corr: str, wait_seq: int) -> str:
        """Run a timeout job as soon as a worker is free (the reaper's safety net)."""
        return self._enqueue(queue, TIMEOUT_JOB, (self.settings.prefix, corr, wait_seq),
                             self.keys.timeout_job_id(corr, wait_seq) + "-late",
                             f"overdue timeout {corr} #{wait_seq}")

    def job_alive(self, job_id: str) -> bool:
        """True if the job may still run. Asked about the job of an instance that has been
        queued for a while without being claimed - and claiming is the first thing a run job
        does. So a job a worker already took (started, or dequeued into RQ's intermediate
        queue) counts as dead: its worker died before claiming, and RQ would only notice after
        the job timeout (started) or its next maintenance (intermediate). Requeueing is safe
        either way: run_seq moves on, and a job that was alive after all claims nothing."""
        try:
            job = Job.fetch(job_id, connection=self.redis, serializer=JSONSerializer)
        except Exception:
            return False
        status = job.get_status(refresh=False)
        if status in (JobStatus.SCHEDULED, JobStatus.DEFERRED):
            return True
        if status != JobStatus.QUEUED:
            return False
        origin = job.origin or self.settings.queue
        taken = self.redis.lpos(self.queue(origin).intermediate_queue_key, job_id)
        return taken is None
