"""The lease watchdog process: it learns the held run from the shared slot and renews its
lease, reports a refused renewal, and stops with its worker."""

from __future__ import annotations

import mmap
import time
import types
from dataclasses import replace

from jactl_worker import watchdog
from jactl_worker.watchdog import SLOT_SIZE, Watchdog, read_slot

from .conftest import wait_for


def _running(fleet, iid: str, run_seq: int, lease_ms: int) -> None:
    now = int(time.time() * 1000)
    fleet.redis.hset(f"{fleet.prefix}:instance:{iid}",
                     mapping={"state": "running", "run_seq": run_seq, "lease_until": now + lease_ms})


def test_the_watchdog_renews_the_held_run_and_reports_a_refused_renewal(fleet):
    settings = replace(fleet.settings, lease_ms=600)
    dog = Watchdog(settings, settings.redis_url)
    try:
        _running(fleet, "w1", 7, 600)
        run = types.SimpleNamespace(run_seq=7, instance_id="w1", lost=False)
        dog.hold(run)
        first = int(fleet.redis.hget(f"{fleet.prefix}:instance:w1", "lease_until"))
        # the lease is pushed forward while the run is held ...
        wait_for(lambda: int(fleet.redis.hget(f"{fleet.prefix}:instance:w1", "lease_until")) > first + 300,
                 timeout=10, what="a renewal")
        # ... and a run that lost its ownership (taken over: run_seq moved on) is told so
        fleet.redis.hset(f"{fleet.prefix}:instance:w1", "run_seq", 8)
        wait_for(lambda: run.lost, timeout=10, what="the watchdog to report the lost run")
        dog.release()
        assert read_slot(dog._slot) is None
    finally:
        dog.stop()
    assert dog._proc.poll() is not None


def test_a_slot_being_written_is_not_read():
    fd = watchdog._shared_slot()
    view = mmap.mmap(fd, SLOT_SIZE)
    dog = Watchdog.__new__(Watchdog)
    dog._slot, dog._gen = view, 0
    dog._write(3, 1000, 500, b"inst-1")
    assert read_slot(view) == (3, 1000, 500, "inst-1")
    watchdog._GEN.pack_into(view, 0, dog._gen + 1)   # the worker is half way through a write
    assert read_slot(view) is False
