"""One child process per shard: ``jactl-worker worker`` / ``listen`` on a sharded fleet.

Why processes, not threads: an RQ worker owns its process (signal handlers, its main loop,
the lease watchdog's process), and a stuck script in one shard's worker must not hold the
GIL of another's. So with ``JACTL_REDIS_URL`` naming N shards and no ``--shard``, the command
becomes a small supervisor that runs ``python -m jactl_worker <command> --shard i`` for each
shard, passes SIGTERM/SIGINT on to them, starts again a child that fails on its own (after a
short backoff; one that exits 0, as ``--burst`` does, is done), and exits once all have
stopped. The children die with it (PR_SET_PDEATHSIG), so a ``kill -9`` of the supervisor
leaves nothing behind.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time

log = logging.getLogger("jactl_worker.supervise")

RESTART_BACKOFF_S = (0.5, 10.0)


def _die_with_parent() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: the children outlive a kill -9 of the parent
        pass


def supervise(command: str, shards: int, args_for, env: dict | None = None) -> int:
    """Run ``command`` once per shard; ``args_for(i)`` gives shard i's extra arguments.
    Returns the exit status once every child has stopped after SIGTERM/SIGINT."""
    stopping = False
    children: dict[int, subprocess.Popen] = {}
    backoff = dict.fromkeys(range(shards), RESTART_BACKOFF_S[0])
    child_env = dict(os.environ if env is None else env)

    def spawn(i: int) -> None:
        argv = [sys.executable, "-m", "jactl_worker", command, "--shard", str(i), *args_for(i)]
        children[i] = subprocess.Popen(argv, env=child_env, preexec_fn=_die_with_parent)
        log.info("%s for shard %d: pid %d", command, i, children[i].pid)

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True
        for p in children.values():
            if p.poll() is None:
                p.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for i in range(shards):
        spawn(i)
    started = {i: time.monotonic() for i in children}
    while True:
        alive = False
        for i, p in list(children.items()):
            code = p.poll()
            if code is None:
                alive = True
                continue
            if stopping or code == 0:  # stopped, or done (--burst, --max-jobs): not restarted
                if code == 0 and not stopping:
                    del children[i]
                continue
            if time.monotonic() - started[i] > 60:
                backoff[i] = RESTART_BACKOFF_S[0]
            log.warning("%s for shard %d exited with %s; starting it again in %.1f s", command, i, code, backoff[i])
            time.sleep(backoff[i])
            backoff[i] = min(backoff[i] * 2, RESTART_BACKOFF_S[1])
            if not stopping:
                spawn(i)
                started[i] = time.monotonic()
                alive = True
        if not alive and (stopping or not children):
            return 0
        time.sleep(0.2)
