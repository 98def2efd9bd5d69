"""RQ entry points. Their dotted paths are part of the wire format (jobs already queued in Redis
name them), so they stay put; each is a thin call into instance.Runtime.

    jactl_worker.jobs.drain_job(prefix, queue, token)
        run the queue's ready instances in batches until none is due (drain.py)
    jactl_worker.jobs.run_job(prefix, instance_id, run_seq)
        start or resume the instance; a stale run_seq (a duplicate or superseded job) does nothing
    jactl_worker.jobs.timeout_job(prefix, correlation_id, wait_seq)
        time out a wait if it is still waiting and its deadline has passed, then run the
        instance in this same job; if RQ's scheduler fired it early, re-arm it
"""

from __future__ import annotations

import os
import socket
import threading

from rq import get_current_job

from .config import Settings
from .dispatch import DRAIN_JOB
from .drain import drain
from .instance import Runtime
from .store import parse_claims

_runtimes: dict[tuple, Runtime] = {}
_lock = threading.Lock()
_settings: Settings | None = None
_worker_name: str | None = None


def configure(settings: Settings, worker_name: str) -> None:
    """Called by the worker process before it takes jobs (worker.py, embedded.py)."""
    global _settings, _worker_name
    _settings, _worker_name = settings, worker_name


def runtime_for(connection, prefix: str) -> Runtime:
    key = (id(connection), prefix, _settings, _worker_name)
    rt = _runtimes.get(key)
    if rt is None:
        with _lock:
            rt = _runtimes.get(key)
            if rt is None:
                settings = (_settings or Settings.from_env()).with_(prefix=prefix)
                name = _worker_name or f"{socket.gethostname()}.{os.getpid()}"
                rt = _runtimes[key] = Runtime(connection, settings, name)
    return rt


def _runtime(prefix: str) -> Runtime:
    return runtime_for(get_current_job().connection, prefix)


def run_job(prefix: str, instance_id: str, run_seq: int) -> str:
    return _runtime(prefix).run(instance_id, int(run_seq))


def drain_job(prefix: str, queue: str, token: str) -> str:
    job = get_current_job()
    return drain(runtime_for(job.connection, prefix), queue, token, _prefetched.pop(job.id, None))


# The first batch of a drain job, claimed in the same transaction as RQ's preparation of the
# job (worker.JactlWorker.prepare_job_execution): one round trip less between a reply and its
# run. Keyed by job id; taken by drain_job right after. If the job never gets that far (the
# process dies), the instances it claimed hold leases that lapse, and the sweep requeues
# them, as for any drainer killed mid-batch.
_prefetched: dict[str, list] = {}


def prefetch(job, pipeline):
    """Queue the first claim of a drain job on RQ's preparation ``pipeline``; returns a
    function to call with that command's reply (an exception object if it failed: the job
    then claims as usual), or None for any other job."""
    if job.func_name != DRAIN_JOB or len(job.args) != 3:
        return None
    prefix, queue, token = job.args
    rt = runtime_for(job.connection, prefix)
    rt.store.claim_next(queue, token, rt.worker_name, rt.settings.drain_batch, client=pipeline)

    def claimed(reply) -> None:
        _prefetched.clear()  # one job runs at a time in a worker process: never more than one
        if not isinstance(reply, Exception):
            _prefetched[job.id] = parse_claims(reply)
    return claimed


def timeout_job(prefix: str, correlation_id: str, wait_seq: int) -> str:
    return _runtime(prefix).timeout(correlation_id, int(wait_seq))


def shutdown() -> None:
    for rt in _runtimes.values():
        if rt.leases:
            rt.leases.stop()
    _runtimes.clear()
