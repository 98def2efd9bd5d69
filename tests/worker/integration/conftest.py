"""Real Redis, real processes: every test gets its own key prefix and RQ queue, and the
workers and listeners it starts are `python -m jactl_worker ...` subprocesses (own process
groups, killed at the end)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, Worker

from jactl_worker import Client, Settings
from jactl_worker.shards import shard_of

REDIS_URL = os.environ.get("JACTL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _ping(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _own_redis() -> str:
    """No Redis where the tests expect one: start a throwaway real redis-server on a free
    port for this session (so `python -m pytest` works on a machine whose Redis is not
    running). Without a redis-server binary the integration tests fail, they do not skip."""
    import atexit
    import shutil
    import socket
    exe = shutil.which("redis-server")
    if exe is None:
        return REDIS_URL
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    atexit.register(proc.terminate)
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        if _ping(url):
            break
        time.sleep(0.05)
    return url


if not _ping(REDIS_URL):
    REDIS_URL = _own_redis()

# Short enough that crash recovery fits in a test, long enough for a loaded CI machine.
FAST = {
    "JACTL_LEASE_MS": "3000",
    "JACTL_REAP_INTERVAL_MS": "500",
    "JACTL_CLAIM_IDLE_MS": "1500",
    "JACTL_REQUEUE_AFTER_MS": "4000",
    "JACTL_TIMEOUT_GRACE_MS": "3000",
}




def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Proc:
    def __init__(self, kind: str, name: str, popen: subprocess.Popen, log: Path):
        self.kind, self.name, self.popen, self.log = kind, name, popen, log

    @property
    def pid(self) -> int:
        return self.popen.pid

    def signal(self, sig) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, sig)

    def kill_group(self) -> None:
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            pass

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Fleet:
    """One test's fleet: a prefix, a queue, a client, and the processes it started."""

    def __init__(self, tmp_path: Path, **env):
        self.id = uuid.uuid4().hex[:10]
        self.prefix = f"jwt-{self.id}"
        self.queue = f"jwt-q-{self.id}"
        self.redis = Redis.from_url(REDIS_URL)
        self.env = {**FAST, **{k: str(v) for k, v in env.items()}}
        self.settings = Settings.from_env(redis_url=REDIS_URL, prefix=self.prefix, queue=self.queue,
                                          **{k[6:].lower(): int(v) for k, v in self.env.items() if v.isdigit()})
        self.client = Client(self.redis, settings=self.settings)
        self.tmp = tmp_path
        self.procs: list[Proc] = []

    def _spawn(self, kind: str, args: list[str], extra_env: dict | None = None) -> Proc:
        name = f"{kind}-{len(self.procs)}-{self.id}"
        env = {**os.environ, **self.env, **(extra_env or {}),
               "JACTL_REDIS_URL": REDIS_URL, "JACTL_PREFIX": self.prefix, "JACTL_QUEUE": self.queue,
               "PYTHONUNBUFFERED": "1"}
        log = self.tmp / f"{name}.log"
        popen = subprocess.Popen([sys.executable, "-m", "jactl_worker", *args, "--name", name], cwd=self.tmp, env=env,
                                 stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        p = Proc(kind, name, popen, log)
        self.procs.append(p)
        return p

    def worker(self, wait: bool = True, **extra_env) -> Proc:
        p = self._spawn("worker", ["worker", "-q", self.queue], {k: str(v) for k, v in extra_env.items()})
        if wait:
            q = Queue(self.queue, connection=self.redis)
            wait_for(lambda: any(w.name == p.name for w in Worker.all(connection=self.redis, queue=q))
                     or p.popen.poll() is not None, 30, what=f"worker {p.name} to start")
            assert p.popen.poll() is None, p.output()
        return p

    def listener(self, wait: bool = True, **extra_env) -> Proc:
        p = self._spawn("listener", ["listen"], {k: str(v) for k, v in extra_env.items()})
        if wait:
            wait_for(lambda: " reading " in p.output() or p.popen.poll() is not None,
                     30, what=f"listener {p.name} to start")
            assert p.popen.poll() is None, p.output()
        return p

    def proc_running(self, instance_id: str) -> Proc:
        worker = wait_for(lambda: self.client.status(instance_id)["worker"], what=f"{instance_id} to run")
        return next(p for p in self.procs if p.name == worker)

    def cleanup(self) -> None:
        for p in self.procs:
            p.kill_group()
        keys = list(self.redis.scan_iter(f"{self.prefix}:*", count=1000))
        keys += list(self.redis.scan_iter(f"rq:*{self.queue}*", count=1000))
        for i in range(0, len(keys), 500):
            self.redis.delete(*keys[i:i + 500])
        job_keys = list(self.redis.scan_iter("rq:job:jw-*", count=1000))
        # jobs of this test's queue only
        for k in job_keys:
            if self.redis.hget(k, "origin") == self.queue.encode():
                self.redis.delete(k)
        self.redis.srem("rq:queues", f"rq:queue:{self.queue}")


class PrivateRedis:
    def __init__(self, tmp_path, *args: str):
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.fail("redis-server is needed for the private-Redis tests")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.cmd = [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(tmp_path), *args]
        self.proc = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: _ping(self.url), timeout=10, what="the private redis-server")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


class ShardedFleet:
    def __init__(self, tmp_path, servers):
        self.servers = servers
        self.url = ",".join(s.url for s in servers)
        self.id = uuid.uuid4().hex[:8]
        self.prefix, self.queue = f"jws-{self.id}", f"jws-q-{self.id}"
        self.env = dict(FAST)
        self.settings = Settings.from_env(redis_url=self.url, prefix=self.prefix, queue=self.queue,
                                          **{k[6:].lower(): int(v) for k, v in self.env.items()})
        self.client = Client.from_url(self.url, prefix=self.prefix, queue=self.queue,
                                      **{k[6:].lower(): int(v) for k, v in self.env.items()})
        self.tmp = tmp_path
        self.procs: list[Proc] = []

    def spawn(self, kind: str, *args: str) -> Proc:
        name = f"{kind}-{len(self.procs)}-{self.id}"
        env = {**os.environ, **self.env, "JACTL_REDIS_URL": self.url, "JACTL_PREFIX": self.prefix,
               "JACTL_QUEUE": self.queue, "PYTHONUNBUFFERED": "1"}
        log = self.tmp / f"{name}.log"
        argv = [sys.executable, "-m", "jactl_worker", kind, *args, "--name", name]
        if kind == "worker":
            argv[4:4] = ["-q", self.queue]
        popen = subprocess.Popen(argv, cwd=self.tmp, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                 start_new_session=True)
        p = Proc(kind, name, popen, log)
        self.procs.append(p)
        return p

    def started(self, p: Proc, shards: int) -> None:
        """Wait until ``p`` (or its per-shard children) read their inboxes / took their queues."""
        marker = " reading " if p.kind == "listen" else "Listening on"
        wait_for(lambda: p.output().count(marker) >= shards or p.popen.poll() is not None, 60,
                 what=f"{p.name} to start")
        assert p.popen.poll() is None, p.output()

    def parked(self, iid: str, on: str | None = None) -> None:
        def ok():
            st = self.client.status(iid)
            return st["state"] == "waiting" and (on is None or st["waiting_on"] == on)
        wait_for(ok, 30, what=f"{iid} to wait on {on}")

    def close(self) -> None:
        for p in self.procs:
            p.kill_group()


@pytest.fixture
def two_shards(tmp_path, request):
    servers = []
    for i in range(2):
        d = tmp_path / f"redis{i}"
        d.mkdir()
        # shard 1 persists (appendfsync always) so a test can stop and start it again
        extra = ("--appendonly", "yes", "--appendfsync", "always") if i == 1 else ("--appendonly", "no")
        servers.append(PrivateRedis(d, "--save", "", *extra))
    fleet = ShardedFleet(tmp_path, servers)
    yield fleet
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        for p in fleet.procs:
            print(f"----- {p.name} -----\n{p.output()[-4000:]}")
    fleet.close()
    for s in servers:
        if s.proc.poll() is None:
            s.stop()


def corr_on(shard: int, tag: str) -> str:
    """A correlation id without a shard marker whose stable hash puts it on ``shard``."""
    n = 0
    while shard_of(f"{tag}-{n}", 2) != shard:
        n += 1
    return f"{tag}-{n}"


def private_fleet(tmp_path, monkeypatch, *redis_args: str):
    """A fleet on its own redis-server (started with ``redis_args``), for tests that flush,
    stop or restart Redis; yields the Fleet (``fleet.server`` is the PrivateRedis)."""
    server = PrivateRedis(tmp_path, *redis_args)
    monkeypatch.setattr(sys.modules[__name__], "REDIS_URL", server.url)  # Fleet and its processes use it
    fleet = Fleet(tmp_path)
    fleet.server = server
    yield fleet
    for p in fleet.procs:
        p.kill_group()
    server.stop()


@pytest.fixture
def fleet(tmp_path, request):
    marker = request.node.get_closest_marker("fleet_env")
    f = Fleet(tmp_path, **(marker.kwargs if marker else {}))
    yield f
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        for p in f.procs:
            print(f"----- {p.name} -----\n{p.output()[-4000:]}")
    f.cleanup()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def pytest_configure(config):
    config.addinivalue_line("markers", "fleet_env(**env): extra JACTL_* settings for the test's processes")
