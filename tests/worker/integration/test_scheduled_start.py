"""A scheduled start on a real fleet: `jactl-worker start --in` with a worker process running,
which must not run the instance before its time and must run it soon after."""

import os
import subprocess
import sys
import time

from .conftest import REDIS_URL


def test_cli_start_in_runs_on_a_worker_after_the_delay(fleet, tmp_path):
    fleet.worker()
    script = tmp_path / "s.jactl"
    script.write_text("'scheduled ' + x")
    env = {**os.environ, "JACTL_REDIS_URL": REDIS_URL, "JACTL_PREFIX": fleet.prefix, "JACTL_QUEUE": fleet.queue}
    t0 = time.time()
    out = subprocess.run([sys.executable, "-m", "jactl_worker", "start", str(script), "-g", 'x="later"',
                          "--in", "3s"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    iid = out.stdout.strip()
    time.sleep(1.5)
    assert fleet.client.status(iid)["state"] == "queued"
    assert fleet.client.result(iid, timeout=30) == "scheduled later"
    st = fleet.client.status(iid)
    assert st["started_at"] >= st["start_at"] >= int((t0 + 3) * 1000) - 50
    assert st["started_at"] - st["start_at"] < 5000   # the timer woke the queue when it came due
