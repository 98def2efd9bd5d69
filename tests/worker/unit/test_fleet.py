"""Whole-fleet behaviour in one process (EmbeddedFleet on fakeredis): the same code paths as
the integration tests, fast."""

import time

import lang
import pytest

from jactl_worker.host import Host
from jactl_worker.keys import script_hash
from jactl_worker import Cancelled, InvalidMessage, ScriptFailed, UnknownInstance


def test_start_run_complete(fleet):
    iid = fleet.client.start("def x = a * 2\nsend('log', x)\nx + 1", {"a": 20}, reply_to="done")
    st = fleet.run_instance(iid, 10)
    assert st["state"] == "completed" and st["result"] == 41
    assert [m["body"] for m in fleet.client.read("log")] == [40]
    assert fleet.client.read("done")[0]["result"] == 41


def test_receive_parks_and_deliver_wakes(fleet):
    iid = fleet.client.start("def r = receive('c-' + instanceId, 60000)\n[got: r, id: instanceId]", instance_id="x1")
    fleet.step()
    st = fleet.client.status(iid)
    assert st["state"] == "waiting" and st["waiting_on"] == "c-x1" and st["timeout_at"]
    fleet.client.deliver("c-x1", {"n": 1.25})
    st = fleet.run_instance(iid, 10)
    assert st["result"] == {"got": {"n": 1.25}, "id": "x1"}
    assert st["runs"] == 2


def test_receive_times_out_with_null(fleet):
    iid = fleet.client.start("def r = receive('nobody', 400)\n[r: r]")
    t0 = time.time()
    st = fleet.run_instance(iid, 10)
    assert st["result"] == {"r": None}
    assert time.time() - t0 >= 0.4


def test_a_long_sleep_parks_and_a_short_one_runs_inline(fleet):
    iid = fleet.client.start("def a = sleep(10, 'short')\ndef b = sleep(1200, 'long')\n[a, b]")
    fleet.step()
    assert fleet.client.status(iid)["wait_kind"] == "sleep"
    assert fleet.run_instance(iid, 10)["result"] == ["short", "long"]


def test_checkpoint_runs_commit_and_is_persisted(fleet):
    src = "def r = checkpoint(commit: { 'committed' }, recover: { 'recovered' })\nr"
    iid = fleet.client.start(src)
    st = fleet.run_instance(iid, 10)
    assert st["result"] == "committed" and st["checkpoint_id"] == 1


def test_a_lapsed_lease_resumes_from_the_checkpoint_through_recover(fleet, settings):
    # Given a run that checkpointed and then "died" (we claim it by hand and walk away)
    src = "def r = checkpoint(commit: { 'committed' }, recover: { 'recovered' })\nr"
    iid = fleet.client.start(src)
    store = fleet.client.store
    claim = store.claim(iid, 1, "dead-worker")
    host = Host(fleet.settings)
    outcome = host.compile(claim.script_hash, store.script_source(claim.script_hash)).start({}, instance_id=iid)
    assert outcome.request.kind == "checkpoint"
    data = lang.Checkpointer.save(outcome.continuation)
    assert store.save_checkpoint(iid, 1, 1, data, lang.checkpoint_header(data).sequence)
    # When its lease lapses and the reaper sweeps
    time.sleep(settings.lease_ms / 1000 + 0.1)
    assert fleet.reaper.sweep(force=True)["leases"] == 1
    # I expect another run to restore the checkpoint and take the recover path
    st = fleet.run_instance(iid, 10)
    assert st["result"] == "recovered" and st["runs"] == 2


def test_a_queued_instance_whose_job_vanished_is_enqueued_again(fleet):
    # a queued instance in no ready set (queued by an older version whose run job was lost)
    store = fleet.client.store
    store.create("lost", script_hash("42"), "42", "{}", fleet.settings.queue, "")
    fleet.redis.delete(store.keys.ready(fleet.settings.queue), store.keys.drainers(fleet.settings.queue))
    fleet.redis.zadd(store.keys.pending, {"lost": 0})  # as an older version indexed it
    assert fleet.reaper.sweep(force=True)["jobs"] == 1
    assert fleet.run_instance("lost", 10)["result"] == 42


def test_a_ready_instance_whose_drain_job_vanished_runs_once_the_drainer_token_expires(fleet):
    store = fleet.client.store
    settings = fleet.settings
    created, _, token = store.create("orphan", script_hash("42"), "42", "{}", settings.queue, "")
    assert created and token  # the producer died before it enqueued the drain job
    fleet.step()
    assert fleet.client.status("orphan")["state"] == "queued"
    time.sleep(settings.lease_ms / 1000 + 0.15)  # the token expires; the timer wakes the queue
    assert fleet.run_instance("orphan", 10)["result"] == 42


def test_an_overdue_wait_whose_timeout_job_vanished_is_timed_out(fleet):
    iid = fleet.client.start("receive('gone', 200)")
    fleet.step()
    for reg in fleet._registries:  # the scheduled timeout job is lost
        fleet.redis.delete(reg.key)
    time.sleep(0.3)
    assert fleet.reaper.sweep(force=True)["timeouts"] == 1
    assert fleet.run_instance(iid, 10)["state"] == "completed"


def test_reply_before_wait_duplicate_and_late_replies(fleet):
    fleet.client.deliver("early", 1)
    fleet.step()
    a = fleet.client.start("receive('early', 60000)")
    assert fleet.run_instance(a, 10)["result"] == 1
    b = fleet.client.start("receive('twice', 60000)")
    fleet.step()
    fleet.client.deliver("twice", 2, message_id="m")
    fleet.client.deliver("twice", 2, message_id="m")
    assert fleet.run_instance(b, 10)["runs"] == 2
    c = fleet.client.start("receive('slow', 100)")
    assert fleet.run_instance(c, 10)["result"] is None
    fleet.client.deliver("slow", 3)
    fleet.step()
    kinds = [n["kind"] for n in fleet.client.notices()]
    assert kinds == ["buffered", "duplicate", "late"]


def test_errors_are_recorded_with_the_script_line(fleet):
    iid = fleet.client.start("def x = 1\ndef y = null\ny.z.w()")
    st = fleet.run_instance(iid, 10)
    assert st["state"] == "failed" and "line 3" in st["error"]
    with pytest.raises(ScriptFailed):
        fleet.client.result(iid, timeout=1)


def test_bad_arguments_to_receive_fail_the_instance_clearly(fleet):
    iid = fleet.client.start("receive([1], 10)")
    assert "correlation id must be a string" in fleet.run_instance(iid, 10)["error"]


def test_client_validation_and_control(fleet):
    with pytest.raises(ValueError):
        fleet.client.start("1", instance_id="has space")
    with pytest.raises(InvalidMessage):
        fleet.client.deliver("", 1)
    with pytest.raises(InvalidMessage):
        fleet.client.deliver("c", "x" * (fleet.settings.max_body_bytes + 1))
    with pytest.raises(UnknownInstance):
        fleet.client.status("nope")
    with pytest.raises(lang.JactlError):
        fleet.client.start("def x = (")
    iid = fleet.client.start("receive('forever')")
    fleet.step()
    assert fleet.client.status(iid)["timeout_at"] is None
    assert fleet.client.instances("waiting") == [iid]
    assert fleet.client.cancel(iid)
    with pytest.raises(Cancelled):
        fleet.client.result(iid, timeout=1)
    assert fleet.client.counts()["cancelled"] == 1


def test_an_oversized_send_fails_the_script_with_a_clear_error(fleet):
    iid = fleet.client.start("send('out', 'x' * 2000000)")
    st = fleet.run_instance(iid, 10)
    assert st["state"] == "failed"
    assert "send(): body is larger than 1048576 bytes @ line 1" in st["error"]


def test_state_larger_than_the_limit_fails_the_instance(fleet, settings):
    from jactl_worker.embedded import EmbeddedFleet

    small = EmbeddedFleet(settings.with_(prefix="small", max_checkpoint_bytes=2000), connection=fleet.redis)
    iid = small.client.start("def big = 'x' * 5000\nreceive('c', 1000)\nbig.size()")
    st = small.run_instance(iid, 10)
    assert st["state"] == "failed"
    assert "larger than the limit" in st["error"]


def test_a_wait_deadline_is_kept_by_the_fleet_and_a_reply_removes_it(fleet):
    iid = fleet.client.start("receive('c', 60000)")
    fleet.step()
    deadlines = fleet.client.store.keys.deadlines
    assert fleet.redis.zscore(deadlines, "c") is not None
    assert fleet.redis.zcard(fleet._registries[0].key) == 0  # no RQ scheduled job per wait
    fleet.client.deliver("c", 1)
    assert fleet.run_instance(iid, 10)["result"] == 1
    assert fleet.redis.zcard(deadlines) == 0


def test_signed_checkpoints_restore_only_with_the_same_key(redis, settings):
    from jactl_worker.embedded import EmbeddedFleet

    signed = EmbeddedFleet(settings.with_(prefix="signed", hmac_key="k1"), connection=redis)
    a = signed.client.start("receive('a', 60000)")
    b = signed.client.start("receive('b', 60000)")
    signed.step()
    signed.client.deliver("a", 1)
    assert signed.run_instance(a, 10)["result"] == 1
    # the same fleet with another key cannot restore what the first key signed
    other = EmbeddedFleet(settings.with_(prefix="signed", hmac_key="k2"), connection=redis)
    other.client.deliver("b", 2)
    st = other.run_instance(b, 10)
    assert st["state"] == "failed" and "cannot restore" in st["error"]


def test_a_redis_failure_inside_send_stops_the_run_without_failing_the_instance(fleet, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    iid = fleet.client.start("send('out', 1)\n'done'")

    def broken(*args, **kwargs):
        raise RedisConnectionError("connection reset")

    from jactl_worker import store as store_module

    monkeypatch.setattr(store_module.Store, "send", broken)
    fleet.step()
    st = fleet.client.status(iid)
    assert st["state"] == "running" and st["error"] is None   # left for the lease to lapse
    monkeypatch.undo()
    time.sleep(fleet.settings.lease_ms / 1000 + 0.1)
    fleet.reaper.sweep(force=True)
    assert fleet.run_instance(iid, 10)["result"] == "done"


def test_a_runaway_script_fails_with_a_clear_error_and_the_fleet_goes_on(redis):
    # Given a fleet whose instances get a 200 ms running-time budget
    from jactl_worker.config import Settings
    from jactl_worker.embedded import EmbeddedFleet
    settings = Settings(prefix="rw", queue="rwq", lease_ms=1000, reap_interval_ms=100,
                        claim_idle_ms=0, requeue_after_ms=0, timeout_grace_ms=0,
                        max_execution_ms=200)
    fleet = EmbeddedFleet(settings, connection=redis)
    # When a script loops forever
    bad = fleet.client.start("def i = 0\nwhile (true) { i++ }")
    st = fleet.run_instance(bad, 20)
    # I expect it to fail with the limit and its script line, and the next script to run
    assert st["state"] == "failed"
    assert "Execution time exceeded" in st["error"] and "line 2" in st["error"]
    ok = fleet.client.start("1 + 1")
    assert fleet.run_instance(ok, 10)["result"] == 2


def test_what_a_script_prints_is_kept_for_the_instance_not_written_to_the_worker(fleet, capsys):
    iid = fleet.client.start("println 'hello'\nprint 'x=' + 1\ndef r = receive('p-' + instanceId, 60000)\nprintln r\n7")
    fleet.step()
    fleet.client.deliver(f"p-{iid}", "again")
    assert fleet.run_instance(iid, 10)["result"] == 7
    assert fleet.client.output(iid) == "hello\nx=1again\n"
    assert "hello" not in capsys.readouterr().out


def test_output_of_a_run_is_capped(fleet):
    fleet.settings = fleet.settings  # the cap comes from the worker's settings
    iid = fleet.client.start("for (int i = 0; i < 20000; i++) { println 'line of output ' + i }\n1")
    assert fleet.run_instance(iid, 30)["result"] == 1
    out = fleet.client.output(iid)
    assert len(out) < fleet.settings.max_output_bytes + 200 and out.rstrip().endswith("characters]")


def test_nextline_reads_nothing_in_a_worker(fleet):
    iid = fleet.client.start("nextLine() == null")
    assert fleet.run_instance(iid, 10)["result"] is True


@pytest.mark.parametrize("call", [
    "receive('t', '1e400' as Decimal)",
    "receive('t', '1e1000000' as Decimal)",
    "receive('t', '1e40' as double)",
    "sleep('1e1000000' as Decimal, 1)",
    "receive('t', 'soon')",
])
def test_absurd_timeouts_and_sleeps_fail_the_script_before_anything_is_written(fleet, call):
    # finding 8: a timeout of 1e400 made park.lua fail half-way, leaving the instance waiting
    t0 = time.monotonic()
    iid = fleet.client.start(call)
    st = fleet.run_instance(iid, 10)
    assert st["state"] == "failed"
    assert any(w in st["error"] for w in ("longest wait", "number", "out of range"))
    assert time.monotonic() - t0 < 5
    assert fleet.client.store.wait_record("t") is None
    assert fleet.redis.zcard(fleet.client.store.keys.deadlines) == 0


def test_a_source_that_does_not_match_its_hash_is_refused(fleet):
    # finding 7: a source planted under an instance's script hash must never run
    iid = fleet.client.start("def r = receive('m-' + instanceId, 60000)\nr")
    fleet.step()
    h = fleet.client.status(iid)["script"]
    fleet.redis.set(fleet.client.store.keys.script(h), "send('stolen', instanceId)\n'planted'")
    from jactl_worker import jobs
    for rt in jobs._runtimes.values():
        rt.store._scripts.clear()      # a fresh worker process: nothing cached
    fleet.client.deliver(f"m-{iid}", 1)
    st = fleet.run_instance(iid, 10)
    assert st["state"] == "failed" and "does not match its hash" in st["error"]
    assert fleet.client.read("stolen") == []


def test_globals_get_the_same_bounds_as_reply_bodies(fleet):
    from decimal import Decimal
    with pytest.raises(InvalidMessage):
        fleet.client.start("n", {"n": Decimal("1e1000000")})
    deep = current = []
    for _ in range(300):
        current.append([])
        current = current[0]
    with pytest.raises(InvalidMessage):
        fleet.client.start("n", {"n": deep})


def test_redis_losing_its_data_leaves_a_record(fleet):
    # finding 8: after Redis lost its data, parked instances vanished without any record
    iid = fleet.client.start("receive('gone-' + instanceId, 60000)")
    fleet.step()
    fleet.reaper.sweep(force=True)
    fleet.redis.flushall()
    fleet.reaper.sweep(force=True)
    fleet.reaper.sweep(force=True)
    [n] = fleet.client.notices("data-loss")
    assert "Redis lost the fleet's data" in n["detail"]
    with pytest.raises(UnknownInstance):
        fleet.client.status(iid)


def test_a_drain_job_waiting_in_its_queue_is_left_alone(fleet):
    iid = fleet.client.start("1")
    q = fleet.client.dispatch.queue(fleet.settings.queue)
    assert q.count == 1  # one drain job, holding a live drainer token
    assert fleet.timer.tick() == 0 and q.count == 1  # the timer sees a live drainer
    assert fleet.reaper.sweep(force=True)["jobs"] == 0
    assert fleet.run_instance(iid, 10)["result"] == 1


def test_many_ready_instances_share_a_few_drain_jobs(fleet):
    ids = fleet.client.start_many("instanceId + x", [{"x": i} for i in range(50)])
    q = fleet.client.dispatch.queue(fleet.settings.queue)
    assert q.count == fleet.settings.max_drainers
    fleet.run_until(lambda: fleet.client.counts()["completed"] == 50, 20)
    assert [fleet.client.status(i)["result"] for i in ids] == [f"{i}{n}" for n, i in enumerate(ids)]
    assert fleet.redis.zcard(fleet.client.store.keys.drainers(fleet.settings.queue)) == 0


def test_start_many_checks_everything_before_writing(fleet):
    import pytest

    from jactl_worker.errors import InvalidMessage

    with pytest.raises(ValueError):
        fleet.client.start_many("1", [{}, {}], instance_ids=["ok", "bad id!"])
    with pytest.raises(InvalidMessage):
        fleet.client.start_many("1", [{}, {1: 2}])  # globals need string keys
    assert fleet.client.counts()["queued"] == 0
    assert fleet.client.start_many("1", [{}], instance_ids=["a"]) == ["a"]
    assert fleet.client.start_many("2", [{}], instance_ids=["a"]) == ["a"]  # exists: left alone
    assert fleet.run_instance("a", 10)["result"] == 1


def test_eval_is_off_in_the_fleet_and_limits_reach_the_script(fleet):
    st = fleet.run_instance(fleet.client.start("eval('1 + 1')"), 10)
    assert st["state"] == "failed" and "eval() is disabled" in st["error"]
    st = fleet.run_instance(fleet.client.start("'x' * 100000000"), 10)
    assert st["state"] == "failed" and "max_value_bytes" in st["error"]


def test_a_worker_keeps_a_bounded_number_of_compiled_scripts(monkeypatch):
    import jactl_worker.host as host_module
    from jactl_worker.config import Settings as S

    monkeypatch.setattr(host_module, "MAX_COMPILED", 2)
    host = host_module.Host(S())
    for src in ("1", "2", "1", "3"):  # "2" is the least recently used when "3" comes
        host.compile(script_hash(src), src)
    assert list(host._compiled) == [script_hash("1"), script_hash("3")]


def test_pipelined_transitions_survive_redis_losing_its_scripts(fleet):
    iid = fleet.client.start("def a = checkpoint(commit: { 1 }, recover: { 2 })\nreceive('gone-scripts', 60000) + a")
    fleet.step()
    assert fleet.client.status(iid)["state"] == "waiting"
    fleet.redis.script_flush()  # as after a Redis restart: the listener's and drainer's EVALSHAs fail once
    fleet.client.deliver("gone-scripts", 41)
    assert fleet.run_instance(iid, 10)["result"] == 42
    fleet.redis.script_flush()
    assert fleet.client.start_many("7", [{}], instance_ids=["after-flush"]) == ["after-flush"]
    assert fleet.run_instance("after-flush", 10)["result"] == 7
