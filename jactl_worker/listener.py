"""``jactl-worker listen``: turns replies on the inbox stream into resume jobs.

The inbox ``{p}:inbox`` is a Redis Stream any producer can XADD to::

    XADD {p}:inbox * correlation_id <id> body <JSON text> [message_id <id>]

Listeners share the consumer group "listeners", so each message goes to one of them. For a
batch of messages a listener (1) runs deliver.lua for each - which resolves the wait on that
correlation id, buffers an early reply, or records a late/duplicate one - then (2) enqueues
the resume jobs, acknowledges the messages and deletes them from the stream in one
MULTI/EXEC, so a message is acknowledged only together with its resume job. A listener that
dies after (1) leaves its messages pending in the group; another listener claims them with
XAUTOCLAIM after ``claim_idle_ms`` and delivers them again, and deliver.lua recognises a
message that already resolved its wait and asks for the resume job again (job ids are
deterministic; the run job does nothing if its run has already happened).

One message never stops the others, nor the process:

* A message that cannot be a reply (no correlation_id, body missing, not UTF-8, not JSON,
  nested deeper than ``max_json_depth``, a number longer than ``max_json_number_digits``,
  larger than ``max_body_bytes``) is recorded in the notices stream (``malformed`` or
  ``oversized``) and acknowledged at once: retrying cannot make it valid.
* A message whose handling fails (deliver.lua errs, say, on a key of the wrong type) is left
  pending and retried when it is reclaimed. Once Redis has handed it out ``max_deliveries``
  times it is a ``dead-letter``: noticed, copied whole to ``{p}:dead-letters`` and
  acknowledged. Errors that say Redis itself is unwell (OOM, LOADING, READONLY, ...) never
  dead-letter a message; it waits for Redis to recover.
* The process only leaves on SIGTERM/SIGINT, after the batch in hand. Anything else is
  logged and retried with a capped backoff; a lost consumer group (Redis restarted without
  persistence, FLUSHALL) is created again.

Trimming: each handled message is XDEL-ed in the same MULTI as its XACK (one XACK and one XDEL
naming every message of the batch), so the inbox holds
only messages not yet handled, and entries a dead listener left pending stay until they are
reclaimed. (Trimming by MINID instead would let one long-pending entry hold back every later
one; XDEL costs one command in a transaction that is sent anyway.) A periodic MINID sweep
below every group's oldest pending and last delivered entry removes what was acknowledged
without being deleted - by an older listener, or by hand.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import BusyLoadingError, NoScriptError, OutOfMemoryError, ReadOnlyError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from . import codec, faults, heartbeat, metrics
from .config import Settings
from .dispatch import Dispatcher
from .errors import InvalidMessage
from .keys import LISTENER_GROUP
from .shards import UNREACHABLE, Shards, ShardUnavailable
from .store import Delivery, Store, parse_delivery

log = logging.getLogger("jactl_worker.listener")

BATCH = 100
BLOCK_MS = 1000
MAX_CORRELATION_ID = 200
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 10.0
LOGGED_BODY_PREFIX = 32  # bytes of a rejected body shown in a log line, never more

# Error replies that are about Redis, not about the message: the message is retried, never
# dead-lettered, however often it is handed out meanwhile. (redis-py raises some of them as
# their own classes, with the error code cut from the message.)
TRANSIENT_ERRORS = ("OOM", "BUSY", "LOADING", "READONLY", "MASTERDOWN", "TRYAGAIN", "NOREPLICAS",
                    "CLUSTERDOWN", "NOSCRIPT", "MISCONF")
TRANSIENT_CLASSES = (OutOfMemoryError, BusyLoadingError, ReadOnlyError, NoScriptError)
# Error replies that mean the stream or its group is gone (FLUSHALL, a restart without
# persistence, a deleted key): create the group again and go on.
GROUP_LOST = ("NOGROUP", "UNBLOCKED")


def _text(value: bytes | str | None) -> str | None:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _error_code(e: BaseException) -> str:
    return str(e).split(" ", 1)[0]


def _short(e: BaseException) -> str:
    return f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"


@dataclass
class _Message:
    """One inbox entry on its way through a batch."""

    entry_id: str
    fields: dict  # as read: bytes names and values
    corr: str = ""
    mid: str = ""
    body: str | None = None  # the JSON text, once it passed every check
    problem: tuple[str, str] | None = None  # (notice kind, detail): rejected for good
    delivery: Delivery | None = None
    hop: str | None = None  # sharded: forwarded to shard delivery.shard, as "home" or "route"
    failure: BaseException | None = None  # handling failed: left pending, maybe dead-lettered
    dead: int = 0  # delivery count when it is dead-lettered in this batch

    @property
    def message_id(self) -> str:
        return self.mid or self.entry_id

    def body_prefix(self) -> str:
        raw = self.fields.get(b"body", self.fields.get("body", b""))
        raw = raw if isinstance(raw, bytes) else str(raw).encode("utf-8", "replace")
        return repr(raw[:LOGGED_BODY_PREFIX]) + ("..." if len(raw) > LOGGED_BODY_PREFIX else "")


class Listener:
    def __init__(self, connection: Redis, settings: Settings, name: str | None = None):
        self.redis = connection
        self.settings = settings
        self.store = Store(connection, settings)
        self.dispatch = Dispatcher(connection, settings)
        # a sharded fleet (settings of one shard, shards.local_settings): replies are routed
        self.shards = Shards(list(settings.shard_urls), settings) if len(settings.shard_urls) > 1 else None
        self.name = name or f"{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:6]}"
        self.stop_event = threading.Event()
        self.processed = 0
        self._last_claim = 0.0
        self._last_beat = float("-inf")

    # -- the loop ------------------------------------------------------------------------------
    def run(self, max_messages: int | None = None) -> int:
        """Handle messages until stop() (SIGTERM/SIGINT) or ``max_messages``. Nothing else ends
        it: every error is logged and retried after a capped backoff."""
        log.info("listener %s reading %s", self.name, self.store.keys.inbox)
        failures = 0
        group_ready = False
        while not self.stop_event.is_set():
            try:
                if not group_ready:
                    self.store.ensure_group()
                    group_ready = True
                self.step()
                failures = 0
                self.beat()
            except ResponseError as e:
                failures += 1
                if _error_code(e) in GROUP_LOST:
                    log.warning("the inbox or its consumer group is gone (%s); creating it again", _short(e))
                    group_ready = False
                    if failures == 1:
                        continue  # at once; a second loss in a row backs off below
                else:
                    log.error("listener step failed: %s", _short(e), exc_info=True)
                self._back_off(failures)
            except (RedisConnectionError, RedisTimeoutError) as e:
                failures += 1
                log.warning("Redis unreachable (%s); retrying in %.1f s", _short(e), self._delay(failures))
                group_ready = False  # a Redis that comes back empty has no group
                self._back_off(failures)
            except Exception as e:  # noqa: BLE001 - a listener must outlive its bugs
                failures += 1
                log.exception("listener step failed (%s); retrying in %.1f s", _short(e), self._delay(failures))
                self._back_off(failures)
            if max_messages is not None and self.processed >= max_messages:
                break
        self._forget()
        log.info("listener %s stopped after %d message(s)", self.name, self.processed)
        return self.processed

    def beat(self) -> None:
        """Say this listener is alive (heartbeat.py), at most once per heartbeat.BEAT_S. Called
        between steps, never between a read and its replies' resume jobs. Idle, a read returns after
        BLOCK_MS, so an idle listener beats about once per read."""
        now = time.monotonic()
        if not heartbeat.due(self._last_beat, now):
            return
        self._last_beat = now  # a failed beat, too, is tried again (and logged) a BEAT_S later
        try:
            heartbeat.beat(self.redis, self.store.keys, self.name)
        except (RedisConnectionError, RedisTimeoutError):
            raise
        except Exception as e:  # noqa: BLE001 - a missed beat must not hold back replies
            log.warning("could not write the heartbeat of listener %s: %s", self.name, _short(e))

    def _forget(self) -> None:
        try:
            heartbeat.forget(self.redis, self.store.keys, self.name)
        except Exception as e:  # noqa: BLE001 - it is taken as gone after heartbeat.ALIVE_MS
            log.warning("could not remove the heartbeat of listener %s: %s", self.name, _short(e))

    @staticmethod
    def _delay(failures: int) -> float:
        return min(BACKOFF_FIRST_S * 2 ** max(failures - 1, 0), BACKOFF_MAX_S)

    def _back_off(self, failures: int) -> None:
        self.stop_event.wait(self._delay(failures))

    def stop(self, *_args) -> None:
        self.stop_event.set()

    def step(self, block_ms: int | None = BLOCK_MS) -> int:
        """Reclaim abandoned messages and trim the inbox (now and then), then read and handle
        one batch."""
        n = 0
        now = time.monotonic()
        if now - self._last_claim >= max(self.settings.claim_idle_ms / 2000, 0.2):
            self._last_claim = now
            n += self.reclaim()
            try:
                self.trim()
            except (RedisConnectionError, RedisTimeoutError):
                raise
            except Exception as e:  # noqa: BLE001 - housekeeping; reading replies matters more
                log.warning("could not trim %s: %s", self.store.keys.inbox, _short(e))
        r = self.redis.xreadgroup(LISTENER_GROUP, self.name, {self.store.keys.inbox: ">"}, count=BATCH, block=block_ms)
        if r:
            n += self.handle(r[0][1])
        return n

    def reclaim(self) -> int:
        """Take over messages other listeners read but never acknowledged (and this one's own
        that failed), each at most once per ``claim_idle_ms``."""
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

    def trim(self) -> int:
        """Remove entries every consumer group of the inbox is done with: older than each
        group's oldest pending entry and no later than its last delivered one. Handled
        messages are deleted as they are acknowledged; this catches the rest."""
        inbox = self.store.keys.inbox
        try:
            groups = self.redis.xinfo_groups(inbox)
        except ResponseError:  # no stream (yet): nothing to trim
            return 0
        floor = None
        for g in groups:
            last = _text(g["last-delivered-id"])
            ms, seq = (int(x) for x in last.split("-"))
            bound = (ms, seq + 1)
            oldest = _text(self.redis.xpending(inbox, _text(g["name"]))["min"]) if g["pending"] else None
            if oldest:
                bound = min(bound, tuple(int(x) for x in oldest.split("-")))
            floor = bound if floor is None else min(floor, bound)
        if floor is None or floor <= (0, 1):
            return 0
        removed = int(self.redis.xtrim(inbox, minid=f"{floor[0]}-{floor[1]}", approximate=False))
        if removed:
            log.info("trimmed %d handled message(s) from %s", removed, inbox)
        return removed

    # -- one batch -------------------------------------------------------------------------------
    def handle(self, entries) -> int:
        """Handle a batch; returns how many messages were acknowledged. No error of one message
        reaches another; errors of Redis as a whole (connection, EXECABORT) propagate, with
        every message still pending."""
        msgs = []
        for entry_id, fields in entries:
            if fields is None:  # deleted from the stream while pending: nothing to deliver
                continue
            m = _Message(_text(entry_id), fields)
            try:
                self._check(m)
            except Exception as e:  # noqa: BLE001 - a bug in the checks fails this message only
                m.failure = e
            msgs.append(m)
        faults.die_at("listener-after-read")

        self._deliver([m for m in msgs if m.problem is None and m.failure is None])
        faults.die_at("listener-after-deliver")
        self._settle_failures([m for m in msgs if m.failure is not None])

        # Resume jobs, notices, acknowledgements and deletions go in one transaction: a message
        # is acknowledged exactly when its resume job is on the queue.
        keys = self.store.keys
        pipe = self.redis.pipeline(transaction=True)
        pipe.multi()  # now, not at RQ's first enqueue: RQ refuses once other commands are queued
        spans = []
        for m in msgs:
            mark = len(pipe.command_stack)
            try:
                if m.failure is not None and not m.dead:
                    continue  # stays pending, retried when reclaimed
                self._conclude(m, pipe)
                spans.append((m, mark, len(pipe.command_stack)))
            except Exception as e:  # noqa: BLE001 - this message stays pending; the rest go on
                del pipe.command_stack[mark:]
                log.error("message %s for %r: could not queue its outcome (%s); left pending",
                          m.entry_id, m.corr, _short(e), exc_info=True)
        if spans:
            # one XACK and one XDEL for the batch, in the same transaction as the outcomes
            done = [m.entry_id for m, _, _ in spans]
            pipe.xack(keys.inbox, LISTENER_GROUP, *done)
            pipe.xdel(keys.inbox, *done)
            results = pipe.execute(raise_on_error=False)
            for r in results[-2:]:
                if isinstance(r, Exception):
                    log.error("acknowledging %d messages: %s", len(done), _short(r))
            for m, start, end in spans:
                errors = [r for r in results[start:end] if isinstance(r, Exception)]
                if errors:
                    # deliver.lua has queued the instance; if its run job was not enqueued the
                    # recovery sweep enqueues it after requeue_after_ms.
                    log.error("message %s for %r: %s", m.entry_id, m.corr, "; ".join(_short(e) for e in errors))
        self.processed += len(spans)
        return len(spans)

    def _check(self, m: _Message) -> None:
        """Decide whether the entry can be a reply at all; sets ``m.problem`` if not."""
        f = {(k.decode("utf-8", "replace") if isinstance(k, bytes) else k): v for k, v in m.fields.items()}
        mid = f.get("message_id")
        m.mid = _text(mid) or ""
        corr = f.get("correlation_id")
        try:
            corr = corr.decode("utf-8") if isinstance(corr, bytes) else corr
        except UnicodeDecodeError:
            m.corr = corr.decode("utf-8", "replace")[:MAX_CORRELATION_ID]
            m.problem = ("malformed", "correlation_id is not UTF-8")
            return
        m.corr = corr or ""
        if not corr or len(corr) > MAX_CORRELATION_ID:
            m.corr = m.corr[:MAX_CORRELATION_ID]
            m.problem = ("malformed", f"missing or too long correlation_id (1-{MAX_CORRELATION_ID} characters)")
            return
        body = f.get("body")
        if body is None:
            m.problem = ("malformed", "missing body")
            return
        size = len(body) if isinstance(body, bytes) else len(str(body).encode("utf-8"))
        if size > self.settings.max_body_bytes:
            m.problem = ("oversized", f"body of {size} bytes is over max_body_bytes ({self.settings.max_body_bytes})")
            return
        try:
            text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
            codec.loads(text, max_depth=self.settings.max_json_depth,
                        max_number_digits=self.settings.max_json_number_digits)
        except UnicodeDecodeError as e:
            m.problem = ("malformed", f"body is not UTF-8: {e.reason} at byte {e.start}")
            return
        except InvalidMessage as e:
            m.problem = ("malformed", f"body: {e}")
            return
        m.body = text

    def _deliver(self, valid: list[_Message]) -> None:
        """Run deliver.lua for each message, pipelined; an error reply fails that message only.
        On a sharded fleet, messages that belong to another shard are forwarded there."""
        if not valid:
            return
        routed = set()
        if self.shards is not None:
            here = []
            for m in valid:
                hop = _text(m.fields.get(b"jactl_forward", m.fields.get("jactl_forward")))
                home = self.shards.index_of(m.corr)
                if hop is None and home != self.settings.shard:
                    m.delivery = Delivery("forward", shard=home)  # sent to this shard by mistake
                    m.hop = "home"
                    continue
                if hop != "route":  # at its home: an instance of another shard may wait on it
                    routed.add(id(m))
                here.append(m)
            self._forward([m for m in valid if m.hop])
            valid = here
            if not valid:
                return
        pipe = self.redis.pipeline(transaction=False)
        for m in valid:
            self.store.deliver(m.corr, m.body, m.message_id, m.entry_id, client=pipe,
                               shard=self.settings.shard if id(m) in routed else None)
        for m, r in zip(valid, self.store.execute(pipe)):
            if isinstance(r, Exception):
                m.failure = r
                continue
            try:
                m.delivery = parse_delivery(r)
            except Exception as e:  # noqa: BLE001 - an unexpected reply fails this message only
                m.failure = e
            else:
                if m.delivery.outcome == "forward":
                    m.hop = "route"
        if self.shards is not None:
            self._forward([m for m in valid if m.hop == "route"])

    def _forward(self, msgs: list[_Message]) -> None:
        """Sharded fleets: put each message on the inbox of the shard it belongs to - its
        correlation id's home ("home": a producer sent it to the wrong shard), or the shard
        whose instance waits on it ("route", route.lua) - before it is acknowledged here. A
        listener that dies in between forwards it again when it is reclaimed; the copy has the
        same message_id, so the second one is recorded as a duplicate and resumes nothing. A
        shard that cannot be reached leaves its messages pending here (never dead-lettered)."""
        by_shard: dict[int, list[_Message]] = {}
        for m in msgs:
            by_shard.setdefault(m.delivery.shard, []).append(m)
        for shard, group in by_shard.items():
            conn = self.shards.connection(shard)
            inbox = self.store.keys.inbox
            pipe = conn.pipeline(transaction=False)
            for m in group:
                pipe.xadd(inbox, {"correlation_id": m.corr, "body": m.body, "message_id": m.message_id,
                                  "jactl_forward": m.hop, "jactl_from": f"{self.settings.shard}/{m.entry_id}"})
            try:
                replies = pipe.execute(raise_on_error=False)
            except UNREACHABLE as e:
                error = self.shards.unavailable(shard, e)
                for m in group:
                    m.failure = error
                continue
            for m, r in zip(group, replies):
                if isinstance(r, Exception):
                    m.failure = r
                else:
                    log.debug("message %s for %r forwarded to shard %d (%s)", m.entry_id, m.corr, shard, m.hop)

    def _settle_failures(self, failed: list[_Message]) -> None:
        """Mark the failed messages Redis has handed out max_deliveries times as dead."""
        if not failed:
            return
        pipe = self.redis.pipeline(transaction=False)
        for m in failed:
            pipe.xpending_range(self.store.keys.inbox, LISTENER_GROUP, min=m.entry_id, max=m.entry_id, count=1)
        counts = pipe.execute(raise_on_error=False)
        limit = self.settings.max_deliveries
        for m, rows in zip(failed, counts):
            n = rows[0]["times_delivered"] if isinstance(rows, list) and rows else 1
            transient = isinstance(m.failure, TRANSIENT_CLASSES + (ShardUnavailable,)) or (
                isinstance(m.failure, ResponseError) and _error_code(m.failure) in TRANSIENT_ERRORS)
            if n >= limit and not transient:
                m.dead = n
                log.error("dead-letter: message %s for %r failed %d time(s), last: %s; body starts %s",
                          m.entry_id, m.corr, n, _short(m.failure), m.body_prefix())
            else:
                log.warning("message %s for %r failed (delivery %d of %d%s): %s; left pending, retried "
                            "in %d ms", m.entry_id, m.corr, n, limit, ", Redis trouble" if transient else "",
                            _short(m.failure), self.settings.claim_idle_ms)

    def _conclude(self, m: _Message, pipe) -> None:
        """Queue what handling ``m`` leads to: a resume job, a notice, a dead letter."""
        if m.problem is not None:
            kind, detail = m.problem
            metrics.reply_handled(kind)
            log.warning("rejected inbox message %s for %r (%s): %s; body starts %s",
                        m.entry_id, m.corr, kind, detail, m.body_prefix())
            self.store.notice(kind, m.corr, m.mid, detail, client=pipe)
            return
        if m.dead:
            reason = f"handling failed {m.dead} time(s), last: {_short(m.failure)}"
            self.store.notice("dead-letter", m.corr, m.mid, reason, client=pipe)
            self.store.dead_letter(m.entry_id, m.fields, reason, m.dead, client=pipe)
            metrics.reply_handled("dead-letter")
            return
        d = m.delivery
        metrics.reply_handled(d.outcome)
        log.debug("message %s for %s: %s", m.message_id, m.corr, d.outcome)
        if not d.needs_run:
            return
        # the instance is in its queue's ready set (deliver.lua); a token means the queue needs
        # one more drainer ("reenqueue": the earlier delivery's listener died, maybe before
        # it enqueued the drain job - and if not, the spare drainer finds nothing and exits)
        if d.token:
            self.dispatch.enqueue_drain(d.queue or self.settings.queue, d.token, pipeline=pipe)
