"""The listener's batch handling and crash recovery, and the CLI, on fakeredis."""

import json

import pytest
from click.testing import CliRunner

from jactl_worker.cli import main
from jactl_worker.keys import LISTENER_GROUP
from jactl_worker.listener import Listener


def test_a_message_read_by_a_dead_listener_is_reclaimed_and_delivered(fleet, redis, settings):
    iid = fleet.client.start("receive('c', 60000)")
    fleet.step()
    # Given a listener that read the reply and died before acknowledging it
    fleet.client.deliver("c", "hello")
    keys = fleet.client.store.keys
    redis.xreadgroup(LISTENER_GROUP, "dead", {keys.inbox: ">"}, count=10)
    assert redis.xpending(keys.inbox, LISTENER_GROUP)["pending"] == 1
    # When a live listener reclaims it
    other = Listener(redis, settings, name="alive")
    assert other.reclaim() == 1
    # I expect it delivered, acknowledged, and the instance resumed
    assert redis.xpending(keys.inbox, LISTENER_GROUP)["pending"] == 0
    assert fleet.run_instance(iid, 10)["result"] == "hello"


def test_a_redelivered_message_that_already_resolved_its_wait_enqueues_the_run_again(fleet, redis, settings):
    iid = fleet.client.start("receive('c', 60000)")
    fleet.step()
    fleet.client.deliver("c", "v")
    keys = fleet.client.store.keys
    [[_, [(entry, fields)]]] = redis.xreadgroup(LISTENER_GROUP, "dead", {keys.inbox: ">"}, count=10)
    # the dead listener got as far as deliver.lua, not to the enqueue
    d = fleet.client.store.deliver("c", fields[b"body"].decode(), entry.decode(), entry.decode())
    assert d.outcome == "resolved"
    assert fleet.client.status(iid)["state"] == "queued"
    Listener(redis, settings, name="alive").reclaim()
    assert fleet.run_instance(iid, 10)["result"] == "v"
    assert fleet.client.status(iid)["runs"] == 2


def test_malformed_messages_are_noticed_and_acknowledged(fleet, redis):
    keys = fleet.client.store.keys
    redis.xadd(keys.inbox, {"body": "1"})
    redis.xadd(keys.inbox, {"correlation_id": "c", "body": "{"})
    redis.xadd(keys.inbox, {"correlation_id": "c", "body": "\"" + "x" * (fleet.settings.max_body_bytes + 1) + "\""})
    fleet.step()
    assert [n["kind"] for n in fleet.client.notices()] == ["malformed", "malformed", "oversized"]
    assert redis.xpending(keys.inbox, LISTENER_GROUP)["pending"] == 0


@pytest.fixture
def cli(monkeypatch):
    monkeypatch.delenv("JACTL_REDIS_URL", raising=False)
    return CliRunner()


def test_the_demo_runs_end_to_end_without_redis(cli):
    r = cli.invoke(main, ["demo", "--fast"])
    assert r.exit_code == 0, r.output
    for step in ("[start]", "[park]", "[reply]", "[listener]", "[timeout]", "[checkpoint]", "[late]", "[done] completed"):
        assert step in r.output
    assert '"shipping":"timed out"' in r.output


def test_run_executes_a_script_in_one_process(cli, tmp_path):
    script = tmp_path / "s.jactl"
    script.write_text("def r = receive('go', 5000)\n[r: r, n: n]")
    r = cli.invoke(main, ["run", str(script), "-g", "n=3", "-r", 'go={"x": 1}'])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"r": {"x": 1}, "n": 3}


def test_run_reports_a_failed_script(cli, tmp_path):
    script = tmp_path / "s.jactl"
    script.write_text("die 'nope'")
    r = cli.invoke(main, ["run", str(script)])
    assert r.exit_code == 1 and "nope" in r.output


def test_commands_that_need_redis_say_so(cli):
    r = cli.invoke(main, ["status", "x"])
    assert r.exit_code != 0 and "JACTL_REDIS_URL" in r.output


def test_start_stdin_starts_one_instance_per_json_line(cli, fleet, tmp_path, monkeypatch):
    import jactl_worker.cli as cli_module

    monkeypatch.setattr(cli_module, "_client", lambda ctx: fleet.client)
    script = tmp_path / "s.jactl"
    script.write_text("base + n")
    lines = '{"n": 1, "instanceId": "one"}\n\n{"n": 2.5}\n'
    r = cli.invoke(main, ["start", str(script), "-g", "base=10", "--stdin"], input=lines)
    assert r.exit_code == 0, r.output
    ids = r.output.split()
    assert ids[0] == "one" and len(ids) == 2
    assert fleet.run_instance("one", 10)["result"] == 11
    assert str(fleet.run_instance(ids[1], 10)["result"]) == "12.5"
    r = cli.invoke(main, ["start", str(script), "--stdin"], input="[1]\n")
    assert r.exit_code != 0 and "JSON object" in r.output
