"""Runs of one drain batch advance together, and their Redis transitions go in one pipeline.

Run alone (instance.Runtime.run_claimed), an instance makes one round trip per transition:
each checkpoint, the park, the finish. A drainer holds up to ``drain_batch`` claimed
instances, so it runs each until it needs a transition, queues that transition (EVALSHA of
checkpoint.lua / park.lua / finish.lua, and the run's output) in one pipeline for the whole
batch, sends it once, and goes on with every run from its transition's reply. What a run
does after a transition still happens only once that transition is stored: a checkpoint's
commit closure runs after the checkpoint is in Redis, a wait resolved at once (an early
reply) resumes only with the value park.lua handed back, and a fenced-off run (its lease was
taken over, or it was cancelled) stops without running further. Fencing, leases and the
restart points are exactly those of a lone run; only the round trips are shared. A script
error fails that instance only; a Redis error stops the drainer (the leases of its claimed
instances lapse and the reaper requeues them, as for a killed worker).
"""

from __future__ import annotations

import logging
import time
import uuid

import lang
from redis.exceptions import RedisError

from . import codec, metrics
from .host import RedisUnavailable, RunLost
from .instance import (SETTLE_PAUSE_S, SETTLE_TRIES, Run, _checkpoint_id, _Failure, _receive_args,
                       _wait_ms)
from .multi import MULTI_KINDS, multi_args
from .store import parse_park

log = logging.getLogger("jactl_worker")


class _Step:
    """A run stopped at a transition, waiting for the pipeline's reply."""

    __slots__ = ("run", "kind", "outcome", "args")

    def __init__(self, run: Run, kind: str, outcome=None, args=()):
        self.run, self.kind, self.outcome, self.args = run, kind, outcome, args


def run_batch(runtime, claims) -> int:
    """Run claimed instances to their next stop (parked, ended, lost); returns how many ran."""
    store = runtime.store
    moving = [(Run(runtime, c), None) for c in claims]  # (run, how to go on: None = begin)
    leased = {id(run): time.monotonic() for run, _ in moving}
    renew_after = runtime.settings.lease_ms / 3000
    try:
        while moving:
            steps = []
            for run, go_on in moving:
                # a slow batch (long inline sleeps, heavy scripts): renew the lease of a run still
                # waiting its turn before it lapses; one already taken over is dropped
                if time.monotonic() - leased[id(run)] > renew_after:
                    if not store.renew(run.instance_id, run.run_seq):
                        log.warning("instance %s run %s lost its lease while it waited in its batch "
                                    "(taken over or cancelled); stopped", run.instance_id, run.run_seq)
                        continue
                    leased[id(run)] = time.monotonic()
                step = _advance(runtime, run, go_on)
                if step is not None:
                    steps.append(step)
            if runtime.leases:  # once per round, not per run: each hold replaces the one before
                runtime.leases.release()
            if not steps:
                break
            refused = _route(runtime, steps) if runtime.router else []
            if refused:
                gone = {id(step) for step, _ in refused}
                steps = [step for step in steps if id(step) not in gone]
            if not steps:
                moving = [pair for _, pair in refused]
                continue
            pipe = store.redis.pipeline(transaction=False)
            sizes = [_queue(runtime, step, pipe) for step in steps]
            try:
                replies = store.execute(pipe)
            except RedisError as e:
                raise RedisUnavailable(e) from e
            moving = []
            at = 0
            for step, n in zip(steps, sizes):
                reply = replies[at + n - 1]  # the transition's reply comes after the output entry
                at += n
                if isinstance(reply, Exception):
                    raise RedisUnavailable(reply)
                nxt = _settle(runtime, step, reply)
                if nxt is not None:
                    moving.append(nxt)
            moving += [pair for _, pair in refused]
    finally:
        if runtime.leases:
            runtime.leases.release()
    return len(claims)


def _advance(runtime, run: Run, go_on):
    """Run ``run`` (from its restart point, or on with ``go_on()``) until it needs a
    transition; returns that _Step, or None when the run is over (lost). The watchdog holds
    the run meanwhile (run_batch releases it once per round)."""
    runtime.host.bind(run)
    if runtime.leases:
        runtime.leases.hold(run)
    try:
        try:
            outcome = runtime._begin(run) if go_on is None else go_on()
            while True:
                run.check()
                if isinstance(outcome, lang.Completed):
                    return _Step(run, "finish", args=("completed", codec.dumps(outcome.value, strict=False),
                                                      run.take_output()))
                request = outcome.request
                if request.kind == "checkpoint":
                    data, seq = runtime._save(outcome)
                    return _Step(run, "checkpoint", outcome, (_checkpoint_id(request), data, seq))
                if request.kind == "sleep":
                    ms = _wait_ms(request.ms, "sleep()", runtime.settings.max_wait_ms) or 0
                    if ms <= runtime.settings.inline_sleep_ms:
                        time.sleep(ms / 1000)
                        outcome = outcome.continuation.resume(request.value)
                        continue
                    corr = f"sleep:{run.instance_id}:{uuid.uuid4().hex}"
                    return _park_step(runtime, run, outcome, corr, "sleep", ms,
                                      codec.dumps(request.value, strict=False))
                if request.kind == "receive":
                    corr, timeout_ms = _receive_args(request.args, runtime.settings.max_wait_ms)
                    return _park_step(runtime, run, outcome, corr, "receive", timeout_ms, "null")
                if request.kind in MULTI_KINDS:
                    ids, timeout_ms = multi_args(outcome, runtime._wait_ms, runtime.router)
                    return _park_step(runtime, run, outcome, ids, request.kind, timeout_ms, "null")
                raise _Failure(f"the script suspended for {request.kind!r}, which this worker does not provide")
        except RunLost:
            raise
        except (lang.JactlError, _Failure) as e:
            return _failed(run, str(e))
        except MemoryError:
            limit = runtime.settings.max_memory_mb
            return _failed(run, "the script ran out of memory" + (f" (worker limit {limit} MB)" if limit else ""))
        except RedisUnavailable:
            raise
        except Exception as e:  # noqa: BLE001 - a bug or a broken value must not wedge the fleet
            if isinstance(e, RedisError):
                raise RedisUnavailable(e) from e
            log.exception("instance %s failed with an internal error", run.instance_id)
            return _failed(run, f"internal error: {type(e).__name__}: {e}")
    except RunLost:
        log.warning("instance %s run %s lost its lease or was cancelled; stopped", run.instance_id, run.run_seq)
        metrics.run_ended(runtime.store, "lost", run.began)
        runtime._flush_output(run)
        return None
    finally:
        runtime.host.unbind()


def _failed(run: Run, message: str) -> _Step:
    return _Step(run, "finish", args=("failed", message, run.take_output()))


def _park_step(runtime, run, outcome, corr, kind, timeout_ms, timeout_value_json) -> _Step:
    data, seq = runtime._save(outcome)
    deadline = None if timeout_ms is None else int(time.time() * 1000) + timeout_ms
    return _Step(run, "park", outcome, (corr, kind, deadline, timeout_value_json, data, seq, run.take_output()))


def _route(runtime, steps) -> list:
    """Sharded fleets: register the routes of the batch's receives whose correlation ids live
    on other shards, before they park here (shards.WaitRouter). Returns the steps refused
    because an instance of the id's home shard waits on it, each with how its run goes on
    (it fails, as a second waiter on one shard does)."""
    parks = [step for step in steps if step.kind == "park" and step.args[1] == "receive"]
    if not parks:
        return []
    now = int(time.time() * 1000)
    waits = [(step.args[0], step.run.instance_id, None if step.args[2] is None else step.args[2] - now)
             for step in parks]
    try:
        others = runtime.router.route(waits)
    except RedisError as e:
        raise RedisUnavailable(e) from e
    refused = []
    for step, other in zip(parks, others):
        if other is not None:
            step.run.output.append(step.args[-1])  # printed before the receive: kept with the failure
            step.run.output_size += len(step.args[-1])
            refused.append((step, (step.run, _raise(_Failure(
                f"correlation id {step.args[0]!r} is already awaited by instance {other!r}")))))
    return refused


def _queue(runtime, step: _Step, pipe) -> int:
    """Queue the step's commands; returns how many (the transition's is the last)."""
    store, run = runtime.store, step.run
    if step.kind == "checkpoint":
        cid, data, seq = step.args
        store.save_checkpoint(run.instance_id, run.run_seq, cid, data, seq, client=pipe)
        return 1
    output = step.args[-1]
    if output:
        store.append_output(run.instance_id, output, client=pipe)
    if step.kind == "park":
        corr, kind, deadline, tv, data, seq, _ = step.args
        store.park(run.instance_id, run.run_seq, corr, kind, deadline, tv, data, seq, client=pipe,
                   home=bool(runtime.router) and runtime.router.is_home(corr))
    else:
        state, payload, _ = step.args
        store.finish(run.instance_id, run.run_seq, state, payload, client=pipe)
    return 2 if output else 1


def _settle(runtime, step: _Step, reply):
    """Act on a transition's reply: (run, how to go on), or None when the run stopped here."""
    run = step.run
    if step.kind == "finish":
        metrics.run_ended(runtime.store, step.args[0] if reply else "lost", run.began)
        if not reply:
            log.warning("instance %s run %s was fenced off before it could finish", run.instance_id, run.run_seq)
        elif step.args[0] == "failed":
            log.info("instance %s failed: %s", run.instance_id, step.args[1])
        return None
    if step.kind == "checkpoint":
        if not reply:
            log.warning("instance %s run %s lost its lease or was cancelled; stopped", run.instance_id, run.run_seq)
            metrics.run_ended(runtime.store, "lost", run.began)
            return None
        return run, lambda: step.outcome.continuation.resume(None)  # runs the commit closure
    r = parse_park(reply)
    corr, kind, deadline, tv, data, seq, _ = step.args
    for _ in range(SETTLE_TRIES):  # rare: the id's previous reply is being acknowledged
        if r[0] != "settling":
            break
        time.sleep(SETTLE_PAUSE_S)
        r = runtime.store.park(run.instance_id, run.run_seq, corr, kind, deadline, tv, data, seq,
                               home=bool(runtime.router) and runtime.router.is_home(corr))
    if r[0] == "fenced":
        log.warning("instance %s run %s lost its lease or was cancelled; stopped", run.instance_id, run.run_seq)
        metrics.run_ended(runtime.store, "lost", run.began)
        return None
    if isinstance(corr, list) and r[0] in ("settling", "busy"):
        corr = ", ".join(corr)
    if r[0] == "settling":
        message = (f"correlation id {corr!r} is still settling its previous use by instance {r[1]!r} "
                   "(its reply is not acknowledged yet); use a fresh id per wait")
        return run, _raise(_Failure(message))
    if r[0] == "busy":
        return run, _raise(_Failure(f"correlation id {corr!r} is already awaited by instance {r[1]!r}"))
    if r[0] == "resolved":
        value = r[1]
        return run, lambda: step.outcome.continuation.resume(codec.loads(value))
    metrics.run_ended(runtime.store, "parked", run.began, kind)
    return None  # parked


def _raise(error):
    def go_on():
        raise error
    return go_on
