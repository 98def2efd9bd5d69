"""Scenario 7: bad data and bad scripts are recorded as clear errors and the fleet keeps
running (real Redis, real worker and listener processes)."""

import pytest

from jactl_worker import ScriptFailed

from .conftest import wait_for

WAITER = "def r = receive('w-' + instanceId, 60000)\n[got: r]"


def _parked(fleet, iid):
    """The key of the parked instance's restart point (its continuation)."""
    wait_for(lambda: fleet.client.status(iid)["state"] == "waiting", what=f"{iid} to park")
    return fleet.client.store.keys.point(iid)


def _still_works(fleet):
    iid = fleet.client.start(WAITER)
    _parked(fleet, iid)
    fleet.client.deliver(f"w-{iid}", "fine")
    assert fleet.client.result(iid, timeout=20) == {"got": "fine"}


def test_a_corrupted_continuation_fails_the_instance_with_a_clear_error(fleet):
    fleet.worker()
    fleet.listener()
    iid = fleet.client.start(WAITER)
    key = _parked(fleet, iid)
    data = fleet.redis.hget(key, "continuation")
    fleet.redis.hset(key, "continuation", data[:10] + bytes(b ^ 0x5A for b in data[10:40]) + data[40:])
    fleet.client.deliver(f"w-{iid}", 1)
    with pytest.raises(ScriptFailed) as e:
        fleet.client.result(iid, timeout=20)
    assert "cannot restore the stored wait continuation" in e.value.error
    _still_works(fleet)


def test_a_truncated_continuation_fails_the_instance_with_a_clear_error(fleet):
    fleet.worker()
    fleet.listener()
    iid = fleet.client.start(WAITER)
    key = _parked(fleet, iid)
    fleet.redis.hset(key, "continuation", fleet.redis.hget(key, "continuation")[:25])
    fleet.client.deliver(f"w-{iid}", 1)
    with pytest.raises(ScriptFailed, match="cannot restore"):
        fleet.client.result(iid, timeout=20)
    _still_works(fleet)


def test_a_foreign_continuation_from_another_script_is_refused(fleet):
    fleet.worker()
    fleet.listener()
    other = fleet.client.start("def q = receive('w-' + instanceId, 60000)\nq + ' (other script)'")
    iid = fleet.client.start(WAITER)
    foreign = fleet.redis.hget(_parked(fleet, other), "continuation")
    fleet.redis.hset(_parked(fleet, iid), "continuation", foreign)
    fleet.client.deliver(f"w-{iid}", 1)
    with pytest.raises(ScriptFailed, match="cannot restore"):
        fleet.client.result(iid, timeout=20)
    fleet.client.deliver(f"w-{other}", "x")
    assert fleet.client.result(other, timeout=20) == "x (other script)"


def test_malformed_unknown_and_oversized_inbox_messages_are_recorded_and_skipped(fleet):
    fleet.worker()
    fleet.listener(JACTL_MAX_BODY_BYTES="1000")
    inbox = fleet.client.store.keys.inbox
    fleet.redis.xadd(inbox, {"body": "1"})                                     # no correlation id
    fleet.redis.xadd(inbox, {"correlation_id": "c-bad", "body": "{not json"})  # body not JSON
    fleet.redis.xadd(inbox, {"correlation_id": "c-nobody"})                    # no body
    fleet.redis.xadd(inbox, {"correlation_id": "c-big", "body": '"' + "x" * 5000 + '"'})
    fleet.client.deliver("nobody-waits-on-this", {"a": 1})                      # unknown id
    wait_for(lambda: len(fleet.client.notices()) >= 5, what="five notices")
    kinds = sorted(n["kind"] for n in fleet.client.notices())
    assert kinds == ["buffered", "malformed", "malformed", "malformed", "oversized"]
    by_corr = {n["correlation_id"]: n for n in fleet.client.notices()}
    assert "not JSON" in by_corr["c-bad"]["detail"]
    assert "max_body_bytes" in by_corr["c-big"]["detail"]
    assert fleet.client.buffered("nobody-waits-on-this")["body"] == {"a": 1}
    wait_for(lambda: fleet.redis.xpending(inbox, "listeners")["pending"] == 0, what="all acknowledged")
    _still_works(fleet)


def test_script_errors_fail_only_their_instance(fleet):
    fleet.worker()
    fleet.listener()
    bad_syntax = fleet.client.start("def x = (1 +", check=False)
    runtime = fleet.client.start("def m = [a: 1]\nm.a.b.c()")
    dies = fleet.client.start("die 'gave up'")
    for iid in (bad_syntax, runtime, dies):
        with pytest.raises(ScriptFailed):
            fleet.client.result(iid, timeout=20)
    assert "line" in fleet.client.status(runtime)["error"]
    assert "gave up" in fleet.client.status(dies)["error"]
    assert fleet.client.status(bad_syntax)["state"] == "failed"
    _still_works(fleet)


def test_a_reply_for_a_sleep_is_rejected(fleet):
    fleet.worker()
    fleet.listener()
    iid = fleet.client.start("sleep(2500, 'slept')")
    wait_for(lambda: fleet.client.status(iid)["state"] == "waiting", what="the sleep to park")
    fleet.client.deliver(fleet.client.status(iid)["waiting_on"], "wake up")
    assert fleet.client.result(iid, timeout=20) == "slept"
    assert fleet.client.notices("rejected")[-1]["instance"] == iid
