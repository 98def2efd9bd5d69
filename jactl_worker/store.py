"""jactl_worker's records in Redis: one method per state transition, plus the reads.

Every transition that reads or writes more than one key is one Lua script (lua/*.lua, one per
file, each with a KEYS/ARGV header); they are loaded once per connection. Plain reads (status,
listings, streams) are ordinary commands. Only the listener touches the inbox stream besides
(it consumes it with its consumer group), and RQ's own keys are left to RQ (dispatch.py).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from importlib import resources

from redis import Redis
from redis.exceptions import NoScriptError

from .config import Settings
from .keys import ENDED, LISTENER_GROUP, STATES, Keys
from .keys import script_hash as keys_script_hash

_LIB = "_lib.lua"
MAX_CACHED_SOURCES = 512
OUTPUT_MAXLEN = 1000


def _load_lua() -> dict[str, str]:
    files = resources.files(__package__).joinpath("lua")
    lib = files.joinpath(_LIB).read_text()
    sources = {}
    for entry in files.iterdir():
        name = entry.name
        if name.endswith(".lua") and name != _LIB:
            sources[name[:-4]] = lib + "\n" + entry.read_text()
    return sources


LUA_SOURCES = _load_lua()


def _s(value) -> str:
    if value is None or value is False:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


@dataclass
class Claim:
    """What a run job learns when it takes an instance (claim.lua)."""

    instance_id: str
    run_seq: int
    script_hash: str
    globals_json: str
    point: str  # start | wait | checkpoint
    checkpoint_id: int
    reply_to: str
    continuation: bytes | None
    value_json: str | None  # the resolved wait's value (point == "wait")
    wait_kind: str
    queue: str
    sequence: int | None = None  # checkpoint sequence of ``continuation`` (None: not recorded)


class ScriptMismatch(Exception):
    """The source stored under a script hash does not hash to it."""

    def __init__(self, script_hash: str):
        super().__init__(f"the source stored under script {script_hash} does not match its hash; refusing to run it")


@dataclass
class Requeue:
    """What requeue.lua did with a lost run."""

    run_seq: int | None = None
    queue: str | None = None
    lost: int = 0                 # runs of this restart point lost so far
    failed: str | None = None     # set instead when the instance failed (too many lost runs)
    token: str | None = None      # a drainer token: enqueue a drain job with it


@dataclass
class Delivery:
    """What deliver.lua decided about one reply."""

    outcome: str  # resolved | reenqueue | buffered | duplicate | late | rejected | forward
    instance_id: str | None = None
    run_seq: int | None = None
    queue: str | None = None
    wait_seq: int | None = None  # set when a wait with a deadline was resolved (its timeout job can go)
    token: str | None = None  # a drainer token: enqueue a drain job with it
    shard: int | None = None  # "forward": the shard whose instance waits on the id

    @property
    def needs_run(self) -> bool:
        return self.outcome in ("resolved", "reenqueue")


class Store:
    """jactl_worker's data in one Redis, under ``settings.prefix``."""

    def __init__(self, connection: Redis, settings: Settings):
        self.redis = connection
        self.settings = settings
        self.keys = Keys(settings.prefix)
        # the drainer bounds are constants of the scripts (every process of a fleet has the same)
        head = (f"local MAX_DRAINERS = {int(settings.max_drainers)}\n"
                f"local DRAINER_TTL_MS = {int(settings.lease_ms)}\n"
                f"local HISTORY_MAXLEN = {int(settings.history_maxlen)}\n")
        self._lua = {name: connection.register_script(head + src) for name, src in LUA_SOURCES.items()}
        self._scripts: dict[str, str] = {}

    # -- helpers ---------------------------------------------------------------------------
    def _run(self, name: str, keys: list[str], args: list, client=None):
        if client is not None and client is not self.redis:
            # a pipeline: a bare EVALSHA, so the pipeline costs one round trip (redis-py's
            # Script would ask SCRIPT EXISTS first); execute() loads scripts on NOSCRIPT
            script = self._lua[name]
            return client.evalsha(script.sha, len(keys), *keys, self.settings.prefix, *args)
        return self._lua[name](keys=keys, args=[self.settings.prefix, *args], client=client)

    def execute(self, pipe) -> list:
        """Send a pipeline of this store's transitions (queued with ``client=pipe``) and return
        every reply, errors as exception objects. If Redis has lost the scripts (restarted,
        SCRIPT FLUSH), the calls that failed with NOSCRIPT ran nothing: the scripts are loaded
        and those calls sent again, in their order."""
        stack = [(args, options) for args, options in pipe.command_stack]
        results = pipe.execute(raise_on_error=False)
        again = [i for i, r in enumerate(results) if isinstance(r, NoScriptError)]
        if again:
            for script in self._lua.values():
                self.redis.script_load(script.script)
            retry = self.redis.pipeline(transaction=False)
            for i in again:
                args, options = stack[i]
                retry.execute_command(*args, **options)
            for i, r in zip(again, retry.execute(raise_on_error=False)):
                results[i] = r
        return results

    @property
    def _ended_ttl(self) -> str:
        return "" if self.settings.ended_ttl_s is None else str(self.settings.ended_ttl_s)

    # -- instance lifecycle -----------------------------------------------------------------
    def create(self, instance_id, script_hash, source, globals_json, queue, reply_to,
               client=None, start_at_ms: int | None = None) -> tuple[bool, str, str | None]:
        """Create a queued (ready) instance. Returns (True, run_seq, drainer token or None) or
        (False, existing state, None). ``source`` "" leaves the stored source alone (the caller
        stored it); with ``client`` (a pipeline) the call is queued and parse_create() reads
        its reply. ``start_at_ms``: not before then (a scheduled start; no token until due)."""
        k = self.keys
        r = self._run(
            "create",
            [k.instance(instance_id), k.script(script_hash)],
            [instance_id, script_hash, source, globals_json, queue, reply_to or "",
             "" if start_at_ms is None else int(start_at_ms)],
            client=client,
        )
        return r if client is not None else parse_create(r)

    def store_script(self, script_hash: str, source: str, client=None) -> None:
        (client or self.redis).set(self.keys.script(script_hash), source)

    # -- ready sets and drainers (drain.py) ----------------------------------------------------
    def claim_next(self, queue: str, token: str, worker: str, batch: int, client=None) -> list[Claim]:
        """Claim up to ``batch`` ready instances of ``queue`` for this drainer. With ``client``
        (a pipeline) the call is queued and parse_claims() reads its reply."""
        k = self.keys
        rows = self._run("claim_next", [k.ready(queue), k.drainers(queue)],
                         [token, worker, self.settings.lease_ms, batch], client=client)
        return rows if client is not None else parse_claims(rows)

    def drain_exit(self, queue: str, token: str) -> str | None:
        """The drainer holding ``token`` stops; a token for its successor if ready ids remain."""
        k = self.keys
        return _s(self._run("drain_exit", [k.ready(queue), k.drainers(queue)], [token])) or None

    def wake(self, queue: str, client=None):
        """A drainer token if ``queue`` has due ready ids and room for one more drainer."""
        k = self.keys
        r = self._run("wake", [k.ready(queue), k.drainers(queue)], [], client=client)
        return r if client is not None else (_s(r) or None)

    def claim(self, instance_id: str, run_seq: int, worker: str) -> Claim | str:
        """Take a queued instance for run ``run_seq``; a str result says why the job is stale."""
        k = self.keys
        r = self._run("claim", [k.instance(instance_id), k.point(instance_id)],
                      [instance_id, run_seq, worker, self.settings.lease_ms])
        if r[0] == 0:
            return _s(r[1])
        return _claim(instance_id, int(run_seq), r[1:])

    def renew(self, instance_id: str, run_seq: int) -> bool:
        return bool(self._run("renew", [self.keys.instance(instance_id)], [instance_id, run_seq, self.settings.lease_ms]))

    def save_checkpoint(self, instance_id: str, run_seq: int, checkpoint_id: int, data: bytes,
                        sequence: int | None = None, client=None):
        """True if persisted, False if fenced off. With ``client`` (a pipeline) the call is
        queued (its reply: 1 or 0)."""
        k = self.keys
        r = self._run(
            "checkpoint",
            [k.instance(instance_id), k.point(instance_id)],
            [instance_id, run_seq, checkpoint_id, data, self.settings.lease_ms,
             "" if sequence is None else sequence],
            client=client,
        )
        return r if client is not None else bool(r)

    def park(self, instance_id, run_seq, corr, kind, deadline_ms, timeout_value_json, data,
             sequence: int | None = None, client=None, home: bool = False) -> tuple:
        """Returns ("fenced",) | ("busy", other_instance) | ("settling", previous_instance)
        | ("parked", wait_seq) | ("resolved", value_json, resolution). With ``client`` (a
        pipeline) the call is queued and parse_park() reads its reply. ``home``: a sharded
        fleet's wait on an id whose home is this shard (drops a route to another, park.lua)."""
        if isinstance(corr, (list, tuple)):  # receiveAny / receiveAll: the ids waited on together
            return self.park_many(instance_id, run_seq, corr, kind, deadline_ms, data, sequence, client=client)
        k = self.keys
        keys = [k.instance(instance_id), k.wait(corr), k.mailbox(corr), k.point(instance_id)]
        if home:
            keys.append(k.route(corr))
        r = self._run(
            "park",
            keys,
            [
                instance_id, run_seq, corr, kind, "" if deadline_ms is None else int(deadline_ms),
                timeout_value_json, data, self.settings.lease_ms, self.settings.wait_record_ttl_s,
                "" if sequence is None else sequence,
            ],
            client=client,
        )
        return r if client is not None else parse_park(r)

    def park_many(self, instance_id, run_seq, ids, kind, deadline_ms, data, sequence: int | None = None,
                  client=None) -> tuple:
        """Wait on several correlation ids at once (``kind`` receiveAny | receiveAll,
        park_many.lua). Same results as park()."""
        k = self.keys
        keys = [k.instance(instance_id), k.point(instance_id)]
        args = [instance_id, run_seq, kind, "" if deadline_ms is None else int(deadline_ms), data,
                self.settings.lease_ms, self.settings.wait_record_ttl_s, "" if sequence is None else sequence,
                len(ids)]
        for corr in ids:
            keys += [k.wait(corr), k.mailbox(corr)]
            args += [corr, json.dumps(corr)]
        r = self._run("park_many", keys, args, client=client)
        return r if client is not None else parse_park(r)

    def finish(self, instance_id: str, run_seq: int, outcome: str, payload: str, client=None):
        """True if recorded, False if fenced off; with ``client`` (a pipeline) queued."""
        r = self._run(
            "finish",
            [self.keys.instance(instance_id)],
            [instance_id, run_seq, outcome, payload, self._ended_ttl, int(time.time() * 1000)],
            client=client,
        )
        return r if client is not None else bool(r)

    def cancel(self, instance_id: str) -> tuple[bool, str | None]:
        r = self._run("cancel", [self.keys.instance(instance_id)], [instance_id, self.settings.wait_record_ttl_s, self._ended_ttl])
        return bool(r[0]), (_s(r[1]) or None)

    def send(self, instance_id: str, run_seq: int, to: str, body_json: str) -> str | None:
        k = self.keys
        r = self._run("send", [k.instance(instance_id), k.out(to)], [instance_id, run_seq, body_json])
        return _s(r) or None

    def requeue(self, instance_id: str, mode: str, run_seq: int | str = "") -> "Requeue | None":
        """Recover a lost run (mode "lease": its lease lapsed; "pending": its job vanished).
        None if there was nothing to do; else a Requeue (requeued, or failed after too many
        lost runs)."""
        r = self._run("requeue", [self.keys.instance(instance_id)],
                      [instance_id, mode, run_seq, self.settings.max_attempts, self._ended_ttl,
                       self.settings.retry_backoff_ms])
        if r[0] == 0:
            return None
        if r[0] == 2:
            return Requeue(failed=_s(r[1]))
        return Requeue(run_seq=int(r[1]), queue=_s(r[2]), lost=int(r[3]), token=_s(r[4]) or None)

    def append_output(self, instance_id: str, text: str, client=None) -> None:
        """Keep what a run printed (one entry per run segment, the newest ~1000 kept)."""
        (client or self.redis).xadd(self.keys.output(instance_id), {"text": text}, maxlen=OUTPUT_MAXLEN, approximate=True)

    def output(self, instance_id: str) -> str:
        return "".join(_s(f.get(b"text", b"")) for _, f in self.redis.xrange(self.keys.output(instance_id)))

    # -- correlation ------------------------------------------------------------------------
    def deliver(self, corr: str, body_json: str, message_id: str, entry_id: str = "", client=None,
                shard: int | None = None):
        """Resolve the wait on ``corr`` with a reply (or buffer it). With ``client`` (a
        pipeline) the call is queued and parse_delivery() reads its result. ``shard``: this
        shard's index on a sharded fleet, for a reply at its home shard (deliver.lua answers
        "forward" when an instance of another shard waits on the id)."""
        k = self.keys
        keys = [k.wait(corr), k.mailbox(corr)]
        args = [corr, body_json, message_id, self.settings.mailbox_ttl_s, self.settings.notice_maxlen, entry_id,
                self.settings.wait_record_ttl_s]
        if shard is not None:
            keys.append(k.route(corr))
            args.append(shard)
        r = self._run("deliver", keys, args, client=client)
        return r if client is not None else parse_delivery(r)

    def route(self, corr: str, shard: int, instance_id: str, ttl_s: int, client=None):
        """Register that ``instance_id`` of shard ``shard`` waits on ``corr``, whose home is
        this shard (route.lua). Returns ("routed", moved a buffered reply) | ("busy", instance
        of this shard waiting on it); with ``client`` (a pipeline) queued, parse_route()."""
        k = self.keys
        r = self._run("route", [k.route(corr), k.mailbox(corr), k.wait(corr), k.inbox],
                      [corr, shard, instance_id, max(1, int(ttl_s))], client=client)
        return r if client is not None else parse_route(r)

    def timeout(self, corr: str, wait_seq: int | str = "", client=None):
        """Returns ("stale", reason) | ("early", deadline_ms, queue)
        | ("resolved", instance, run_seq, queue, drainer token or None). ``wait_seq`` "": the
        current wait (the timer's due deadline). With ``client`` (a pipeline) the call is
        queued and parse_timeout() reads its reply."""
        r = self._run("timeout", [self.keys.wait(corr)], [corr, wait_seq, self.settings.wait_record_ttl_s],
                      client=client)
        return r if client is not None else parse_timeout(r)

    # -- reads ------------------------------------------------------------------------------
    def script_source(self, script_hash: str) -> str | None:
        """The source stored under ``script_hash``; None if there is none. Raises
        ScriptMismatch if the stored text does not hash to its key (planted or damaged):
        an instance runs exactly the source it was started with, or nothing."""
        source = self._scripts.get(script_hash)
        if source is None:
            raw = self.redis.get(self.keys.script(script_hash))
            if raw is None:
                return None
            try:
                source = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            except UnicodeDecodeError:
                raise ScriptMismatch(script_hash) from None
            if keys_script_hash(source) != script_hash:
                raise ScriptMismatch(script_hash)
            if len(self._scripts) >= MAX_CACHED_SOURCES:
                self._scripts.pop(next(iter(self._scripts)))
            self._scripts[script_hash] = source
        return source

    def point(self, instance_id: str) -> dict | None:
        """The instance's restart point record (continuation bytes kept as bytes)."""
        raw = self.redis.hgetall(self.keys.point(instance_id))
        if not raw:
            return None
        return {_s(k): (v if k == b"continuation" else _s(v)) for k, v in raw.items()}

    def instance(self, instance_id: str) -> dict[str, str] | None:
        raw = self.redis.hgetall(self.keys.instance(instance_id))
        if not raw:
            return None
        return {_s(k): _s(v) for k, v in raw.items()}

    def wait_record(self, corr: str) -> dict[str, str] | None:
        raw = self.redis.hgetall(self.keys.wait(corr))
        if not raw:
            return None
        return {_s(k): _s(v) for k, v in raw.items()}

    def mailbox(self, corr: str) -> dict[str, str] | None:
        raw = self.redis.hgetall(self.keys.mailbox(corr))
        return {_s(k): _s(v) for k, v in raw.items()} or None

    def instance_ids(self, state: str | None = None, limit: int | None = None, scores: bool = False) -> list:
        """Ids oldest first; with ``scores`` (id, score) pairs."""
        if state is not None and state not in STATES:
            raise ValueError(f"unknown state {state!r}; one of {', '.join(STATES)}")
        key = self._state_index(state)
        end = -1 if limit is None else limit - 1
        if scores:
            return [(_s(x), s) for x, s in self.redis.zrange(key, 0, end, withscores=True)]
        return [_s(x) for x in self.redis.zrange(key, 0, end)]

    def count(self, state: str | None = None) -> int:
        return int(self.redis.zcard(self._state_index(state)))

    def _state_index(self, state: str | None) -> str:
        if state is None:
            return self.keys.all
        # running instances are indexed by their leases only (set_state in lua/_lib.lua)
        return self.keys.leases if state == "running" else self.keys.state(state)

    # -- streams ----------------------------------------------------------------------------
    def add_inbox(self, corr: str, body_json: str, message_id: str | None = None) -> str:
        fields = {"correlation_id": corr, "body": body_json}
        if message_id is not None:
            fields["message_id"] = message_id
        return _s(self.redis.xadd(self.keys.inbox, fields))

    def ensure_group(self) -> None:
        try:
            self.redis.xgroup_create(self.keys.inbox, LISTENER_GROUP, id="0", mkstream=True)
        except Exception as e:  # BUSYGROUP: it exists already
            if "BUSYGROUP" not in str(e):
                raise

    def notice(self, kind: str, corr: str = "", message_id: str = "", detail: str = "", client=None) -> None:
        (client or self.redis).xadd(
            self.keys.notices,
            {"kind": kind, "correlation_id": corr, "message_id": message_id, "instance": "",
             "detail": detail, "at": int(time.time() * 1000)},
            maxlen=self.settings.notice_maxlen,
            approximate=True,
        )

    def recent_notices(self, count: int) -> list[dict[str, str]]:
        """The newest ``count`` notices, oldest first, each with its stream entry ``id``."""
        out = []
        for entry_id, fields in reversed(self.redis.xrevrange(self.keys.notices, count=count)):
            n = {_s(k): _s(v) for k, v in fields.items()}
            n["id"] = _s(entry_id)
            out.append(n)
        return out

    def read_stream(self, key: str, after: str = "0", count: int = 100, block_ms: int | None = None):
        """Entries after id ``after`` as [(id, {field: value})]."""
        r = self.redis.xread({key: after}, count=count, block=block_ms)
        if not r:
            return []
        return [(_s(i), {_s(k): _s(v) for k, v in f.items()}) for i, f in r[0][1]]

    # -- recovery sweeps ---------------------------------------------------------------------
    def due(self, key: str, until_ms: int, limit: int = 100) -> list[tuple[str, int]]:
        rows = self.redis.zrangebyscore(key, "-inf", until_ms, start=0, num=limit, withscores=True)
        return [(_s(m), int(s)) for m, s in rows]

    def forget(self, index_key: str, member: str) -> None:
        """Drop a stale entry from a recovery index (leases, pending, deadlines)."""
        self.redis.zrem(index_key, member)

    def touch(self, index_key: str, member: str, score_ms: int) -> None:
        """Look at an entry of a recovery index again later (only if it is still there)."""
        self.redis.zadd(index_key, {member: score_ms}, xx=True)

    def fleet_epoch(self) -> str:
        """The id of this Redis' fleet record ({p}:fleet), created on first use. It changes
        only if Redis loses its data."""
        key = self.keys.fleet
        self.redis.hsetnx(key, "epoch", uuid.uuid4().hex)
        self.redis.hsetnx(key, "created_at", int(time.time() * 1000))
        return _s(self.redis.hget(key, "epoch"))

    def try_lock(self, key: str, token: str, ttl_ms: int) -> bool:
        return bool(self.redis.set(key, token, nx=True, px=ttl_ms))

    def trim_ended(self, ttl_s: int) -> None:
        """Drop ids of instances that expired from the state indexes and {p}:all."""
        cutoff = int(time.time() * 1000) - ttl_s * 1000
        pipe = self.redis.pipeline(transaction=False)
        for state in ENDED:
            pipe.zrangebyscore(self.keys.state(state), "-inf", cutoff)
        expired = [_s(i) for ids in pipe.execute() for i in ids]
        if expired:
            pipe = self.redis.pipeline(transaction=False)
            for state in ENDED:
                pipe.zremrangebyscore(self.keys.state(state), "-inf", cutoff)
            pipe.zrem(self.keys.all, *expired)
            pipe.execute()

    # -- dead letters (the listener) -----------------------------------------------------------
    def dead_letter(self, entry_id: str, fields: dict, reason: str, deliveries: int, client=None) -> None:
        """Keep an inbox message the listener gave up on, whole, in ``{p}:dead-letters``
        (capped at about ``dead_letter_maxlen``), for an operator to inspect or to replay by
        XADD-ing its fields to the inbox again."""
        record = dict(fields)
        record.update({"dead_letter_entry": entry_id, "dead_letter_reason": reason,
                       "dead_letter_deliveries": deliveries, "dead_letter_at": int(time.time() * 1000)})
        (client or self.redis).xadd(self.keys.dead_letters, record, maxlen=self.settings.dead_letter_maxlen,
                                    approximate=True)


def _claim(instance_id: str, run_seq: int, r) -> Claim:
    script_hash, globals_json, point, ckpt_id, reply_to, cont, value, wait_kind, queue, seq = r
    return Claim(
        instance_id=instance_id,
        run_seq=run_seq,
        script_hash=_s(script_hash),
        globals_json=_s(globals_json) or "{}",
        point=_s(point),
        checkpoint_id=int(ckpt_id or 0),
        reply_to=_s(reply_to),
        continuation=cont or None,
        value_json=_s(value) if value else None,
        wait_kind=_s(wait_kind),
        queue=_s(queue),
        sequence=int(seq) if _s(seq).isdigit() else None,
    )


def parse_claims(rows) -> list[Claim]:
    """claim_next.lua's reply: the instances claimed."""
    return [_claim(_s(row[0]), int(row[1]), row[2:]) for row in rows]


def parse_park(r) -> tuple:
    code = r[0]
    if code == 0:
        return ("fenced",)
    if code == -1:
        return ("busy", _s(r[1]))
    if code == -2:
        return ("settling", _s(r[1]))
    if code == 1:
        return ("parked", int(r[1]))
    return ("resolved", _s(r[1]), _s(r[2]))


def parse_create(r) -> tuple[bool, str, str | None]:
    return bool(r[0]), _s(r[1]), (_s(r[2]) or None) if len(r) > 2 else None


def parse_timeout(r) -> tuple:
    if r[0] == 0:
        return ("stale", _s(r[1]))
    if r[0] == 2:
        return ("early", int(r[1]), _s(r[2]))
    return ("resolved", _s(r[1]), int(r[2]), _s(r[3]), _s(r[4]) or None)


def parse_route(r) -> tuple:
    return ("busy", _s(r[1])) if r[0] == -1 else ("routed", bool(r[1]))


def parse_delivery(r) -> Delivery:
    code = r[0]
    if code == 4:
        return Delivery("forward", shard=int(r[1]))
    if code == 1:
        return Delivery("resolved", _s(r[1]), int(r[2]), _s(r[3]), int(r[4]) if int(r[5]) else None,
                        _s(r[6]) or None)
    if code == 3:
        return Delivery("reenqueue", _s(r[1]), int(r[2]), _s(r[3]), token=_s(r[4]) or None)
    if code == 2:
        return Delivery("buffered")
    return Delivery(_s(r[1]))
