"""Benchmark of jactl_worker on a real Redis.

    python bench/bench_worker.py [--url redis://127.0.0.1:6379/0] [--cycles 300] [--resumes 1000]

1. Cycle cost: one instance through start -> receive (park) -> reply -> resume -> complete,
   driven in this process by an in-process SimpleWorker and a listener, against the cost of
   two no-op RQ jobs through the same worker (the least a park/wake cycle could cost with RQ:
   one job to start, one to resume). Also counts Redis commands and round trips per cycle.
2. Resumes per second with 1 and 2 worker processes (`python -m jactl_worker worker`): N
   instances are parked, their replies are delivered and turned into resume jobs, then the
   workers are started and timed until every instance has completed.
3. ``--fleet`` (``--shards 2``: on two redis-servers, see below): the whole fleet as a user runs it, on a PRIVATE redis-server this script
   starts (port ``--fleet-port``), with 2 ``jactl-worker worker`` and 1 ``jactl-worker listen``
   processes: starts/s, wait/reply cycles/s for N parked instances (from the first reply
   XADD-ed to the last completion), checkpointed instances/s (start, 2 x checkpoint(),
   complete), idle resume latency p50/p99 (reply XADD -> result on the reply_to stream),
   Redis commands per cycle (INFO commandstats delta / N), and as the baseline the no-op jobs/s
   of 2 plain RQ SimpleWorker processes on the same Redis.
   ``--shards N`` runs the same figures on N private redis-servers named by one
   JACTL_REDIS_URL (the 2 ``worker`` and 1 ``listen`` commands each run a child per shard),
   plus cycles whose correlation ids are hashed (about half cross shards); commands and
   bytes are summed over the shards.

   ``--trace-idle`` adds the MONITOR trace of one idle resume (every command, its time and
   client, from the reply's XADD to the result): where idle latency goes, round trip by
   round trip.
4. ``--worker-cpu``: the worker's CPU time (process_time) per checkpointed instance, drained
   in this process from a private redis-server, with Redis' CPU and commands per instance:
   the figure to compare before/after on a shared machine, where rates are noise.

Prints a table, and with --json PATH writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from redis import Connection, ConnectionPool, Redis
from rq import Queue
from rq.serializers import JSONSerializer

from jactl_worker import Client, Settings
from jactl_worker.listener import Listener
from jactl_worker.worker import JactlWorker

SCRIPT = "def r = receive('bench-' + instanceId, 600000)\nr + 1"


class CountingConnection(Connection):
    """Counts round trips (packets sent) and commands on a connection."""

    round_trips = 0
    commands = 0

    def send_packed_command(self, command, check_health=True):
        CountingConnection.round_trips += 1
        return super().send_packed_command(command, check_health)

    def pack_commands(self, commands):
        commands = list(commands)
        CountingConnection.commands += len(commands)
        return super().pack_commands(commands)

    def pack_command(self, *args):
        CountingConnection.commands += 1
        return super().pack_command(*args)


def counting_redis(url: str) -> Redis:
    kw = Redis.from_url(url).connection_pool.connection_kwargs
    return Redis(connection_pool=ConnectionPool(connection_class=CountingConnection, **kw))


NOOP = "os.getpid"  # a no-op job by dotted path (functions of __main__ cannot be enqueued)


def cleanup(r: Redis, prefix: str, queue: str) -> None:
    keys = [k for pattern in (f"{prefix}:*", f"rq:*{queue}*") for k in r.scan_iter(pattern, count=1000)]
    keys += [k for k in r.scan_iter("rq:job:*", count=1000) if r.hget(k, "origin") == queue.encode()]
    for i in range(0, len(keys), 500):
        r.delete(*keys[i:i + 500])


def bench_cycle(url: str, cycles: int) -> dict:
    r = counting_redis(url)
    tag = uuid.uuid4().hex[:8]
    settings = Settings(redis_url=url, prefix=f"bench-{tag}", queue=f"bench-q-{tag}")
    queue = Queue(settings.queue, connection=r, serializer=JSONSerializer)
    worker = JactlWorker([settings.queue], connection=r, settings=settings, background=False)
    client = Client(r, settings=settings)
    listener = Listener(r, settings, name="bench")
    listener.store.ensure_group()
    worker.bootstrap(logging_level="ERROR")

    def work():
        """Run every queued job, as the worker's loop does, minus the blocking wait."""
        while (found := Queue.dequeue_any([queue], None, connection=r, serializer=JSONSerializer)) is not None:
            worker.execute_job(*found)
            worker.heartbeat()

    try:
        # warm up: compile the script, load the Lua, import everything
        for i in range(20):
            iid = client.start(SCRIPT, instance_id=f"warm{i}")
            work()
            client.deliver(f"bench-{iid}", i)
            listener.step(block_ms=None)
            work()
            queue.enqueue(NOOP)
            work()

        # two no-op RQ jobs through the same in-process worker
        noop_times = []
        for _ in range(cycles):
            t0 = time.perf_counter()
            queue.enqueue(NOOP)
            work()
            queue.enqueue(NOOP)
            work()
            noop_times.append(time.perf_counter() - t0)

        cycle_times, rts, cmds = [], [], []
        for i in range(cycles):
            c0, r0 = CountingConnection.commands, CountingConnection.round_trips
            t0 = time.perf_counter()
            iid = client.start(SCRIPT, instance_id=f"c{i}", check=False)
            work()                                       # runs until receive(): parks
            client.deliver(f"bench-{iid}", i)            # XADD to the inbox
            listener.step(block_ms=None)                 # resolves the wait, enqueues the resume
            work()                                       # restores, resumes, completes
            cycle_times.append(time.perf_counter() - t0)
            cmds.append(CountingConnection.commands - c0)
            rts.append(CountingConnection.round_trips - r0)
            assert client.status(iid)["result"] == i + 1

        # the same for the no-op pair, to compare Redis traffic
        c0, r0 = CountingConnection.commands, CountingConnection.round_trips
        for _ in range(50):
            queue.enqueue(NOOP)
            work()
            queue.enqueue(NOOP)
            work()
        noop_cmds = (CountingConnection.commands - c0) / 50
        noop_rts = (CountingConnection.round_trips - r0) / 50
    finally:
        worker.register_death()
        cleanup(r, settings.prefix, settings.queue)

    cycle = statistics.median(cycle_times)
    base = statistics.median(noop_times)
    return {
        "cycles": cycles,
        "cycle_ms_median": cycle * 1000,
        "cycle_ms_mean": statistics.mean(cycle_times) * 1000,
        "two_noop_jobs_ms_median": base * 1000,
        "ratio": cycle / base,
        "cycle_redis_commands": statistics.median(cmds),
        "cycle_round_trips": statistics.median(rts),
        "two_noop_jobs_redis_commands": noop_cmds,
        "two_noop_jobs_round_trips": noop_rts,
    }


def _spawn(args, env, log):
    return subprocess.Popen([sys.executable, "-m", "jactl_worker", *args], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(procs, timeout: float = 10.0) -> None:
    """SIGTERM every process group, then SIGKILL any that is still there after timeout."""
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for p in procs:
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def bench_resumes(url: str, n: int, workers: int) -> dict:
    r = Redis.from_url(url)
    tag = uuid.uuid4().hex[:8]
    settings = Settings(redis_url=url, prefix=f"bench-{tag}", queue=f"bench-q-{tag}")
    client = Client(r, settings=settings)
    env = {**os.environ, "JACTL_REDIS_URL": url, "JACTL_PREFIX": settings.prefix, "JACTL_QUEUE": settings.queue}
    log = open(os.devnull, "wb")
    procs = []
    try:
        # park n instances (one worker does the starts), then stop it
        ids = [client.start(SCRIPT, instance_id=f"r{i}", check=(i == 0)) for i in range(n)]
        p = _spawn(["worker"], env, log)
        while client.store.count("waiting") < n:
            time.sleep(0.05)
        os.killpg(p.pid, signal.SIGTERM)
        p.wait()
        # deliver every reply and let a listener turn them into queued resume jobs
        pipe = r.pipeline(transaction=False)
        for iid in ids:
            pipe.xadd(client.store.keys.inbox, {"correlation_id": f"bench-{iid}", "body": "1"})
        pipe.execute()
        listener = Listener(r, settings, name="bench")
        listener.store.ensure_group()
        while client.store.count("queued") < n:
            listener.step(block_ms=None)
        # now time the workers
        t0 = time.perf_counter()
        procs = [_spawn(["worker"], env, log) for _ in range(workers)]
        first = None  # rate is measured from the first completion on, so start-up is left out
        while (done := client.store.count("completed")) < n:
            if first is None and done:
                first = (time.perf_counter(), done)
            time.sleep(0.005)
        end = time.perf_counter()
        elapsed = end - t0
    finally:
        _stop(procs)
        cleanup(r, settings.prefix, settings.queue)
    steady = (n - first[1]) / (end - first[0])
    return {"workers": workers, "resumes": n, "seconds_with_startup": elapsed, "resumes_per_s": steady}


CKPT_SCRIPT = ("def a = checkpoint(commit: { 1 }, recover: { 2 })\n"
               "def b = checkpoint(commit: { a + 1 }, recover: { a + 2 })\n"
               "b + 1")
LATENCY_SCRIPT = "receive('lat-' + instanceId, 600000)"
# a correlation id without the instance's shard marker: its home is wherever it hashes to
CROSS_SCRIPT = "def r = receive(corr, 600000)\nr + 1"


class PrivateRedis:
    """A throwaway redis-server (no persistence) so the figures see no other traffic."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r = Redis.from_url(self.url)
        for _ in range(200):
            try:
                if r.ping():
                    break
            except Exception:
                time.sleep(0.05)
        r.flushall()

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def _commands(r: Redis) -> int:
    return sum(v["calls"] for k, v in r.info("commandstats").items())


def _cpu(r: Redis) -> float:
    info = r.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def _command_mix(r: Redis, n: int) -> dict:
    """Calls per cycle of each command since the last CONFIG RESETSTAT, most frequent first."""
    mix = {k.removeprefix("cmdstat_"): v["calls"] / n for k, v in r.info("commandstats").items()}
    return dict(sorted(mix.items(), key=lambda kv: -kv[1])[:12])


def _start_all(client: Client, source: str, n: int, tag: str, reply_to: str | None = None) -> list[str]:
    """Create n instances the fastest way this version of the Client offers (sharded: ids
    marked with their shard, spread evenly)."""
    shards = getattr(client, "shard_count", 1)
    ids = [f"{tag}{i}" + (f"@s{i % shards}" if shards > 1 else "") for i in range(n)]
    if hasattr(client, "start_many"):
        out = []
        for i in range(0, n, 500):
            out += client.start_many(source, [{} for _ in ids[i:i + 500]], instance_ids=ids[i:i + 500],
                                     check=(i == 0), reply_to=reply_to)
        return out
    return [client.start(source, instance_id=iid, check=(k == 0), reply_to=reply_to) for k, iid in enumerate(ids)]


def _wait_count(client: Client, state: str, n: int, timeout: float = 300.0, poll: float = 0.005) -> float:
    count = client.count if hasattr(client, "count") else client.store.count
    end = time.monotonic() + timeout
    while count(state) < n:
        if time.monotonic() > end:
            raise RuntimeError(f"only {count(state)} of {n} instances {state} after {timeout} s")
        time.sleep(poll)
    return time.perf_counter()


def bench_rq_noop(url: str, n: int, workers: int = 2) -> float:
    """No-op jobs/s through ``workers`` plain RQ SimpleWorker processes (burst mode)."""
    r = Redis.from_url(url)
    qname = f"noop-{uuid.uuid4().hex[:6]}"
    q = Queue(qname, connection=r, serializer=JSONSerializer)
    pipe = r.pipeline()
    for _ in range(n):
        q.enqueue(NOOP, pipeline=pipe, result_ttl=600)
    pipe.execute()
    from rq.registry import FinishedJobRegistry
    fin = FinishedJobRegistry(qname, connection=r)
    procs = [subprocess.Popen([sys.executable, "-m", "rq.cli", "worker", "--burst", "-w", "rq.worker.SimpleWorker",
                               "-S", "rq.serializers.JSONSerializer", "--url", url, qname],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
             for _ in range(workers)]
    try:
        first = None
        while True:
            done = fin.count
            if first is None and done:
                first = (time.perf_counter(), done)
            if done >= n:
                break
            time.sleep(0.005)
        end = time.perf_counter()
    finally:
        for p in procs:
            p.wait()
    return (n - first[1]) / (end - first[0])


def _trace_idle(client: Client, r: Redis, shard: int) -> list[str]:
    """One more idle resume, watched with MONITOR: every command Redis ran from the reply's
    XADD to the result on the reply_to stream, with its time (ms) and client. Where idle
    latency goes: each line of a client that is not inside a MULTI or a pipeline of its own
    is a round trip of that process (Lua's inner commands are marked "lua")."""
    iid = "trace0" + (f"@s{shard}" if getattr(client, "shard_count", 1) > 1 else "")
    client.start(LATENCY_SCRIPT, instance_id=iid, reply_to="trace")
    while client.status(iid)["state"] != "waiting":
        time.sleep(0.002)
    time.sleep(0.05)
    lines, done = [], threading.Event()
    monitor = r.monitor().__enter__()

    def read() -> None:
        while not done.is_set():
            try:
                lines.append(monitor.next_command())
            except Exception:  # noqa: BLE001 - the monitor connection closed
                return
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(0.1)
    r.xadd(client.store.keys.inbox, {"correlation_id": f"lat-{iid}", "body": "1"})
    r.xread({client.store.keys.out("trace"): "0"}, block=10000, count=1)
    time.sleep(0.2)
    done.set()
    monitor.connection.disconnect()
    out, t0 = [], None
    for c in lines:
        cmd = c["command"]
        if t0 is None and cmd.startswith("XADD") and ":inbox" in cmd:
            t0 = c["time"]
        if t0 is None:
            continue
        who = "lua" if c.get("client_type") == "lua" else f"{c['client_address']}:{c['client_port']}"
        out.append(f"{(c['time'] - t0) * 1000:7.2f} {who:21s} {cmd[:100]}")
        if ":out:trace" in cmd and cmd.startswith("XADD"):
            break
    return out


def bench_fleet(port: int, n: int, latency_samples: int, shards: int = 1, trace_idle: bool = False) -> dict:
    """The fleet figures; with ``shards`` > 1 on that many private redis-servers (ports
    ``port``, ``port + 1``, ...) named by one JACTL_REDIS_URL: the 2 worker and 1 listen
    commands then each run a child process per shard."""
    reds = [PrivateRedis(port + i) for i in range(shards)]
    url = ",".join(red.url for red in reds)
    rs = [Redis.from_url(red.url) for red in reds]
    settings = Settings(redis_url=url, prefix="fleet", queue="fleet-q")
    client = Client(rs if shards > 1 else rs[0], settings=settings)
    inbox = client.store.keys.inbox
    env = {**os.environ, "JACTL_REDIS_URL": url, "JACTL_PREFIX": settings.prefix, "JACTL_QUEUE": settings.queue}
    log = open(os.devnull, "wb")
    procs = []
    out = {"instances": n, "shards": shards}

    def home(iid: str) -> Redis:
        return rs[client.shard_of(iid)] if shards > 1 else rs[0]

    def xadd_all(pairs) -> None:
        """Reply to each (correlation id, shard connection), one pipeline per shard."""
        pipes = {}
        for corr, r in pairs:
            pipes.setdefault(id(r), r.pipeline(transaction=False)).xadd(inbox, {"correlation_id": corr, "body": "1"})
        for pipe in pipes.values():
            pipe.execute()

    def commands() -> int:
        return sum(_commands(r) for r in rs)

    def cpu() -> float:
        return sum(_cpu(r) for r in rs)

    def resetstat() -> None:
        for r in rs:
            r.config_resetstat()

    try:
        if shards == 1:
            out["in_process_cycle"] = bench_cycle(url, 200)
        out["rq_noop_jobs_per_s_2_workers"] = bench_rq_noop(reds[0].url, n)
        procs = [_spawn(["worker"], env, log) for _ in range(2)] + [_spawn(["listen"], env, log)]
        # warm up: every worker compiles and the listeners are reading
        warm = _start_all(client, SCRIPT, 20, "warm")
        _wait_count(client, "waiting", 20)
        xadd_all((f"bench-{iid}", home(iid)) for iid in warm)
        _wait_count(client, "completed", 20)

        # starts, then park
        t0 = time.perf_counter()
        ids = _start_all(client, SCRIPT, n, "c")
        t1 = time.perf_counter()
        _wait_count(client, "waiting", n + 0)
        t2 = time.perf_counter()
        out["starts_per_s_client"] = n / (t1 - t0)
        out["start_to_parked_per_s"] = n / (t2 - t0)

        # cycles: every reply XADD-ed, from the first reply to the last completion
        base_done = client.count("completed")
        resetstat()
        c0 = commands()
        cpu0 = cpu()
        t0 = time.perf_counter()
        xadd_all((f"bench-{iid}", home(iid)) for iid in ids)
        t1 = _wait_count(client, "completed", base_done + n)
        c1 = commands()
        out["cycles_per_s"] = n / (t1 - t0)
        out["redis_commands_per_cycle"] = (c1 - c0) / n
        out["cycle_command_mix"] = _command_mix(rs[0], n / shards)
        # Redis' own CPU per cycle (the server processes, everything they did meanwhile)
        out["redis_usec_per_cycle"] = (cpu() - cpu0) * 1e6 / n
        infos = [r.info("stats") for r in rs]
        out["redis_net_input_bytes_per_cycle"] = sum(i["total_net_input_bytes"] for i in infos) / n
        out["redis_net_output_bytes_per_cycle"] = sum(i["total_net_output_bytes"] for i in infos) / n

        if shards > 1:
            # cycles whose correlation ids carry no shard: hashed, so about half of them have
            # their home on the other shard (route, then the home's listener forwards)
            xs = [f"x{i}@s{i % shards}" for i in range(n)]
            corr = {iid: f"xb-{i}" for i, iid in enumerate(xs)}
            for i in range(0, n, 500):
                client.start_many(CROSS_SCRIPT, [{"corr": corr[x]} for x in xs[i:i + 500]],
                                  instance_ids=xs[i:i + 500], check=(i == 0))
            _wait_count(client, "waiting", n)
            out["cross_shard_fraction"] = sum(client.shard_of(corr[x]) != client.shard_of(x) for x in xs) / n
            base_done = client.count("completed")
            resetstat()
            c0 = commands()
            t0 = time.perf_counter()
            xadd_all((corr[x], rs[client.shard_of(corr[x])]) for x in xs)
            t1 = _wait_count(client, "completed", base_done + n)
            out["hashed_corr_cycles_per_s"] = n / (t1 - t0)
            out["redis_commands_per_hashed_corr_cycle"] = (commands() - c0) / n

        # checkpointed instances: start, 2 x checkpoint(), complete
        base_done = client.count("completed")
        resetstat()
        c0 = commands()
        t0 = time.perf_counter()
        _start_all(client, CKPT_SCRIPT, n, "k")
        t1 = _wait_count(client, "completed", base_done + n)
        out["checkpointed_per_s"] = n / (t1 - t0)
        out["redis_commands_per_checkpointed"] = (commands() - c0) / n

        # idle resume latency: one parked instance at a time, reply -> result on reply_to
        lat = []
        stream = client.store.keys.out("lat")
        last = ["0"] * shards
        for i in range(latency_samples):
            iid = f"lat{i}" + (f"@s{i % shards}" if shards > 1 else "0")
            client.start(LATENCY_SCRIPT, instance_id=iid, reply_to="lat", check=(i == 0))
            r, k = home(iid), client.shard_of(iid)
            while client.status(iid)["state"] != "waiting":
                time.sleep(0.002)
            time.sleep(0.02)  # idle: nothing else in flight
            t0 = time.perf_counter()
            r.xadd(inbox, {"correlation_id": f"lat-{iid}", "body": "1"})
            got = r.xread({stream: last[k]}, block=10000, count=1)
            lat.append(time.perf_counter() - t0)
            last[k] = got[0][1][-1][0]
        lat.sort()
        out["idle_latency_ms_p50"] = statistics.median(lat) * 1000
        out["idle_latency_ms_p99"] = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        if trace_idle:
            out["idle_trace"] = _trace_idle(client, rs[0], 0)
    finally:
        _stop(procs)
        for red in reds:
            red.stop()
    return out


def bench_worker_cpu(port: int, n: int) -> dict:
    """CPU time of the worker per checkpointed instance (start, 2 x checkpoint(), complete),
    the least noisy figure on a shared machine: n instances are created, then drained in
    this process (one drainer, as a drain job runs them) and timed with process_time; Redis'
    own CPU and commands for the drain are read from INFO."""
    from jactl_worker.drain import drain
    from jactl_worker.instance import Runtime

    red = PrivateRedis(port)
    rt = None
    try:
        settings = Settings(redis_url=red.url, prefix="cpu", queue="cpu-q", max_drainers=1)
        r = Redis.from_url(red.url)
        client = Client(r, settings=settings)
        rt = Runtime(counting_redis(red.url), settings, "cpu-worker")
        figures = {}
        for phase in ("warm", "k"):
            _start_all(client, CKPT_SCRIPT, n, phase)
            r.delete(client.store.keys.drainers(settings.queue))  # no drain job runs: this process drains
            r.config_resetstat()
            c0, rt0, cpu0 = CountingConnection.commands, CountingConnection.round_trips, _cpu(r)
            t0 = time.process_time()
            while r.zcard(client.store.keys.ready(settings.queue)):
                drain(rt, settings.queue, "cpu-drainer")
            t1 = time.process_time()
            figures = {
                "instances": n,
                "worker_cpu_us_per_instance": (t1 - t0) / n * 1e6,
                "redis_cpu_us_per_instance": (_cpu(r) - cpu0) / n * 1e6,
                "redis_commands_per_instance": _commands(r) / n,
                "worker_commands_per_instance": (CountingConnection.commands - c0) / n,
                "worker_round_trips_per_instance": (CountingConnection.round_trips - rt0) / n,
            }
        return figures
    finally:
        if rt is not None and rt.leases:
            rt.leases.stop()
        red.stop()


def print_fleet(f: dict) -> None:
    shards = f.get("shards", 1)
    where = "private redis-server" if shards == 1 else f"{shards} shards (private redis-servers; each command runs a child per shard)"
    print(f"\nfleet: 2 `jactl-worker worker` + 1 `listen`, {where}, N={f['instances']}")
    c = f.get("in_process_cycle")
    if c:
        print(f"  one cycle alone:   {c['cycle_ms_median']:.2f} ms median, {c['cycle_redis_commands']:.0f} commands and "
              f"{c['cycle_round_trips']:.0f} round trips sent by the fleet's clients (start -> park -> reply -> complete; "
              f"two no-op RQ jobs: {c['two_noop_jobs_ms_median']:.2f} ms, {c['two_noop_jobs_redis_commands']:.0f} / "
              f"{c['two_noop_jobs_round_trips']:.0f})")
    print(f"  RQ baseline:       {f['rq_noop_jobs_per_s_2_workers']:.0f} no-op jobs/s (2 SimpleWorker processes)")
    print(f"  starts:            {f['starts_per_s_client']:.0f}/s client side, {f['start_to_parked_per_s']:.0f}/s to parked")
    print(f"  cycles:            {f['cycles_per_s']:.0f}/s (reply -> complete), {f['redis_commands_per_cycle']:.1f} Redis commands/cycle")
    print("  commands/cycle:    " + ", ".join(f"{k} {v:.2f}" for k, v in f["cycle_command_mix"].items()))
    print(f"  bytes/cycle:       {f['redis_net_input_bytes_per_cycle']:.0f} in, "
          f"{f['redis_net_output_bytes_per_cycle']:.0f} out of Redis")
    print(f"  Redis CPU/cycle:   {f['redis_usec_per_cycle']:.0f} us (one primary's ceiling ~"
          f"{1e6 / f['redis_usec_per_cycle']:.0f} cycles/s)")
    if "hashed_corr_cycles_per_s" in f:
        print(f"  hashed corr ids:   {f['hashed_corr_cycles_per_s']:.0f} cycles/s with {f['cross_shard_fraction']:.0%} of "
              f"the replies crossing shards, {f['redis_commands_per_hashed_corr_cycle']:.1f} commands/cycle")
    print(f"  checkpointed:      {f['checkpointed_per_s']:.0f} instances/s (start, 2 x checkpoint, complete), "
          f"{f['redis_commands_per_checkpointed']:.1f} commands each")
    print(f"  idle latency:      p50 {f['idle_latency_ms_p50']:.1f} ms, p99 {f['idle_latency_ms_p99']:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default=os.environ.get("JACTL_REDIS_URL", "redis://127.0.0.1:6379/0"))
    ap.add_argument("--cycles", type=int, default=300)
    ap.add_argument("--resumes", type=int, default=1000)
    ap.add_argument("--json", default=None)
    ap.add_argument("--fleet", action="store_true", help="only the fleet figures (private redis-server)")
    ap.add_argument("--fleet-port", type=int, default=6390)
    ap.add_argument("--instances", type=int, default=2000)
    ap.add_argument("--latency-samples", type=int, default=200)
    ap.add_argument("--worker-cpu", action="store_true",
                    help="only the worker's CPU time per checkpointed instance, drained in this process (private redis-server)")
    ap.add_argument("--trace-idle", action="store_true",
                    help="with --fleet: print the Redis commands (MONITOR) of one idle resume, reply to result")
    ap.add_argument("--shards", type=int, default=1,
                    help="with --fleet: run the fleet on this many private redis-servers (ports --fleet-port, +1, ...)")
    args = ap.parse_args()
    if args.worker_cpu:
        w = bench_worker_cpu(args.fleet_port, args.instances)
        print(f"worker CPU per checkpointed instance (start, 2 x checkpoint, complete; {w['instances']} drained "
              f"in-process): {w['worker_cpu_us_per_instance']:.0f} us; Redis CPU {w['redis_cpu_us_per_instance']:.0f} us, "
              f"{w['redis_commands_per_instance']:.1f} Redis commands ({w['worker_commands_per_instance']:.2f} sent by the "
              f"worker in {w['worker_round_trips_per_instance']:.3f} round trips)")
        if args.json:
            Path(args.json).write_text(json.dumps({"worker_cpu": w}, indent=2))
        return
    if args.shards > 1:
        args.fleet = True
    if args.fleet:
        f = bench_fleet(args.fleet_port, args.instances, args.latency_samples, args.shards, args.trace_idle)
        print_fleet(f)
        if f.get("idle_trace"):
            print("\none idle resume, every command Redis ran from the reply to the result (ms, client, command):")
            print("\n".join(f["idle_trace"]))
        if args.json:
            Path(args.json).write_text(json.dumps({"fleet": f}, indent=2))
        return

    cycle = bench_cycle(args.url, args.cycles)
    one = bench_resumes(args.url, args.resumes, 1)
    two = bench_resumes(args.url, args.resumes, 2)

    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, Redis {Redis.from_url(args.url).info()['redis_version']}")
    print(f"\nfull cycle start -> receive (park) -> reply -> resume -> complete, in-process worker + listener, {cycle['cycles']} cycles")
    print(f"  cycle:            {cycle['cycle_ms_median']:.2f} ms median ({cycle['cycle_ms_mean']:.2f} mean), "
          f"{cycle['cycle_redis_commands']:.0f} Redis commands, {cycle['cycle_round_trips']:.0f} round trips")
    print(f"  two no-op jobs:   {cycle['two_noop_jobs_ms_median']:.2f} ms median, "
          f"{cycle['two_noop_jobs_redis_commands']:.0f} Redis commands, {cycle['two_noop_jobs_round_trips']:.0f} round trips")
    print(f"  ratio:            {cycle['ratio']:.2f}x")
    print(f"\nresumes per second ({args.resumes} parked instances, replies already turned into resume jobs)")
    for res in (one, two):
        print(f"  {res['workers']} worker(s):      {res['resumes_per_s']:.0f} resumes/s "
              f"(all {res['resumes']} done {res['seconds_with_startup']:.2f} s after the workers were started)")
    print(f"  scaling:          {two['resumes_per_s'] / one['resumes_per_s']:.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps({"cycle": cycle, "resumes": [one, two]}, indent=2))


if __name__ == "__main__":
    main()
