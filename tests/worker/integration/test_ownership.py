"""Issue 8 with real Redis and real worker/listener processes: a restart point belongs to its
instance (finding 2), lost runs are counted (finding 3), a worker busy in one long C call is
told apart from a dead one, and a runaway call cannot hold a worker past its budget."""

import signal
import time

import pytest

from jactl_worker import ScriptFailed

from .conftest import wait_for

WAIT_ON_ORDER = """
def r = receive('order-1', 60000)
[me: instanceId, got: r, mine: mine]
"""


def test_a_reused_correlation_id_never_mixes_two_instances(fleet):
    # Given A waiting on order-1 on queue qa, resolved while no worker serves qa yet
    qa, qb = fleet.queue + "-a", fleet.queue + "-b"
    wa = fleet._spawn("worker", ["worker", "-q", qa])
    a = fleet.client.start(WAIT_ON_ORDER, {"mine": "A"}, queue=qa)
    wait_for(lambda: fleet.client.status(a)["state"] == "waiting", what="A to park")
    wa.signal(signal.SIGTERM)
    wa.popen.wait(20)
    fleet.listener()
    fleet.client.deliver("order-1", "reply for A")
    wait_for(lambda: fleet.client.status(a)["state"] == "queued", what="A's wait to resolve")
    # When B parks on the same correlation id before A has resumed
    fleet._spawn("worker", ["worker", "-q", qb])
    b = fleet.client.start(WAIT_ON_ORDER, {"mine": "B"}, queue=qb)
    wait_for(lambda: fleet.client.status(b)["state"] == "waiting", what="B to park")
    fleet._spawn("worker", ["worker", "-q", qa])
    # I expect A to resume with its own state and reply, and B with its own
    assert fleet.client.result(a, timeout=30) == {"me": a, "got": "reply for A", "mine": "A"}
    assert fleet.client.status(b)["state"] == "waiting"
    fleet.client.deliver("order-1", "reply for B")
    assert fleet.client.result(b, timeout=30) == {"me": b, "got": "reply for B", "mine": "B"}


@pytest.mark.fleet_env(JACTL_LEASE_MS="2000")
def test_a_worker_busy_in_one_long_c_call_keeps_its_lease(fleet):
    # finding 3: the lease thread starved while a call held the GIL; other workers took over
    fleet.worker(JACTL_FAULT="worker-hold-gil:7")
    iid = fleet.client.start("send('log', 'ran')\n'ok'")
    wait_for(lambda: fleet.client.status(iid)["state"] == "running", what="the run to start")
    fleet.worker()  # a healthy worker that would take the instance over if the lease lapsed
    assert fleet.client.result(iid, timeout=40) == "ok"
    st = fleet.client.status(iid)
    assert st["runs"] == 1 and st["lapses"] == 0
    assert [m["body"] for m in fleet.client.read("log")] == ["ran"]


@pytest.mark.fleet_env(JACTL_MAX_EXECUTION_MS="1500", JACTL_WATCHDOG_GRACE_MS="1000")
def test_a_runaway_call_fails_its_instance_and_its_worker_is_stopped(fleet):
    doomed = fleet.worker(JACTL_FAULT="worker-hold-gil:120")
    iid = fleet.client.start("'never'")
    t0 = time.monotonic()
    with pytest.raises(ScriptFailed) as e:
        fleet.client.result(iid, timeout=30)
    assert "Execution time exceeded limit of 1500 ms" in e.value.error
    assert time.monotonic() - t0 < 15
    wait_for(lambda: doomed.popen.poll() is not None, what="the runaway worker to be stopped")
    assert doomed.popen.returncode == -signal.SIGKILL
    assert fleet.client.status(iid)["runs"] == 1
    # the rest of the fleet goes on
    fleet.worker()
    assert fleet.client.result(fleet.client.start("1 + 1"), timeout=30) == 2


@pytest.mark.fleet_env(JACTL_RETRY_BACKOFF_MS="100", JACTL_MAX_ATTEMPTS="3")
def test_an_instance_whose_runs_keep_dying_fails_after_max_attempts(fleet):
    # finding 3: a run that is killed every time (OOM-killed, say) was requeued with no end
    src = "send('log', 'run')\nfor (int i = 0; i < 100; i++) { sleep(500) }\n'done'"
    iid = fleet.client.start(src)
    for n in range(1, 4):
        w = fleet.worker(JACTL_INLINE_SLEEP_MS="1000")
        wait_for(lambda: len(fleet.client.read("log")) == n, timeout=40, what=f"run {n}")
        w.signal(signal.SIGKILL)
    fleet.worker()  # its recovery sweep finds the third lapse
    with pytest.raises(ScriptFailed) as e:
        fleet.client.result(iid, timeout=40)
    assert e.value.error.startswith("run lost its lease 3 times; last worker worker-")
    st = fleet.client.status(iid)
    assert st["runs"] == 3 and st["lapses"] == 3


@pytest.mark.fleet_env(JACTL_MAX_MEMORY_MB="900")
def test_a_script_that_runs_out_of_memory_fails_its_instance_and_the_worker_goes_on(fleet):
    w = fleet.worker()
    iid = fleet.client.start("def l = []\nwhile (true) { l <<= ('x' * 1000000) + l.size() }\n1")
    with pytest.raises(ScriptFailed) as e:
        fleet.client.result(iid, timeout=60)
    assert "ran out of memory (worker limit 900 MB)" in e.value.error
    assert w.popen.poll() is None
    assert fleet.client.result(fleet.client.start("[1, 2].sum()"), timeout=30) == 3


@pytest.fixture
def persistent(tmp_path, monkeypatch):
    """A fleet on its own redis-server with AOF (fsync always), to restart mid-run."""
    from .conftest import private_fleet

    yield from private_fleet(tmp_path, monkeypatch, "--appendonly", "yes", "--appendfsync", "always",
                             "--save", "")


def test_workers_outlive_a_redis_restart_in_the_middle_of_a_run(persistent):
    # chaos soak: a worker inside a job when Redis went away quit (RQ's failure handling hit
    # the closed connection), and one started while Redis was down died at once
    fleet = persistent
    busy = fleet.worker(JACTL_INLINE_SLEEP_MS="1000")
    fleet.listener()
    iid = fleet.client.start("send('log', 'run')\nfor (int i = 0; i < 8; i++) { sleep(500) }\n'done'")
    wait_for(lambda: fleet.client.read("log"), what="the run to start")
    fleet.server.stop()
    late = fleet.worker(wait=False)
    time.sleep(2.0)
    fleet.server.start()
    assert fleet.client.result(iid, timeout=60) == "done"
    assert busy.popen.poll() is None, busy.output()
    assert late.popen.poll() is None, late.output()
    assert fleet.client.result(fleet.client.start("6 * 7"), timeout=30) == 42
