"""Benchmark of the dashboard with 100,000 instances (issue 12: a filtered page in < 200 ms).

    python bench/bench_dashboard.py [--instances 100000] [--repeat 30] [--shards 1] [--json PATH]

Starts a PRIVATE redis-server (free port, no persistence), fills it with ``--instances``
instances as the Lua transitions leave them - the instance hash (keys.py fields), the
``{p}:all`` and ``{p}:state:{s}`` indexes, and for waiting ones the wait record, the deadline
and the correlation-id lex index ``{p}:waits-by-corr`` - spread over two days: 55% completed,
30% waiting on a receive (``pay-<n>``) or a sleep, 5% failed, 5% cancelled, 5% queued. (Seeding
goes straight to Redis in pipelines: running 100,000 scripts through workers would measure the
workers, not the page.) Then it GETs the dashboard's pages over real HTTP from Werkzeug's
threaded server (the one ``jactl-worker dashboard`` runs), each ``--repeat`` times, and
prints the median and p95 wall time of each request, rendering included. With ``--shards N``
it starts N redis-servers and spreads the instances over them (ids ``order-<n>@s<k>``), and
one dashboard reads them all (every page merges the shards).
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redis import Redis  # noqa: E402
import logging  # noqa: E402

from werkzeug.serving import make_server  # noqa: E402

from jactl_worker.config import Settings  # noqa: E402
from jactl_worker.dashboard import create_app  # noqa: E402
from jactl_worker.keys import Keys, script_hash  # noqa: E402

PREFIX = "bench"
SCRIPT = "def r = receive('pay-' + n, 86400000)\n[n: n, r: r]"
BUDGET_MS = 200
PAGES = [
    ("all, first page", "/instances"),
    ("state=waiting", "/instances?state=waiting"),
    ("state=waiting, age >= 1 h", "/instances?state=waiting&age=3600"),
    ("state=completed, page 200", "/instances?state=completed&page=200"),
    ("failed, age >= 1 day", "/instances?state=failed&age=86400"),
    ("corr prefix pay-4242", "/instances?corr=pay-4242"),
    ("corr prefix pay-", "/instances?corr=pay-&state=waiting"),
    ("htmx rows partial", "/instances/rows?state=waiting&age=600"),
    ("fleet page", "/fleet"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis() -> tuple[subprocess.Popen, str]:
    exe = shutil.which("redis-server")
    if exe is None:
        sys.exit("redis-server is needed")
    port = _free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            if Redis.from_url(url).ping():
                return proc, url
        except Exception:
            time.sleep(0.05)
    sys.exit("redis-server did not start")


def seed(shards: list[Redis], n: int, chunk: int = 2000) -> None:
    keys = Keys(PREFIX)
    sha = script_hash(SCRIPT)
    for r in shards:
        r.set(keys.script(sha), SCRIPT)
    rnd = random.Random(12)
    now = int(time.time() * 1000)
    span = 2 * 86400 * 1000
    k = len(shards)
    for base in range(0, n, chunk):
        pipes = [r.pipeline(transaction=False) for r in shards]
        for i in range(base, min(n, base + chunk)):
            pipe = pipes[i % k]
            iid = f"order-{i:06d}" + (f"@s{i % k}" if k > 1 else "")
            created = now - rnd.randrange(span)
            updated = min(now, created + rnd.randrange(600_000))
            x = rnd.random()
            state = ("completed" if x < .55 else "waiting" if x < .85 else "failed" if x < .90
                     else "cancelled" if x < .95 else "queued")
            rec = {"state": state, "script": sha, "globals": json.dumps({"n": i}), "queue": "jactl",
                   "reply_to": "", "run_seq": 1, "runs": 1, "lapses": 0, "checkpoint_id": 0,
                   "created_at": created, "updated_at": updated, "started_at": created,
                   "point": "start", "waiting_on": "", "wait_kind": "", "timeout_at": ""}
            if state == "waiting":
                sleep = rnd.random() < 0.2
                corr = f"sleep:{iid}:{i:x}" if sleep else f"pay-{i}"
                deadline = updated + 86_400_000
                rec.update(point="wait", waiting_on=corr, wait_kind="sleep" if sleep else "receive",
                           timeout_at=deadline)
                pipe.hset(keys.wait(corr), mapping={"instance": iid, "wait_seq": 1, "kind": rec["wait_kind"],
                                                   "deadline": deadline, "status": "waiting", "run_seq": 1})
                pipe.zadd(keys.deadlines, {corr: deadline})
                pipe.zadd(f"{PREFIX}:waits-by-corr", {f"{corr}\0{iid}": 0})
            elif state in ("completed", "failed", "cancelled"):
                rec.update(point="ended", ended_at=updated)
                if state == "completed":
                    rec["result"] = json.dumps({"n": i, "r": {"ok": True}})
                elif state == "failed":
                    rec["error"] = "division by zero at line 2, column 9"
            else:
                pipe.zadd(keys.ready("jactl"), {iid: updated})
            pipe.hset(keys.instance(iid), mapping=rec)
            pipe.zadd(keys.all, {iid: created})
            pipe.zadd(keys.state(state), {iid: updated})
        for pipe in pipes:
            pipe.execute()


def measure(base_url: str, path: str, repeat: int) -> dict:
    times = []
    size = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        with urllib.request.urlopen(base_url + path, timeout=30) as resp:
            body = resp.read()
            assert resp.status == 200, (path, resp.status)
        times.append((time.perf_counter() - t0) * 1000)
        size = len(body)
    times.sort()
    return {"median_ms": statistics.median(times), "p95_ms": times[max(0, int(len(times) * .95) - 1)],
            "max_ms": times[-1], "bytes": size, "rows": body.count(b'class="row ')}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--shards", type=int, default=1, help="redis-servers the instances are spread over")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log per request
    servers = [start_redis() for _ in range(max(1, args.shards))]
    try:
        conns = [Redis.from_url(url) for _, url in servers]
        t0 = time.perf_counter()
        seed(conns, args.instances)
        print(f"seeded {args.instances} instances on {len(conns)} shard(s) in {time.perf_counter() - t0:.1f} s "
              f"({sum(r.dbsize() for r in conns)} keys)")
        url = ",".join(u for _, u in servers)
        app = create_app(conns if len(conns) > 1 else conns[0], Settings(redis_url=url, prefix=PREFIX),
                         token="bench")
        server = make_server("127.0.0.1", _free_port(), app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        measure(base, "/instances", 3)  # warm up templates and connections
        results = {}
        print(f"{'page':32} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'rows':>5}")
        pages = list(PAGES)
        if len(conns) > 1:  # what the "older" link of page 199 leads to: a cursor, a k-way merge
            body = urllib.request.urlopen(base + "/instances?state=completed&page=199", timeout=30).read().decode()
            m = re.search(r'id="older" href="([^"]+)"', body)
            pages.insert(4, ("state=completed, page 200 (link)", html.unescape(m.group(1))))
        for label, path in pages:
            m = measure(base, path, args.repeat)
            results[label] = {"path": path, **m}
            print(f"{label:32} {m['median_ms']:10.1f} {m['p95_ms']:8.1f} {m['max_ms']:8.1f} {m['rows']:5d}")
        server.shutdown()
        worst = max(v["p95_ms"] for k, v in results.items() if k != "fleet page")
        verdict = "OK" if worst < BUDGET_MS else "OVER BUDGET"
        print(f"worst filtered-page p95: {worst:.1f} ms (budget {BUDGET_MS} ms): {verdict}")
        if args.json:
            Path(args.json).write_text(json.dumps({"instances": args.instances, "shards": len(conns), "pages": results,
                                                   "worst_p95_ms": worst}, indent=2))
        return 0 if worst < BUDGET_MS else 1
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    sys.exit(main())
