"""The lease keeper a script cannot starve: a separate process per worker.

A run's lease must be renewed while the run is alive and must lapse when its worker is dead,
so that another worker takes the instance over - and never while the first one still runs
it. A renewal thread inside the worker cannot promise that: a script stuck in one long C call
(a catastrophic regex backtrack, a huge number conversion) holds the GIL, the thread stops,
the lease lapses and the instance is taken over again and again while the first run still
burns its CPU. So the lease is renewed from a child process, with its own interpreter and its
own GIL, which only needs the worker's process to be alive:

* the worker tells it, over a pipe, which run it holds (``hold``) and when that run ends
  (``release``): one short write per run, no other traffic;
* it renews the held run's lease every ``lease_ms / 3``; if a renewal is refused (the run
  was fenced off: cancelled, or taken over after Redis trouble) it tells the worker
  (``lost``), whose next host call stops the run;
* it enforces a hard deadline per run: the running-time budget plus a grace period. A run
  that is still inside one call past it never reached a Python-level limit check; the watchdog
  fails the instance (a fenced write, like any of the run's own) and SIGKILLs the worker,
  which its supervisor (Procfile, Kubernetes, systemd) restarts. One runaway script costs one
  worker restart, not a retry loop;
* when the worker dies, the pipe closes and the watchdog exits at once, renewing nothing more:
  the dead worker's lease lapses as it should.

With no Redis URL to connect to (the embedded fakeredis fleet) the worker keeps its leases
with a thread instead (instance.LeaseKeeper); everything else is the same.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time

log = logging.getLogger("jactl_worker.watchdog")


class Watchdog:
    """The worker's end: starts the child and tells it about runs (same interface as the
    thread-based LeaseKeeper: hold, release, stop)."""

    def __init__(self, settings, redis_url: str):
        self.settings = settings
        env = dict(os.environ, JACTL_REDIS_URL=redis_url, JACTL_PREFIX=settings.prefix,
                   JACTL_LEASE_MS=str(settings.lease_ms),
                   JACTL_WATCHDOG_GRACE_MS=str(settings.watchdog_grace_ms))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "jactl_worker.watchdog", str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True)
        self._lock = threading.Lock()
        self._run = None
        self._reader = threading.Thread(target=self._read, name="jactl-watchdog-reader", daemon=True)
        self._reader.start()

    def hold(self, run) -> None:
        """``run`` starts now; it may take at most its budget + grace."""
        s = self.settings
        budget_ms = s.max_execution_ms or s.job_timeout_s * 1000
        deadline = int(time.time() * 1000) + budget_ms + s.watchdog_grace_ms
        with self._lock:
            self._run = run
        self._send(f"hold {run.run_seq} {deadline} {budget_ms} {run.instance_id}")

    def release(self) -> None:
        with self._lock:
            self._run = None
        self._send("release")

    def stop(self) -> None:
        try:
            self._proc.stdin.close()
        except OSError:
            pass
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()

    def _send(self, line: str) -> None:
        try:
            self._proc.stdin.write(line.encode() + b"\n")
            self._proc.stdin.flush()
        except (OSError, ValueError):
            log.error("the lease watchdog process is gone; leases of this worker will lapse")

    def _read(self) -> None:
        for raw in self._proc.stdout:
            parts = raw.decode(errors="replace").split(" ", 2)
            if parts[0] == "lost" and len(parts) == 3:
                with self._lock:
                    run = self._run
                if run is not None and str(run.run_seq) == parts[1] and run.instance_id == parts[2].rstrip("\n"):
                    run.lost = True


def _watch(parent_pid: int) -> None:
    """The child's loop: renew the held lease, enforce the deadline, exit with the parent."""
    from redis import Redis

    from .config import Settings
    from .store import Store

    settings = Settings.from_env()
    store = Store(Redis.from_url(settings.redis_url), settings)
    interval = settings.lease_ms / 3000
    held = None  # (run_seq, deadline_ms, budget_ms, instance_id)
    next_renew = 0.0
    buf = b""
    fd = sys.stdin.fileno()
    while True:
        now = time.monotonic()
        timeout = max(0.0, next_renew - now) if held else None
        if held:
            timeout = min(timeout, max(0.0, held[1] / 1000 - time.time()))
        ready, _, _ = select.select([fd], [], [], timeout)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                return  # the worker died or stopped: renew nothing more
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                parts = line.decode(errors="replace").split(" ", 4)
                if parts[0] == "hold" and len(parts) == 5:
                    held = (int(parts[1]), int(parts[2]), int(parts[3]), parts[4])
                    next_renew = time.monotonic() + interval
                elif parts[0] == "release":
                    held = None
        if not held:
            continue
        run_seq, deadline, budget_ms, instance_id = held
        if time.time() * 1000 >= deadline:
            _stop_runaway(store, parent_pid, instance_id, run_seq, budget_ms, settings.watchdog_grace_ms)
            return
        if time.monotonic() >= next_renew:
            next_renew = time.monotonic() + interval
            if _stopped(parent_pid):
                continue  # SIGSTOPped or traced: hung, not busy; let the lease lapse
            try:
                if not store.renew(instance_id, run_seq):
                    sys.stdout.write(f"lost {run_seq} {instance_id}\n")
                    sys.stdout.flush()
                    held = None
            except Exception as e:  # Redis unreachable: the lease may lapse; fencing keeps us safe
                log.warning("lease renewal of %s failed: %s", instance_id, e)


def _stopped(pid: int) -> bool:
    """True if the process is stopped (SIGSTOP, a debugger): such a worker is hung, not busy
    in a long call, and its lease must lapse. (Linux /proc; elsewhere never "stopped".)"""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    state = stat[stat.rfind(b")") + 2:stat.rfind(b")") + 3]
    return state in (b"T", b"t")


def _stop_runaway(store, parent_pid: int, instance_id: str, run_seq: int, budget_ms: int, grace_ms: int) -> None:
    msg = (f"Execution time exceeded limit of {budget_ms} ms: one operation ran past it without "
           f"returning (+{grace_ms} ms grace), so the worker process running it was stopped")
    try:
        store.finish(instance_id, run_seq, "failed", msg)
    except Exception as e:  # the lease lapses instead, and lost runs are counted
        log.error("could not record the runaway run of %s: %s", instance_id, e)
    log.error("instance %s run %s: %s", instance_id, run_seq, msg)
    try:
        os.kill(parent_pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C of the worker's terminal is the worker's
    _watch(int(sys.argv[1]))
