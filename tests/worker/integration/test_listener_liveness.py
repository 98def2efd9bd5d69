"""Listener liveness on the Fleet page, with real `jactl-worker listen` processes on real Redis.

A listener on a quiet inbox stays alive for as long as it runs (before Redis 7.2 XINFO's idle
counts since the last message RECEIVED, so the page used to call it gone after 15 s); one
killed with SIGKILL is shown gone once its last heartbeat is ALIVE_MS old; one stopped with
SIGTERM removes itself at once. Per shard: every shard's listener beats on its own Redis."""

from __future__ import annotations

import re
import signal
import time

from redis import Redis

from jactl_worker import heartbeat
from jactl_worker.dashboard import create_app, queries
from jactl_worker.dashboard.queries import View

from .conftest import wait_for

OLD_THRESHOLD_S = 15  # the Fleet page's former cut-off on XINFO idle


def _listeners(http) -> dict[str, str]:
    """name -> "alive" | "gone", as the Fleet page shows them."""
    page = http.get("/fleet").get_data(as_text=True)
    block = page[page.index('<ul id="listeners">'):]
    block = block[:block.index("</ul>")]
    return {name: state for state, name in re.findall(r'<li class="(alive|gone)">.*?<code>([^<]+)</code>', block)}


def test_an_idle_listener_stays_alive_and_a_killed_one_goes(fleet):
    http = create_app(fleet.redis, fleet.settings, token="tok", queues=[fleet.queue]).test_client()
    quiet, killed = fleet.listener(), fleet.listener()
    wait_for(lambda: _listeners(http) == {quiet.name: "alive", killed.name: "alive"}, 10, what="both alive")

    time.sleep(OLD_THRESHOLD_S + 2)  # nothing arrives on the inbox meanwhile
    assert _listeners(http) == {quiet.name: "alive", killed.name: "alive"}

    killed.signal(signal.SIGKILL)
    t0 = time.monotonic()
    wait_for(lambda: _listeners(http).get(killed.name) == "gone", 15, what="the killed listener shown gone")
    assert time.monotonic() - t0 <= heartbeat.ALIVE_MS / 1000 + 2
    assert _listeners(http)[quiet.name] == "alive"

    quiet.signal(signal.SIGTERM)
    assert quiet.popen.wait(10) == 0
    # it removed itself (it never received a message, so no consumer entry keeps it listed)
    assert _listeners(http) == {killed.name: "gone"}


def test_each_shard_shows_its_own_listener(two_shards):
    f = two_shards
    conns = [Redis.from_url(s.url, socket_connect_timeout=1) for s in f.servers]
    http = create_app(conns, f.settings, token="tok", queues=[f.queue]).test_client()
    p = f.spawn("listen")
    f.started(p, 2)

    def alive_per_shard():
        rows = queries.fleet_view(View(conns), f.prefix, [f.queue])["fleet"]["listeners"]
        return sorted((c["shard"], c["alive"]) for c in rows)

    wait_for(lambda: alive_per_shard() == [(0, True), (1, True)], 15, what="a listener alive on each shard")
    assert "Listeners (2 alive)" in http.get("/fleet").get_data(as_text=True)
    p.kill_group()  # SIGKILL, every shard's child
    wait_for(lambda: alive_per_shard() == [(0, False), (1, False)], 15, what="both shown gone")
