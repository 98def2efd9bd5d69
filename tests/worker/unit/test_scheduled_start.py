"""Scheduled starts: client.start(start_in= / start_at=) and `jactl-worker start --in / --at`:
the instance is queued at once, its ready-set score is the time it may run, and nothing runs
it before then."""

import datetime
import time

import click
import pytest

from jactl_worker.cli import parse_duration, parse_when
from jactl_worker.client import start_time_ms
from jactl_worker.history import read_history
from jactl_worker.inspect import inspect_instance, render_text


def test_start_in_runs_no_earlier_than_asked(fleet):
    t0 = time.time()
    iid = fleet.client.start("'ran'", start_in=1.2)
    st = fleet.client.status(iid)
    assert st["state"] == "queued" and abs(st["start_at"] - (t0 + 1.2) * 1000) < 500
    info = inspect_instance(fleet.client.redis, fleet.settings, iid)
    assert info["start_at"] == st["start_at"] and "scheduled to start at" in render_text(info)
    fleet.run_until(lambda: False, 0.6)              # the fleet works meanwhile: nothing runs it
    assert fleet.client.status(iid)["state"] == "queued"
    st = fleet.run_instance(iid, 10)
    assert st["result"] == "ran" and st["started_at"] >= st["start_at"]
    created = read_history(fleet.client.redis, fleet.settings.prefix, iid)[0]
    assert created["event"] == "created" and created["start_at"] == st["start_at"]


def test_start_at_a_datetime_and_a_past_time_runs_at_once(fleet):
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)
    later = fleet.client.start("1", start_at=when)
    now = fleet.client.start("2", start_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc))
    fleet.step()
    assert fleet.client.status(now)["state"] == "completed"
    assert fleet.client.status(later)["state"] == "queued"
    assert fleet.run_instance(later, 10)["started_at"] >= int(when.timestamp() * 1000)


def test_schedule_arguments_are_checked():
    with pytest.raises(ValueError):
        start_time_ms(start_at=datetime.datetime.now(), start_in=5)
    with pytest.raises(ValueError):
        start_time_ms(start_in=-1)
    with pytest.raises(ValueError):
        start_time_ms(start_at="tomorrow")
    assert start_time_ms() is None
    assert abs(start_time_ms(start_in=datetime.timedelta(minutes=1)) - (time.time() + 60) * 1000) < 1000


def test_cli_durations_and_times():
    assert [parse_duration(t) for t in ("90", "30s", "10m", "2h", "1d", "500ms", "1.5m")] == \
        [90, 30, 600, 7200, 86400, 0.5, 90]
    with pytest.raises(click.BadParameter):
        parse_duration("soon")
    assert parse_when("2026-12-24T18:00:00Z") == datetime.datetime(2026, 12, 24, 18, tzinfo=datetime.timezone.utc)
    assert parse_when("2026-12-24T18:00:00+01:00").utcoffset() == datetime.timedelta(hours=1)
    with pytest.raises(click.BadParameter):
        parse_when("christmas")
