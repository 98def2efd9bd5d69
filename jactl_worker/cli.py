"""``jactl-worker``: run fleet processes and drive instances from a shell.

Processes:   worker, listen   (one child per shard when JACTL_REDIS_URL names several; --shard N),
             dashboard        (every shard in one process; --shard N shows one)
Instances:   start, deliver, status, list, result, cancel, read, notices, sweep, inspect, history,
             shards, shard-of
One process: demo, run  (with no JACTL_REDIS_URL they use an in-process fakeredis)

The Redis URL comes from --url or JACTL_REDIS_URL; the key prefix from --prefix or
JACTL_PREFIX (default "jactl"). On a sharded fleet a command about one id goes to the shard
the id lives on, and a command that reads every shard reports a shard it cannot reach on
stderr, prints what the others answered, and exits 1.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys

import click
import lang
from redis import Redis

from . import codec
from .client import Client
from .config import Settings
from .errors import WorkerError
from .shards import UNREACHABLE, ShardUnavailable, local_settings, parse_urls, safe_url, shard_of


def _settings(ctx) -> Settings:
    return ctx.obj["settings"]


def _urls(ctx) -> list[str]:
    s = _settings(ctx)
    if not s.redis_url:
        raise click.UsageError("no Redis configured: set JACTL_REDIS_URL or pass --url (demo and run work without)")
    return parse_urls(s.redis_url)


def _connect_for(ctx, name: str) -> tuple[int, Redis]:
    """The shard the instance (or correlation) id ``name`` lives on, and its Redis."""
    urls = _urls(ctx)
    i = shard_of(name, len(urls))
    return i, Redis.from_url(urls[i], socket_connect_timeout=2)


def _routed(ctx, name: str, read):
    """``read(conn)`` on the shard of ``name``; an unreachable Redis is a clear error naming it."""
    urls = _urls(ctx)
    i, conn = _connect_for(ctx, name)
    try:
        return read(conn)
    except UNREACHABLE as e:
        raise ShardUnavailable(i, urls[i], e) from None


def _every_shard(ctx, read) -> list:
    """``read(shard, settings of that shard, conn)`` on each shard, in order; a shard that
    cannot be reached is reported on stderr (the exit code becomes 1) and left out."""
    out = []
    for i, url in enumerate(_urls(ctx)):
        s = local_settings(_settings(ctx), i)
        try:
            out.append(read(i, s, Redis.from_url(s.redis_url, socket_connect_timeout=2)))
        except UNREACHABLE as e:
            _shard_unreachable(ctx, ShardUnavailable(i, url, e))
    return out


def _shard_unreachable(ctx, e: ShardUnavailable) -> None:
    click.echo(f"warning: {e}; its part is missing", err=True)
    ctx.obj["exit_code"] = 1


def _client(ctx) -> Client:
    urls = _urls(ctx)
    if len(urls) > 1:
        return Client([Redis.from_url(u, socket_connect_timeout=2) for u in urls], settings=_settings(ctx))
    return Client(Redis.from_url(urls[0]), settings=_settings(ctx))


def _one_redis(ctx, command: str) -> None:
    if len(parse_urls(_settings(ctx).redis_url)) > 1:
        raise click.UsageError(f"{command} runs a whole fleet in one process on one Redis: give one URL")


def _one_shard(ctx, shard: int | None, command: str, args_for):
    """The settings of the one shard this process serves, or None after a supervisor ran a
    child per shard (supervise.py) because the URL names several and no --shard was given."""
    urls = _urls(ctx)
    s = _settings(ctx)
    if shard is None and len(urls) > 1:
        from .supervise import supervise

        env = {**os.environ, "JACTL_REDIS_URL": s.redis_url, "JACTL_PREFIX": s.prefix}
        sys.exit(supervise(command, len(urls), args_for, env))
    return local_settings(s, shard or 0)


def _print_json(value) -> None:
    click.echo(json.dumps(json.loads(codec.dumps(value, strict=False)), indent=2, ensure_ascii=False))


def _parse_json_arg(text: str):
    try:
        return codec.loads(text)
    except ValueError:
        return text  # a bare word is taken as a string


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            out = super().invoke(ctx)
        except (WorkerError, lang.JactlError, ValueError) as e:
            raise click.ClickException(str(e)) from None
        except UNREACHABLE as e:
            raise click.ClickException(f"Redis is unreachable ({safe_url(_settings(ctx).redis_url or '')}): "
                                       f"{type(e).__name__}: {e}") from None
        if (ctx.obj or {}).get("exit_code"):
            ctx.exit(ctx.obj["exit_code"])
        return out


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--url", envvar="JACTL_REDIS_URL", default=None, help="Redis URL (env JACTL_REDIS_URL).")
@click.option("--prefix", envvar="JACTL_PREFIX", default="jactl", show_default=True, help="Key prefix (env JACTL_PREFIX).")
@click.option("-v", "--verbose", is_flag=True, help="Log debug output.")
@click.pass_context
def main(ctx, url, prefix, verbose):
    """Run Jactl scripts on RQ workers and Redis; waiting scripts are parked as bytes."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    ctx.obj = {"settings": Settings.from_env(redis_url=url, prefix=prefix)}


# -- processes -------------------------------------------------------------------------------
def _metrics_options(f):
    f = click.option("--metrics-host", default="127.0.0.1", show_default=True,
                     help="Address the metrics page binds (it needs no credentials: widen on purpose, "
                          "e.g. 0.0.0.0).")(f)
    return click.option("--metrics-port", type=int, default=None,
                        help="Serve Prometheus metrics on this port (127.0.0.1 unless --metrics-host).")(f)


def _metrics_args(port, host, shard: int) -> list[str]:
    """A child per shard serves its metrics on the next port up from --metrics-port."""
    return ["--metrics-port", str(port + shard), "--metrics-host", host] if port else []


def _serve_metrics(port, host, connection, settings: Settings, queues) -> None:
    if port:
        from . import metrics

        metrics.serve(port, connection, settings.prefix, queues, addr=host)


@main.command()
@click.option("-q", "--queue", "queues", multiple=True, help="Queue(s) to serve (default JACTL_QUEUE or 'jactl').")
@click.option("--burst", is_flag=True, help="Quit when the queues are empty.")
@click.option("--name", default=None, help="Worker name (default host.pid.random).")
@click.option("--max-jobs", type=int, default=None)
@click.option("--shard", type=int, default=None,
              help="Serve this shard only (default: one child process per shard JACTL_REDIS_URL names).")
@_metrics_options
@click.pass_context
def worker(ctx, queues, burst, name, max_jobs, shard, metrics_port, metrics_host):
    """An RQ worker (in-process jobs, JSON serializer) with the scheduler and recovery sweep."""
    from .worker import run_worker

    def args_for(i):
        return ([a for q in queues for a in ("-q", q)] + (["--burst"] if burst else [])
                + (["--name", f"{name}-s{i}"] if name else [])
                + (["--max-jobs", str(max_jobs)] if max_jobs is not None else [])
                + _metrics_args(metrics_port, metrics_host, i))

    s = _one_shard(ctx, shard, "worker", args_for)
    connection, queues = Redis.from_url(s.redis_url), list(queues) or [s.queue]
    _serve_metrics(metrics_port, metrics_host, connection, s, queues)
    run_worker(connection, s, queues, burst=burst, name=name, max_jobs=max_jobs)


@main.command()
@click.option("--name", default=None, help="Consumer name in the group (default host.pid.random).")
@click.option("--shard", type=int, default=None,
              help="Serve this shard only (default: one child process per shard JACTL_REDIS_URL names).")
@_metrics_options
@click.pass_context
def listen(ctx, name, shard, metrics_port, metrics_host):
    """Read replies from the inbox stream and enqueue resume jobs."""
    from .checks import check_redis
    from .listener import Listener

    s = _one_shard(ctx, shard, "listen",
                   lambda i: (["--name", f"{name}-s{i}"] if name else [])
                   + _metrics_args(metrics_port, metrics_host, i))
    connection = Redis.from_url(s.redis_url)
    _serve_metrics(metrics_port, metrics_host, connection, s, [s.queue])
    listener = Listener(connection, s, name=name)
    signal.signal(signal.SIGTERM, listener.stop)
    signal.signal(signal.SIGINT, listener.stop)
    check_redis(connection, logging.getLogger("jactl_worker.listener"))
    listener.run()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (keep it local: reading needs no token).")
@click.option("--port", type=int, default=8700, show_default=True)
@click.option("-q", "--queue", "queues", multiple=True, help="Queue(s) to show (default JACTL_QUEUE or 'jactl').")
@click.option("--token", envvar="JACTL_DASHBOARD_TOKEN", default=None,
              help="Token that unlocks Cancel/Deliver (env JACTL_DASHBOARD_TOKEN; default: random, printed).")
@click.option("--shard", type=int, default=None,
              help="With several shards in JACTL_REDIS_URL: show this shard only (default: every shard).")
@_metrics_options
@click.pass_context
def dashboard(ctx, host, port, queues, token, shard, metrics_port, metrics_host):
    """Serve the web dashboard: instances, one instance's stack and history, the fleet (every
    shard of a sharded fleet; an instance page and its actions go to the id's shard)."""
    from .dashboard import serve
    from .dashboard.app import connections

    urls = _urls(ctx)
    if shard is not None and not 0 <= shard < len(urls):
        raise click.UsageError(f"shard {shard} does not exist: JACTL_REDIS_URL names {len(urls)} shard(s)")
    s = _settings(ctx)
    conns, queues = connections(s.redis_url), list(queues) or [s.queue]
    shown = conns if shard is None or len(urls) == 1 else conns[shard]
    _serve_metrics(metrics_port, metrics_host, shown, s, queues)
    serve(conns, s, host=host, port=port, token=token, queues=queues, echo=click.echo,
          shard=shard if len(urls) > 1 else None)


@main.command()
@click.pass_context
def sweep(ctx):
    """Run one recovery sweep now (lapsed leases, lost jobs, overdue waits)."""
    from .dispatch import Dispatcher
    from .reaper import Reaper
    from .store import Store

    out = _every_shard(ctx, lambda i, s, conn: Reaper(Store(conn, s), Dispatcher(conn, s), s, "cli").sweep(force=True))
    _print_json(out[0] if len(_urls(ctx)) == 1 and out else out)


@main.command()
@click.pass_context
def shards(ctx):
    """Print each shard (index, URL without credentials, instances per state, or "down")."""
    from .keys import Keys
    from .metrics import instance_counts

    urls = _urls(ctx)
    for i, url in enumerate(urls):
        try:
            counts = instance_counts(Redis.from_url(url, socket_connect_timeout=2), Keys(_settings(ctx).prefix))
        except UNREACHABLE as e:
            click.echo(f"{i}\t{safe_url(url)}\tdown: {type(e).__name__}: {e}")
            _shard_unreachable(ctx, ShardUnavailable(i, url, e))
            continue
        click.echo(f"{i}\t{safe_url(url)}\t" + " ".join(f"{k}={v}" for k, v in counts.items()))


@main.command(name="shard-of")
@click.argument("name")
@click.pass_context
def shard_of_(ctx, name):
    """Print the shard an instance id or correlation id lives on (XADD its replies to that
    shard's inbox; any shard's listener forwards a reply that reached the wrong one)."""
    click.echo(shard_of(name, len(_urls(ctx))))


# -- instances -------------------------------------------------------------------------------
@main.command()
@click.argument("script", type=click.File("r"))
@click.option("-g", "--global", "globals_", multiple=True, metavar="NAME=JSON", help="A global variable (repeatable).")
@click.option("--id", "instance_id", default=None, help="Instance id (default: random).")
@click.option("--reply-to", default=None, help="Destination that receives the final result.")
@click.option("-q", "--queue", default=None)
@click.option("--wait", "wait_s", type=float, default=None, help="Wait this many seconds for the result.")
@click.option("--in", "start_in", default=None, metavar="DURATION",
              help="Scheduled start: first run after this long (90, 30s, 10m, 2h, 1d).")
@click.option("--at", "start_at", default=None, metavar="ISO",
              help="Scheduled start: first run at this time (ISO 8601, e.g. 2026-12-24T18:00:00Z; no offset = local time).")
@click.option("--stdin", "many", is_flag=True,
              help="Start one instance per line of stdin: a JSON object of globals (merged over -g), "
                   "optionally with the instance id under \"instanceId\". Prints one id per line.")
@click.pass_context
def start(ctx, script, globals_, instance_id, reply_to, queue, wait_s, many, start_in, start_at):
    """Start SCRIPT (a file, or - for stdin); prints the instance id."""
    schedule = {}
    if start_in is not None:
        schedule["start_in"] = parse_duration(start_in)
    if start_at is not None:
        schedule["start_at"] = parse_when(start_at)
    if schedule and many:
        raise click.UsageError("--in/--at schedule one start, not --stdin")
    env = {}
    for g in globals_:
        name, _, value = g.partition("=")
        env[name] = _parse_json_arg(value)
    client = _client(ctx)
    if many:
        if script.name == "<stdin>":
            raise click.UsageError("--stdin reads globals from stdin: give SCRIPT as a file")
        _start_many(client, script.read(), env, reply_to, queue)
        return
    iid = client.start(script.read(), env, instance_id=instance_id, reply_to=reply_to, queue=queue, **schedule)
    click.echo(iid)
    if wait_s is not None:
        _print_json(client.result(iid, timeout=wait_s))


_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Seconds from "90", "30s", "10m", "2h", "1d", "500ms"."""
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*", text)
    if not m:
        raise click.BadParameter(f"{text!r} is not a duration like 90, 30s, 10m, 2h or 1d", param_hint="--in")
    return float(m.group(1)) * _UNITS[m.group(2) or "s"]


def parse_when(text: str):
    """An ISO 8601 time (``Z`` or an offset; without one, local time)."""
    import datetime

    try:
        return datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{text!r} is not an ISO 8601 time", param_hint="--at") from None


START_CHUNK = 1000  # lines per start_many call: one pipeline of creates each


def _start_many(client, source: str, base: dict, reply_to, queue) -> None:
    chunk_envs, chunk_ids = [], []
    check = True

    def flush():
        nonlocal check
        if chunk_envs:
            for iid in client.start_many(source, chunk_envs, instance_ids=chunk_ids, reply_to=reply_to,
                                         queue=queue, check=check):
                click.echo(iid)
            check = False  # compiled once
            chunk_envs.clear()
            chunk_ids.clear()

    for n, line in enumerate(click.get_text_stream("stdin"), 1):
        if not line.strip():
            continue
        try:
            env = codec.loads(line)  # numbers as Jactl reads them (Decimal, long)
        except ValueError as e:
            raise click.ClickException(f"stdin line {n}: not JSON: {e}") from None
        if not isinstance(env, dict):
            raise click.ClickException(f"stdin line {n}: a JSON object of globals is needed")
        iid = env.pop("instanceId", None)
        chunk_ids.append(str(iid) if iid is not None else client.new_id())
        chunk_envs.append({**base, **env})
        if len(chunk_envs) >= START_CHUNK:
            flush()
    flush()


@main.command()
@click.argument("correlation_id")
@click.argument("body", default="null")
@click.option("--message-id", default=None)
@click.pass_context
def deliver(ctx, correlation_id, body, message_id):
    """Deliver a reply: BODY is JSON (a bare word is taken as a string)."""
    click.echo(_client(ctx).deliver(correlation_id, _parse_json_arg(body), message_id=message_id))


@main.command()
@click.argument("instance_id")
@click.pass_context
def status(ctx, instance_id):
    """Print an instance's record as JSON."""
    _print_json(_client(ctx).status(instance_id))


@main.command(name="inspect")
@click.argument("instance_id")
@click.option("--json", "as_json", is_flag=True, help="Print the whole description as JSON.")
@click.option("--context", "context_lines", type=int, default=3, show_default=True,
              help="Source lines shown around the waiting line.")
@click.pass_context
def inspect_(ctx, instance_id, as_json, context_lines):
    """Show where an instance's script stands: state, wait, stack, locals, source line.
    Reads the saved continuation; runs nothing."""
    from .inspect import inspect_instance, render_text

    info = _routed(ctx, instance_id, lambda conn: inspect_instance(conn, _settings(ctx), instance_id,
                                                                   context_lines=context_lines))
    if as_json:
        _print_json(info)
    else:
        click.echo(render_text(info))


@main.command()
@click.argument("instance_id")
@click.option("--json", "as_json", is_flag=True, help="Print the events as a JSON list.")
@click.pass_context
def history(ctx, instance_id, as_json):
    """Show an instance's events (created, run started, parked, reply matched, timeout fired,
    checkpoint, lease lapsed, completed/failed/cancelled), oldest first."""
    from .history import format_events, read_history

    s = _settings(ctx)
    events, exists = _routed(ctx, instance_id, lambda conn: (
        read_history(conn, s.prefix, instance_id), conn.exists(f"{s.prefix}:instance:{instance_id}")))
    if not events and not exists:
        raise click.ClickException(f"no instance {instance_id!r} (or its history expired)")
    if as_json:
        _print_json(events)
    else:
        click.echo(format_events(events))


@main.command(name="reindex-waits")
@click.pass_context
def reindex_waits(ctx):
    """Index the waits of instances parked before the wait index existed (find by correlation id),
    on every shard; prints the entries written (sharded: one line per shard)."""
    from .inspect import rebuild_wait_index

    sharded = len(_urls(ctx)) > 1
    for i, n in _every_shard(ctx, lambda i, s, conn: (i, rebuild_wait_index(conn, s.prefix))):
        click.echo(f"{i}\t{n}" if sharded else n)


@main.command(name="list")
@click.option("--state", type=click.Choice(["queued", "running", "waiting", "completed", "failed", "cancelled"]), default=None)
@click.option("--limit", type=int, default=None)
@click.option("--long", "long_", is_flag=True, help="One line of status per instance.")
@click.pass_context
def list_(ctx, state, limit, long_):
    """List instance ids (oldest first)."""
    client, down = _client(ctx), []
    ids = client.instances(state, limit, down=down)
    for e in down:
        _shard_unreachable(ctx, e)
    for iid in ids:
        if long_:
            st = client.status(iid)
            wait = f" on {st['waiting_on']}" if st["waiting_on"] else ""
            click.echo(f"{iid}\t{st['state']}{wait}\tcheckpoint={st['checkpoint_id']}\truns={st['runs']}")
        else:
            click.echo(iid)


@main.command()
@click.argument("instance_id")
@click.option("--timeout", type=float, default=None, help="Seconds to wait (default: forever).")
@click.pass_context
def result(ctx, instance_id, timeout):
    """Wait for an instance to end and print its result (exit 1 if it failed)."""
    _print_json(_client(ctx).result(instance_id, timeout=timeout))


@main.command()
@click.argument("instance_id")
@click.pass_context
def cancel(ctx, instance_id):
    """Cancel an instance that has not ended."""
    click.echo("cancelled" if _client(ctx).cancel(instance_id) else "already ended")


@main.command()
@click.argument("instance_id")
@click.pass_context
def output(ctx, instance_id):
    """Print what an instance's script printed."""
    click.echo(_client(ctx).output(instance_id), nl=False)


@main.command()
@click.argument("to")
@click.option("--after", default="0", help="Stream entry id to read after.")
@click.option("--count", type=int, default=100)
@click.pass_context
def read(ctx, to, after, count):
    """Print messages scripts sent to TO (one JSON object per line)."""
    for msg in _client(ctx).read(to, after=after, count=count):
        click.echo(codec.dumps(msg, strict=False))


@main.command()
@click.option("--kind", default=None, help="buffered, late, duplicate, malformed, oversized, rejected, dead-letter")
@click.option("--count", type=int, default=100)
@click.pass_context
def notices(ctx, kind, count):
    """Print replies that resumed nothing, and rejected inbox messages."""
    down = []
    for n in _client(ctx).notices(kind, count, down=down):
        click.echo(codec.dumps(n))
    for e in down:
        _shard_unreachable(ctx, e)


# -- one process -----------------------------------------------------------------------------
@main.command()
@click.option("--fast", is_flag=True, help="Shorter timeouts (for tests).")
@click.option("--dashboard", "with_dashboard", is_flag=True,
              help="Afterwards keep the fleet running and serve the dashboard on it.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Dashboard address (with --dashboard).")
@click.option("--port", type=int, default=8700, show_default=True, help="Dashboard port (with --dashboard).")
@click.pass_context
def demo(ctx, fast, with_dashboard, host, port):
    """Run the order/payment example end to end, narrating each park and wake."""
    from .demo import run_demo

    _one_redis(ctx, "demo")
    board = {"host": host, "port": port, "token": os.environ.get("JACTL_DASHBOARD_TOKEN")} if with_dashboard else None
    sys.exit(run_demo(_settings(ctx), fast=fast, dashboard=board))


@main.command()
@click.argument("script", type=click.File("r"))
@click.option("-g", "--global", "globals_", multiple=True, metavar="NAME=JSON")
@click.option("-r", "--reply", "replies", multiple=True, metavar="CORRELATION_ID=JSON",
              help="A reply to deliver up front (buffered until the script waits for it).")
@click.option("--timeout", type=float, default=300.0, show_default=True)
@click.pass_context
def run(ctx, script, globals_, replies, timeout):
    """Run SCRIPT to its end in this process (worker + listener + scheduler in one)."""
    from .embedded import EmbeddedFleet

    s = _settings(ctx)
    _one_redis(ctx, "run")
    fleet = EmbeddedFleet(s, connection=Redis.from_url(s.redis_url) if s.redis_url else None)
    env = {}
    for g in globals_:
        name, _, value = g.partition("=")
        env[name] = _parse_json_arg(value)
    for r in replies:
        corr, _, value = r.partition("=")
        fleet.client.deliver(corr, _parse_json_arg(value))
    iid = fleet.client.start(script.read(), env)
    st = fleet.run_instance(iid, timeout=timeout)
    click.echo(fleet.client.output(iid), nl=False)
    if st["state"] == "completed":
        _print_json(st["result"])
        return
    click.echo(f"{st['state']}: {st['error'] or 'still ' + st['state']}", err=True)
    sys.exit(1)

