"""The dashboard and the CLI over two shards: two real private redis-servers, instances created
by the real Client (and parked by real worker processes), pages read through the Flask app on
real Redis connections and the CLI as real subprocesses. The instance list merges both shards
(paging by cursor forwards and back sees every instance once, in one order), an instance page
and Cancel/Deliver go to the id's shard, the Fleet page has a row per shard and the totals,
and with one shard's Redis stopped the pages and commands go on with the other."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys

from redis import Redis

from jactl_worker.dashboard import create_app

from .conftest import corr_on, wait_for

PARK = "def r = receive('pay-' + instanceId, 600000)\n[got: r]"


def _app(f):
    return create_app([Redis.from_url(s.url, socket_connect_timeout=1) for s in f.servers], f.settings,
                      token="tok", queues=[f.queue]).test_client()


def _rows(text: str) -> list[tuple[str, int]]:
    return [(i, int(s)) for i, s in re.findall(r'<tr class="row [^"]*" data-id="([^"]+)" data-shard="(\d+)"', text)]


def _link(text: str, which: str) -> str | None:
    m = re.search(rf'id="{which}" href="([^"]+)"', text)
    return html.unescape(m.group(1)) if m else None


def _cli(f, *args, check=True):
    env = {**os.environ, "JACTL_REDIS_URL": f.url, "JACTL_PREFIX": f.prefix, "JACTL_QUEUE": f.queue}
    return subprocess.run([sys.executable, "-m", "jactl_worker", *args], env=env, capture_output=True, text=True,
                          timeout=60, check=check)


def test_the_instance_list_merges_both_shards_and_pages_by_cursor(two_shards):
    f = two_shards
    c = f.client
    # 130 queued instances (no worker runs them), round robin over the shards; many share a
    # millisecond, so the merge order's ties (score, shard, id) are exercised too
    ids = c.start_many("1", [{} for _ in range(130)])
    assert {c.shard_of(i) for i in ids} == {0, 1}
    cancelled = ids[::7]
    for iid in cancelled:
        c.cancel(iid)
    http = _app(f)

    first = http.get("/instances").get_data(as_text=True)
    assert "130 instances" in first and 'id="shards-shown">2 shards' in first and "<th>shard</th>" in first
    pages, url = [], "/instances"
    while url:  # follow "older" to the end
        text = http.get(url).get_data(as_text=True)
        pages.append((url, _rows(text)))
        url = _link(text, "older")
    seen = [r for _, rows in pages for r in rows]
    assert len(pages) == 3 and [len(rows) for _, rows in pages] == [50, 50, 30]
    assert sorted(i for i, _ in seen) == sorted(ids) and len(set(seen)) == 130
    assert all(shard == c.shard_of(i) for i, shard in seen)
    created = {i: c.status(i)["created_at"] for i in ids}
    order = [(created[i], s, i) for i, s in seen]
    assert order == sorted(order, reverse=True)  # newest first, one total order over both shards
    assert "before=" in pages[1][0] and "page=2" in pages[2][0]
    # "newer" from the last page walks back through the same pages
    text = http.get(pages[2][0]).get_data(as_text=True)
    back = _link(text, "newer")
    assert "after=" in back
    assert _rows(http.get(back).get_data(as_text=True)) == pages[1][1]
    assert _link(http.get(back).get_data(as_text=True), "newer") == "/instances"
    # a page number typed in by hand (no cursor) is the same page
    assert _rows(http.get("/instances?page=1").get_data(as_text=True)) == pages[1][1]
    # filters across shards: a state, with its total over both
    text = http.get("/instances?state=cancelled").get_data(as_text=True)
    assert f"{len(cancelled)} instances" in text
    assert sorted(i for i, _ in _rows(text)) == sorted(cancelled)
    assert {s for _, s in _rows(text)} == {0, 1}
    assert _rows(http.get("/instances?state=queued&age=3600").get_data(as_text=True)) == []
    # the htmx partial pages the same way
    rows = http.get("/instances/rows?state=queued")
    assert len(_rows(rows.get_data(as_text=True))) == 50 and rows.headers["HX-Push-Url"] == "/instances?state=queued"
    # --shard N shows one shard
    one = create_app([Redis.from_url(s.url) for s in f.servers], f.settings, token="t", shard=1).test_client()
    text = one.get("/instances?state=cancelled").get_data(as_text=True)
    assert {s for _, s in _rows(text)} == {1} and "shard <code>1</code> of 2" in text


def test_instance_pages_actions_fleet_and_cli_route_to_the_shard(two_shards):
    f = two_shards
    for i in range(2):
        f.started(f.spawn("worker", "--shard", str(i)), 1)
    c = f.client
    parked = [c.start(PARK) for _ in range(4)]
    for iid in parked:
        f.parked(iid)
    on1 = next(i for i in parked if c.shard_of(i) == 1)
    on0 = next(i for i in parked if c.shard_of(i) == 0)
    http = _app(f)
    http.get("/login?token=tok")

    text = http.get(f"/instances/{on1}").get_data(as_text=True)
    assert 'id="instance-shard">1<' in text and f"pay-{on1}" in text
    assert '"receive(&#39;pay-&#39; + instanceId, 600000)' in text or "receive(&#39;pay-&#39;" in text
    # waits by correlation-id prefix: both shards, in correlation-id order
    text = http.get("/instances?corr=pay-").get_data(as_text=True)
    assert sorted(_rows(text)) == sorted((i, c.shard_of(i)) for i in parked)
    assert [i for i, _ in _rows(text)] == sorted(parked)

    # Cancel goes to shard 1; Deliver to the correlation id's shard (shard 0's instance here)
    r = http.post(f"/instances/{on1}/cancel")
    assert r.status_code == 303 and c.status(on1)["state"] == "cancelled"
    r = http.post(f"/instances/{on0}/deliver", data={"correlation_id": f"pay-{on0}", "body": '{"ok": 1}'})
    assert r.status_code == 303 and "added+to+the+inbox" in r.headers["Location"]
    assert Redis.from_url(f.servers[0].url).xlen(f"{f.prefix}:inbox") == 1
    assert Redis.from_url(f.servers[1].url).xlen(f"{f.prefix}:inbox") == 0
    away = corr_on(1, f"away-{f.id}")
    http.post(f"/instances/{on0}/deliver", data={"correlation_id": away, "body": "2"})
    assert Redis.from_url(f.servers[1].url).xlen(f"{f.prefix}:inbox") == 1

    # the Fleet page: a row per shard (its workers, its counts) and the totals
    text = http.get("/fleet").get_data(as_text=True)
    for i in range(2):
        row = re.search(rf'<tr class="shard-row up" data-shard="{i}">(.*?)</tr>', text, re.S).group(1)
        want = sum(1 for p in parked if c.shard_of(p) == i and p != on1)
        assert f'<td data-state="waiting">{want}</td>' in row and "<td class=\"status\">up</td>" in row
    assert '<td data-state="waiting">3</td>' in re.search(r'id="counts">(.*?)</table>', text, re.S).group(1)
    assert text.count('<span class="shard-tag">s0</span>') >= 1 and text.count('<span class="shard-tag">s1</span>') >= 1

    # the CLI: routed by id, merged where it reads every shard
    assert on1 in _cli(f, "inspect", on1).stdout and "waits: receive" not in _cli(f, "inspect", on1).stdout
    assert "parked" in _cli(f, "history", on0).stdout
    assert sorted(_cli(f, "list", "--state", "waiting").stdout.split()) == sorted(p for p in parked if p != on1)
    out = _cli(f, "reindex-waits").stdout.split("\n")
    assert [ln.split("\t")[0] for ln in out if ln] == ["0", "1"]


def test_a_shard_down_shows_as_down_while_the_other_keeps_working(two_shards):
    f = two_shards
    c = f.client
    ids = c.start_many("1", [{} for _ in range(20)])
    on0 = [i for i in ids if c.shard_of(i) == 0]
    on1 = [i for i in ids if c.shard_of(i) == 1]
    http = _app(f)
    http.get("/login?token=tok")
    f.servers[1].stop()

    r = http.get("/instances")
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and '<p data-shard="1"><b>shard 1 is down</b>' in text
    assert sorted(i for i, _ in _rows(text)) == sorted(on0)
    r = http.get("/instances/rows?state=queued")
    assert r.status_code == 200 and "shard 1 is down" in r.get_data(as_text=True)
    r = http.get("/fleet")
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and '<tr class="shard-row down" data-shard="1">' in text
    assert '<tr class="shard-row up" data-shard="0">' in text and "1/2 up" in text
    assert http.get(f"/instances/{on0[0]}").status_code == 200
    r = http.get(f"/instances/{on1[0]}")
    assert r.status_code == 503 and "shard 1 is unavailable" in r.get_data(as_text=True)
    r = http.post(f"/instances/{on1[0]}/cancel")
    assert r.status_code == 503 and "shard 1 is unavailable" in r.get_data(as_text=True)
    r = http.post(f"/instances/{on0[0]}/deliver", data={"correlation_id": corr_on(1, "x"), "body": "1"})
    assert r.status_code == 303 and "shard+1" in r.headers["Location"]
    assert http.post(f"/instances/{on0[0]}/cancel").status_code == 303 and c.status(on0[0])["state"] == "cancelled"

    # the CLI: what shard 0 answers, a clear message for shard 1, exit 1
    r = _cli(f, "list", check=False)
    assert r.returncode == 1 and sorted(r.stdout.split()) == sorted(on0)
    assert re.search(r"shard 1 \(redis://127\.0\.0\.1:\d+/0\) is unavailable", r.stderr)
    for cmd in ("inspect", "history", "status", "cancel"):
        r = _cli(f, cmd, on1[1], check=False)
        assert r.returncode == 1 and "shard 1 (redis://127.0.0.1:" in r.stderr and "Traceback" not in r.stderr, (cmd, r)
    r = _cli(f, "inspect", on0[1])
    assert on0[1] in r.stdout
    r = _cli(f, "shards", check=False)
    assert r.returncode == 1 and "\tdown: " in r.stdout.split("\n")[1] and "queued=" in r.stdout.split("\n")[0]
    r = _cli(f, "deliver", corr_on(1, "y"), "1", check=False)
    assert r.returncode == 1 and "shard 1" in r.stderr
    for cmd in ("notices", "sweep", "reindex-waits"):  # every shard: shard 0's part, shard 1 named
        r = _cli(f, cmd, check=False)
        assert r.returncode == 1 and "shard 1 (redis://127.0.0.1:" in r.stderr and "Traceback" not in r.stderr, (cmd, r)
    assert _cli(f, "reindex-waits", check=False).stdout.split("\t")[0] == "0"
    r = _cli(f, "dashboard", "--shard", "2", check=False)
    assert r.returncode == 2 and "shard 2 does not exist" in r.stderr

    f.servers[1].start()  # back: the same app reads it again
    wait_for(lambda: "shard 1 is down" not in http.get("/instances").get_data(as_text=True), 20,
             what="the dashboard to read shard 1 again")
    assert len(_rows(http.get("/instances").get_data(as_text=True))) == 20
