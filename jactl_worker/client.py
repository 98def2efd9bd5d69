"""The producer API: start scripts, deliver replies, watch and control instances.

    from jactl_worker import Client
    client = Client.from_url("redis://localhost:6379/0")
    iid = client.start(source, {"orderId": 42}, reply_to="orders")
    client.deliver("payment-42", {"ok": True})
    client.result(iid, timeout=30)

Nothing here runs scripts: jobs are enqueued by dotted path for the workers, and replies go
through the inbox stream to the listeners.
"""

from __future__ import annotations

import datetime
import re
import time
import uuid

from redis import Redis

from . import codec
from .config import Settings
from .dispatch import Dispatcher
from .errors import Cancelled, InvalidMessage, ResultTimeout, ScriptFailed, UnknownInstance
from .host import Host
from .keys import STATES, script_hash
from .store import Store, parse_create

INSTANCE_ID = re.compile(r"[A-Za-z0-9_.:@/+=-]{1,200}")
MAX_CORRELATION_ID = 200
_INT_FIELDS = ("created_at", "updated_at", "started_at", "ended_at", "timeout_at", "lease_until", "start_at")


class Client:
    def __init__(self, connection: Redis, prefix: str | None = None, *, settings: Settings | None = None):
        settings = settings or Settings.from_env()
        if prefix is not None:
            settings = settings.with_(prefix=prefix)
        self.redis = connection
        self.settings = settings
        self.store = Store(connection, settings)
        self.dispatch = Dispatcher(connection, settings)
        self._host: Host | None = None

    @classmethod
    def from_url(cls, url: str, prefix: str = "jactl", **settings) -> "Client":
        """Connect to Redis at ``url`` (redis://, rediss:// for TLS, unix://)."""
        s = Settings.from_env(redis_url=url, prefix=prefix, **settings)
        return cls(Redis.from_url(url), settings=s)

    # -- starting --------------------------------------------------------------------------------
    def start(self, source: str, globals: dict | None = None, *, instance_id: str | None = None,
              reply_to: str | None = None, queue: str | None = None, check: bool = True,
              start_at=None, start_in=None) -> str:
        """Store ``source`` by hash, create the instance and enqueue it; returns its id.

        Starting an id that exists already does nothing and returns the id (one instance per
        id). With ``check`` the source is compiled first, so a syntax error raises
        lang.CompileError here instead of failing the instance later. ``start_at`` (a
        datetime; naive means local time) or ``start_in`` (seconds, or a timedelta) schedule
        the first run: the instance is queued at once and runs when that time comes.
        """
        start_at_ms = start_time_ms(start_at, start_in)
        instance_id = self._check_id(instance_id or uuid.uuid4().hex)
        self._check_reply_to(reply_to)
        globals_json = self._globals_json(globals)
        h = script_hash(source)
        if check:
            self._compiler().compile(h, source)
        queue = queue or self.settings.queue
        created, _, token = self.store.create(instance_id, h, source, globals_json, queue, reply_to,
                                              start_at_ms=start_at_ms)
        if token:
            self.dispatch.enqueue_drain(queue, token)
        return instance_id

    def start_many(self, source: str, globals_list, *, instance_ids=None, reply_to: str | None = None,
                   queue: str | None = None, check: bool = True) -> list[str]:
        """Start one instance of ``source`` per globals dict in ``globals_list``; returns their
        ids in order. Like start() (an id that exists is left alone), but the source is stored
        once and the creates go in one pipeline, followed by one drain job per drainer token
        (at most max_drainers), so a thousand starts cost a few round trips. Everything is
        checked before anything is written."""
        globals_list = list(globals_list)
        if instance_ids is None:
            instance_ids = [uuid.uuid4().hex for _ in globals_list]
        instance_ids = [self._check_id(i) for i in instance_ids]
        if len(instance_ids) != len(globals_list):
            raise ValueError("instance_ids and globals_list differ in length")
        self._check_reply_to(reply_to)
        envs = [self._globals_json(g) for g in globals_list]
        h = script_hash(source)
        if check:
            self._compiler().compile(h, source)
        queue = queue or self.settings.queue
        if not instance_ids:
            return []
        pipe = self.redis.pipeline(transaction=False)
        self.store.store_script(h, source, client=pipe)
        for iid, env in zip(instance_ids, envs):
            self.store.create(iid, h, "", env, queue, reply_to, client=pipe)
        replies = self.store.execute(pipe)
        for r in replies:
            if isinstance(r, Exception):
                raise r
        tokens = [t for _, _, t in map(parse_create, replies[1:]) if t]
        if tokens:
            pipe = self.redis.pipeline(transaction=False)
            for token in tokens:
                self.dispatch.enqueue_drain(queue, token, pipeline=pipe)
            pipe.execute()
        return instance_ids

    @staticmethod
    def _check_id(instance_id: str) -> str:
        if not isinstance(instance_id, str) or not INSTANCE_ID.fullmatch(instance_id):
            raise ValueError(f"invalid instance id {instance_id!r}: 1-200 of A-Z a-z 0-9 _ . : @ / + = -")
        return instance_id

    @staticmethod
    def _check_reply_to(reply_to) -> None:
        if reply_to is not None and (not reply_to or len(reply_to) > 200):
            raise ValueError("reply_to must be a non-empty name of at most 200 characters")

    def _globals_json(self, globals) -> str:
        env = {} if globals is None else globals
        if not isinstance(env, dict) or not all(isinstance(k, str) for k in env):
            raise InvalidMessage("globals must be a dict with string keys")
        globals_json = codec.dumps(env)
        # what a script will get: the same bounds as a reply body (depth, huge numbers)
        codec.loads(globals_json, max_depth=self.settings.max_json_depth,
                    max_number_digits=self.settings.max_json_number_digits)
        return globals_json

    def _compiler(self) -> Host:
        if self._host is None:
            self._host = Host(self.settings)
        return self._host

    # -- replies ---------------------------------------------------------------------------------
    def deliver(self, correlation_id: str, body=None, *, message_id: str | None = None) -> str:
        """Send a reply for ``correlation_id`` through the inbox stream (the same XADD any other
        language can do); returns the stream entry id."""
        if not isinstance(correlation_id, str) or not correlation_id or len(correlation_id) > MAX_CORRELATION_ID:
            raise InvalidMessage(f"correlation id must be a string of 1 to {MAX_CORRELATION_ID} characters")
        text = codec.dumps(body)
        if len(text.encode("utf-8")) > self.settings.max_body_bytes:
            raise InvalidMessage(f"body is larger than max_body_bytes ({self.settings.max_body_bytes})")
        return self.store.add_inbox(correlation_id, text, message_id)

    # -- watching --------------------------------------------------------------------------------
    def status(self, instance_id: str) -> dict:
        """The instance's record: state, waiting_on, timeout_at, checkpoint_id, script (hash),
        result, error, runs, worker, queue, reply_to and timestamps (ms since the epoch)."""
        raw = self.store.instance(instance_id)
        if raw is None:
            raise UnknownInstance(instance_id)
        status = {
            "instance_id": instance_id,
            "state": raw.get("state"),
            "script": raw.get("script"),
            "queue": raw.get("queue"),
            "reply_to": raw.get("reply_to") or None,
            "waiting_on": None,
            "wait_kind": None,
            "checkpoint_id": int(raw.get("checkpoint_id") or 0),
            "runs": int(raw.get("runs") or 0),
            "lapses": int(raw.get("lapses") or 0),
            "run_seq": int(raw.get("run_seq") or 0),
            "worker": raw.get("worker") or None,
            "result": codec.loads(raw["result"]) if raw.get("result") else None,
            "error": raw.get("error") or None,
        }
        for f in _INT_FIELDS:
            status[f] = int(raw[f]) if raw.get(f) else None
        if status["state"] == "waiting":
            status["waiting_on"] = raw.get("waiting_on") or None
            status["wait_kind"] = raw.get("wait_kind") or None
        else:
            status["timeout_at"] = None
        return status

    def result(self, instance_id: str, timeout: float | None = None, poll: float = 0.05):
        """Block until the instance ends; return its value, raise ScriptFailed or Cancelled."""
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = poll
        while True:
            st = self.status(instance_id)
            if st["state"] == "completed":
                return st["result"]
            if st["state"] == "failed":
                raise ScriptFailed(instance_id, st["error"])
            if st["state"] == "cancelled":
                raise Cancelled(instance_id)
            if deadline is not None and time.monotonic() >= deadline:
                raise ResultTimeout(f"instance {instance_id!r} is still {st['state']} after {timeout} s")
            time.sleep(delay if deadline is None else max(0.0, min(delay, deadline - time.monotonic())))
            delay = min(delay * 1.5, 1.0)

    def instances(self, state: str | None = None, limit: int | None = None) -> list[str]:
        """Instance ids, oldest first; ``state`` filters (queued, running, waiting, completed,
        failed, cancelled)."""
        if state is not None and state not in STATES:
            raise ValueError(f"unknown state {state!r}; one of {', '.join(STATES)}")
        return self.store.instance_ids(state, limit)

    def counts(self) -> dict[str, int]:
        return {s: self.store.count(s) for s in STATES}

    # -- control ---------------------------------------------------------------------------------
    def cancel(self, instance_id: str) -> bool:
        """Cancel an instance that has not ended; True if it was cancelled by this call."""
        cancelled, state = self.store.cancel(instance_id)
        if not cancelled and state is None:
            raise UnknownInstance(instance_id)
        return cancelled

    # -- messages scripts sent -------------------------------------------------------------------
    def read(self, to: str, after: str = "0", count: int = 100, block_ms: int | None = None) -> list[dict]:
        """Messages sent to ``to`` (send(to, ...) and reply_to results), after entry id ``after``.
        Each is {"id", "from", "body"} (+ "state", "result"/"error" for reply_to results)."""
        out = []
        for entry_id, fields in self.store.read_stream(self.store.keys.out(to), after, count, block_ms):
            msg = {"id": entry_id, "from": fields.get("from")}
            for f in ("body", "result"):
                if f in fields:
                    msg[f] = codec.loads(fields[f])
            for f in ("state", "error"):
                if f in fields:
                    msg[f] = fields[f]
            out.append(msg)
        return out

    def output(self, instance_id: str) -> str:
        """What the instance's script printed (print/println), oldest first."""
        if self.store.instance(instance_id) is None:
            raise UnknownInstance(instance_id)
        return self.store.output(instance_id)

    def notices(self, kind: str | None = None, count: int = 100) -> list[dict]:
        """Recent notices (newest last): replies that resumed nothing - buffered, late,
        duplicate - and rejected inbox messages (malformed, oversized, rejected)."""
        rows = self.store.recent_notices(count if kind is None else max(count, 1000))
        return [n for n in rows if kind is None or n.get("kind") == kind][-count:]

    def buffered(self, correlation_id: str) -> dict | None:
        """A reply waiting in the mailbox for a wait on ``correlation_id`` that has not begun."""
        m = self.store.mailbox(correlation_id)
        if m and "body" in m:
            m["body"] = codec.loads(m["body"])
        return m


def start_time_ms(start_at=None, start_in=None) -> int | None:
    """When a scheduled start may first run, ms since the epoch (None: now)."""
    if start_at is not None and start_in is not None:
        raise ValueError("give start_at or start_in, not both")
    if start_in is not None:
        seconds = start_in.total_seconds() if isinstance(start_in, datetime.timedelta) else float(start_in)
        if not 0 <= seconds <= 366 * 86400:
            raise ValueError(f"start_in must be 0 to 366 days, not {start_in!r}")
        return int(time.time() * 1000 + seconds * 1000)
    if start_at is not None:
        if not isinstance(start_at, datetime.datetime):
            raise ValueError(f"start_at must be a datetime, not {type(start_at).__name__}")
        return int(start_at.timestamp() * 1000)
    return None
