"""`jactl-worker demo --dashboard` with no Redis configured: the demo runs on the embedded
fakeredis, then keeps the fleet running and serves the dashboard on it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_keeps_running_with_the_dashboard(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "JACTL_REDIS_URL"}
    env["PYTHONUNBUFFERED"] = "1"
    log = tmp_path / "demo.log"
    p = subprocess.Popen([sys.executable, "-m", "jactl_worker", "demo", "--fast", "--dashboard", "--port", str(port)],
                         env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        end = time.monotonic() + 120
        page = None
        while time.monotonic() < end and p.poll() is None:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/instances?state=waiting", timeout=5).read().decode()
                if 'class="row' in page:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        out = log.read_text(errors="replace")
        assert p.poll() is None, out
        assert "an in-process fakeredis" in out and "[done] completed" in out
        assert re.search(rf"http://127\.0\.0\.1:{port}/login\?token=\S+", out)
        ids = re.findall(r'data-id="([^"]+)"', page)
        assert ids and all(i.startswith("order-") for i in ids)
        html = urllib.request.urlopen(f"http://127.0.0.1:{port}/instances/{ids[0]}", timeout=5).read().decode()
        assert 'class="line here"' in html
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
