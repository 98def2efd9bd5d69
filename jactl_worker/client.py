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
from contextlib import contextmanager

from redis import Redis

from . import codec
from .config import Settings
from .dispatch import Dispatcher
from .errors import Cancelled, InvalidMessage, ResultTimeout, ScriptFailed, UnknownInstance, WorkerError
from .host import Host
from .keys import STATES, script_hash
from .shards import UNREACHABLE, ShardUnavailable, Shards, parse_urls
from .store import Store, parse_create

INSTANCE_ID = re.compile(r"[A-Za-z0-9_.:@/+=-]{1,200}")
MAX_CORRELATION_ID = 200
_INT_FIELDS = ("created_at", "updated_at", "started_at", "ended_at", "timeout_at", "lease_until", "start_at")


class Client:
    """Producer API. ``connection`` is one Redis, or one per shard in the fleet's order
    (shards.py); with several, every call goes to the shard its id lives on."""

    def __init__(self, connection, prefix: str | None = None, *, settings: Settings | None = None):
        settings = settings or Settings.from_env()
        if prefix is not None:
            settings = settings.with_(prefix=prefix)
        conns = list(connection) if isinstance(connection, (list, tuple)) else [connection]
        self.settings = settings
        self.shards: Shards | None = None
        if len(conns) > 1:
            urls = list(settings.shard_urls) or parse_urls(settings.redis_url)
            if len(urls) != len(conns):
                urls = [f"shard {i}" for i in range(len(conns))]
            self.shards = Shards(urls, settings, conns)
        self._parts = [(Store(c, settings), Dispatcher(c, settings)) for c in conns]
        # shard 0 (the only one, unsharded): kept for callers that reach into one Redis
        self.redis = conns[0]
        self.store, self.dispatch = self._parts[0]
        self._host: Host | None = None

    @classmethod
    def from_url(cls, url: str, prefix: str = "jactl", **settings) -> "Client":
        """Connect to Redis at ``url`` (redis://, rediss:// for TLS, unix://); several URLs,
        comma-separated, are the shards of one fleet, in order."""
        s = Settings.from_env(redis_url=url, prefix=prefix, **settings)
        urls = parse_urls(url)
        if len(urls) > 1:
            return cls([Redis.from_url(u, socket_connect_timeout=2) for u in urls], settings=s)
        return cls(Redis.from_url(url), settings=s)

    # -- shards ----------------------------------------------------------------------------------
    @property
    def shard_count(self) -> int:
        return len(self._parts)

    def shard_of(self, name: str) -> int:
        """The shard an instance id or correlation id lives on (0 unsharded)."""
        return self.shards.index_of(name) if self.shards else 0

    def _store(self, name: str) -> tuple[int, Store]:
        i = self.shard_of(name)
        return i, self._parts[i][0]

    @contextmanager
    def _on(self, shard: int):
        """Calls to one shard's Redis: unreachable is ShardUnavailable (sharded fleets only;
        one Redis raises redis-py's errors as before)."""
        if self.shards is None:
            yield
            return
        try:
            yield
        except UNREACHABLE as e:
            raise self.shards.unavailable(shard, e) from e

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
        instance_id = self._check_id(instance_id or self.new_id())
        self._check_reply_to(reply_to)
        globals_json = self._globals_json(globals)
        h = script_hash(source)
        if check:
            self._compiler().compile(h, source)
        queue = queue or self.settings.queue
        i, store = self._store(instance_id)
        with self._on(i):
            created, _, token = store.create(instance_id, h, source, globals_json, queue, reply_to,
                                             start_at_ms=start_at_ms)
            if token:
                self._parts[i][1].enqueue_drain(queue, token)
        return instance_id

    def new_id(self) -> str:
        """A fresh instance id (sharded: marked with the next shard, round robin)."""
        base = uuid.uuid4().hex
        return self.shards.new_id(base) if self.shards else base

    def start_many(self, source: str, globals_list, *, instance_ids=None, reply_to: str | None = None,
                   queue: str | None = None, check: bool = True) -> list[str]:
        """Start one instance of ``source`` per globals dict in ``globals_list``; returns their
        ids in order. Like start() (an id that exists is left alone), but the source is stored
        once and the creates go in one pipeline, followed by one drain job per drainer token
        (at most max_drainers), so a thousand starts cost a few round trips. Everything is
        checked before anything is written."""
        globals_list = list(globals_list)
        if instance_ids is None:
            instance_ids = [self.new_id() for _ in globals_list]
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
        by_shard: dict[int, list[int]] = {}
        for n, iid in enumerate(instance_ids):
            by_shard.setdefault(self.shard_of(iid), []).append(n)
        failed = None
        for i, rows in sorted(by_shard.items()):  # one pipeline per shard; a dead one stops no other
            try:
                with self._on(i):
                    self._create_many(i, h, source, [(instance_ids[n], envs[n]) for n in rows], queue, reply_to)
            except WorkerError as e:
                failed = failed or e
        if failed is not None:
            raise failed
        return instance_ids

    def _create_many(self, shard: int, h: str, source: str, rows, queue: str, reply_to) -> None:
        store, dispatch = self._parts[shard]
        pipe = store.redis.pipeline(transaction=False)
        store.store_script(h, source, client=pipe)
        for iid, env in rows:
            store.create(iid, h, "", env, queue, reply_to, client=pipe)
        replies = store.execute(pipe)
        for r in replies:
            if isinstance(r, Exception):
                raise r
        tokens = [t for _, _, t in map(parse_create, replies[1:]) if t]
        if tokens:
            pipe = store.redis.pipeline(transaction=False)
            for token in tokens:
                dispatch.enqueue_drain(queue, token, pipeline=pipe)
            pipe.execute()

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
        i, store = self._store(correlation_id)
        with self._on(i):
            return store.add_inbox(correlation_id, text, message_id)

    # -- watching --------------------------------------------------------------------------------
    def status(self, instance_id: str) -> dict:
        """The instance's record: state, waiting_on, timeout_at, checkpoint_id, script (hash),
        result, error, runs, worker, queue, reply_to and timestamps (ms since the epoch)."""
        i, store = self._store(instance_id)
        with self._on(i):
            raw = store.instance(instance_id)
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
        if self.shards:
            status["shard"] = i
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

    def _every(self, read, down: list | None) -> list:
        """``read(shard, store)`` on every shard, in order. ``down``: None raises
        ShardUnavailable for a shard that cannot be reached; a list collects it there instead
        and the other shards' answers are returned."""
        out = []
        for i, (store, _) in enumerate(self._parts):
            try:
                with self._on(i):
                    out.append(read(i, store))
            except ShardUnavailable as e:
                if down is None:
                    raise
                down.append(e)
        return out

    def instances(self, state: str | None = None, limit: int | None = None, *, down: list | None = None) -> list[str]:
        """Instance ids, oldest first; ``state`` filters (queued, running, waiting, completed,
        failed, cancelled). ``down`` (sharded): see ``_every``."""
        if state is not None and state not in STATES:
            raise ValueError(f"unknown state {state!r}; one of {', '.join(STATES)}")
        if not self.shards:
            return self.store.instance_ids(state, limit)
        # every shard, merged by the index's score
        rows = [r for part in self._every(lambda i, store: store.instance_ids(state, limit, scores=True), down)
                for r in part]
        rows.sort(key=lambda r: r[1])
        return [iid for iid, _ in (rows if limit is None else rows[:limit])]

    def counts(self) -> dict[str, int]:
        """Instances per state, over every shard."""
        out = dict.fromkeys(STATES, 0)
        for i, (store, _) in enumerate(self._parts):
            with self._on(i):
                for s in STATES:
                    out[s] += store.count(s)
        return out

    def count(self, state: str | None = None) -> int:
        """Instances in ``state`` (None: all), over every shard: one command per shard."""
        n = 0
        for i, (store, _) in enumerate(self._parts):
            with self._on(i):
                n += store.count(state)
        return n

    def shard_counts(self) -> list[dict[str, int]]:
        """Instances per state on each shard, in shard order."""
        out = []
        for i, (store, _) in enumerate(self._parts):
            with self._on(i):
                out.append({s: store.count(s) for s in STATES})
        return out

    # -- control ---------------------------------------------------------------------------------
    def cancel(self, instance_id: str) -> bool:
        """Cancel an instance that has not ended; True if it was cancelled by this call."""
        i, store = self._store(instance_id)
        with self._on(i):
            cancelled, state = store.cancel(instance_id)
        if not cancelled and state is None:
            raise UnknownInstance(instance_id)
        return cancelled

    # -- messages scripts sent -------------------------------------------------------------------
    def read(self, to: str, after="0", count: int = 100, block_ms: int | None = None) -> list[dict]:
        """Messages sent to ``to`` (send(to, ...) and reply_to results), after entry id ``after``.
        Each is {"id", "from", "body"} (+ "state", "result"/"error" for reply_to results).
        Sharded: each shard has its own stream (a script sends on its instance's shard); every
        message carries its "shard", ``after`` may be a {shard: entry id} dict, and the
        messages of all shards come merged by time (``block_ms``: polled every 50 ms)."""
        if not self.shards:
            return self._read(self.store, to, after, count, block_ms)
        end = time.monotonic() + (block_ms or 0) / 1000
        while True:  # one Redis cannot block on another's stream: poll every shard instead
            out = []
            for i, (store, _) in enumerate(self._parts):
                start = after.get(i, after.get(str(i), "0")) if isinstance(after, dict) else after
                with self._on(i):
                    for msg in self._read(store, to, start, count, None):
                        msg["shard"] = i
                        out.append(msg)
            if out or time.monotonic() >= end:
                break
            time.sleep(min(0.05, max(0.0, end - time.monotonic())))
        out.sort(key=lambda m: tuple(int(x) for x in m["id"].split("-")))
        return out[:count]

    def _read(self, store: Store, to: str, after, count, block_ms) -> list[dict]:
        out = []
        for entry_id, fields in store.read_stream(store.keys.out(to), after, count, block_ms):
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
        i, store = self._store(instance_id)
        with self._on(i):
            if store.instance(instance_id) is None:
                raise UnknownInstance(instance_id)
            return store.output(instance_id)

    def notices(self, kind: str | None = None, count: int = 100, *, down: list | None = None) -> list[dict]:
        """Recent notices (newest last): replies that resumed nothing - buffered, late,
        duplicate - and rejected inbox messages (malformed, oversized, rejected). ``down``
        (sharded): see ``_every``."""
        n = count if kind is None else max(count, 1000)
        if not self.shards:
            rows = self.store.recent_notices(n)
        else:  # every shard's, merged by time, each with its "shard"
            rows = [dict(r, shard=i) for part in self._every(
                lambda i, store: [(i, r) for r in store.recent_notices(n)], down) for i, r in part]
            rows.sort(key=lambda r: (int(r.get("at") or 0), r["id"]))
        return [n for n in rows if kind is None or n.get("kind") == kind][-count:]

    def buffered(self, correlation_id: str) -> dict | None:
        """A reply waiting in the mailbox for a wait on ``correlation_id`` that has not begun."""
        i, store = self._store(correlation_id)
        with self._on(i):
            m = store.mailbox(correlation_id)
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
