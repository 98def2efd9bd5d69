"""One run of one script instance: claim it, start or resume it, and store what happened.

A run begins at the instance's restart point - the start (with its globals), a resolved wait
(resume with the reply body, or the timeout value), or the last checkpoint (restore, and the
checkpoint's recover closure runs) - and goes on until the script completes, fails, or parks
on a wait. Checkpoints and short sleeps happen inside the run. Every write is fenced by the
run's ``run_seq``: if the instance was taken over (lease lapsed) or cancelled meanwhile, the
write is refused and the run stops (RunLost) without touching anything.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from decimal import Decimal

import lang
from redis.exceptions import RedisError

from . import codec, faults, metrics
from .config import Settings
from .dispatch import Dispatcher
from .host import Host, RedisUnavailable, RunLost
from .multi import MULTI_KINDS, multi_args
from .shards import WaitRouter
from .store import Claim, ScriptMismatch, Store
from .watchdog import Watchdog

log = logging.getLogger("jactl_worker")

MAX_CORRELATION_ID = 200
SETTLE_TRIES = 40            # park retries while a correlation id's previous use settles
SETTLE_PAUSE_S = 0.05


class LeaseKeeper:
    """Renews the lease of the run this process is executing, from a background thread, so a
    script may run longer than the lease; a killed process stops renewing and the reaper of
    another worker takes the instance over. Used only where the watchdog process cannot
    reach the same Redis (the embedded fakeredis fleet): a thread shares the script's GIL."""

    def __init__(self, store: Store, interval_s: float):
        self.store = store
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._current: Run | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="jactl-lease", daemon=True)
        self._thread.start()

    def hold(self, run: "Run") -> None:
        with self._lock:
            self._current = run

    def release(self) -> None:
        with self._lock:
            self._current = None

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            with self._lock:
                run = self._current
            if run is None:
                continue
            try:
                if not self.store.renew(run.instance_id, run.run_seq):
                    run.lost = True
            except Exception:  # Redis unreachable: the lease may lapse; fencing keeps us safe
                log.warning("lease renewal of %s failed", run.instance_id, exc_info=True)


class Run:
    """A claimed instance being executed by this process (the script's view of its host)."""

    def __init__(self, runtime: "Runtime", claim: Claim):
        self.runtime = runtime
        self.store = runtime.store
        self.claim = claim
        self.instance_id = claim.instance_id
        self.run_seq = claim.run_seq
        self.lost = False
        self.output: list[str] = []
        self.output_size = 0
        self.output_cut = False
        self.began = time.monotonic()  # for jactl_run_seconds

    def write(self, text: str) -> None:
        """print/println of the script: kept for the instance, up to max_output_bytes a run."""
        limit = self.runtime.settings.max_output_bytes
        room = limit - self.output_size
        if room <= 0:
            self.output_cut = True
            return
        if len(text) > room:
            text, self.output_cut = text[:room], True
        self.output.append(text)
        self.output_size += len(text)

    def take_output(self) -> str:
        text = "".join(self.output)
        if self.output_cut:
            text += f"\n[output of this run cut at {self.runtime.settings.max_output_bytes} characters]\n"
        self.output, self.output_size, self.output_cut = [], 0, False
        return text

    def check(self) -> None:
        if self.lost:
            raise RunLost()

    def send(self, to: str, body_json: str) -> str:
        self.check()
        try:
            entry = self.store.send(self.instance_id, self.run_seq, to, body_json)
        except RedisError as e:
            raise RedisUnavailable(e) from e
        if entry is None:
            self.lost = True
            raise RunLost()
        return entry


class Runtime:
    """What one worker process needs to run instances of one prefix."""

    def __init__(self, connection, settings: Settings, worker_name: str, keep_leases: bool = True):
        self.settings = settings
        self.store = Store(connection, settings)
        self.dispatch = Dispatcher(connection, settings)
        self.host = Host(settings)
        self.router = WaitRouter.of(settings, self.store)  # None unless the fleet is sharded
        self.worker_name = worker_name
        self.leases = None
        if keep_leases:
            self.leases = (Watchdog(settings, settings.redis_url) if settings.redis_url
                           else LeaseKeeper(self.store, settings.lease_ms / 3000))

    # -- entry points used by jobs.py ---------------------------------------------------------
    def run(self, instance_id: str, run_seq: int) -> str:
        """Run the instance for run ``run_seq``. Returns what happened, for the job's result."""
        claim = self.store.claim(instance_id, run_seq, self.worker_name)
        if isinstance(claim, str):
            return f"skipped: {claim}"
        return self.run_claimed(claim)

    def run_claimed(self, claim: Claim) -> str:
        """Run an instance this worker has claimed (claim.lua, or a drainer's claim_next)."""
        instance_id, run_seq = claim.instance_id, claim.run_seq
        run = Run(self, claim)
        self.host.bind(run)
        if self.leases:
            self.leases.hold(run)
        try:
            return self._execute(run)
        except RunLost:
            log.warning("instance %s run %s lost its lease or was cancelled; stopped", instance_id, run_seq)
            metrics.run_ended(self.store, "lost", run.began)
            return "lost"
        except RedisUnavailable as e:
            log.warning("instance %s run %s stopped: Redis failed (%s); it is retried after its lease lapses",
                        instance_id, run_seq, e)
            raise e.error from None
        finally:
            self._flush_output(run)
            if self.leases:
                self.leases.release()
            self.host.unbind()

    def timeout(self, corr: str, wait_seq: int) -> str:
        """A timeout job armed by an older version (timeouts are the timer's now, drain.py):
        resolve the wait if it is due, and let a drainer run the instance."""
        r = self.store.timeout(corr, wait_seq)
        if r[0] == "stale":
            return f"stale: {r[1]}"
        if r[0] == "early":
            return "early: the timer times it out when due"
        _, _instance_id, _run_seq, queue, token = r
        if token:
            self.dispatch.enqueue_drain(queue or self.settings.queue, token)
        return "timed out"

    # -- the run loop ---------------------------------------------------------------------------
    def _execute(self, run: Run) -> str:
        claim = run.claim
        try:
            outcome = self._begin(run)
            while True:
                run.check()
                if isinstance(outcome, lang.Completed):
                    return self._finish(run, "completed", codec.dumps(outcome.value, strict=False))
                outcome = self._handle(run, outcome)
                if outcome is None:
                    return "parked"
        except RunLost:
            raise
        except lang.JactlError as e:
            return self._finish(run, "failed", str(e))
        except _Failure as e:
            return self._finish(run, "failed", str(e))
        except MemoryError:
            # A script's allocation hit the process's memory limit: that instance fails, the
            # worker goes on (the failed allocation itself was never made).
            return self._finish(run, "failed", "the script ran out of memory"
                                + (f" (worker limit {self.settings.max_memory_mb} MB)" if self.settings.max_memory_mb else ""))
        except Exception as e:  # noqa: BLE001 - a bug or a broken value must not wedge the fleet
            if isinstance(e, RedisError):
                raise  # infrastructure: the lease lapses and another worker retries from the point
            log.exception("instance %s failed with an internal error", claim.instance_id)
            return self._finish(run, "failed", f"internal error: {type(e).__name__}: {e}")

    def _begin(self, run: Run):
        claim = run.claim
        faults.hold_gil()
        try:
            source = self.store.script_source(claim.script_hash)
        except ScriptMismatch as e:
            raise _Failure(str(e)) from None
        if source is None:
            raise _Failure(f"script {claim.script_hash} is not stored under this prefix")
        script = self.host.compile(claim.script_hash, source)
        context = self.host.context(claim.script_hash, source)
        metrics.run_began(self.store, claim.point)
        if claim.point == "start":
            env = codec.loads(claim.globals_json)
            env["instanceId"] = claim.instance_id
            return script.start(env, instance_id=claim.instance_id)
        if claim.continuation is None:
            raise _Failure(f"the {claim.point} to resume from has no stored continuation")
        if claim.point == "wait" and claim.value_json is None:
            raise _Failure("the wait to resume from has not been resolved")
        try:
            # the bytes must be this instance's own, and the very ones its last save made
            cont = lang.Restorer.restore(context, claim.continuation, instance_id=claim.instance_id,
                                         sequence=claim.sequence)
        except lang.JactlError as e:
            raise _Failure(f"cannot restore the stored {claim.point} continuation: {e}") from None
        if claim.point == "checkpoint":
            return cont.resume(None)  # runs the checkpoint's recover closure
        return cont.resume(codec.loads(claim.value_json) if claim.value_json else None)

    def _handle(self, run: Run, outcome):
        """Act on a suspension; return the next outcome, or None when the instance parked."""
        request = outcome.request
        kind = request.kind
        if kind == "checkpoint":
            data, seq = self._save(outcome)
            if not self.store.save_checkpoint(run.instance_id, run.run_seq, _checkpoint_id(request), data, seq):
                raise RunLost()
            return outcome.continuation.resume(None)  # runs the commit closure
        if kind == "sleep":
            ms = _wait_ms(request.ms, "sleep()", self.settings.max_wait_ms) or 0
            if ms <= self.settings.inline_sleep_ms:
                time.sleep(ms / 1000)
                return outcome.continuation.resume(request.value)
            corr = f"sleep:{run.instance_id}:{uuid.uuid4().hex}"
            return self._park(run, outcome, corr, "sleep", ms, codec.dumps(request.value, strict=False))
        if kind == "receive":
            corr, timeout_ms = _receive_args(request.args, self.settings.max_wait_ms)
            return self._park(run, outcome, corr, "receive", timeout_ms, "null")
        if kind in MULTI_KINDS:
            ids, timeout_ms = multi_args(outcome, self._wait_ms, self.router)
            return self._park(run, outcome, ids, kind, timeout_ms, "null")
        raise _Failure(f"the script suspended for {kind!r}, which this worker does not provide")

    def _park(self, run: Run, outcome, corr: str, kind: str, timeout_ms, timeout_value_json: str):
        data, seq = self._save(outcome)
        deadline = None if timeout_ms is None else int(time.time() * 1000) + timeout_ms
        self._flush_output(run)
        home = False
        if self.router:
            if kind == "receive":
                other = self.router.route([(corr, run.instance_id, timeout_ms)])[0]
                if other is not None:
                    raise _Failure(f"correlation id {corr!r} is already awaited by instance {other!r}")
            home = self.router.is_home(corr)
        for _ in range(SETTLE_TRIES):
            r = self.store.park(run.instance_id, run.run_seq, corr, kind, deadline, timeout_value_json, data, seq,
                                home=home)
            if r[0] != "settling":
                break
            time.sleep(SETTLE_PAUSE_S)  # the id's previous reply is being acknowledged
        if r[0] == "fenced":
            raise RunLost()
        if isinstance(corr, list) and r[0] in ("settling", "busy"):
            corr = ", ".join(corr)  # one of them: named in the message by its instance
        if r[0] == "settling":
            raise _Failure(f"correlation id {corr!r} is still settling its previous use by instance "
                           f"{r[1]!r} (its reply is not acknowledged yet); use a fresh id per wait")
        if r[0] == "busy":
            raise _Failure(f"correlation id {corr!r} is already awaited by instance {r[1]!r}")
        if r[0] == "resolved":
            return outcome.continuation.resume(codec.loads(r[1]))
        # a deadline is in {p}:deadlines (park.lua): the timer times the wait out (drain.py)
        metrics.run_ended(self.store, "parked", run.began, kind)
        return None

    def _wait_ms(self, value, what: str) -> int | None:
        return _wait_ms(value, what, self.settings.max_wait_ms)

    def _save(self, outcome) -> tuple[bytes, int]:
        """The continuation's bytes and their sequence number (which the restart point
        records, so that only these bytes - not an older or another instance's - restore)."""
        data = lang.Checkpointer.save(outcome.continuation)
        metrics.checkpoint_saved(len(data))
        if len(data) > self.settings.max_checkpoint_bytes:
            raise _Failure(
                f"the script's state is {len(data)} bytes, more than max_checkpoint_bytes "
                f"({self.settings.max_checkpoint_bytes})"
            )
        return data, lang.checkpoint_header(data).sequence

    def _flush_output(self, run: Run) -> None:
        text = run.take_output()
        if text:
            try:
                self.store.append_output(run.instance_id, text)
            except RedisError:
                log.warning("could not store the output of %s", run.instance_id, exc_info=True)

    def _finish(self, run: Run, state: str, payload: str) -> str:
        self._flush_output(run)
        if not self.store.finish(run.instance_id, run.run_seq, state, payload):
            raise RunLost()
        metrics.run_ended(self.store, state, run.began)
        if state == "failed":
            log.info("instance %s failed: %s", run.instance_id, payload)
        return state


class _Failure(Exception):
    """A run cannot go on; the message is recorded as the instance's error."""


def _checkpoint_id(request) -> int:
    cid = getattr(request, "checkpoint_id", None)
    if cid is None and len(request.args) > 1:
        cid = request.args[1]
    return int(cid or 0)


def _wait_ms(value, what: str, limit: int) -> int | None:
    """A timeout or sleep length from a script, checked before anything is written: a number,
    finite, at most ``limit`` ms (negative means 0). Compared before it is converted, so a
    Decimal like 1e1000000 never becomes a million-digit int."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise _Failure(f"{what}: the time must be a number of milliseconds, not {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value) or isinstance(value, Decimal) and not value.is_finite():
        raise _Failure(f"{what}: the time must be a finite number of milliseconds, not {value}")
    if value > limit:
        shown = value if not isinstance(value, int) or value.bit_length() < 64 else "more than 2**64"
        raise _Failure(f"{what}: {shown} ms is longer than the longest wait allowed ({limit} ms, max_wait_ms)")
    return max(0, int(value))


def _receive_args(args, max_wait_ms: int) -> tuple[str, int | None]:
    if not args:
        raise _Failure("receive() needs a correlation id")
    corr = args[0]
    if isinstance(corr, bool) or not isinstance(corr, (str, int)):
        raise _Failure(f"receive(): correlation id must be a string, not {type(corr).__name__}")
    corr = str(corr)
    if not corr or len(corr) > MAX_CORRELATION_ID:
        raise _Failure(f"receive(): correlation id must have 1 to {MAX_CORRELATION_ID} characters")
    timeout = _wait_ms(args[1] if len(args) > 1 else None, "receive()", max_wait_ms)
    return corr, timeout
