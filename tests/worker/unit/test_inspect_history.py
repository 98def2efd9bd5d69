"""inspect_instance, read_history and find_waiting on the in-process fleet (fakeredis, the real
Lua transitions): what an operator sees of receive, sleep, checkpoint, nested functions,
closures inside collection methods, lapsed leases, cancel and failures."""

import time

import lang

from jactl_worker.history import format_events, read_history
from jactl_worker.host import Host
from jactl_worker.inspect import count_waiting, find_waiting, inspect_instance, render_text

NESTED = """\
def ask(String who, int n) {
  def note = "asking " + who
  return receive("c-" + who, 60000)
}
def orders = [[id: 1, qty: 2], [id: 2, qty: 5]]
def got = orders.map{ o ->
  def r = ask("o" + o.id, o.qty)
  r + o.qty
}
got"""


def _events(fleet, iid):
    return [e["event"] for e in read_history(fleet.client.redis, fleet.settings.prefix, iid)]


def test_inspect_a_receive_inside_a_function_called_from_a_map_closure(fleet):
    iid = fleet.client.start(NESTED, {"customer": "acme"}, instance_id="n1")
    fleet.step()
    info = inspect_instance(fleet.client.redis, fleet.settings, iid)
    assert info["state"] == "waiting" and info["point"] == "wait"
    w = info["wait"]
    assert (w["kind"], w["correlation_id"], w["status"]) == ("receive", "c-o1", "waiting")
    assert abs(w["deadline_ms"] - (time.time() * 1000 + 60000)) < 10000
    assert [(f["function"], f["line"]) for f in info["frames"]] == [
        ("script", 6), ("map", None), ("closure", 7), ("ask", 3)]
    assert info["frames"][-1]["locals"] == {"who": "o1", "n": "2", "note": "asking o1"}
    assert info["frames"][2]["locals"] == {"o": "[id:1, qty:2]"}
    assert info["globals"]["customer"] == "acme"
    assert info["line"] == 3
    marks = {ln["n"]: ln["mark"] for ln in info["source"]["lines"]}
    assert marks[3] == "here" and marks[6] == "stack" and marks[1] is None
    assert info["source"]["lines"][2]["text"] == '  return receive("c-" + who, 60000)'
    text = render_text(info)
    assert " > 3 |   return receive" in text and "waits: receive on 'c-o1'" in text
    assert "at ask line 3, column 10" in text and "note = asking o1" in text
    # whole source on request
    full = inspect_instance(fleet.client.redis, fleet.settings, iid, context_lines=None)
    assert len(full["source"]["lines"]) == len(NESTED.split("\n"))
    # the reply resumes it exactly as if nobody had looked
    fleet.client.deliver("c-o1", 10)
    fleet.run_until(lambda: fleet.client.status(iid)["waiting_on"] == "c-o2", 10)
    info = inspect_instance(fleet.client.redis, fleet.settings, iid)
    assert info["frames"][1]["locals"] == {"index": "1"} and info["frames"][-1]["locals"]["who"] == "o2"
    fleet.client.deliver("c-o2", 20)
    assert fleet.run_instance(iid, 10)["result"] == [12, 25]
    done = inspect_instance(fleet.client.redis, fleet.settings, iid)
    assert done["state"] == "completed" and done["result"] == [12, 25] and done["frames"] == []
    assert _events(fleet, iid) == ["created", "run-started", "parked", "reply-matched", "run-started",
                                   "parked", "reply-matched", "run-started", "completed"]


def test_inspect_and_history_of_a_long_sleep(fleet):
    iid = fleet.client.start("def xs = [1, 2]\nxs.each{ sleep(1500, it) }\n'slept'")
    fleet.step()
    info = inspect_instance(fleet.client.redis, fleet.settings, iid)
    assert info["wait"]["kind"] == "sleep" and info["line"] == 2
    assert [f["function"] for f in info["frames"]] == ["script", "each", "closure"]
    assert info["frames"][-1]["locals"] == {"it": "1"}
    assert fleet.run_instance(iid, 20)["result"] == "slept"
    hist = read_history(fleet.client.redis, fleet.settings.prefix, iid)
    assert [e["event"] for e in hist] == ["created", "run-started", "parked", "woke", "run-started",
                                          "parked", "woke", "run-started", "completed"]
    assert [e["cause"] for e in hist if e["event"] == "run-started"] == ["start", "sleep", "sleep"]
    assert hist[2]["kind"] == "sleep" and hist[3]["at"] >= hist[2]["deadline_ms"] - 1000


def test_history_of_early_reply_timeout_and_checkpoint_in_order_with_timestamps(fleet):
    src = ("checkpoint(commit: { 1 }, recover: { 2 })\n"
           "def a = receive('early-1', 60000)\n"
           "def b = receive('nobody', 300)\n"
           "[a, b]")
    fleet.client.deliver("early-1", "A")
    iid = fleet.client.start(src, instance_id="h1")
    assert fleet.run_instance(iid, 20)["result"] == ["A", None]
    hist = read_history(fleet.client.redis, fleet.settings.prefix, iid)
    assert [e["event"] for e in hist] == ["created", "run-started", "checkpoint", "parked", "reply-matched",
                                          "parked", "timeout-fired", "run-started", "completed"]
    assert hist[2]["checkpoint_id"] == 1
    assert hist[4]["early"] is True and hist[4]["correlation_id"] == "early-1" and hist[4]["message_id"]
    assert hist[5]["correlation_id"] == "nobody" and hist[5]["deadline_ms"]
    assert hist[7]["cause"] == "timeout" and hist[7]["worker"]
    ats = [e["at"] for e in hist]
    assert all(isinstance(a, int) for a in ats) and ats == sorted(ats)
    lines = format_events(hist).splitlines()
    assert len(lines) == len(hist) and "timeout-fired" in lines[6] and "correlation_id=nobody" in lines[6]


def test_pending_events_come_from_the_live_records(fleet):
    iid = fleet.client.start("receive('p-1', 60000)", instance_id="p1")
    fleet.step()
    # the reply resolves the wait; nothing has claimed the instance yet
    fleet.client.store.deliver("p-1", "1", "m-7")
    assert _events(fleet, iid) == ["created", "run-started", "parked", "reply-matched"]
    assert read_history(fleet.client.redis, fleet.settings.prefix, iid)[-1]["message_id"] == "m-7"
    assert fleet.run_instance(iid, 10)["result"] == 1
    assert _events(fleet, iid) == ["created", "run-started", "parked", "reply-matched", "run-started", "completed"]


def test_cancel_and_failure_are_recorded(fleet):
    iid = fleet.client.start("receive('cx', 60000)", instance_id="c1")
    fleet.step()
    assert fleet.client.cancel(iid)
    hist = read_history(fleet.client.redis, fleet.settings.prefix, iid)
    assert [e["event"] for e in hist][-1] == "cancelled" and hist[-1]["was"] == "waiting"
    bad = fleet.client.start("def x = 1\nx / 0", instance_id="f1")
    fleet.run_instance(bad, 10)
    hist = read_history(fleet.client.redis, fleet.settings.prefix, bad)
    assert [e["event"] for e in hist] == ["created", "run-started", "failed"]
    assert "line 2" in hist[-1]["error"]
    info = inspect_instance(fleet.client.redis, fleet.settings, bad)
    assert info["state"] == "failed" and "line 2" in info["error"] and "error:" in render_text(info)


def test_a_lapsed_lease_shows_the_checkpoint_and_the_recovery(fleet, settings):
    # a run that checkpointed inside a function and then "died" (claimed by hand, walked away)
    src = ("def step(int n) {\n"
           "  def r = checkpoint(commit: { 'c' + n }, recover: { 'r' + n })\n"
           "  return r\n"
           "}\n"
           "def out = [7].map{ step(it) }\n"
           "out")
    iid = fleet.client.start(src, instance_id="k1")
    store = fleet.client.store
    claim = store.claim(iid, 1, "dead-worker")
    host = Host(fleet.settings)
    outcome = host.compile(claim.script_hash, store.script_source(claim.script_hash)).start({}, instance_id=iid)
    data = lang.Checkpointer.save(outcome.continuation)
    assert store.save_checkpoint(iid, 1, 1, data, lang.checkpoint_header(data).sequence)
    info = inspect_instance(fleet.client.redis, fleet.settings, iid)
    assert info["state"] == "running" and info["worker"] == "dead-worker" and info["checkpoint_id"] == 1
    assert info["wait"] is None and info["point"] == "checkpoint"
    assert [f["function"] for f in info["frames"]] == ["script", "map", "closure", "step", "checkpoint"]
    assert info["frames"][3]["locals"] == {"n": "7"} and info["line"] == 2
    assert _events(fleet, iid) == ["created", "run-started", "checkpoint"]
    time.sleep(settings.lease_ms / 1000 + 0.1)
    assert fleet.reaper.sweep(force=True)["leases"] == 1
    assert fleet.run_instance(iid, 10)["result"] == ["r7"]
    hist = read_history(fleet.client.redis, fleet.settings.prefix, iid)
    assert [e["event"] for e in hist] == ["created", "run-started", "checkpoint", "lease-lapsed",
                                          "run-started", "completed"]
    assert hist[1]["worker"] == "dead-worker" and hist[3]["worker"] == "dead-worker" and hist[3]["lost"] == 1
    assert hist[4]["cause"] == "recovery" and hist[4]["worker"] != "dead-worker"


def test_find_waiting_by_correlation_id_prefix(fleet):
    for i in range(5):
        fleet.client.start(f"receive('order-{i}', 60000)", instance_id=f"o{i}")
    fleet.client.start("receive('ordinal', 60000)", instance_id="x")
    fleet.client.start("receive('pay-1', 60000)", instance_id="p")
    fleet.step()
    r, p = fleet.client.redis, fleet.settings.prefix
    assert count_waiting(r, p, "order-") == 5 and count_waiting(r, p) == 7
    page = find_waiting(r, p, "order-", 1, 2)
    assert [(w["correlation_id"], w["instance_id"]) for w in page] == [("order-1", "o1"), ("order-2", "o2")]
    assert page[0]["state"] == "waiting" and page[0]["kind"] == "receive" and page[0]["deadline_ms"]
    assert [w["instance_id"] for w in find_waiting(r, p, "ord", 0, 10, details=False)] == \
        ["o0", "o1", "o2", "o3", "o4", "x"]
    # resolved, timed out or cancelled waits leave the index
    fleet.client.deliver("order-0", 1)
    fleet.client.cancel("o1")
    fleet.run_until(lambda: fleet.client.status("o0")["state"] == "completed", 10)
    assert [w["instance_id"] for w in find_waiting(r, p, "order-")] == ["o2", "o3", "o4"]
    t = fleet.client.start("receive('order-t', 200)", instance_id="t")
    fleet.run_instance(t, 10)
    assert count_waiting(r, p, "order-") == 3


def test_rebuild_wait_index_indexes_exactly_the_waiting_instances(fleet):
    from jactl_worker.inspect import rebuild_wait_index

    for i in range(3):
        fleet.client.start(f"receive('old-{i}', 60000)", instance_id=f"w{i}")
    fleet.client.start("1", instance_id="done")
    fleet.step()
    r, p = fleet.client.redis, fleet.settings.prefix
    before = r.zrange(fleet.client.store.keys.waits_by_corr, 0, -1)
    r.delete(fleet.client.store.keys.waits_by_corr)       # as if parked by an older version
    assert find_waiting(r, p) == []
    assert rebuild_wait_index(r, p, batch=2) == 3
    assert r.zrange(fleet.client.store.keys.waits_by_corr, 0, -1) == before
    assert [w["instance_id"] for w in find_waiting(r, p, "old-")] == ["w0", "w1", "w2"]
