"""``jactl-worker demo``: an order script that pays, waits, times out, checkpoints and
completes, narrated step by step so the park/wake cycle is visible.

With JACTL_REDIS_URL set the demo runs against that Redis (under its own key prefix) but
still drives the worker (its drain jobs and timer) and the listener in this process; without it, an in-process
fakeredis is used, so the demo runs on a fresh machine with nothing installed but the package.
"""

from __future__ import annotations

import threading
import time
import uuid

import click
from redis import Redis

from . import codec
from .config import Settings
from .embedded import EmbeddedFleet

ORDER_SCRIPT = """\
// An order: ask the payment service, wait for its reply, then wait for shipping.
def payCorr = 'pay-' + order.id
send('payments', [orderId: order.id, amount: order.amount, replyTo: payCorr])
def payment = receive(payCorr, 30000)              // parks: the job ends, state is bytes in Redis
if (payment == null) { return [order: order.id, status: 'no payment'] }
def shipping = receive('ship-' + order.id, shipTimeoutMs)   // nobody answers: null after the timeout
def stage = checkpoint(commit: { 'committed' }, recover: { 'recovered' })
send('notifications', [orderId: order.id, paid: payment.amount, shipping: shipping ?: 'no answer'])
[order: order.id, paid: payment.ok, amount: payment.amount, shipping: shipping ?: 'timed out', checkpoint: stage]
"""


def _say(step: str, text: str) -> None:
    click.echo(click.style(f"[{step}] ", fg="cyan", bold=True) + text)


def run_demo(settings: Settings, fast: bool = False, dashboard: dict | None = None) -> int:
    """Run the narrated demo; with ``dashboard`` ({host, port, token}) keep the fleet running
    afterwards and serve the dashboard on it until interrupted."""
    ship_timeout = 1500 if fast else 3000
    if settings.redis_url:
        settings = settings.with_(prefix=f"{settings.prefix}-demo-{uuid.uuid4().hex[:6]}")
        fleet = EmbeddedFleet(settings, connection=Redis.from_url(settings.redis_url), queues=[f"{settings.prefix}"])
        where = f"Redis at {settings.redis_url} (prefix {settings.prefix})"
    else:
        fleet = EmbeddedFleet(settings)
        where = "an in-process fakeredis (no JACTL_REDIS_URL set)"
    client, keys = fleet.client, fleet.client.store.keys
    queue = fleet.queues[0]
    _say("setup", f"using {where}; one RQ worker (drain jobs + the timer) and the listener run in this process")
    click.echo("")
    click.echo(ORDER_SCRIPT)

    order = {"id": 42, "amount": 99.5}
    iid = client.start(ORDER_SCRIPT, {"order": order, "shipTimeoutMs": ship_timeout},
                       instance_id=f"order-{uuid.uuid4().hex[:8]}", reply_to="orders", queue=queue)
    st = client.status(iid)
    _say("start", f"instance {iid} created (state {st['state']}), script stored by hash {st['script'][:12]}..., ready for a drain job")

    fleet.run_until(lambda: client.status(iid)["state"] != "queued", 30)
    fleet.step()
    st = _show_park(client, keys, iid)
    if st["state"] != "waiting":
        return _end(client, iid)

    payments = client.read("payments")
    _say("payments", f"the payment service reads stream {keys.out('payments')}: {codec.dumps(payments[-1]['body'])}")
    request = payments[-1]["body"]
    entry = client.deliver(request["replyTo"], {"ok": True, "amount": request["amount"], "txn": "T-1001"})
    _say("reply", f"it answers: XADD {keys.inbox} correlation_id={request['replyTo']} body={{...}} -> entry {entry}")

    fleet.run_until(lambda: client.status(iid)["waiting_on"] != request["replyTo"], 30)
    _say("listener", f"matched the reply to the wait on {request['replyTo']!r}, made the instance ready for a drain job, acknowledged the message")
    fleet.run_until(lambda: client.status(iid)["state"] != "queued", 30)
    st = _show_park(client, keys, iid, resumed=True)
    if st["state"] != "waiting":
        return _end(client, iid)

    corr = st["waiting_on"]
    _say("timeout", f"nobody answers {corr!r}; the workers' timer fires the deadline")
    t0 = time.monotonic()
    st = fleet.run_instance(iid, timeout=60)
    _say("timeout", f"after {time.monotonic() - t0:.1f} s the timer resolved the wait: receive() returned null, the script went on")
    _say("checkpoint", f"checkpoint {st['checkpoint_id']} was persisted, then its commit closure ran; the script ended")
    for msg in client.read("notifications"):
        _say("send", f"{keys.out('notifications')} <- {codec.dumps(msg['body'])}")

    client.deliver(corr, {"carrier": "late"})
    fleet.run_until(lambda: any(n["kind"] == "late" for n in client.notices("late")), 10)
    late = client.notices("late")
    if late:
        _say("late", f"a reply for {corr!r} after its timeout resumed nothing; recorded as: {late[-1]['detail']}")
    code = _end(client, iid)
    if dashboard is not None:
        keep_running(fleet, queue, ship_timeout, **dashboard)
    return code


def keep_running(fleet: EmbeddedFleet, queue: str, ship_timeout: int, host: str = "127.0.0.1", port: int = 8700,
                 token: str | None = None) -> None:
    """``demo --dashboard``: the dashboard is served from a thread on the same (embedded)
    Redis, while this thread keeps the fleet stepping (RQ's worker wants the main thread for
    its signal handlers); a new order starts every few seconds and an older one gets paid."""
    import logging

    from werkzeug.serving import make_server

    from .dashboard import create_app

    client = fleet.client
    app = create_app(fleet.redis, fleet.settings, token=token, queues=[queue])
    server = make_server(host, port, app, threaded=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    threading.Thread(target=server.serve_forever, name="jactl-dashboard", daemon=True).start()

    def start_order(n: int) -> str:
        return client.start(ORDER_SCRIPT, {"order": {"id": n, "amount": 10 + n}, "shipTimeoutMs": 15_000},
                            instance_id=f"order-{n}", reply_to="orders", queue=queue)

    for n in range(100, 104):  # some orders waiting for their payment when the page opens
        start_order(n)
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    _say("dashboard", f"http://{shown}:{port}/  (Cancel/Deliver unlocked by "
                      f"http://{shown}:{port}/login?token={app.config['JACTL_TOKEN']})")
    _say("dashboard", "the fleet keeps running: a new order every 5 s, an older one gets paid; Ctrl-C to stop")
    n, last = 104, time.monotonic()
    try:
        while True:
            fleet.step()
            if time.monotonic() - last > 5:  # keep the chart moving
                last = time.monotonic()
                start_order(n)
                client.deliver(f"pay-{n - 3}", {"ok": True, "amount": 10 + n - 3})
                n += 1
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()


def _show_park(client, keys, iid, resumed: bool = False):
    st = client.status(iid)
    verb = "resumed the continuation and ran" if resumed else "ran the script"
    if st["state"] == "waiting":
        point = client.store.point(iid) or {}
        size = len(point.get("continuation") or b"")
        left = (st["timeout_at"] - int(time.time() * 1000)) / 1000 if st["timeout_at"] else None
        deadline = f", times out in {left:.1f} s" if left is not None else ""
        _say("park", f"the worker {verb} until receive({st['waiting_on']!r}): the continuation "
                     f"({size} bytes) is stored at {keys.point(iid)}, the run ended{deadline}")
    return st


def _end(client, iid) -> int:
    st = client.status(iid)
    if st["state"] == "completed":
        _say("done", f"completed: {codec.dumps(st['result'])}")
        for msg in client.read("orders"):
            _say("reply_to", f"stream 'orders' received the result from {msg['from']}")
        if client.settings.redis_url:
            _say("inspect", f"jactl-worker --prefix {client.settings.prefix} list --long")
        return 0
    _say("done", f"{st['state']}: {st['error']}")
    return 1
