"""The dashboard's pages and actions through Flask's test client, on the embedded fleet
(fakeredis, real Lua transitions, real runs): listing by index ranges, the instance view,
the token guard, and the chart."""

from __future__ import annotations

import re
import time

import pytest

from jactl_worker import metrics
from jactl_worker.dashboard import chart, create_app, queries

SRC = """\
def f(x) {
  def y = x * 2
  receive('pay-' + x, 60000)
}
def total = 7
[r: f(total)]
"""


@pytest.fixture
def app(fleet):
    return create_app(fleet.redis, fleet.settings, token="tok", queues=fleet.queues)


def _park(fleet, iid, src=SRC):
    fleet.client.start(src, instance_id=iid)
    fleet.run_until(lambda: fleet.client.status(iid)["state"] == "waiting", 10)


def test_list_filters_by_state_and_age_newest_first_with_paging(fleet):
    for i in range(5):
        fleet.client.start("1", instance_id=f"q{i}")
    keys = fleet.client.store.keys
    now = int(time.time() * 1000)
    for i in range(5):  # q0 oldest ... q4 newest, one hour apart
        fleet.redis.zadd(keys.all, {f"q{i}": now - (5 - i) * 3_600_000})
        fleet.redis.zadd(keys.state("queued"), {f"q{i}": now - (5 - i) * 3_600_000})
    page = queries.list_instances(fleet.redis, fleet.settings.prefix, limit=2)
    assert [r["id"] for r in page.rows] == ["q4", "q3"] and page.has_next and page.total == 5
    page = queries.list_instances(fleet.redis, fleet.settings.prefix, offset=4, limit=2)
    assert [r["id"] for r in page.rows] == ["q0"] and not page.has_next
    page = queries.list_instances(fleet.redis, fleet.settings.prefix, state="queued", min_age_s=3 * 3600 + 60)
    assert [r["id"] for r in page.rows] == ["q1", "q0"] and page.total == 2
    assert queries.list_instances(fleet.redis, fleet.settings.prefix, state="waiting").rows == []
    with pytest.raises(ValueError):
        queries.list_instances(fleet.redis, fleet.settings.prefix, state="nonsense")


def test_instance_page_marks_the_waiting_line_and_shows_locals(fleet, app):
    _park(fleet, "a1")
    html = app.test_client().get("/instances/a1").get_data(as_text=True)
    here = re.findall(r'<span class="line here" id="L(\d+)"><span class="ln">\d+</span>([^\n]*)', html)
    assert here == [("3", "  receive(&#39;pay-&#39; + x, 60000)")]
    assert dict(re.findall(r'data-local="(\w+)">([^<]*)', html)) == {"x": "7", "y": "14", "total": "7"}
    assert 'id="deliver-corr" value="pay-7"' in html
    assert "need the dashboard token" in html and "id=\"deliver\" disabled" in html  # no cookie yet
    rows = app.test_client().get("/instances/rows?state=waiting").get_data(as_text=True)
    assert 'data-id="a1"' in rows and "pay-7" in rows


def test_actions_need_the_token_and_deliver_resumes(fleet, app):
    _park(fleet, "a2")
    c = app.test_client()
    assert c.post("/instances/a2/cancel").status_code == 403
    assert c.post("/instances/a2/cancel", data={"token": "nope"}).status_code == 403
    assert c.get("/login?token=nope").status_code == 403
    assert fleet.client.status("a2")["state"] == "waiting"
    r = c.get("/login?token=tok")
    assert r.status_code == 302 and "HttpOnly" in r.headers["Set-Cookie"] and "SameSite=Strict" in r.headers["Set-Cookie"]
    r = c.post("/instances/a2/deliver", data={"correlation_id": "pay-7", "body": "{not json"})
    assert r.status_code == 303 and "not+delivered" in r.headers["Location"]
    r = c.post("/instances/a2/deliver", data={"correlation_id": "pay-7", "body": '{"ok": 1}'})
    assert r.status_code == 303 and "added+to+the+inbox" in r.headers["Location"]
    assert fleet.run_instance("a2", 10)["result"] == {"r": {"ok": 1}}
    html = c.get("/instances/a2").get_data(as_text=True)
    assert 'id="result"' in html and "&#34;ok&#34;: 1" in html
    _park(fleet, "a3", SRC.replace("pay-", "other-"))
    assert c.post("/instances/a3/cancel", headers={"X-Jactl-Token": "tok"}).status_code == 303
    assert fleet.client.status("a3")["state"] == "cancelled"
    assert c.post("/instances/nobody/cancel", data={"token": "tok"}).status_code == 404


def test_fleet_page_counts_and_charts_the_activity(fleet, app):
    _park(fleet, "f1")
    fleet.client.start("42", instance_id="f2")
    fleet.run_instance("f2", 10)
    metrics.flush_all()
    html = app.test_client().get("/fleet").get_data(as_text=True)
    assert '<svg id="activity-chart"' in html
    assert "starts (2)" in html and "parks (1)" in html and "completions (1)" in html
    assert re.search(r'data-state="waiting">1<', html) and re.search(r'data-state="completed">1<', html)
    data = queries.fleet(fleet.redis, fleet.settings.prefix, fleet.queues)
    assert data["parked"]["receive"] + data["parked"]["sleep"] == 1


def test_chart_renders_every_series_even_with_no_activity():
    rows = [{"minute": 1000 + i, "starts": 0, "parks": 0, "resumes": 0, "completions": 0} for i in range(60)]
    svg = chart.render(rows)
    assert svg.count("<polyline") == 4 and "<circle" not in svg
    rows[-1]["starts"] = 9
    svg = chart.render(rows)
    assert svg.count("<circle") == 1 and "starts 17:39 UTC: 9" in svg and "starts (9)" in svg


def test_corr_prefix_filter_reads_the_lex_index(fleet, app):
    for i in (1, 2, 3):
        _park(fleet, f"c{i}", SRC.replace("'pay-' + x", f"'inv-{i}-' + x"))
    _park(fleet, "d1")
    page = queries.list_instances(fleet.redis, fleet.settings.prefix, corr="inv-")
    assert [r["id"] for r in page.rows] == ["c1", "c2", "c3"] and page.total == 3
    page = queries.list_instances(fleet.redis, fleet.settings.prefix, corr="inv-", offset=1, limit=1)
    assert [r["id"] for r in page.rows] == ["c2"] and page.has_next
    page = queries.list_instances(fleet.redis, fleet.settings.prefix, corr="inv-", state="waiting", min_age_s=3600)
    assert page.rows == [] and page.total is None  # none parked an hour ago
    page = queries.list_instances(fleet.redis, fleet.settings.prefix, corr="inv-2", state="waiting")
    assert [r["id"] for r in page.rows] == ["c2"]
    html = app.test_client().get("/instances?corr=pay-").get_data(as_text=True)
    assert re.findall(r'data-id="(\w+)"', html) == ["d1"]


def test_instance_page_shows_the_history_timeline(fleet, app):
    _park(fleet, "h1")
    fleet.client.deliver("pay-7", 5)
    fleet.run_instance("h1", 10)
    html = app.test_client().get("/instances/h1").get_data(as_text=True)
    events = re.findall(r'<span class="at">[^<]*</span> <b>([\w-]+)</b>', html)
    assert events[0] == "created" and "parked" in events and "reply-matched" in events and events[-1] == "completed"


def test_running_instances_are_listed_by_last_change(fleet):
    keys = fleet.client.store.keys
    now = int(time.time() * 1000)
    for i, age_s in enumerate((5, 7200, 60)):
        fleet.redis.hset(keys.instance(f"r{i}"), mapping={"state": "running", "updated_at": now - age_s * 1000})
        fleet.redis.zadd(keys.leases, {f"r{i}": now + 30_000})  # scored by lease deadline
    page = queries.list_instances(fleet.redis, fleet.settings.prefix, state="running")
    assert [r["id"] for r in page.rows] == ["r0", "r2", "r1"] and page.total == 3
    page = queries.list_instances(fleet.redis, fleet.settings.prefix, state="running", min_age_s=30)
    assert [r["id"] for r in page.rows] == ["r2", "r1"]


def test_fleet_lists_overdue_waits_with_their_instance(fleet, app):
    _park(fleet, "o1")
    fleet.redis.zadd(fleet.client.store.keys.deadlines, {"pay-7": int(time.time() * 1000) - 5000})  # no timer ran
    data = queries.fleet(fleet.redis, fleet.settings.prefix, fleet.queues)
    assert data["overdue_count"] == 1
    [o] = data["overdue"]
    assert o["correlation_id"] == "pay-7" and o["instance"] == "o1" and o["late_ms"] >= 5000
    html = app.test_client().get("/fleet").get_data(as_text=True)
    assert 'href="/instances/o1"' in html
    assert "waiting (1)" in app.test_client().get("/instances").get_data(as_text=True)


def test_redis_down_is_a_503_page_and_from_env_builds_the_app(monkeypatch):
    from redis import Redis

    from jactl_worker.config import Settings
    from jactl_worker.dashboard import from_env

    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    r = create_app(dead, Settings(prefix="x"), token="t").test_client().get("/instances")
    assert r.status_code == 503 and "Redis is not answering" in r.get_data(as_text=True)
    monkeypatch.setenv("JACTL_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("JACTL_PREFIX", "envp")
    monkeypatch.setenv("JACTL_DASHBOARD_TOKEN", "tok-env")
    app = from_env()
    assert app.config["JACTL_TOKEN"] == "tok-env"
    assert app.test_client().get("/fleet").status_code == 503


def test_paging_across_shards_by_cursor_keeps_one_order_through_ties():
    """list_view over two shards (two fakeredis servers): walking "older" then "newer" by
    cursor, 3 rows a page, sees every instance once in (score, shard, id) order, also where
    many instances share one score on both shards."""
    import fakeredis

    from jactl_worker.keys import Keys

    conns = [fakeredis.FakeRedis(server=fakeredis.FakeServer()) for _ in range(2)]
    keys = Keys("p")
    want = []
    for shard, conn in enumerate(conns):
        for n in range(11):
            iid, score = f"i{n:02d}-{shard}", 1000 + (n // 4)  # runs of four share a score
            conn.hset(keys.instance(iid), mapping={"state": "queued", "updated_at": score})
            conn.zadd(keys.all, {iid: score})
            want.append((score, shard, iid))
    want.sort(reverse=True)
    view = queries.View(conns)
    pages, page = [], queries.list_view(view, "p", limit=3)
    while True:
        pages.append([(r["_score"], r["shard"], r["id"]) for r in page.rows])
        assert page.total == 22
        if not page.has_next:
            break
        page = queries.list_view(view, "p", limit=3, before=queries.cursor_of(page.rows[-1]))
    assert [r for p in pages for r in p] == want
    for k in range(len(pages) - 1, 0, -1):  # and back, newest first on each page
        first = {"_score": pages[k][0][0], "shard": pages[k][0][1], "id": pages[k][0][2]}
        back = queries.list_view(view, "p", limit=3, after=queries.cursor_of(first))
        assert [(r["_score"], r["shard"], r["id"]) for r in back.rows] == pages[k - 1]
        assert back.has_prev == (k > 1)
    # by offset (a binary search on the score, then the ties): the same order from any row
    assert [(r["_score"], r["shard"], r["id"]) for r in queries.list_view(view, "p", offset=6, limit=3).rows] == pages[2]
    for offset in range(0, 24):
        page = queries.list_view(view, "p", offset=offset, limit=3)
        assert [(r["_score"], r["shard"], r["id"]) for r in page.rows] == want[offset:offset + 3], offset
        assert page.has_next == (offset + 3 < 22)
    page = queries.list_view(view, "p", offset=1, limit=4, min_age_s=0.001, now_ms=1002)
    assert [(r["_score"], r["shard"], r["id"]) for r in page.rows] == [w for w in want if w[0] <= 1001][1:5]
    # a cursor inside a run of ties, with an age cut above it: the cursor's ties of lower shards
    # and ids come first; with the cut below the cursor, the cut wins
    page = queries.list_view(view, "p", limit=5, min_age_s=0.001, now_ms=1003, before="1002:1:i09-1")
    assert [r["id"] for r in page.rows] == ["i08-1", "i10-0", "i09-0", "i08-0", "i07-1"]
    page = queries.list_view(view, "p", limit=2, min_age_s=0.001, now_ms=1002, before="1002:1:i09-1")
    assert [r["id"] for r in page.rows] == ["i07-1", "i06-1"] and page.total == 16
    page = queries.list_view(view, "p", limit=2, min_age_s=0.001, now_ms=1002, after="1002:1:i09-1")
    assert page.rows == [] and not page.has_prev
