"""Describe a checkpoint without running it: where the script stands and what it holds.

An operator looking at a parked instance wants its Jactl call stack (function, line,
column) and each frame's variables, read straight off the saved bytes: no worker, no
replay, and nothing resumed. This module decodes and validates the bytes exactly as
``Restorer.restore`` does (so the same untrusted-input rules hold) and then only *reads*
the frames:

* a compiled function's frame is named and positioned through the ``FrameMap`` the code
  generator keeps on the Script (codegen/resume.py): resume point -> (line, column), layout
  slot -> Jactl variable name;
* a builtin frame (``each``, ``map``, ``sort``, ``checkpoint``...) shows its operation and
  position, so a closure suspended inside a collection method shows the method around it;
* values are rendered the way Jactl's ``toString()`` prints them, by a renderer here that
  only reads data: it never calls a user method, and it stops at a size bound (large
  values end in ``...``), however big or deeply shared the value is.

    d = lang.describe(ctx, data)   # ctx must have compiled the script (as for restore)
    d["frames"][-1]                # innermost frame: {"function", "line", "column", "locals"}
"""

from decimal import Decimal

from ..runtime.continuation import BuiltinFrame, CodeFrame
from ..runtime.functions import BoundMethod, Closure
from ..runtime.types import Byte, Cell, JArray, Long
from ..runtime.values import _IDENT_RE, format_decimal, format_double
from .decoder import _guarded, decode
from .validate import validate_restored

DEFAULT_VALUE_LIMIT = 200      # characters of one rendered value before it is cut
MAX_RENDER_DEPTH = 64          # nesting rendered before "..." (bytes bound depth anyway)
_CUT = "..."
# builtin frames that only hand a lazy chain's result on: nothing an operator would name
_PLUMBING = frozenset(("iter.drain", "iter.then"))


def describe_continuation(ctx, data, *, value_limit=DEFAULT_VALUE_LIMIT, instance_id=None,
                          sequence=None):
    """Frames, globals and header of checkpoint ``data`` for a script ``ctx`` compiled.

    Returns a JSON-serialisable dict::

        {"script_hash", "instance_id", "sequence", "checkpoint_id",
         "kind": "checkpoint" | "wait",
         "frames": [{"function", "kind": "function" | "closure" | "script" | "builtin",
                     "line", "column", "locals": {name: rendered value}}, ...],  # innermost LAST
         "globals": {name: rendered value}}

    Nothing is resumed or executed (user toString() methods included). Invalid bytes raise
    ``CheckpointError`` as restore would."""
    dec = decode(ctx, data, instance_id=instance_id, sequence=sequence)
    _guarded(validate_restored, dec.instance, dec.header, dec.globals, dec.state, dec.frames)
    maps = getattr(dec.instance.script, "frame_maps", {}) or {}
    frames = [_frame(fr, maps, value_limit) for fr in reversed(dec.frames)
              if getattr(fr, "TAG", None) not in _PLUMBING]
    innermost = dec.frames[0] if dec.frames else None
    kind = "checkpoint" if getattr(innermost, "TAG", None) == "checkpoint" else "wait"
    h = dec.header
    return {
        "script_hash": h.script_hash,
        "instance_id": h.instance_id,
        "sequence": h.sequence,
        "checkpoint_id": dec.state.get("checkpoint_id", 0),
        "kind": kind,
        "frames": frames,
        "globals": {str(k): render(v, value_limit) for k, v in dec.globals.items()},
    }


def _frame(fr, maps, limit):
    if isinstance(fr, CodeFrame):
        fn = fr.fn
        fmap = maps.get(fn.id)
        line, col = fmap.position(fr.pc) if fmap is not None else (None, None)
        names = fmap.local_names if fmap is not None else ()
        live = fn.live.get(fr.pc)
        local_vals = {}
        for i, v in enumerate(fr.locals):
            name = names[i] if i < len(names) else None
            if name is None or (live is not None and i not in live):
                continue
            local_vals[name] = render(v.v if type(v) is Cell else v, limit)
        if fn.is_main:
            kind, name = "script", "script"
        else:
            kind, name = ("closure" if fn.is_closure else "function"), fn.name
        return {"function": name, "kind": kind, "line": line, "column": col,
                "locals": local_vals}
    # a builtin: its operation, and where it stands in its source (when it has one)
    stage = getattr(fr, "it", None) if getattr(fr, "TAG", None) == "iter.next" else fr
    tag = getattr(stage, "TAG", None)
    name = getattr(stage, "op", None) or (tag[5:] if tag and tag.startswith("iter.") else tag) \
        or type(stage).__name__
    local_vals = {}
    i = getattr(stage, "i", getattr(stage, "index", None))
    if type(i) is int:
        local_vals["index"] = str(i)
    return {"function": str(name), "kind": "builtin", "line": None, "column": None,
            "locals": local_vals}


def render(v, limit=DEFAULT_VALUE_LIMIT):
    """``v`` as Jactl's toString() prints it (a String is itself), cut to about ``limit``
    characters with a trailing "..."."""
    if type(v) is str:
        return v if len(v) <= limit else v[:limit] + _CUT
    out = _Out(limit)
    _render(v, out, False, set(), 0)
    return out.text()


class _Out:
    """Collects text until the bound is passed, then ignores the rest."""

    __slots__ = ("parts", "n", "limit", "full")

    def __init__(self, limit):
        self.parts = []
        self.n = 0
        self.limit = limit
        self.full = False

    def add(self, s):
        if self.full:
            return
        room = self.limit - self.n
        if len(s) > room:
            self.parts.append(s[:room])
            self.full = True
        else:
            self.parts.append(s)
        self.n += len(s)

    def text(self):
        s = "".join(self.parts)
        return s + _CUT if self.full else s


_SIMPLE = {
    int: int.__repr__,
    Long: int.__repr__,
    Byte: int.__repr__,
    float: format_double,
    Decimal: format_decimal,
    bool: lambda v: "true" if v else "false",
    type(None): lambda v: "null",
}


def _render(v, out, inner, seen, depth):
    if out.full:
        return
    t = type(v)
    if t is str or isinstance(v, str):
        out.add("'" + v + "'" if inner else v)
        return
    f = _SIMPLE.get(t)
    if f is not None:
        out.add(f(v))
        return
    if isinstance(v, (Closure, BoundMethod)):
        out.add("Function@" + str(id(v) & 0x7fffffff))
        return
    if depth >= MAX_RENDER_DEPTH:
        out.add(_CUT)
        out.full = True
        return
    vid = id(v)
    if isinstance(v, (list, JArray, dict)) or hasattr(v, "_jactl_fields"):
        if vid in seen:
            out.add("<CIRCULAR_REF>")
            return
        seen.add(vid)
        try:
            if isinstance(v, dict):
                _render_items(v.items(), out, seen, depth)
            elif hasattr(v, "_jactl_fields"):
                _render_items(v._jactl_fields(), out, seen, depth)
            else:
                out.add("[")
                for k, x in enumerate(v):
                    if out.full:
                        break
                    if k:
                        out.add(", ")
                    _render(x, out, True, seen, depth + 1)
                out.add("]")
        finally:
            seen.discard(vid)
        return
    h = getattr(v, "_jactl_to_string", None)   # runtime values (date/time): data only
    if h is not None and getattr(type(v), "TAG", None):
        out.add(h(set()))
        return
    if isinstance(v, bool):
        out.add("true" if v else "false")
    elif isinstance(v, int):
        out.add(int.__repr__(v))
    elif isinstance(v, float):
        out.add(format_double(v))
    elif isinstance(v, BuiltinFrame) or hasattr(v, "FIELDS"):
        out.add(f"<{getattr(type(v), 'TAG', None) or type(v).__name__}>")
    else:
        out.add(f"<{type(v).__name__}>")


def _render_items(items, out, seen, depth):
    first = True
    out.add("[")
    for k, x in items:
        if out.full:
            break
        if not first:
            out.add(", ")
        first = False
        if type(k) is str:
            out.add(k if _IDENT_RE.match(k) else "'" + k + "'")
        else:
            out.add("(")
            _render(k, out, True, seen, depth + 1)
            out.add(")")
        out.add(":")
        _render(x, out, True, seen, depth + 1)
    if first:
        out.add(":")
    out.add("]")
