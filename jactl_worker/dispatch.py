"""Putting jactl_worker's jobs on RQ queues.

Jobs are named by dotted path (``jactl_worker.jobs.drain_job``) and their arguments are plain
strings and ints, serialized with RQ's JSONSerializer: nothing here is ever pickled, and a
producer never imports the worker loop. Job ids are deterministic (keys.py): one per drainer
token. (Run and timeout jobs enqueued by older versions still run: jobs.py.)
"""

from __future__ import annotations

from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from .config import Settings
from .keys import Keys

DRAIN_JOB = "jactl_worker.jobs.drain_job"

# A job's result is never read (the instance record holds the outcome): RQ keeps none.
RESULT_TTL = 0
FAILURE_TTL = 7 * 86_400


class Dispatcher:
    """Enqueues drain jobs for one prefix on one connection."""

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
