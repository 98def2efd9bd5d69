"""The dashboard's Flask app: three pages (Instances, one Instance, Fleet) and two actions.

Pages are server-rendered Jinja2; htmx (vendored in static/, no CDN: fleets run without
internet) refreshes the instance list as the filters change, an instance that has not ended,
and the Fleet page. Reading is open to whoever reaches the port, which is why it binds
127.0.0.1 by default. Changing something - Cancel, Deliver reply - is a POST that must carry
the dashboard's token: the startup line prints ``/login?token=...``, which stores it in an
HttpOnly, SameSite=Strict cookie (so another site cannot make the browser post with it);
scripts may send it as the ``X-Jactl-Token`` header or a ``token`` form field instead.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import time
from urllib.parse import urlencode

from flask import Flask, abort, make_response, redirect, render_template, request, url_for
from redis import Redis
from redis.exceptions import RedisError
from werkzeug.exceptions import ServiceUnavailable

from .. import codec
from ..client import Client
from ..config import Settings
from ..errors import UnknownInstance, WorkerError
from ..keys import ENDED, STATES, Keys
from ..metrics import instance_counts, read_activity
from . import chart, queries

COOKIE = "jactl_dashboard_token"
PAGE_SIZE = 50
AGES = (("", "any age"), ("60", "≥ 1 min"), ("600", "≥ 10 min"), ("3600", "≥ 1 h"), ("86400", "≥ 1 day"))


def create_app(connection, settings: Settings, *, token: str | None = None, queues=None,
               client: Client | None = None) -> Flask:
    """The dashboard for one fleet (``settings.prefix``) on ``connection`` (one shard of a
    sharded fleet). ``token`` guards the actions (default: a random one, in
    ``app.config["JACTL_TOKEN"]``); ``client`` makes them (default: one on ``connection``)."""
    app = Flask(__name__)
    app.config["JACTL_TOKEN"] = token or secrets.token_urlsafe(24)
    client = client or Client(connection, settings=settings)
    queues = list(queues or [settings.queue])
    prefix = settings.prefix

    @app.template_filter("when")
    def _when(ms):
        if not ms:
            return "-"
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms / 1000)) + "Z"

    @app.template_filter("ago")
    def _ago(ms):
        if not ms:
            return "-"
        return _span(time.time() * 1000 - ms) + (" ago" if time.time() * 1000 >= ms else " from now")

    @app.template_filter("until")
    def _until(ms):
        if not ms:
            return "-"
        left = ms - time.time() * 1000
        return ("in " if left >= 0 else "overdue by ") + _span(abs(left))

    @app.template_filter("json")
    def _json(value):
        return json.dumps(json.loads(codec.dumps(value, strict=False)), indent=2, ensure_ascii=False)

    @app.context_processor
    def _common():
        shard = getattr(settings, "shard", 0) if getattr(settings, "shard_urls", ()) else None
        return {"prefix": prefix, "shard": shard, "authorized": _authorized(), "states": STATES}

    def _authorized() -> bool:
        given = (request.headers.get("X-Jactl-Token") or request.form.get("token")
                 or request.cookies.get(COOKIE) or "")
        return hmac.compare_digest(given.encode(), app.config["JACTL_TOKEN"].encode())

    def _filters():
        a = request.args
        state = a.get("state") or None
        if state and state not in STATES:
            abort(400, f"unknown state {state!r}")
        age = a.get("age") or None
        try:
            min_age = float(age) if age else None
            page = max(0, int(a.get("page") or 0))
        except ValueError:
            abort(400, "age and page are numbers")
        return {"state": state, "corr": (a.get("corr") or "").strip() or None, "age": age,
                "min_age": min_age, "page": page}

    def _page(f):
        return queries.list_instances(connection, prefix, state=f["state"], corr=f["corr"], min_age_s=f["min_age"],
                                      offset=f["page"] * PAGE_SIZE, limit=PAGE_SIZE)

    def _link(f, page):
        q = {k: v for k, v in (("state", f["state"]), ("corr", f["corr"]), ("age", f["age"]), ("page", page)) if v}
        return url_for("instances") + ("?" + urlencode(q) if q else "")

    @app.get("/")
    def index():
        return redirect(url_for("instances"))

    @app.get("/instances")
    def instances():
        f = _filters()
        page = _page(f)
        counts = instance_counts(connection, Keys(prefix))  # six ZCARDs: the counts beside the states
        return render_template("instances.html", f=f, page=page, ages=AGES, counts=counts,
                               link=lambda p: _link(f, p))

    @app.get("/instances/rows")
    def instance_rows():  # the htmx partial behind the filter form
        f = _filters()
        page = _page(f)
        resp = make_response(render_template("_rows.html", f=f, page=page, link=lambda p: _link(f, p)))
        resp.headers["HX-Push-Url"] = _link(f, f["page"] or None)
        return resp

    def _instance_info(iid):
        from ..inspect import inspect_instance

        try:
            info = inspect_instance(connection, settings, iid, context_lines=None)  # the whole script
        except UnknownInstance:
            abort(404, f"no instance {iid!r}")
        return info, _history(iid), client.output(iid)

    def _history(iid):
        try:
            from ..history import read_history
        except ImportError:
            return None
        return read_history(connection, prefix, iid)

    @app.get("/instances/<path:iid>/panel")
    def instance_panel(iid):
        info, history, output = _instance_info(iid)
        return render_template("_instance_panel.html", info=info, history=history, output=output,
                               ended=info["state"] in ENDED)

    @app.get("/instances/<path:iid>")
    def instance(iid):
        info, history, output = _instance_info(iid)
        return render_template("instance.html", info=info, history=history, output=output,
                               ended=info["state"] in ENDED, message=request.args.get("msg"))

    def _action_guard():
        if not _authorized():
            abort(403, "this action needs the dashboard token (open the /login?token=... link printed "
                       "at startup, or send X-Jactl-Token)")

    @app.post("/instances/<path:iid>/cancel")
    def cancel(iid):
        _action_guard()
        try:
            done = client.cancel(iid)
        except UnknownInstance:
            abort(404, f"no instance {iid!r}")
        msg = "cancelled" if done else "not cancelled: it had already ended"
        return redirect(url_for("instance", iid=iid, msg=msg), 303)

    @app.post("/instances/<path:iid>/deliver")
    def deliver(iid):
        _action_guard()
        corr = (request.form.get("correlation_id") or "").strip()
        text = request.form.get("body") or "null"
        try:
            body = codec.loads(text)
        except ValueError as e:
            return redirect(url_for("instance", iid=iid, msg=f"not delivered: the body is not JSON ({e})"), 303)
        try:
            entry = client.deliver(corr, body)
        except WorkerError as e:
            return redirect(url_for("instance", iid=iid, msg=f"not delivered: {e}"), 303)
        return redirect(url_for("instance", iid=iid, msg=f"reply for {corr!r} added to the inbox as {entry}"), 303)

    def _fleet_context():
        data = queries.fleet(connection, prefix, queues)
        activity = read_activity(connection, prefix, 60)
        return {"fleet": data, "chart": chart.render(activity), "activity": activity}

    @app.get("/fleet")
    def fleet():
        return render_template("fleet.html", **_fleet_context())

    @app.get("/fleet/panel")
    def fleet_panel():
        return render_template("_fleet_panel.html", **_fleet_context())

    @app.get("/login")
    def login():
        given = request.args.get("token", "")
        if not hmac.compare_digest(given.encode(), app.config["JACTL_TOKEN"].encode()):
            abort(403, "wrong token")
        resp = redirect(url_for("instances"))
        resp.set_cookie(COOKIE, given, httponly=True, samesite="Strict")
        return resp

    @app.errorhandler(RedisError)
    def _redis_down(e):
        return render_template("error.html", error=_Unavailable(f"Redis is not answering: {e}")), 503

    @app.errorhandler(400)
    @app.errorhandler(403)
    @app.errorhandler(404)
    def _error(e):
        return render_template("error.html", error=e), e.code

    return app


class _Unavailable(ServiceUnavailable):
    def __init__(self, description: str):
        super().__init__(description)


def from_env() -> Flask:
    """The app for a WSGI server, configured like the command (JACTL_REDIS_URL, JACTL_PREFIX,
    JACTL_QUEUE, JACTL_DASHBOARD_TOKEN; one shard: JACTL_SHARD)::

        gunicorn -w 2 -b 127.0.0.1:8700 'jactl_worker.dashboard:from_env()'
    """
    import os

    from ..shards import local_settings, parse_urls

    settings = Settings.from_env()
    if not settings.redis_url:
        raise RuntimeError("JACTL_REDIS_URL is not set")
    urls = parse_urls(settings.redis_url)
    local = local_settings(settings, settings.shard)
    client = Client([Redis.from_url(u) for u in urls], settings=local) if len(urls) > 1 else None
    token = os.environ.get("JACTL_DASHBOARD_TOKEN")
    if not token:
        logging.getLogger("jactl_worker.dashboard").warning(
            "JACTL_DASHBOARD_TOKEN is not set: Cancel and Deliver stay locked")
    return create_app(Redis.from_url(local.redis_url), local, token=token, client=client)


def _span(ms: float) -> str:
    s = int(ms / 1000)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def serve(connection, settings: Settings, *, host: str = "127.0.0.1", port: int = 8700, token: str | None = None,
          queues=None, echo=print, client: Client | None = None) -> None:
    """Run the dashboard (Werkzeug's threaded server) until interrupted."""
    app = create_app(connection, settings, token=token, queues=queues, client=client)
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    echo(f"jactl dashboard for prefix {settings.prefix!r}: http://{shown}:{port}/")
    echo(f"  actions (Cancel, Deliver) unlocked by: http://{shown}:{port}/login?token={app.config['JACTL_TOKEN']}")
    app.run(host=host, port=port, threaded=True, use_reloader=False)
