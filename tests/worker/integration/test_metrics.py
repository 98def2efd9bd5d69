"""Prometheus metrics of real worker and listener processes, scraped over HTTP after a cycle
(start -> park -> reply -> resume -> complete, a timeout, a checkpoint, a late reply)."""

from __future__ import annotations

import socket
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from .conftest import wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scrape(port: int) -> dict[tuple, float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def _get(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _bound(port: int) -> set[str]:
    """The addresses a TCP port listens on, from the kernel's table (/proc/net/tcp, IPv4)."""
    out = set()
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        addr, p = local.split(":")
        if int(p, 16) == port and state == "0A":  # LISTEN
            out.add(socket.inet_ntoa(bytes.fromhex(addr)[::-1]))
    return out


def test_worker_and_listener_expose_the_cycle_on_metrics(fleet):
    wport, lport = _free_port(), _free_port()
    fleet._spawn("worker", ["worker", "-q", fleet.queue, "--metrics-port", str(wport)])
    fleet._spawn("listener", ["listen", "--metrics-port", str(lport), "--metrics-host", "0.0.0.0"])
    wait_for(lambda: _try(wport) and _try(lport), 30, what="both metrics endpoints")
    # local only unless widened on purpose: the page needs no credentials
    assert _bound(wport) == {"127.0.0.1"} and _bound(lport) == {"0.0.0.0"}

    src = ("def r = receive('m-' + instanceId, 60000)\n"
           "def c = checkpoint(commit: { 1 }, recover: { 2 })\n"
           "def t = receive('never-' + instanceId, 300)\n"
           "[r: r, c: c, t: t]")
    iid = fleet.client.start(src, instance_id="met-1")
    wait_for(lambda: fleet.client.status(iid)["state"] == "waiting", what="the first park")
    fleet.client.deliver("m-met-1", {"ok": 1})
    assert fleet.client.result(iid, timeout=30) == {"r": {"ok": 1}, "c": 1, "t": None}
    fleet.client.deliver("m-met-1", {"again": 1})  # the wait is resolved: a duplicate
    fleet.client.deliver("nobody-waits", 5)         # no wait yet: buffered
    fleet.redis.xadd(fleet.client.store.keys.inbox, {"correlation_id": "x", "body": "{not json"})

    w = wait_for(lambda: (s := _scrape(wport)) and _get(s, "jactl_runs_total", outcome="completed") >= 1 and s,
                 20, what="the worker's counters")
    assert _get(w, "jactl_runs_total", outcome="completed") == 1
    assert _get(w, "jactl_runs_total", outcome="parked") == 2
    assert _get(w, "jactl_parks_total", kind="receive") == 2
    assert _get(w, "jactl_resumes_total", cause="timeout") == 1
    assert _get(w, "jactl_run_seconds_count") == 3
    assert _get(w, "jactl_checkpoint_bytes_count") == 3  # two parks and one checkpoint
    assert _get(w, "jactl_checkpoint_bytes_sum") > 100
    # gauges come from Redis at scrape time
    assert _get(w, "jactl_instances", state="completed") == 1
    assert _get(w, "jactl_instances", state="waiting") == 0
    assert _get(w, "jactl_queue_depth", queue=fleet.queue) == 0

    ls = wait_for(lambda: (s := _scrape(lport)) and _get(s, "jactl_replies_total", outcome="malformed") >= 1 and s,
                  20, what="the listener's counters")
    assert _get(ls, "jactl_replies_total", outcome="resumed") == 1
    assert _get(ls, "jactl_replies_total", outcome="duplicate") == 1
    assert _get(ls, "jactl_replies_total", outcome="buffered") == 1
    assert _get(ls, "jactl_replies_total", outcome="malformed") == 1
    assert _get(ls, "jactl_resumes_total", cause="reply") == 1
    assert _get(ls, "jactl_instances", state="completed") == 1

    # the per-minute activity the dashboard charts was flushed by the worker
    from jactl_worker.metrics import read_activity

    rows = wait_for(lambda: (r := read_activity(fleet.redis, fleet.prefix, 5))
                    and sum(x["completions"] for x in r) == 1 and r, 10, what="the activity flush")
    assert sum(x["starts"] for x in rows) == 1
    assert sum(x["parks"] for x in rows) == 2
    assert sum(x["resumes"] for x in rows) == 2


def _try(port: int) -> bool:
    try:
        _scrape(port)
        return True
    except OSError:
        return False
