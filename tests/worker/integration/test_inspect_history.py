"""inspect and history against a real fleet: real Redis, `python -m jactl_worker worker`
processes, one of them killed with SIGKILL, and the CLI as an operator runs it."""

import json
import os
import signal
import subprocess
import sys

from jactl_worker.history import read_history
from jactl_worker.inspect import find_waiting, inspect_instance

from .conftest import REDIS_URL, wait_for

CRASHY = """\
def work(String tag) {
  def r = checkpoint(commit: { tag + '-committed' }, recover: { tag + '-recovered' })
  sleep(8000)
  return r
}
def out = ['a'].map{ work(it) }
def reply = receive('after-' + instanceId, 60000)
[out, reply]"""


def _cli(fleet, *args):
    env = {**os.environ, "JACTL_REDIS_URL": REDIS_URL, "JACTL_PREFIX": fleet.prefix}
    return subprocess.run([sys.executable, "-m", "jactl_worker", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def test_a_worker_killed_after_a_checkpoint_is_inspected_and_its_recovery_is_in_the_history(fleet):
    workers = [fleet.worker(JACTL_INLINE_SLEEP_MS="20000") for _ in range(2)]
    fleet.listener()
    iid = fleet.client.start(CRASHY, instance_id=f"crash-{fleet.id}")
    wait_for(lambda: fleet.client.status(iid)["checkpoint_id"] == 1, what="the checkpoint")
    a = fleet.proc_running(iid)
    b = next(w for w in workers if w is not a)
    # while it runs, inspect shows the checkpoint it would restart from
    info = inspect_instance(fleet.redis, fleet.settings, iid)
    assert info["state"] == "running" and info["worker"] == a.name and info["point"] == "checkpoint"
    assert [f["function"] for f in info["frames"]] == ["script", "map", "closure", "work", "checkpoint"]
    assert info["frames"][3]["locals"] == {"tag": "a"} and info["line"] == 2
    a.signal(signal.SIGKILL)   # mid-sleep, after the checkpoint
    corr = f"after-{iid}"
    wait_for(lambda: fleet.client.status(iid)["waiting_on"] == corr, timeout=60, what="the recovered run to park")
    # parked after the recovery: the receive on line 7, the map's result in a local
    info = inspect_instance(fleet.redis, fleet.settings, iid)
    assert info["state"] == "waiting" and info["wait"]["correlation_id"] == corr and info["line"] == 7
    assert info["frames"][0]["locals"]["out"] == "['a-recovered']"
    assert [w["instance_id"] for w in find_waiting(fleet.redis, fleet.prefix, "after-")] == [iid]
    hist = read_history(fleet.redis, fleet.prefix, iid)
    assert [e["event"] for e in hist] == ["created", "run-started", "checkpoint", "lease-lapsed",
                                          "run-started", "parked"]
    assert hist[1]["worker"] == a.name and hist[3]["worker"] == a.name
    assert hist[4]["worker"] == b.name and hist[4]["cause"] == "recovery"
    # the CLI, as an operator runs it
    out = _cli(fleet, "inspect", iid)
    assert out.returncode == 0, out.stderr
    assert " > 7 | def reply = receive('after-' + instanceId, 60000)" in out.stdout
    assert "out = ['a-recovered']" in out.stdout and f"waits: receive on '{corr}'" in out.stdout
    js = json.loads(_cli(fleet, "inspect", iid, "--json").stdout)
    assert js["frames"][0]["line"] == 7 and js["wait"]["correlation_id"] == corr
    fleet.client.deliver(corr, "ok")
    assert fleet.client.result(iid, timeout=30) == [["a-recovered"], "ok"]
    events = json.loads(_cli(fleet, "history", iid, "--json").stdout)
    assert [e["event"] for e in events][-3:] == ["reply-matched", "run-started", "completed"]
    text = _cli(fleet, "history", iid).stdout
    assert "lease-lapsed" in text and f"worker={a.name}" in text and "cause=recovery" in text
    assert b.popen.poll() is None


def test_cli_inspect_and_history_of_an_unknown_instance_fail_clearly(fleet):
    out = _cli(fleet, "inspect", "nope")
    assert out.returncode != 0 and "no instance 'nope'" in out.stderr
    out = _cli(fleet, "history", "nope")
    assert out.returncode != 0 and "no instance 'nope'" in out.stderr
