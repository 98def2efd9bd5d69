"""Settings of a fleet, read from the environment (``JACTL_*``) or given explicitly.

Every process of a fleet (workers, listeners, producers) must agree on ``prefix``; the
other settings tune one process. Durations are in milliseconds unless the name says
otherwise. The Redis URL may be ``redis://``, ``rediss://`` (TLS) or ``unix://`` and may
carry credentials (``redis://user:password@host:6379/0``); with no URL the CLI's ``demo`` and
``run`` commands fall back to an in-process fakeredis (see embedded.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace

PREFIX_PATTERN = re.compile(r"[A-Za-z0-9_.:{}-]{1,64}")
# Python's json parser recurses once per nesting level and the recursion limit is 1000 frames
# in all, shared with whoever calls it: no JSON deeper than this is ever parsed (codec.py).
JSON_DEPTH_CEILING = 500


def _env_int(name: str, default: int | None) -> int | None:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return int(raw)


@dataclass(frozen=True)
class Settings:
    """One process's view of the fleet.

    Attributes:
        redis_url: where Redis is; None means "not configured" (embedded fakeredis for demo/run).
        prefix: every key this package writes starts with ``{prefix}:`` (keys.py lists them).
        queue: default RQ queue for new instances.
        lease_ms: how long a running instance stays owned by its worker without a heartbeat;
            a killed worker's instance is taken over after about lease_ms + reap_interval_ms.
        reap_interval_ms: how often a worker looks for lapsed leases, lost jobs, overdue waits.
        requeue_after_ms: an instance queued this long whose RQ job is gone is enqueued again.
        timeout_grace_ms: a wait this far past its deadline is timed out by the reaper even if
            RQ's scheduler never fired its timeout job (e.g. the scheduler's worker was killed).
        mailbox_ttl_s: how long a reply that arrived before anyone waits on it is kept.
        wait_record_ttl_s: how long a resolved wait is remembered, so later replies to it are
            recorded as late or duplicate instead of being buffered for a later wait.
        ended_ttl_s: how long completed/failed/cancelled instances are kept (None: forever).
        max_body_bytes: largest message body accepted (inbox replies and send()).
        max_checkpoint_bytes: largest continuation the worker stores.
        inline_sleep_ms: sleep(ms) up to this long runs inside the job; longer sleeps park.
        job_timeout_s: RQ's timeout for one job (one run of a script between parks).
        max_execution_ms: running-time budget of a script instance handed to lang (time
            parked is not counted; the time used travels with its checkpoints); 0 or None:
            unlimited. The default stops a runaway loop from holding a worker forever.
        claim_idle_ms: a listener takes over inbox messages another listener read this long ago
            without acknowledging them (it died or hung).
        notice_maxlen: approximate cap of the notices stream (late/duplicate/rejected messages).
        max_attempts: runs of one restart point that may be lost (lease lapsed: the worker died,
            hung, was OOM-killed; or the run job vanished) before the instance fails with
            "run lost its lease N times; last worker ...". Park and checkpoint reset the count.
        retry_backoff_ms: a lost run is retried after retry_backoff_ms * 4**(lost - 1).
        history_maxlen: approximate cap of each instance's history stream ({p}:history:{id}).
        max_wait_ms: longest timeout of a receive() and longest sleep(); longer ones fail the
            script before anything is written.
        max_output_bytes: what a script prints in one run segment is kept up to this size in
            {p}:output:{id} (never on the worker's stdout).
        max_memory_mb: address-space limit (RLIMIT_AS) of a worker process; 0 = none. A script
            that runs out of it fails its instance with a clear error; the worker goes on.
        allow_eval: let scripts call eval() on source text (off: only the pinned source runs).
        max_value_bytes: largest value one builtin or operator may build (strings, lists,
            arrays, JSON text...), checked before it is built; handed to lang.
        max_loop_iterations: bound on a script's work units (loop iterations, calls, elements
            builtins visit), across runs; None = none. max_call_depth: Jactl call depth.
        watchdog_grace_ms: a run still inside one call this long past its running-time budget
            (max_execution_ms, or job_timeout_s) is failed and its worker process killed by the
            worker's watchdog process (watchdog.py).
        hmac_key: if set, checkpoints are signed and verified with it.
        max_json_depth: a reply body nesting arrays/objects deeper than this is rejected as
            malformed (at most JSON_DEPTH_CEILING).
        max_json_number_digits: a reply body holding a number longer than this when written
            out without an exponent (``1e400`` is 401 digits) is rejected as malformed; it
            covers every double and long with room to spare, and keeps a 20-byte body from
            becoming a number that takes minutes to compute with.
        max_deliveries: a listener that fails to handle an inbox message this many times
            (Redis' delivery count) records it as a ``dead-letter`` notice and acknowledges it.
        dead_letter_maxlen: approximate cap of ``{p}:dead-letters``, where dead-lettered
            messages are kept whole for an operator to inspect or replay.
        max_drainers: most drain jobs that run a queue's ready instances at once (drain.py);
            about the number of worker processes serving the queue.
        drain_batch: ready instances a drainer claims in one step.
        drain_slice_ms: a drainer hands over to a successor job after this long, so one RQ
            job never holds a worker for ever and other queues get their turn.
        timer_interval_ms: how often a worker (one at a time) times out due waits and wakes
            queues whose ready instances have no drainer.
        shard: the shard this process serves (``JACTL_SHARD``; shards.py), when
            ``redis_url`` names several Redis primaries (comma-separated).
        shard_urls: every shard's URL, in order, in a process serving one shard (set by
            shards.local_settings; ``redis_url`` is then that shard's own). Empty: unsharded.
    """

    redis_url: str | None = None
    prefix: str = "jactl"
    queue: str = "jactl"
    lease_ms: int = 15_000
    reap_interval_ms: int = 5_000
    requeue_after_ms: int = 60_000
    timeout_grace_ms: int = 5_000
    mailbox_ttl_s: int = 86_400
    wait_record_ttl_s: int = 7 * 86_400
    ended_ttl_s: int | None = None
    max_body_bytes: int = 1 << 20
    max_checkpoint_bytes: int = 16 << 20
    inline_sleep_ms: int = 1_000
    job_timeout_s: int = 600
    max_execution_ms: int | None = 300_000
    claim_idle_ms: int = 30_000
    notice_maxlen: int = 10_000
    max_attempts: int = 3
    retry_backoff_ms: int = 1_000
    max_wait_ms: int = 366 * 86_400_000
    max_output_bytes: int = 64 * 1024
    max_memory_mb: int = 0
    allow_eval: bool = False
    max_value_bytes: int = 64 << 20
    max_loop_iterations: int | None = None
    max_call_depth: int | None = None
    watchdog_grace_ms: int = 10_000
    hmac_key: str | None = field(default=None, repr=False)
    max_json_depth: int = 100
    max_json_number_digits: int = 1_000
    max_deliveries: int = 5
    dead_letter_maxlen: int = 1_000
    max_drainers: int = 4
    drain_batch: int = 32
    drain_slice_ms: int = 2_000
    timer_interval_ms: int = 100
    history_maxlen: int = 200
    shard: int = 0
    shard_urls: tuple[str, ...] = ()

    def __post_init__(self):
        if not PREFIX_PATTERN.fullmatch(self.prefix):
            raise ValueError(f"invalid key prefix {self.prefix!r}: use 1-64 of A-Z a-z 0-9 _ . : {{ }} -")
        if not 1 <= self.max_json_depth <= JSON_DEPTH_CEILING:
            raise ValueError(f"max_json_depth must be 1..{JSON_DEPTH_CEILING}, not {self.max_json_depth}")
        if self.max_drainers < 1 or self.drain_batch < 1:
            raise ValueError("max_drainers and drain_batch must be at least 1")
        if self.max_deliveries < 1:
            raise ValueError(f"max_deliveries must be at least 1, not {self.max_deliveries}")

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Settings from ``JACTL_*`` environment variables; keyword arguments win."""
        env = os.environ
        values = dict(
            redis_url=env.get("JACTL_REDIS_URL") or None,
            prefix=env.get("JACTL_PREFIX") or cls.prefix,
            queue=env.get("JACTL_QUEUE") or cls.queue,
            hmac_key=env.get("JACTL_HMAC_KEY") or None,
        )
        for f in fields(cls):
            if f.name in values:
                continue
            default = f.default
            if f.type in ("int", "int | None"):
                values[f.name] = _env_int("JACTL_" + f.name.upper(), default)
            elif f.type == "bool":
                raw = env.get("JACTL_" + f.name.upper(), "")
                values[f.name] = default if raw == "" else raw.lower() in ("1", "true", "yes", "on")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)
