"""The dashboard's Flask app: three pages (Instances, one Instance, Fleet) and two actions.

Pages are server-rendered Jinja2; htmx (vendored in static/, no CDN: fleets run without
internet) refreshes the instance list as the filters change, an instance that has not ended,
and the Fleet page. Reading is open to whoever reaches the port, which is why it binds
127.0.0.1 by default. Changing something - Cancel, Deliver reply - is a POST that must carry
the dashboard's token: the startup line prints ``/login?token=...``, which stores it in an
HttpOnly, SameSite=Strict cookie (so another site cannot make the browser post with it);
scripts may send it as the ``X-Jactl-Token`` header or a ``token`` form field instead.

One process shows every shard of a sharded fleet (queries.View): the list merges the shards'
indexes, an instance page and its actions go to the shard its id lives on, the Fleet page has a
row per shard and the totals. A shard whose Redis does not answer is shown as down (a banner,
its row) while the pages go on with the others; only a page of that shard's own instance is a
503.
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
from ..metrics import instance_counts
from . import chart, queries

COOKIE = "jactl_dashboard_token"
PAGE_SIZE = 50
AGES = (("", "any age"), ("60", "≥ 1 min"), ("600", "≥ 10 min"), ("3600", "≥ 1 h"), ("86400", "≥ 1 day"))


def create_app(connection, settings: Settings, *, token: str | None = None, queues=None,
               client: Client | None = None, shard: int | None = None) -> Flask:
    """The dashboard for one fleet (``settings.prefix``) on ``connection``: one Redis, or a
    list with one per shard in the fleet's order (then every shard is shown, or only ``shard``).
    ``token`` guards the actions (default: a random one, in ``app.config["JACTL_TOKEN"]``);
    ``client`` makes them (default: one on ``connection``, routing by id)."""
    app = Flask(__name__)
    app.config["JACTL_TOKEN"] = token or secrets.token_urlsafe(24)
    view = queries.View(connection, None if shard is None else [shard])
    if shard is not None and not 0 <= shard < len(view.conns):
        raise ValueError(f"shard {shard} does not exist: the fleet has {len(view.conns)} shard(s)")
    client = client or Client(view.conns if view.sharded else view.conns[0], settings=settings)
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
        return {"prefix": prefix, "sharded": view.sharded, "shown": view.shown, "shard_count": len(view.conns),
                "authorized": _authorized(), "states": STATES}

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
                "min_age": min_age, "page": page, "before": a.get("before") or None, "after": a.get("after") or None}

    def _page(f):
        try:
            return queries.list_view(view, prefix, state=f["state"], corr=f["corr"], min_age_s=f["min_age"],
                                     offset=f["page"] * PAGE_SIZE, limit=PAGE_SIZE, before=f["before"],
                                     after=f["after"])
        except ValueError as e:
            abort(400, str(e))

    def _link(f, page, before=None, after=None):
        q = {k: v for k, v in (("state", f["state"]), ("corr", f["corr"]), ("age", f["age"]), ("page", page),
                               ("before", before), ("after", after)) if v}
        return url_for("instances") + ("?" + urlencode(q) if q else "")

    def _paging(f, page):
        """The older/newer links of a page: by page number on one shard; across shards a
        cursor (the row to continue from) beside it, so the next page is a cheap k-way merge."""
        by_cursor = view.sharded and not f["corr"] and f["state"] != "running" and page.rows
        older = newer = None
        if page.has_next:
            older = _link(f, f["page"] + 1, before=queries.cursor_of(page.rows[-1]) if by_cursor else None)
        if page.has_prev or f["page"] > 0:
            back = max(0, f["page"] - 1)
            newer = _link(f, back or None, after=queries.cursor_of(page.rows[0]) if by_cursor and back else None)
        return {"older": older, "newer": newer}

    def _counts():
        got, down = view.each(lambda i, conn: instance_counts(conn, Keys(prefix)))  # six ZCARDs a shard
        return {s: sum(c[s] for c in got.values()) for s in STATES}, down

    @app.get("/")
    def index():
        return redirect(url_for("instances"))

    @app.get("/instances")
    def instances():
        f = _filters()
        page = _page(f)
        counts, down = _counts()  # the counts beside the states
        page.down.update(down)
        return render_template("instances.html", f=f, page=page, ages=AGES, counts=counts, paging=_paging(f, page))

    @app.get("/instances/rows")
    def instance_rows():  # the htmx partial behind the filter form
        f = _filters()
        page = _page(f)
        resp = make_response(render_template("_rows.html", f=f, page=page, paging=_paging(f, page)))
        resp.headers["HX-Push-Url"] = _link(f, f["page"] or None, f["before"], f["after"])
        return resp

    def _instance_info(iid):
        from ..history import read_history
        from ..inspect import inspect_instance

        i = view.shard_of(iid)  # the shard its id lives on, whichever are shown
        conn = view.conns[i]
        try:
            info = inspect_instance(conn, settings, iid, context_lines=None)  # the whole script
            history, output = read_history(conn, prefix, iid), client.output(iid)
        except UnknownInstance:
            abort(404, f"no instance {iid!r}" + (f" (on shard {i})" if view.sharded else ""))
        except (RedisError, OSError, WorkerError) as e:
            _shard_down(i, e)
        info["shard"] = i if view.sharded else None
        return info, history, output

    def _shard_down(i, e):
        raise _Unavailable(f"shard {i} is unavailable: {type(e).__name__}: {e}" if view.sharded
                           else f"Redis is not answering: {e}")

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
        except (RedisError, OSError, WorkerError) as e:
            _shard_down(view.shard_of(iid), e)
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
        data = queries.fleet_view(view, prefix, queues)
        activity, down = queries.activity_view(view, prefix, 60)  # summed over the shards
        data["down"].update(down)
        return {**data, "chart": chart.render(activity), "activity": activity}

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
    @app.errorhandler(503)
    def _error(e):
        return render_template("error.html", error=e), e.code

    return app


class _Unavailable(ServiceUnavailable):
    def __init__(self, description: str):
        super().__init__(description)


def from_env() -> Flask:
    """The app for a WSGI server, configured like the command (JACTL_REDIS_URL - every shard
    it names -, JACTL_PREFIX, JACTL_QUEUE, JACTL_DASHBOARD_TOKEN; JACTL_DASHBOARD_SHARD shows
    one shard only)::

        gunicorn -w 2 -b 127.0.0.1:8700 'jactl_worker.dashboard:from_env()'
    """
    import os

    settings = Settings.from_env()
    if not settings.redis_url:
        raise RuntimeError("JACTL_REDIS_URL is not set")
    token = os.environ.get("JACTL_DASHBOARD_TOKEN")
    if not token:
        logging.getLogger("jactl_worker.dashboard").warning(
            "JACTL_DASHBOARD_TOKEN is not set: Cancel and Deliver stay locked")
    only = os.environ.get("JACTL_DASHBOARD_SHARD")
    return create_app(connections(settings.redis_url), settings, token=token,
                      shard=int(only) if only not in (None, "") else None)


def connections(redis_url: str):
    """One Redis for one URL, else one per shard (short timeouts: a shard that is down must
    not hold a page up)."""
    from ..shards import parse_urls

    urls = parse_urls(redis_url)
    if len(urls) == 1:
        return Redis.from_url(urls[0])
    return [Redis.from_url(u, socket_connect_timeout=1, socket_timeout=5) for u in urls]


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
          queues=None, echo=print, client: Client | None = None, shard: int | None = None) -> None:
    """Run the dashboard (Werkzeug's threaded server) until interrupted. ``connection``: one
    Redis, or one per shard (``connections``)."""
    app = create_app(connection, settings, token=token, queues=queues, client=client, shard=shard)
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    n = len(connection) if isinstance(connection, (list, tuple)) else 1
    which = "" if n == 1 else f", shard {shard} of {n}" if shard is not None else f", {n} shards"
    echo(f"jactl dashboard for prefix {settings.prefix!r}{which}: http://{shown}:{port}/")
    echo(f"  actions (Cancel, Deliver) unlocked by: http://{shown}:{port}/login?token={app.config['JACTL_TOKEN']}")
    app.run(host=host, port=port, threaded=True, use_reloader=False)
