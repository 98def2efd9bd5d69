"""Inspect an instance: where its script stands and what it holds, read from Redis alone.

A parked instance is a decodable continuation, so an operator can see the Jactl line it
waits on, its call stack and each frame's local variables without a live worker, without
replaying history and without running any of its code (``lang.describe`` decodes and
validates the bytes, and only reads them). The restart point (``{p}:point:{id}``) gives the
bytes, the instance record gives state and wait, ``{p}:script:{sha}`` gives the source.

    info = inspect_instance(conn, settings, "order-42")      # JSON-serialisable dict
    print(render_text(info))                                 # what `jactl-worker inspect` prints

``find_waiting`` answers "which instances wait on a correlation id starting with ...", from
the lex index ``{p}:waits-by-corr`` the Lua transitions keep (keys.py).
"""

from __future__ import annotations

import json

import threading
import time
from collections import OrderedDict

import lang

from . import codec
from .config import Settings
from .errors import UnknownInstance
from .history import as_int, as_text
from .host import Host
from .keys import Keys

EXCERPT_CONTEXT = 3          # source lines shown around the waiting line
VALUE_LIMIT = 200            # characters of one rendered local before it is cut

_hosts: OrderedDict = OrderedDict()   # settings -> Host (compiled scripts are reused)
_hosts_lock = threading.Lock()


def _host(settings: Settings) -> Host:
    with _hosts_lock:
        h = _hosts.get(settings)
        if h is None:
            h = _hosts[settings] = Host(settings)
            while len(_hosts) > 8:
                _hosts.popitem(last=False)
        return h


def inspect_instance(conn, settings: Settings, instance_id: str, *, context_lines: int | None = EXCERPT_CONTEXT,
                     value_limit: int = VALUE_LIMIT) -> dict:
    """Everything an operator needs to see about one instance, as a JSON-serialisable dict:

    id, state, queue, script (hash), runs, lapses, worker, created_at/updated_at/started_at/
    ended_at/start_at (ms; start_at: when a scheduled start may first run); wait {kind, correlation_id, deadline_ms, status} or None; checkpoint_id;
    point (wait | checkpoint | start | ended); frames (innermost LAST, each {function, kind, line,
    column, locals}); globals; line (where it stands) and source {first, lines: [{n, text,
    mark}]} where mark is "here" for that line and "stack" for the other frames' lines
    (``context_lines`` None: the whole script); result / error; describe_error when the
    saved bytes could not be read. Raises UnknownInstance."""
    keys = Keys(settings.prefix)
    pipe = conn.pipeline(transaction=False)
    pipe.hgetall(keys.instance(instance_id))
    pipe.hgetall(keys.point(instance_id))
    raw, point_raw = pipe.execute()
    if not raw:
        raise UnknownInstance(instance_id)
    rec = {as_text(k): as_text(v) for k, v in raw.items()}
    point = {as_text(k): (v if as_text(k) == "continuation" else as_text(v)) for k, v in point_raw.items()}
    state = rec.get("state")
    info = {
        "id": instance_id,
        "state": state,
        "queue": rec.get("queue"),
        "script": rec.get("script"),
        "runs": as_int(rec.get("runs")) or 0,
        "lapses": as_int(rec.get("lapses")) or 0,
        "worker": rec.get("worker") or None,
        "created_at": as_int(rec.get("created_at")),
        "updated_at": as_int(rec.get("updated_at")),
        "started_at": as_int(rec.get("started_at")),
        "ended_at": as_int(rec.get("ended_at")),
        "start_at": as_int(rec.get("start_at")),
        "point": rec.get("point") or None,
        "checkpoint_id": as_int(rec.get("checkpoint_id")) or 0,
        "wait": None,
        "frames": [],
        "globals": {},
        "line": None,
        "source": None,
        "result": None,
        "error": rec.get("error") or None,
        "describe_error": None,
    }
    if rec.get("result"):
        try:
            info["result"] = codec.loads(rec["result"])
        except ValueError:
            info["result"] = rec["result"]
    corr = rec.get("waiting_on") or point.get("corr")
    if state in ("waiting", "queued", "running") and rec.get("point") == "wait" and corr:
        info["wait"] = {
            "kind": rec.get("wait_kind") or point.get("kind") or None,
            "correlation_id": corr,
            "deadline_ms": as_int(rec.get("timeout_at")),
            "status": point.get("status") or None,
        }
        if point.get("ids"):  # receiveAny / receiveAll: every id waited on (multi.py)
            try:
                info["wait"]["ids"] = json.loads(point["ids"])
            except ValueError:
                pass
    source = None
    sha = rec.get("script")
    if sha:
        src = conn.get(keys.script(sha))
        source = as_text(src) if src is not None else None
    data = point.get("continuation")
    if data and source is not None and point.get("instance") == instance_id:
        try:
            ctx = _host(settings).context(sha, source)
            d = lang.describe(ctx, bytes(data), value_limit=value_limit)
            info["frames"] = d["frames"]
            info["globals"] = d["globals"]
            info["checkpoint_id"] = max(info["checkpoint_id"], d["checkpoint_id"] or 0)
        except lang.JactlError as e:
            info["describe_error"] = str(e)
    elif data and source is None:
        info["describe_error"] = "the script's source is not stored"
    if source is not None:
        info["line"], info["source"] = _excerpt(source, info["frames"], context_lines)
    return info


def _excerpt(source: str, frames: list, context_lines: int | None):
    lines = source.split("\n")
    stack = [f["line"] for f in frames if f.get("line")]
    here = stack[-1] if stack else None
    if context_lines is None or here is None:
        first, last = 1, len(lines)
        if here is None and context_lines is not None:
            last = min(len(lines), 2 * context_lines + 1)
    else:
        first, last = max(1, here - context_lines), min(len(lines), here + context_lines)
    out = []
    for n in range(first, last + 1):
        mark = "here" if n == here else ("stack" if n in stack else None)
        out.append({"n": n, "text": lines[n - 1], "mark": mark})
    return here, {"first": first, "lines": out}


def _when(ms) -> str:
    if ms is None:
        return "-"
    t = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ms / 1000))
    return f"{t}.{ms % 1000:03d}Z"


def render_text(info: dict) -> str:
    """``inspect_instance``'s dict as text for a terminal."""
    out = [f"instance {info['id']}: {info['state']}"
           + (f" (worker {info['worker']})" if info.get("worker") else "")]
    out.append(f"  queue {info['queue']}  runs {info['runs']}  lapses {info['lapses']}  "
               f"checkpoint {info['checkpoint_id']}  created {_when(info['created_at'])}")
    if info["state"] == "queued" and (info.get("start_at") or 0) > int(time.time() * 1000):
        out.append(f"  scheduled to start at {_when(info['start_at'])}")
    w = info.get("wait")
    if w:
        dl = w["deadline_ms"]
        due = ""
        if dl is not None:
            left = dl - int(time.time() * 1000)
            due = f", deadline {_when(dl)} ({'in ' if left >= 0 else 'overdue by '}{abs(left) / 1000:.1f} s)"
        on = ", ".join(repr(c) for c in w["ids"]) if w.get("ids") else repr(w["correlation_id"])
        out.append(f"  waits: {w['kind']} on {on}{due}"
                   + (f" [{w['status']}]" if w.get("status") and w["status"] != "waiting" else ""))
    if info.get("result") is not None or info["state"] == "completed":
        out.append(f"  result: {codec.dumps(info['result'], strict=False)}")
    if info.get("error"):
        out.append(f"  error: {info['error']}")
    if info.get("describe_error"):
        out.append(f"  (saved state unreadable: {info['describe_error']})")
    src = info.get("source")
    if src and info.get("frames"):
        out.append("")
        width = len(str(src["lines"][-1]["n"])) if src["lines"] else 1
        for ln in src["lines"]:
            m = ">" if ln["mark"] == "here" else ("*" if ln["mark"] == "stack" else " ")
            out.append(f" {m} {ln['n']:>{width}} | {ln['text']}")
    frames = info.get("frames") or []
    if frames:
        out.append("")
        out.append("stack (innermost first):")
        for f in reversed(frames):
            where = f" line {f['line']}, column {f['column']}" if f.get("line") else ""
            kind = "" if f["kind"] in ("function", "script") else f" [{f['kind']}]"
            out.append(f"  at {f['function']}{kind}{where}")
            for name, value in f["locals"].items():
                out.append(f"      {name} = {value}")
    if info.get("globals"):
        out.append("globals:")
        for name, value in info["globals"].items():
            out.append(f"      {name} = {value}")
    return "\n".join(out)


def _lex_range(corr_prefix: str):
    if not corr_prefix:
        return b"-", b"+"
    p = corr_prefix.encode("utf-8")
    return b"[" + p, b"[" + p + b"\xff"   # no UTF-8 text has a 0xff byte: the prefix's end


def count_waiting(conn, prefix: str, corr_prefix: str = "") -> int:
    """How many live waits have a correlation id starting with ``corr_prefix`` (ZLEXCOUNT)."""
    lo, hi = _lex_range(corr_prefix)
    return int(conn.zlexcount(Keys(prefix).waits_by_corr, lo, hi))


def find_waiting(conn, prefix: str, corr_prefix: str = "", offset: int = 0, limit: int = 50, *,
                 details: bool = True) -> list[dict]:
    """Waiting instances whose correlation id starts with ``corr_prefix``, in correlation id
    order, from the lex index ``{p}:waits-by-corr`` (O(log N + limit) however many instances
    wait). Each item: {correlation_id, instance_id}, and with ``details`` also kind,
    deadline_ms, since_ms (when it parked) and state, read in one pipeline."""
    lo, hi = _lex_range(corr_prefix)
    members = conn.zrangebylex(Keys(prefix).waits_by_corr, lo, hi, start=max(0, int(offset)),
                               num=max(0, int(limit)))
    items = []
    for m in members:
        corr, _, iid = as_text(m).partition("\0")
        items.append({"correlation_id": corr, "instance_id": iid})
    if details and items:
        keys = Keys(prefix)
        pipe = conn.pipeline(transaction=False)
        for it in items:
            pipe.hmget(keys.instance(it["instance_id"]), "state", "wait_kind", "timeout_at", "updated_at")
        for it, (state, kind, deadline, since) in zip(items, pipe.execute()):
            it.update(state=as_text(state), kind=as_text(kind) or None, deadline_ms=as_int(as_text(deadline)),
                      since_ms=as_int(as_text(since)))
    return items



# one batch of rebuild_wait_index, atomic: only an instance waiting at this moment is indexed
_REINDEX = """
local n = 0
for i = 2, #ARGV do
  local f = redis.call('HMGET', ARGV[1] .. ':instance:' .. ARGV[i], 'state', 'waiting_on')
  if f[1] == 'waiting' and f[2] and f[2] ~= '' then
    local g = redis.call('HMGET', ARGV[1] .. ':wait:' .. f[2], 'group', 'wait_seq')
    if g[1] == '1' then
      -- receiveAny / receiveAll: index each id of the group still waiting (multi.py)
      local pkey = ARGV[1] .. ':point:' .. ARGV[i]
      for j = 1, tonumber(redis.call('HGET', pkey, 'n') or '0') do
        local corr = redis.call('HGET', pkey, 'c' .. j)
        local w = redis.call('HMGET', ARGV[1] .. ':wait:' .. corr, 'instance', 'wait_seq', 'status')
        if w[1] == ARGV[i] and w[2] == g[2] and w[3] == 'waiting' then
          redis.call('ZADD', KEYS[1], 0, corr .. '\\0' .. ARGV[i])
          n = n + 1
        end
      end
    else
      redis.call('ZADD', KEYS[1], 0, f[2] .. '\\0' .. ARGV[i])
      n = n + 1
    end
  end
end
return n
"""


def rebuild_wait_index(conn, prefix: str, batch: int = 500) -> int:
    """Add every waiting instance to ``{p}:waits-by-corr``: for instances that parked before
    the index existed (the Lua transitions keep it from then on). Returns how many entries it
    wrote. Safe at any time: each batch is one Lua call that indexes only instances waiting at
    that moment, so nothing resolved meanwhile is left behind."""
    keys = Keys(prefix)
    n = 0
    cursor = 0
    while True:
        cursor, rows = conn.zscan(keys.state("waiting"), cursor, count=batch)
        ids = [as_text(i) for i, _ in rows]
        if ids:
            n += int(conn.eval(_REINDEX, 1, keys.waits_by_corr, prefix, *ids))
        if cursor == 0:
            return n
