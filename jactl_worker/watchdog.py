"""The lease keeper a script cannot starve: a separate process per worker.

A run's lease must be renewed while the run is alive and must lapse when its worker is dead,
so that another worker takes the instance over - and never while the first one still runs
it. A renewal thread inside the worker cannot promise that: a script stuck in one long C call
(a catastrophic regex backtrack, a huge number conversion) holds the GIL, the thread stops,
the lease lapses and the instance is taken over again and again while the first run still
burns its CPU. So the lease is renewed from a child process, with its own interpreter and its
own GIL, which only needs the worker's process to be alive:

* the worker tells it which run it holds (``hold``) and when that run ends (``release``) by
  writing a small slot in memory shared with the child (a memfd): no system call and no
  wake-up of the child per run, which a pipe write cost (~0.1-0.3 ms a run: with batches of
  short runs that was a fifth of a checkpointed instance's whole cost). The child reads the
  slot every ``POLL_S``; a run shorter than that is never seen, which is right: its lease was
  set by its claim and needs no renewal, and no deadline can pass in it;
* it renews the held run's lease every ``lease_ms / 3``; if a renewal is refused (the run
  was fenced off: cancelled, or taken over after Redis trouble) it tells the worker
  (``lost``), whose next host call stops the run;
* it enforces a hard deadline per run: the running-time budget plus a grace period. A run
  that is still inside one call past it never reached a Python-level limit check; the watchdog
  fails the instance (a fenced write, like any of the run's own) and SIGKILLs the worker,
  which its supervisor (Procfile, Kubernetes, systemd) restarts. One runaway script costs one
  worker restart, not a retry loop;
* when the worker dies, the pipe to the child (its stdin, otherwise unused) closes and the
  watchdog exits at once, renewing nothing more: the dead worker's lease lapses as it should.

The slot is a seqlock: the worker makes the generation odd, writes the fields, makes it even;
the child accepts a read only if the generation was even and unchanged around it.

With no Redis URL to connect to (the embedded fakeredis fleet) the worker keeps its leases
with a thread instead (instance.LeaseKeeper); everything else is the same.
"""

from __future__ import annotations

import logging
import mmap
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

log = logging.getLogger("jactl_worker.watchdog")

# generation, run_seq, deadline (ms since epoch), budget (ms), length of the instance id; the
# id follows (instance ids are at most 200 ASCII characters, client.INSTANCE_ID)
_GEN = struct.Struct("<Q")
_FIELDS = struct.Struct("<qqqH")
_HEAD = struct.Struct("<QqqqH")
_ID_MAX = 200
SLOT_SIZE = _HEAD.size + _ID_MAX
POLL_S = 0.05
READY_TIMEOUT_S = 60


def _shared_slot():
    """A file descriptor of SLOT_SIZE zeroed bytes that a child can map: a memfd, or an
    unlinked temporary file where memfd_create does not exist."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("jactl-watchdog", 0)
    else:
        fd, path = tempfile.mkstemp(prefix="jactl-watchdog-")
        os.unlink(path)
    os.ftruncate(fd, SLOT_SIZE)
    return fd


def read_slot(view):
    """(run_seq, deadline_ms, budget_ms, instance_id) of the held run, None when no run is
    held, or False when the worker is writing the slot right now (read again later)."""
    gen = _GEN.unpack_from(view, 0)[0]
    if gen & 1:
        return False
    run_seq, deadline, budget, n = _FIELDS.unpack_from(view, _GEN.size)
    raw = bytes(view[_HEAD.size:_HEAD.size + min(n, _ID_MAX)])
    if _GEN.unpack_from(view, 0)[0] != gen:
        return False
    if run_seq <= 0:
        return None
    return run_seq, deadline, budget, raw.decode("ascii", "replace")


class Watchdog:
    """The worker's end: starts the child and tells it about runs (same interface as the
    thread-based LeaseKeeper: hold, release, stop)."""

    def __init__(self, settings, redis_url: str):
        self.settings = settings
        env = dict(os.environ, JACTL_REDIS_URL=redis_url, JACTL_PREFIX=settings.prefix,
                   JACTL_LEASE_MS=str(settings.lease_ms),
                   JACTL_WATCHDOG_GRACE_MS=str(settings.watchdog_grace_ms))
        fd = _shared_slot()
        try:
            self._slot = mmap.mmap(fd, SLOT_SIZE)
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "jactl_worker.watchdog", str(os.getpid()), str(fd)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True, pass_fds=(fd,))
        finally:
            os.close(fd)
        self._gen = 0
        self._lock = threading.Lock()
        self._run = None
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, name="jactl-watchdog-reader", daemon=True)
        self._reader.start()
        # a run held before the child reads the slot would not be renewed: on a loaded machine
        # starting an interpreter takes seconds, longer than a short lease
        if not self._ready.wait(READY_TIMEOUT_S):
            log.error("the lease watchdog process did not start within %s s; leases of this "
                      "worker's runs may lapse", READY_TIMEOUT_S)

    def hold(self, run) -> None:
        """``run`` starts now; it may take at most its budget + grace."""
        s = self.settings
        budget_ms = s.max_execution_ms or s.job_timeout_s * 1000
        deadline = int(time.time() * 1000) + budget_ms + s.watchdog_grace_ms
        with self._lock:
            self._run = run
            self._write(run.run_seq, deadline, budget_ms, run.instance_id.encode("ascii", "replace")[:_ID_MAX])

    def release(self) -> None:
        with self._lock:
            self._run = None
            self._write(0, 0, 0, b"")

    def _write(self, run_seq: int, deadline: int, budget_ms: int, raw_id: bytes) -> None:
        slot = self._slot
        self._gen += 1                   # odd: being written
        _GEN.pack_into(slot, 0, self._gen)
        _FIELDS.pack_into(slot, _GEN.size, run_seq, deadline, budget_ms, len(raw_id))
        slot[_HEAD.size:_HEAD.size + len(raw_id)] = raw_id
        self._gen += 1                   # even: complete
        _GEN.pack_into(slot, 0, self._gen)

    def stop(self) -> None:
        try:
            self._proc.stdin.close()
        except OSError:
            pass
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()

    def _read(self) -> None:
        for raw in self._proc.stdout:
            parts = raw.decode(errors="replace").split(" ", 2)
            if parts[0] == "ready\n":
                self._ready.set()
            elif parts[0] == "lost" and len(parts) == 3:
                with self._lock:
                    run = self._run
                if run is not None and str(run.run_seq) == parts[1] and run.instance_id == parts[2].rstrip("\n"):
                    run.lost = True


def _watch(parent_pid: int, slot_fd: int) -> None:
    """The child's loop: renew the held lease, enforce the deadline, exit with the parent."""
    from redis import Redis

    from .config import Settings
    from .store import Store

    settings = Settings.from_env()
    store = Store(Redis.from_url(settings.redis_url), settings)
    view = mmap.mmap(slot_fd, SLOT_SIZE, prot=mmap.PROT_READ)
    interval = settings.lease_ms / 3000
    held = None  # (run_seq, deadline_ms, budget_ms, instance_id)
    lost = None  # the held run a renewal was refused for: not renewed again
    next_renew = 0.0
    fd = sys.stdin.fileno()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        ready, _, _ = select.select([fd], [], [], POLL_S)
        if ready and not os.read(fd, 4096):
            return  # the worker died or stopped: renew nothing more
        now = read_slot(view)
        if now is False:
            continue  # being written: read it at the next poll
        if now != held:
            held = now
            next_renew = time.monotonic() + interval
        if not held or held == lost:
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
                    lost = held
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
    _watch(int(sys.argv[1]), int(sys.argv[2]))
