"""Start -> run -> park -> wake -> complete, on real Redis with real worker and listener
processes."""

import json
import time

import pytest

from jactl_worker import Cancelled, ScriptFailed

from .conftest import wait_for


def test_a_script_runs_to_completion_on_a_worker_process(fleet):
    fleet.worker()
    iid = fleet.client.start("def x = a + 1\nsend('log', [got: x])\nx * 2", {"a": 20}, reply_to="done")
    assert fleet.client.result(iid, timeout=20) == 42
    st = fleet.client.status(iid)
    assert st["state"] == "completed" and st["runs"] == 1 and st["error"] is None
    assert st["created_at"] <= st["started_at"] <= st["ended_at"]
    assert [m["body"] for m in fleet.client.read("log")] == [{"got": 21}]
    [done] = fleet.client.read("done")
    assert done["state"] == "completed" and done["result"] == 42 and done["from"] == iid


def test_receive_parks_the_script_and_a_reply_resumes_it(fleet):
    fleet.worker()
    fleet.listener()
    src = "def reply = receive('pay-' + instanceId, 60000)\n[paid: reply.amount, id: instanceId]"
    iid = fleet.client.start(src, instance_id="order-1")
    wait_for(lambda: fleet.client.status(iid)["state"] == "waiting", what="the script to park")
    st = fleet.client.status(iid)
    assert st["waiting_on"] == "pay-order-1" and st["timeout_at"] > time.time() * 1000
    # Given the script is parked, no worker holds it: its continuation is bytes in Redis.
    wait = fleet.client.store.wait_record("pay-order-1")
    point = fleet.client.store.point(iid)
    assert wait["status"] == "waiting" and wait["instance"] == iid
    assert point["kind"] == "wait" and point["corr"] == "pay-order-1" and len(point["continuation"]) > 0
    fleet.client.deliver("pay-order-1", {"amount": 12.5})
    assert fleet.client.result(iid, timeout=20) == {"paid": 12.5, "id": "order-1"}
    assert fleet.client.status(iid)["runs"] == 2


def test_receive_returns_null_when_the_timeout_passes_and_never_early(fleet):
    fleet.worker()
    src = "def t0 = nanoTime()\ndef r = receive('never-' + instanceId, 1500)\n[r: r]"
    t0 = time.time()
    iid = fleet.client.start(src)
    assert fleet.client.result(iid, timeout=20) == {"r": None}
    st = fleet.client.status(iid)
    # RQ's scheduler may fire up to ~1 s early; the timeout job re-arms until the deadline.
    wait = fleet.client.store.wait_record(f"never-{iid}")
    assert wait["resolution"] == "timeout"
    assert int(wait["resolved_at"]) >= int(wait["deadline"])
    assert st["ended_at"] / 1000 - t0 >= 1.5


def test_a_long_sleep_parks_and_resumes_with_its_value(fleet):
    fleet.worker()
    iid = fleet.client.start("def v = sleep(1800, 'woke')\nv")
    wait_for(lambda: fleet.client.status(iid)["state"] == "waiting", what="the sleep to park")
    assert fleet.client.status(iid)["wait_kind"] == "sleep"
    assert fleet.client.result(iid, timeout=20) == "woke"
    st = fleet.client.status(iid)
    assert st["ended_at"] - st["started_at"] >= 1800


def test_a_script_error_is_recorded_with_its_line(fleet):
    fleet.worker()
    iid = fleet.client.start("def x = 1\n\ndef y = x / 0\ny")
    with pytest.raises(ScriptFailed) as e:
        fleet.client.result(iid, timeout=20)
    assert "line 3" in e.value.error
    assert fleet.client.status(iid)["state"] == "failed"


def test_cancel_ends_a_waiting_instance_and_a_later_reply_is_late(fleet):
    fleet.worker()
    fleet.listener()
    iid = fleet.client.start("receive('c-' + instanceId, 60000)")
    wait_for(lambda: fleet.client.status(iid)["state"] == "waiting", what="park")
    assert fleet.client.instances("waiting") == [iid]
    assert fleet.client.cancel(iid) is True
    with pytest.raises(Cancelled):
        fleet.client.result(iid, timeout=5)
    fleet.client.deliver(f"c-{iid}", 1)
    wait_for(lambda: fleet.client.notices("late"), what="the late notice")
    assert fleet.client.status(iid)["state"] == "cancelled"
    assert fleet.client.cancel(iid) is False


def test_starting_an_instance_id_twice_starts_one_instance(fleet):
    fleet.worker()
    a = fleet.client.start("send('log', 1)\n1", instance_id="once")
    b = fleet.client.start("send('log', 1)\n1", instance_id="once")
    assert a == b == "once"
    assert fleet.client.result("once", timeout=20) == 1
    time.sleep(0.3)
    assert len(fleet.client.read("log")) == 1
    assert fleet.client.status("once")["runs"] == 1


def test_duplicate_run_jobs_on_two_workers_run_the_instance_once(fleet):
    # Given the same run enqueued five more times (as a retry storm or a replayed enqueue would)
    fleet.worker()
    fleet.worker()
    iid = fleet.client.start("send('log', 'ran')\nsleep(300)\n'ok'")
    for n in range(5):
        fleet.client.dispatch.queue(fleet.queue).enqueue_call(
            "jactl_worker.jobs.run_job", args=(fleet.prefix, iid, 1), job_id=f"dup-{fleet.id}-{n}")
    assert fleet.client.result(iid, timeout=20) == "ok"
    time.sleep(1.0)
    # I expect one run, whichever worker got there first
    assert fleet.client.status(iid)["runs"] == 1
    assert len(fleet.client.read("log")) == 1


def test_the_cli_drives_a_fleet(fleet, tmp_path):
    import subprocess
    import sys

    fleet.worker()
    fleet.listener()
    env = {"JACTL_REDIS_URL": fleet.settings.redis_url, "JACTL_PREFIX": fleet.prefix, "JACTL_QUEUE": fleet.queue}

    def cli(*args, stdin=None):
        import os

        r = subprocess.run([sys.executable, "-m", "jactl_worker", *args], input=stdin, capture_output=True,
                           text=True, env={**os.environ, **env}, cwd=tmp_path, timeout=60)
        return r.returncode, r.stdout.strip(), r.stderr

    script = tmp_path / "s.jactl"
    script.write_text("def r = receive('cli-' + instanceId, 60000)\n[r: r, n: n]")
    code, iid, err = cli("start", str(script), "-g", "n=5", "--id", "cli-1")
    assert code == 0 and iid == "cli-1", err
    wait_for(lambda: fleet.client.status(iid)["state"] == "waiting", what="park")
    assert cli("list", "--state", "waiting")[1] == "cli-1"
    assert '"state": "waiting"' in cli("status", "cli-1")[1]
    assert cli("deliver", "cli-cli-1", '{"ok": true}')[0] == 0
    code, out, err = cli("result", "cli-1", "--timeout", "20")
    assert code == 0 and json.loads(out) == {"r": {"ok": True}, "n": 5}, err
    code, out, err = cli("start", "-", "--wait", "20", stdin="die 'boom'")
    assert code == 1 and "boom" in err
    code, out, err = cli("cancel", "cli-1")
    assert out == "already ended"
    assert cli("status", "nope")[0] == 1
