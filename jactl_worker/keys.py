"""Every Redis key jactl_worker uses, built from the fleet's prefix, documented in one place.

All keys start with ``{prefix}:``. (RQ's own keys - queues, job hashes, registries - live under
RQ's prefix, ``rq:`` unless ``RQ_KEY_PREFIX`` is set before rq is imported; RQ job ids made
here start with ``jw-``.)

Per instance
    {p}:instance:{id}        HASH   the instance record. Fields:
                                    state       queued | running | waiting | completed | failed | cancelled
                                    script      sha256 of the source it is pinned to
                                    globals     JSON object given at start
                                    queue       RQ queue its jobs go to
                                    reply_to    destination that receives the final result (or "")
                                    run_seq     fencing token: +1 every time a run is scheduled; a job
                                                whose run_seq is stale may write nothing
                                    runs        how many times a job claimed it
                                    lapses      runs lost (lease lapsed, job vanished) since the
                                                restart point was set; at max_attempts it fails
                                    point       where a new run starts: start | wait | checkpoint | ended
                                    waiting_on  correlation id it waits on (while waiting/resuming)
                                    wait_kind   receive | sleep | receiveAny | receiveAll
                                                (those two wait on the group id
                                                multi:{id}:{wait_seq}; the ids are in the point)
                                    timeout_at  deadline of the wait, ms since epoch ("" = none)
                                    checkpoint_id  last checkpoint persisted (0 = none)
                                    run_at, run_from, run_resolution, run_resolved_at,
                                    run_message_id, run_corr   the current run's start and cause,
                                                (written by the claim, for its history entry)
                                    worker      name of the worker running it, lease_until (ms)
                                    result      JSON of the final value; error: message with line
                                    created_at, updated_at, started_at, ended_at   (ms since epoch)
                                    start_at    when it may first run (a scheduled start; else created_at)
    {p}:point:{id}           HASH   the instance's restart point (absent at start and once ended),
                                    written only by that instance's own transitions: instance,
                                    kind (wait | checkpoint), continuation (bytes), seq (the
                                    checkpoint sequence inside those bytes), at; for a wait also
                                    corr, wait_seq, status (waiting | resolved), timeout_value,
                                    value (JSON the wait resumes with) and resolution; for a
                                    checkpoint checkpoint_id. receiveAny/receiveAll add mode, n,
                                    ids (JSON list), c1..cn (the ids), j1..jn (as JSON), got and
                                    v1..vn (receiveAll's replies so far).
    {p}:output:{id}          STREAM what the script printed, one entry per run segment (capped)
    {p}:history:{id}         STREAM the instance's events, appended by the Lua transitions (history.py):
                                    ev (created | parked | checkpoint | lease-lapsed | run-lost |
                                    completed | failed | cancelled), at (ms) and its details
                                    (kind, corr, deadline, wait_seq, resolution, checkpoint_id,
                                    lost, error, was); an entry that ends a run also carries the
                                    run: worker, run_at, run_from, run_resolution, run_resolved_at,
                                    run_message_id, run_corr, lapses (the claim keeps those in the
                                    instance record meanwhile). Capped at ~history_maxlen; expires
                                    with the ended instance (ended_ttl_s).

Per correlation id
    {p}:wait:{corr}          HASH   a wait (receive, or a long sleep): instance, wait_seq, kind,
                                    deadline, status (waiting | resolved | cancelled), resolution
                                    (reply | timeout | early), message_id and entry (the inbox entry
                                    that resolved it), run_seq, late (count of late replies), and
                                    prev_entry/prev_instance/prev_run_seq (the unacknowledged entry
                                    that resolved this id's previous use, see park.lua). No
                                    continuation or reply body: those belong to the instance.
                                    A resolved wait expires after wait_record_ttl_s.
                                    receiveAny/receiveAll (multi.py): one record per id plus
                                    group (the group id) and json (the id as JSON), and the
                                    group's own record {p}:wait:multi:{id}:{wait_seq} (group=1),
                                    which holds the deadline; resolution also sibling (another
                                    id answered the receiveAny first).
    {p}:mailbox:{corr}       HASH   a reply that arrived before any wait: body, message_id, at.
                                    Expires after mailbox_ttl_s.

Fleet-wide
    {p}:script:{sha256}      STRING a script's source; instances are pinned to it by hash
    {p}:all                  ZSET   every instance id, scored by creation time (ms)
    {p}:state:{state}        ZSET   instance ids in that state, scored by last change (ms); not
                                    for "running": {p}:leases lists exactly the running ones
    {p}:leases               ZSET   running instance id -> lease deadline (ms)
    {p}:pending              ZSET   queued instance id -> time its run job was (re)enqueued (ms);
                                    written by older versions only (the ready sets replace it),
                                    swept by the reaper
    {p}:deadlines            ZSET   waiting correlation id -> wait deadline (ms); the timer
                                    times out what is due
    {p}:waits-by-corr        ZSET   "corr NUL instance id" of every live wait, all at score 0: a
                                    lex index (ZRANGEBYLEX) to find waits by correlation id prefix
                                    (inspect.find_waiting); added by park, removed by deliver,
                                    timeout and cancel
    {p}:ready:{queue}        ZSET   queued instance id -> time it may run (ms): what the queue's
                                    drain jobs claim (drain.py)
    {p}:drainers:{queue}     ZSET   drainer token -> expiry (ms): the queue's live drain jobs, at
                                    most max_drainers; a token expires unless its drainer claims
    {p}:drainer-seq          STRING counter that makes drainer tokens unique
    {p}:timer                STRING lock: one worker at a time runs the timer tick
    {p}:inbox                STREAM incoming replies: correlation_id, body (JSON), [message_id];
                                    read by the consumer group "listeners"
    {p}:listeners            ZSET   listener name -> its last heartbeat (ms, Redis' clock): alive if
                                    within heartbeat.ALIVE_MS; removed when it stops, forgotten
                                    after heartbeat.FORGET_MS (heartbeat.py)
    {p}:out:{to}             STREAM messages scripts send() to ``to``: from, body (JSON), and for
                                    reply_to results also state, result/error
    {p}:notices              STREAM what happened to replies that resumed nothing: kind (buffered,
                                    late, duplicate, malformed, oversized, rejected, dead-letter),
                                    correlation_id, message_id, instance, detail. Capped at
                                    ~notice_maxlen.
    {p}:dead-letters         STREAM inbox messages the listener gave up on (kind dead-letter in
                                    notices), whole, with dead_letter_entry, _reason, _deliveries,
                                    _at. Capped at ~dead_letter_maxlen.
    {p}:reaper               STRING lock: one worker at a time runs the recovery sweep
    {p}:minute:{m}           HASH   activity of epoch minute m (unix time // 60): starts, parks,
                                    resumes, completions; every process adds its in-memory counts
                                    about once a second (metrics.py), expires after 2 h. Read by
                                    the dashboard's chart.
    {p}:fleet                HASH   epoch (random id), created_at: made by the first sweep; if it
                                    changes, Redis lost its data, and a "data-loss" notice says so

Sharded fleets only (several Redis primaries, shards.py; every shard has all the keys above)
    {p}:route:{corr}         HASH   on the correlation id's home shard, while an instance on another
                                    shard waits on it: shard, instance, at (route.lua). The home's
                                    listener forwards replies for it to that shard's inbox.
                                    Expires after the wait's timeout + wait_record_ttl_s.
    {p}:unrouted             ZSET   on an instance's shard: correlation ids it waits on whose
                                    route could not be registered (home shard unreachable) ->
                                    since (ms); the timer registers them when the home is back
"""

from __future__ import annotations

import hashlib
import re

STATES = ("queued", "running", "waiting", "completed", "failed", "cancelled")
ENDED = ("completed", "failed", "cancelled")
LISTENER_GROUP = "listeners"
JOB_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]+")  # what RQ accepts as a job id


class Keys:
    """Key names for one prefix. Methods take the variable part (instance id, correlation id)."""

    __slots__ = ("prefix",)

    def __init__(self, prefix: str):
        self.prefix = prefix

    # per instance
    def instance(self, instance_id: str) -> str:
        return f"{self.prefix}:instance:{instance_id}"

    def point(self, instance_id: str) -> str:
        return f"{self.prefix}:point:{instance_id}"

    def output(self, instance_id: str) -> str:
        return f"{self.prefix}:output:{instance_id}"

    def history(self, instance_id: str) -> str:
        return f"{self.prefix}:history:{instance_id}"

    # per correlation id
    def wait(self, corr: str) -> str:
        return f"{self.prefix}:wait:{corr}"

    def mailbox(self, corr: str) -> str:
        return f"{self.prefix}:mailbox:{corr}"

    def route(self, corr: str) -> str:
        return f"{self.prefix}:route:{corr}"

    @property
    def unrouted(self) -> str:
        return f"{self.prefix}:unrouted"

    # fleet-wide
    def script(self, script_hash: str) -> str:
        return f"{self.prefix}:script:{script_hash}"

    @property
    def all(self) -> str:
        return f"{self.prefix}:all"

    def state(self, state: str) -> str:
        return f"{self.prefix}:state:{state}"

    @property
    def state_prefix(self) -> str:
        """Lua scripts append the state name to this to move an id between state indexes."""
        return f"{self.prefix}:state:"

    @property
    def waits_by_corr(self) -> str:
        return f"{self.prefix}:waits-by-corr"

    @property
    def leases(self) -> str:
        return f"{self.prefix}:leases"

    @property
    def pending(self) -> str:
        return f"{self.prefix}:pending"

    @property
    def deadlines(self) -> str:
        return f"{self.prefix}:deadlines"

    def ready(self, queue: str) -> str:
        return f"{self.prefix}:ready:{queue}"

    def drainers(self, queue: str) -> str:
        return f"{self.prefix}:drainers:{queue}"

    @property
    def timer(self) -> str:
        return f"{self.prefix}:timer"

    @property
    def inbox(self) -> str:
        return f"{self.prefix}:inbox"

    @property
    def listeners(self) -> str:
        return f"{self.prefix}:listeners"

    def out(self, to: str) -> str:
        return f"{self.prefix}:out:{to}"

    @property
    def notices(self) -> str:
        return f"{self.prefix}:notices"

    @property
    def dead_letters(self) -> str:
        return f"{self.prefix}:dead-letters"

    @property
    def reaper(self) -> str:
        return f"{self.prefix}:reaper"

    def minute(self, epoch_minute: int) -> str:
        return f"{self.prefix}:minute:{epoch_minute}"

    @property
    def fleet(self) -> str:
        return f"{self.prefix}:fleet"

    # RQ job ids (RQ allows only [A-Za-z0-9_-]; instance ids may hold more, so they are hashed)
    def run_job_id(self, instance_id: str, run_seq: int) -> str:
        return f"jw-r-{_digest(self.prefix, instance_id)}-{run_seq}"

    def drain_job_id(self, queue: str, token: str) -> str:
        return f"jw-d-{_digest(self.prefix, queue)}-{token}"

    def timeout_job_id(self, corr: str, wait_seq: int) -> str:
        return f"jw-t-{_digest(self.prefix, corr)}-{wait_seq}"


def _digest(prefix: str, name: str) -> str:
    return hashlib.sha1(f"{prefix}\0{name}".encode()).hexdigest()[:24]


def script_hash(source: str) -> str:
    """The id a script's source is stored and pinned under."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()
