"""The chaos soak in its CI size (bench/chaos.py --short): a private redis-server with AOF,
2 worker and 2 listener processes kill -9-ed every few seconds, Redis restarted once,
~150 instances with early, duplicate, late, reused and poison replies. Every instance must end
exactly once with its own result.

Runs the soak as a subprocess (it owns its processes and its Redis, and cleans them up); needs
redis-server on PATH. About a minute on a quiet 2-core machine.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CHAOS = ROOT / "bench" / "chaos.py"

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not on PATH")


def _soak(tmp_path, *args):
    out = tmp_path / "summary.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(CHAOS), "--short", "--json", str(out), *args], check=False, cwd=ROOT,
                          env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=400)
    summary = json.loads(out.read_text()) if out.exists() else {}
    return proc, summary


def test_every_instance_ends_exactly_once_with_its_own_result_under_chaos(tmp_path):
    proc, s = _soak(tmp_path)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    assert last.startswith("CHAOS "), proc.stdout[-5000:]
    assert s.get("verdict") in ("PASS", "FAIL"), proc.stdout[-5000:]  # not a harness error or abort
    assert s["started"] == s["instances"] - s["classes"].get("not started (its reuse partner never got its reply)", 0)
    assert s["kills"] and s["redis_restarts"] == 1, s  # the chaos did happen
    assert proc.returncode == 0, proc.stdout[-8000:]
    assert s["ok"] == s["instances"] and s["lost"] == s["stuck"] == s["wrong"] == 0, s
    assert not s["unexpected_exits"], (s["unexpected_exits"], s["exit_causes"])  # no process died on its own
