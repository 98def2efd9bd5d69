"""``jactl-worker listen``: turns replies on the inbox stream into resume jobs.

The inbox ``{p}:inbox`` is a Redis Stream any producer can XADD to::

    XADD {p}:inbox * correlation_id <id> body <JSON text> [message_id <id>]

Listeners share the consumer group "listeners", so each message goes to one of them. For a
batch of messages a listener (1) runs deliver.lua for each - which resolves the wait on that
correlation id, buffers an early reply, or records a late/duplicate one - then (2) enqueues
the resume jobs and acknowledges the messages in one MULTI/EXEC, so a message is acknowledged
only together with its resume job. A listener that dies after (1) leaves its messages pending
in the group; another listener claims them with XAUTOCLAIM after ``claim_idle_ms`` and
delivers them again, and deliver.lua recognises a message that already resolved its wait and
asks for the resume job again (job ids are deterministic; the run job does nothing if its run
has already happened).

Malformed messages (no correlation_id, body not JSON, body too large) are recorded in the
notices stream and acknowledged: they never block the stream.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import time
import uuid

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .config import Settings
from .dispatch import Dispatcher
from .keys import LISTENER_GROUP
from .store import Store, parse_delivery

log = logging.getLogger("jactl_worker.listener")

BATCH = 100
BLOCK_MS = 1000
MAX_CORRELATION_ID = 200


def _fault(point: str) -> None:
    """Test hook: JACTL_FAULT=<point> makes this process die (SIGKILL) at that point."""
    if os.environ.get("JACTL_FAULT") == point:
        log.warning("fault injection: dying at %s", point)
        os.kill(os.getpid(), signal.SIGKILL)


class Listener:
    def __init__(self, connection: Redis, settings: Settings, name: str | None = None):
        self.redis = connection
        self.settings = settings
        self.store = Store(connection, settings)
        self.dispatch = Dispatcher(connection, settings)
        self.name = name or f"{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:6]}"
        self.stop_event = threading.Event()
        self.processed = 0
        self._last_claim = 0.0

    # -- the loop ------------------------------------------------------------------------------
    def run(self, max_messages: int | None = None) -> int:
        self.store.ensure_group()
        log.info("listener %s reading %s", self.name, self.store.keys.inbox)
        backoff = 0.5
        while not self.stop_event.is_set():
            try:
                self.step()
                backoff = 0.5
            except (RedisConnectionError, RedisTimeoutError):
                log.warning("Redis unreachable; retrying in %.1f s", backoff, exc_info=True)
                self.stop_event.wait(backoff)
                backoff = min(backoff * 2, 30)
            if max_messages is not None and self.processed >= max_messages:
                break
        return self.processed

    def stop(self, *_args) -> None:
        self.stop_event.set()

    def step(self, block_ms: int = BLOCK_MS) -> int:
        """Reclaim abandoned messages (now and then), then read and handle one batch."""
        n = 0
        now = time.monotonic()
        if now - self._last_claim >= max(self.settings.claim_idle_ms / 2000, 0.2):
            self._last_claim = now
            n += self.reclaim()
        r = self.redis.xreadgroup(LISTENER_GROUP, self.name, {self.store.keys.inbox: ">"}, count=BATCH, block=block_ms)
        if r:
            n += self.handle(r[0][1])
        return n

    def reclaim(self) -> int:
        """Take over messages other listeners read but never acknowledged."""
        start, n = "0-0", 0
        while True:
            r = self.redis.xautoclaim(
                self.store.keys.inbox, LISTENER_GROUP, self.name, self.settings.claim_idle_ms, start_id=start, count=BATCH
            )
            start, entries = r[0], r[1]
            entries = [e for e in entries if e is not None and e[1] is not None]
            if entries:
                log.info("reclaimed %d unacknowledged message(s)", len(entries))
                n += self.handle(entries)
            if start in (b"0-0", "0-0") or not r[1]:
                return n

    # -- one batch -------------------------------------------------------------------------------
    def handle(self, entries) -> int:
        keys = self.store.keys
        valid, bad = [], []
        for entry_id, fields in entries:
            entry_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
            problem, msg = self._parse(fields)
            if problem:
                bad.append((entry_id, problem, msg))
            else:
                corr, body, mid = msg
                valid.append((entry_id, corr, body, mid or entry_id))
        _fault("listener-after-read")

        pipe = self.redis.pipeline(transaction=False)
        for entry_id, corr, body, mid in valid:
            self.store.deliver(corr, body, mid, entry_id, client=pipe)
        results = [parse_delivery(r) for r in pipe.execute()] if valid else []
        _fault("listener-after-deliver")

        # Resume jobs and acknowledgements go in one transaction: a message is acknowledged
        # exactly when its resume job is on the queue.
        pipe = self.redis.pipeline(transaction=True)
        for (_, corr, _, mid), d in zip(valid, results):
            log.debug("message %s for %s: %s", mid, corr, d.outcome)
            if not d.needs_run:
                continue
            if d.outcome == "reenqueue" and self.dispatch.job_alive(keys.run_job_id(d.instance_id, d.run_seq)):
                continue  # the earlier delivery did enqueue it
            queue = d.queue or self.settings.queue
            self.dispatch.enqueue_run(queue, d.instance_id, d.run_seq, pipeline=pipe)
            if d.wait_seq is not None:
                self.dispatch.cancel_timeout(queue, corr, d.wait_seq, pipe)
        for entry_id, problem, msg in bad:
            corr, mid = msg
            log.warning("rejected inbox message %s: %s", entry_id, problem)
            self.store.notice(problem[0], corr, mid, problem[1], client=pipe)
        ids = [v[0] for v in valid] + [b[0] for b in bad]
        if ids:
            pipe.xack(keys.inbox, LISTENER_GROUP, *ids)
            pipe.execute()
        self.processed += len(ids)
        return len(ids)

    def _parse(self, fields):
        f = {(k.decode() if isinstance(k, bytes) else k): v for k, v in fields.items()}
        corr = f.get("correlation_id")
        mid = f.get("message_id")
        corr = corr.decode("utf-8", "replace") if isinstance(corr, bytes) else corr
        mid = mid.decode("utf-8", "replace") if isinstance(mid, bytes) else mid
        if not corr or len(corr) > MAX_CORRELATION_ID:
            return ("malformed", "missing or too long correlation_id"), (corr or "", mid or "")
        body = f.get("body")
        if body is None:
            return ("malformed", "missing body"), (corr, mid or "")
        if len(body) > self.settings.max_body_bytes:
            return ("oversized", f"body of {len(body)} bytes is over max_body_bytes ({self.settings.max_body_bytes})"), (corr, mid or "")
        try:
            text = body.decode("utf-8") if isinstance(body, bytes) else body
            json.loads(text)
        except (UnicodeDecodeError, ValueError) as e:
            return ("malformed", f"body is not JSON: {e}"), (corr, mid or "")
        return None, (corr, text, mid or "")
