"""``jactl-worker worker``: an RQ worker that runs scripts in-process, with RQ's scheduler and
jactl_worker's recovery sweep running beside it in threads.

Why in-process (SimpleWorker-style): scripts are sandboxed by lang, and forking a work horse
per job costs ~13.5 ms against ~1.5 ms (measured with RQ 3.0 on these machines). Why threads
for the scheduler: if the process is killed the scheduler dies with it (RQ forks its scheduler
as a child that can outlive a ``kill -9`` of the worker), and the scheduler's lock is held for
only ``SCHEDULER_LOCK_S`` instead of RQ's 61 s, so another worker takes over quickly.
"""

from __future__ import annotations

import logging
import os
import time
import socket
import threading
import uuid

from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.executions import Execution
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler
from rq.scripts import acquire_or_refresh_lock, release_lock
from rq.serializers import JSONSerializer
from rq.utils import now as rq_now
from rq.worker import WorkerStatus

from . import jobs, metrics
from .checks import check_redis
from .config import Settings
from .dispatch import Dispatcher
from .drain import Timer
from .reaper import Reaper
from .store import Store

log = logging.getLogger("jactl_worker.worker")

SCHEDULER_LOCK_S = 10
WORKER_TTL_S = 30
MAINTENANCE_INTERVAL_S = 60


def prepare_process(settings: Settings) -> None:
    """Before a worker process takes jobs: say loudly what is unprotected, bound its memory."""
    if not settings.hmac_key:
        log.warning("!" * 78)
        log.warning("JACTL_HMAC_KEY is not set: checkpoints in Redis are NOT signed. Anyone who can "
                    "write to Redis can change what a parked script resumes with. Set the same "
                    "JACTL_HMAC_KEY (32+ random bytes) on every worker.")
        log.warning("!" * 78)
    if settings.max_memory_mb:
        import resource

        limit = settings.max_memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        log.info("address space of this worker limited to %d MB", settings.max_memory_mb)


def worker_name() -> str:
    return f"{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:6]}"


class Scheduler:
    """Moves due scheduled jobs (timeouts, long sleeps) of some queues onto those queues,
    once a second, while it holds RQ's per-queue scheduler lock (the same lock RQ's own
    scheduler takes, so the two never both schedule a queue)."""

    def __init__(self, connection, queue_names, name: str, interval_s: float = 1.0):
        self.connection = connection
        self.queue_names = list(queue_names)
        self.name = name
        self.interval_s = interval_s
        self._owned: set[str] = set()
        self._registries: dict[str, ScheduledJobRegistry] = {}
        self._rq = RQScheduler(self.queue_names, connection=connection, serializer=JSONSerializer, name=name)
        self._rq._connection = connection  # RQ's scheduler otherwise rebuilds its connection for a fork

    def tick(self) -> None:
        owned = set()
        for q in self.queue_names:
            outcome = acquire_or_refresh_lock(self.connection, RQScheduler.get_locking_key(q), self.name, SCHEDULER_LOCK_S)
            if outcome != "taken":
                owned.add(q)
        if owned != self._owned:
            self._owned = owned
            self._rq._acquired_locks = owned
            self._rq.prepare_registries(owned)
        if owned:
            self._rq.enqueue_scheduled_jobs()

    def release(self) -> None:
        for q in self._owned:
            release_lock(self.connection, RQScheduler.get_locking_key(q), self.name)
        self._owned = set()


class Background:
    """The worker's background threads: RQ scheduler ticks (jobs enqueued with a delay by
    older versions), the timer (due waits, stalled queues: drain.py) and recovery sweeps."""

    def __init__(self, connection, settings: Settings, queue_names, name: str, with_scheduler: bool = True):
        self.scheduler = Scheduler(connection, queue_names, name) if with_scheduler else None
        store, dispatch = Store(connection, settings), Dispatcher(connection, settings)
        self.reaper = Reaper(store, dispatch, settings, name)
        self.timer = Timer(store, dispatch, settings, queue_names, name)
        self.settings = settings
        self._stop = threading.Event()
        self._threads = []

    def start(self) -> None:
        if self.scheduler:
            self._threads.append(self._spawn("jactl-scheduler", self.scheduler.interval_s, self.scheduler.tick))
        self._threads.append(self._spawn("jactl-timer", self.settings.timer_interval_ms / 1000, self.timer.tick))
        self._threads.append(self._spawn("jactl-reaper", self.settings.reap_interval_ms / 1000, self._sweep))

    def _sweep(self) -> None:
        counts = self.reaper.sweep()
        metrics.resumed("recovery", counts["leases"] + counts["jobs"])
        metrics.resumed("timeout", counts["timeouts"])

    def _spawn(self, name, interval_s, fn):
        def loop():
            while not self._stop.is_set():
                try:
                    fn()
                except Exception:  # keep sweeping; Redis may be back next time
                    log.warning("%s failed", name, exc_info=True)
                self._stop.wait(interval_s)

        t = threading.Thread(target=loop, name=name, daemon=True)
        t.start()
        return t

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=5)
        if self.scheduler:
            try:
                self.scheduler.release()
            except Exception:
                pass


class JactlWorker(SimpleWorker):
    """An RQ SimpleWorker with JSON jobs, short heartbeats and jactl_worker's background threads."""

    def __init__(self, queues, *, connection, settings: Settings, name: str | None = None,
                 with_scheduler: bool = True, background: bool = True):
        name = name or worker_name()
        super().__init__(
            queues,
            name=name,
            connection=connection,
            serializer=JSONSerializer,
            worker_ttl=WORKER_TTL_S,
            maintenance_interval=MAINTENANCE_INTERVAL_S,
        )
        self.settings = settings
        self.background = Background(connection, settings, self.queue_names(), name, with_scheduler) if background else None
        jobs.configure(settings, name)

    # Round trips between a reply and its run. An idle worker blocks in RQ's dequeue; once the
    # drain job arrives, RQ heartbeats (HSET + 2 EXPIREs, each its own round trip) before it
    # prepares the job, which heartbeats again; after the job it heartbeats, and once more
    # before the next dequeue; and it writes state "idle" after the job and again before the
    # next dequeue. On a busy machine every round trip is a wake-up of Redis and of this
    # process, which is where idle resume latency went. So a heartbeat's three commands go
    # in one pipeline, and a heartbeat or state that repeats what was written less than a
    # second ago (same TTL, same state) is not sent again: Redis ends up the same.
    _last_heartbeat = (float("-inf"), None)  # (monotonic time, TTL) of the last heartbeat written
    _state_written_at = float("-inf")        # when set_state last wrote the state itself

    def heartbeat(self, timeout: int | None = None, pipeline=None):
        timeout = timeout or self.worker_ttl + 60
        if pipeline is not None:  # sent with the caller's pipeline (prepare_job_execution's)
            self._last_heartbeat = (time.monotonic(), timeout)
            return super().heartbeat(timeout, pipeline=pipeline)
        at, ttl = self._last_heartbeat
        if ttl == timeout and time.monotonic() - at < 1.0:
            return
        with self.connection.pipeline(transaction=False) as pipe:
            super().heartbeat(timeout, pipeline=pipe)
            pipe.execute()
        self._last_heartbeat = (time.monotonic(), timeout)

    def set_state(self, state: str, pipeline=None):
        if pipeline is None and state == self.get_state() and time.monotonic() - self._state_written_at < 1.0:
            return
        super().set_state(state, pipeline=pipeline)
        # written now, or when the caller's pipeline executes (if it does)
        self._state_written_at = time.monotonic() if pipeline is None else float("-inf")

    # RQ prepares a job in two transactions, one round trip each, right before it runs it:
    # the Execution record with the worker's "busy" state (prepare_execution), then the
    # heartbeats, the job's "started" state and its removal from the intermediate list
    # (prepare_job_execution, the first thing perform_job does). Here the first is queued
    # and sent with the second: the same commands in the same order, in one MULTI/EXEC; a
    # drain job's first claim_next goes in it too (jobs.prefetch).
    _preparing = None  # prepare_execution's pipeline, until prepare_job_execution sends it

    def prepare_execution(self, job: Job) -> Execution:
        pipe = self.connection.pipeline()
        execution = Execution.create(job, self.get_heartbeat_ttl(job), pipeline=pipe, worker_name=self.name)
        self.executions[execution.id] = execution
        self.set_state(WorkerStatus.BUSY, pipeline=pipe)
        self._preparing = pipe
        return execution

    def prepare_job_execution(self, job: Job, remove_from_intermediate_queue: bool = False) -> None:
        pipe, self._preparing = self._preparing, None
        if pipe is None:
            return super().prepare_job_execution(job, remove_from_intermediate_queue)
        try:
            ttl = self.get_heartbeat_ttl(job)
            self.heartbeat(ttl, pipeline=pipe)
            job.heartbeat(rq_now(), ttl, pipeline=pipe)
            job.prepare_for_execution(self.name, pipeline=pipe)
            pipe.persist(job.key)
            if remove_from_intermediate_queue:
                pipe.lrem(Queue(job.origin, connection=self.connection).intermediate_queue_key, 1, job.id)
            n = len(pipe.command_stack)
            claimed = jobs.prefetch(job, pipe)  # a drain job's first batch, in the same MULTI
            replies = pipe.execute(raise_on_error=False)
        finally:
            pipe.reset()
        for r in replies[:n]:  # RQ's own commands fail the job as they would have
            if isinstance(r, Exception):
                raise r
        if claimed is not None:
            claimed(replies[n])

    def work(self, *args, **kwargs):
        kwargs.pop("with_scheduler", None)  # ours runs in a thread (see Scheduler)
        if self.background is None:  # driven from outside (embedded.py): bursts, no threads
            return super().work(*args, **kwargs)
        self.background.start()
        try:
            return super().work(*args, **kwargs)
        finally:
            self.background.stop()
            jobs.shutdown()
            metrics.flush_all()


def _asked_to_stop(worker) -> bool:
    """SIGTERM/SIGINT reached RQ's handler (idle: it raised StopRequested; busy: it set
    _stop_requested); both stamp the request's time."""
    return bool(getattr(worker, "_shutdown_requested_date", None) or getattr(worker, "_stop_requested", False))


def run_worker(connection, settings: Settings, queues, *, burst: bool = False, name: str | None = None,
               logging_level: str = "INFO", max_jobs: int | None = None) -> bool:
    prepare_process(settings)
    check_redis(connection, log)
    delay = 0.5
    while True:
        started = time.monotonic()
        try:
            worker = JactlWorker(queues, connection=connection, settings=settings, name=name)
            worked = worker.work(burst=burst, logging_level=logging_level, max_jobs=max_jobs)
            if burst or max_jobs is not None or _asked_to_stop(worker):
                return worked
            # RQ's loop gives up on any error it did not expect - Redis going away under its
            # own bookkeeping (job failure handling, heartbeats) among them. The process must
            # outlive that; the run it held is safe (its lease lapses, the sweep recovers it).
            log.warning("the worker loop quit without being asked to; starting it again")
        except RedisError as e:  # gone, loading, out of memory, read-only after a failover...
            log.warning("Redis failed under the worker (%s: %s); starting again", type(e).__name__, e)
        if time.monotonic() - started > 60:
            delay = 0.5
        time.sleep(delay)
        delay = min(delay * 2, 10.0)
        name = None  # a fresh registration: the old one may still be in Redis

