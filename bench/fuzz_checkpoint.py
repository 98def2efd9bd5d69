"""Mutation fuzzer for checkpoints: forged-but-valid blobs against ``Restorer.restore``.

The threat is not a random byte string (the digest rejects that) but a checkpoint someone
edited and re-sealed with a valid digest — or re-signed with the right HMAC key, which is
what a leaked key or a compromised host gives. So every mutant here is re-sealed (and, in
the signed variant, re-signed) after it is mutated.

Seeds are real checkpoints: the seed scripts below are run and a checkpoint is saved at
every suspension (closures, maps, class instances, lazy iterator chains, sort / each /
reduce / collect frames with a suspending closure, a /g regex loop, nested function frames,
checkpoint(commit:, recover:)). Mutations are

* byte-level on the body: flip, insert, delete, overwrite bytes, splice with another seed;
* structural: the body is decoded to a token tree, a node is changed (a pc, a count, a tag,
  a field, a local's value or type, a string), two nodes are swapped, a child is dropped or
  duplicated, frames are reordered, an instance-state counter is set out of range; the tree
  is re-encoded.

Each mutant is restored and resumed to the end (sleeps and checkpoints answered at once) in
a worker process, under the Context's max_execution_ms and a hard per-mutant timeout that
also catches a hang inside one C call. Outcomes:

    rejected      CheckpointError from restore
    same          completed with the seed's own result (value and output)
    different     completed with another result
    script_error  a JactlError that is not an internal "Unexpected error"
    internal      a JactlError whose message starts with "Unexpected error"
    raw           any exception that is not a JactlError (from restore or resume)
    hang          the hard timeout fired
    unstable      restored, but saving that state and restoring it again failed

Usage: python bench/fuzz_checkpoint.py --mutants 100000 [--seed N] [--workers 2]
(``tests/lang/checkpoint/test_fuzz.py`` runs the same engine in CI, with hypothesis.)
"""

import argparse
import io
import os
import random
import struct
import sys
import time
import traceback
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import lang  # noqa: E402
from lang.checkpoint import envelope  # noqa: E402
from lang.checkpoint import format as F  # noqa: E402
from lang.errors import CheckpointError, JactlError  # noqa: E402

KEY = b"fuzz-signing-key-0123456789abcdef"
SOFT_MS = 2000            # the Context's max_execution_ms per mutant
HARD_S = 10.0             # the hard timeout per mutant (process killed: counted as a hang)
MAX_SUSPENDS = 2000       # resumes per mutant before it counts as a script error

SEED_SCRIPTS = {
    "closures": """
def counter = 0
def inc = { n -> counter += n; counter }
def twice(f, x) { f(sleep(0, x)) + f(x) }
int total = 0
for (int i = 0; i < 3; i++) { total += twice(inc, i) }
[counter, total, inc(sleep(0, 10))]
""",
    "maps_classes": """
class Point { int x; int y; def sum() { x + sleep(0, y) } }
class Line { Point a; Point b; String name = 'l' }
def pts = [new Point(1, 2), new Point(x:3, y:4)]
Map m = [a: 1, b: [c: 2]]
m.d = sleep(0, pts[0].sum())
def line = new Line(a: pts[0], b: pts[1])
line.name = 'x' + sleep(0, 'y')
[m, line.a.sum(), line.name, pts.map{ it.x }]
""",
    "lazy": """
def w(x) { sleep(0, x) }
def a = [1, 2, 3, 4, 5, 6, 7, 8].map{ w(it) * 2 }.filter{ w(it) % 4 == 0 }.limit(3)
def b = [[1, 2], [3], [], [4, 5]].flatMap{ w(it) }.skip(2).map{ it + w(1) }
def c = [1, 2, 3].mapWithIndex{ x, i -> x * w(i) }
def d = [3, 1, 2].map{ w(it) }.filter{ it > 1 }.join(',')
[a, b, c, d]
""",
    "loops": """
def w(x) { sleep(0, x) }
def s = [5, 3, 8, 1, 9, 2].sort{ x, y -> w(x) <=> y }
def r = [1, 2, 3, 4].reduce(0){ acc, v -> acc + w(v) }
def c = [a: 1, b: 2].collect{ k, v -> k + w(v) }
def e = []
[1, 2, 3].each{ e << w(it) * 10 }
def g = [1, 2, 3, 4].groupBy{ w(it) % 2 }
def ce = [1, 2].collectEntries{ [w(it), it] }
def mx = [3, 7, 5].max{ w(it) }
def any = [1, 2, 3].anyMatch{ w(it) > 2 }
[s, r, c, e, g, ce, mx, any]
""",
    "regex": """
def words = []
def s = 'one two three four'
int n = 0
while (s =~ /(\\w+)/g) { words << sleep(0, $1); n++ }
def t = 'a1b22c333'
def nums = []
while (t =~ /(\\d+)/ng) { nums << sleep(0, $1) }
[words, n, nums]
""",
    "nested": """
int depth(int n) { n == 0 ? sleep(0, 0) : 1 + depth(n - 1) }
def f(x) { def g = { y -> sleep(0, x + y) }; g(1) + g(2) }
long big = 1L << 40
double d = 1.5
Decimal dec = 1.25
String str = 'abc'
boolean flag = true
def arr = new int[3]
arr[1] = sleep(0, 7)
[depth(4), f(10), big + sleep(0, 1), d * 2, dec + 1, str.size(), flag, arr]
""",
    "checkpoints": """
def log = []
def a = checkpoint(commit: { log << 'c1'; 'commit1' }, recover: { log << 'r1'; 'recover1' })
def b = checkpoint(commit: { 'commit2' }, recover: { 'recover2' })
outer: for (i in [1, 2, 3]) { for (j in [1, 2]) { if (sleep(0, i * j) > 3) break outer } }
def c = switch (sleep(0, [1, 2])) { [1, int x] -> x * 10; default -> 0 }
[a, b, c, log]
""",
    "datetime": """
def d = LocalDate.of(2024, 2, sleep(0, 29))
def t = LocalTime.of(10, sleep(0, 30))
def dur = Duration.ofSeconds(sleep(0, 90))
def z = d.atTime(t).atZone(ZoneId.of('Europe/Paris'))
def p = Period.of(1, 2, sleep(0, 3))
[d, t, dur, z, p, sleep(0, 1)]
""",
}


# ----------------------------------------------------------------------------------------------
# Running scripts and checkpoints


def make_context(signed=False):
    return lang.Context(hmac_key=KEY if signed else None, max_execution_ms=SOFT_MS,
                        max_loop_iterations=1_000_000, output=io.StringIO())


def drive(ctx, out):
    """Run an outcome to completion, answering sleeps and checkpoints at once."""
    for _ in range(MAX_SUSPENDS):
        if isinstance(out, lang.Completed):
            return out.value
        req = out.request
        val = req.value if req.kind == "sleep" else None
        out = out.continuation.resume(val)
    raise lang.JactlRuntimeError("fuzz: too many suspensions")


def result_key(ctx, value):
    """What makes two runs the same: the value's repr and everything printed."""
    return repr(value)[:2000] + "\0" + ctx.output.getvalue()[-2000:]


def seed_checkpoints(signed=False):
    """[(script name, source, checkpoint bytes, resume value)] for every suspension of every
    seed (the resume value is what the host hands back: the sleep's value)."""
    out = []
    for name, src in SEED_SCRIPTS.items():
        ctx = make_context(signed)
        script = ctx.compile(src, name)
        res = script.start({}, instance_id=f"fuzz-{name}")
        while isinstance(res, lang.Suspended):
            req = res.request
            rv = req.value if req.kind == "sleep" else None
            out.append((name, src, lang.Checkpointer.save(res.continuation), rv))
            res = res.continuation.resume(rv)
    return out


class Runner:
    """Restores and runs checkpoints of the seed scripts (one Context per script)."""

    def __init__(self, signed=False):
        self.signed = signed
        self.ctxs = {}

    def ctx(self, name, src):
        c = self.ctxs.get(name)
        if c is None:
            c = self.ctxs[name] = make_context(self.signed)
            c.compile(src, name)
        c.output.seek(0)
        c.output.truncate()
        return c

    def run(self, name, src, data, rv=None):
        """-> (outcome, detail)."""
        ctx = self.ctx(name, src)
        try:
            cont = lang.Restorer.restore(ctx, data)
        except CheckpointError as e:
            return "rejected", str(e)[:200]
        except BaseException as e:  # noqa: BLE001 - the fuzzer counts everything
            return "raw", "restore: " + _exc(e)
        try:
            # what was accepted once is a state the runtime can save and restore again
            lang.Restorer.restore(ctx, lang.Checkpointer.save(cont))
        except BaseException as e:  # noqa: BLE001
            return "unstable", "save/restore again: " + _exc(e)
        try:
            value = drive(ctx, cont.resume(rv))
        except JactlError as e:
            if str(e).startswith("Unexpected error") or \
                    getattr(e, "raw_message", "").startswith("Unexpected error"):
                return "internal", _exc(e)
            return "script_error", str(e)[:200]
        except BaseException as e:  # noqa: BLE001
            return "raw", "resume: " + _exc(e)
        return "completed", result_key(ctx, value)


def _exc(e):
    tb = traceback.extract_tb(e.__traceback__)
    where = f" at {tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else ""
    cause = e.__cause__
    extra = ""
    if cause is not None:
        ctb = traceback.extract_tb(cause.__traceback__)
        if ctb:
            extra = f" (cause at {ctb[-1].filename.rsplit('/', 1)[-1]}:{ctb[-1].lineno})"
    return f"{type(e).__name__}: {str(e)[:200]}{where}{extra}"


# ----------------------------------------------------------------------------------------------
# The body as a token tree (lossless: encode(parse(body)) == body)

class Node:
    """One value of the body grammar. ``tag``: the tag byte; ``val``: the scalar payload
    (int, float, str, bytes, (kind, int) for BIGINT); ``head``: for JARRAY/BOUND/OBJ/JOBJ the
    leading str node (and for BOUND the is_function byte in ``val``); ``kids``: contents."""
    __slots__ = ("tag", "val", "head", "kids")

    def __init__(self, tag, val=None, head=None, kids=None):
        self.tag = tag
        self.val = val
        self.head = head
        self.kids = kids

    def copy(self):
        return Node(self.tag, self.val, self.head.copy() if self.head is not None else None,
                    [k.copy() for k in self.kids] if self.kids is not None else None)


def _uint(b, p):
    r = s = 0
    while True:
        x = b[p]
        p += 1
        r |= (x & 0x7F) << s
        if x < 0x80:
            return r, p
        s += 7


_CONTAINERS = {F.LIST, F.DICT, F.TUPLE}
_FIXED = {F.CELL: 1, F.CLOSURE: 2, F.FRAME: 3, F.FN: 2}


def parse(body):
    """Body bytes -> the root Node (iterative)."""
    root = Node(None, kids=[])
    stack = [(root, 1)]
    p = 0
    while stack:
        parent, need = stack[-1]
        if len(parent.kids) >= need:
            stack.pop()
            continue
        t = body[p]
        p += 1
        node = Node(t)
        if t >= F.SMALL_INT or t in (F.NONE, F.TRUE, F.FALSE, F.MISSING, F.INSTANCE):
            pass
        elif t in (F.STR_REF, F.REF):
            node.val, p = _uint(body, p)
        elif t == F.STR_NEW:
            m, p = _uint(body, p)
            node.val = body[p:p + m]
            p += m
        elif t in (F.INT, F.LONG, F.BYTE):
            u, p = _uint(body, p)
            node.val = (u >> 1) ^ -(u & 1)
        elif t == F.FLOAT:
            node.val = struct.unpack_from(">d", body, p)[0]
            p += 8
        elif t in (F.DECIMAL, F.BYTES):
            m, p = _uint(body, p)
            node.val = body[p:p + m]
            p += m
        elif t == F.BIGINT:
            k = body[p]
            m, p = _uint(body, p + 1)
            node.val = (k, body[p:p + m])
            p += m
        else:
            need_kids = None
            if t in (F.JARRAY, F.BOUND, F.OBJ, F.JOBJ):
                h = Node(body[p])
                p += 1
                if h.tag == F.STR_REF:
                    h.val, p = _uint(body, p)
                else:
                    m, p = _uint(body, p)
                    h.val = body[p:p + m]
                    p += m
                node.head = h
            if t == F.BOUND:
                node.val = body[p]
                p += 1
                need_kids = 1
            elif t in _FIXED:
                need_kids = _FIXED[t]
            else:
                cnt, p = _uint(body, p)
                need_kids = 2 * cnt if t == F.DICT else cnt
            node.kids = []
            parent.kids.append(node)
            stack.append((node, need_kids))
            continue
        parent.kids.append(node)
    return root.kids[0]


def _wuint(out, n):
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def encode(node):
    """Node -> body bytes (counts recomputed from the children)."""
    out = bytearray()
    stack = [node]
    while stack:
        n = stack.pop()
        t = n.tag
        out.append(t)
        if t >= F.SMALL_INT or t in (F.NONE, F.TRUE, F.FALSE, F.MISSING, F.INSTANCE):
            continue
        if t in (F.STR_REF, F.REF):
            _wuint(out, n.val)
        elif t in (F.STR_NEW, F.DECIMAL, F.BYTES):
            _wuint(out, len(n.val))
            out += n.val
        elif t in (F.INT, F.LONG, F.BYTE):
            v = max(min(n.val, (1 << 63) - 1), -(1 << 63))
            _wuint(out, (v << 1) ^ (v >> 63))
        elif t == F.FLOAT:
            out += struct.pack(">d", n.val)
        elif t == F.BIGINT:
            out.append(n.val[0])
            _wuint(out, len(n.val[1]))
            out += n.val[1]
        else:
            if n.head is not None:
                h = n.head
                out.append(h.tag)
                if h.tag == F.STR_REF:
                    _wuint(out, h.val)
                else:
                    _wuint(out, len(h.val))
                    out += h.val
            if t == F.BOUND:
                out.append(n.val)
            elif t not in _FIXED:
                _wuint(out, len(n.kids) // 2 if t == F.DICT else len(n.kids))
            stack.extend(reversed(n.kids))
    return bytes(out)


def walk(root):
    """[(node, parent, index)] for every node (pre-order)."""
    out = []
    stack = [(root, None, -1)]
    while stack:
        n, par, i = stack.pop()
        out.append((n, par, i))
        if n.kids:
            for j in range(len(n.kids) - 1, -1, -1):
                stack.append((n.kids[j], n, j))
    return out


# ----------------------------------------------------------------------------------------------
# Mutations

_INTERESTING_INTS = [0, 1, -1, 2, 3, 7, 100, 127, 128, 255, 256, -128, 2**31 - 1, -2**31,
                     2**31, 2**32, 2**63 - 1, -2**63, 10**6, 10**9]


def _random_scalar(rng):
    r = rng.randrange(14)
    if r == 0:
        return Node(F.NONE)
    if r == 1:
        return Node(rng.choice((F.TRUE, F.FALSE)))
    if r == 2:
        return Node(F.SMALL_INT + rng.randrange(128))
    if r == 3:
        return Node(F.INT, rng.choice(_INTERESTING_INTS))
    if r == 4:
        return Node(F.LONG, rng.choice(_INTERESTING_INTS))
    if r == 5:
        return Node(F.BYTE, rng.choice((0, 1, 255, 256, -1, 127)))
    if r == 6:
        return Node(F.FLOAT, rng.choice((0.0, -0.0, 1.5, float("nan"), float("inf"), -1e308)))
    if r == 7:
        return Node(F.DECIMAL, rng.choice((b"1.5", b"0", b"-1E+5", b"NaN", b"1E+999999",
                                           b"Infinity", b"1E-999999")))
    if r == 8:
        return Node(F.STR_NEW, rng.choice((b"", b"x", b"eval", b"map", b"size", b"main",
                                           b"sort", b"iter.src", b"\xff\xfe")))
    if r == 9:
        return Node(F.MISSING)
    if r == 10:
        return Node(F.INSTANCE)
    if r == 11:
        return Node(F.BIGINT, (rng.randrange(4), bytes(rng.randrange(256)
                                                          for _ in range(rng.randrange(12)))))
    if r == 12:
        return Node(F.BYTES, b"xy")
    return Node(F.REF, rng.randrange(64))


def _random_container(rng, pool):
    kids = [rng.choice(pool).copy() for _ in range(rng.randrange(4))] if pool else []
    t = rng.choice((F.LIST, F.DICT, F.TUPLE, F.CELL, F.CLOSURE, F.FRAME))
    if t == F.DICT and len(kids) % 2:
        kids.pop()
    if t in _FIXED:
        kids = (kids + [Node(F.NONE)] * 3)[:_FIXED[t]]
    return Node(t, kids=kids)


def _frames_of(root):
    """The frames list node of a root tuple, or None."""
    if root.tag == F.TUPLE and root.kids and len(root.kids) == 3 and root.kids[2].tag == F.LIST:
        return root.kids[2]
    return None


def _state_of(root):
    if root.tag == F.TUPLE and root.kids and len(root.kids) == 3 and root.kids[1].tag == F.DICT:
        return root.kids[1]
    return None


def mutate_tree(rng, root, other=None):
    """Apply one structural mutation to the tree (in place); returns its name."""
    nodes = walk(root)
    choice = rng.randrange(16)
    frames = _frames_of(root)
    if choice == 0 and frames is not None:          # a frame's pc
        fr = [n for n, _, _ in walk(frames) if n.tag == F.FRAME and n.kids and len(n.kids) == 3]
        if fr:
            f = rng.choice(fr)
            f.kids[1] = Node(F.SMALL_INT + rng.randrange(12)) if rng.random() < 0.8 else \
                Node(F.INT, rng.choice(_INTERESTING_INTS))
            return "pc"
    if choice == 1 and frames is not None and len(frames.kids) > 1:   # reorder frames
        if rng.random() < 0.5:
            rng.shuffle(frames.kids)
        else:
            del frames.kids[rng.randrange(len(frames.kids))]
        return "frames"
    if choice == 2:                                 # instance state value
        st = _state_of(root)
        if st is not None and st.kids:
            i = rng.randrange(len(st.kids) // 2) * 2 + 1
            st.kids[i] = rng.choice((Node(F.FLOAT, -1e9), Node(F.FLOAT, float("nan")),
                                     Node(F.INT, -5), Node(F.NONE), Node(F.STR_NEW, b"x"),
                                     Node(F.FLOAT, 1e18), Node(F.INT, 2**62)))
            return "state"
    if choice == 3:                                 # a frame local's value or type
        fr = [n for n, _, _ in nodes if n.tag == F.FRAME and n.kids and len(n.kids) == 3
              and n.kids[2].tag == F.TUPLE and n.kids[2].kids]
        if fr:
            loc = rng.choice(fr).kids[2]
            i = rng.randrange(len(loc.kids))
            loc.kids[i] = _random_scalar(rng) if rng.random() < 0.7 else \
                rng.choice(nodes)[0].copy()
            return "local"
    if choice == 4:                                 # a count: drop or duplicate a child
        cs = [n for n, _, _ in nodes if n.kids and n.tag in (F.LIST, F.TUPLE, F.JARRAY, F.OBJ,
                                                             F.JOBJ, F.DICT)]
        if cs:
            c = rng.choice(cs)
            if c.kids and rng.random() < 0.5:
                del c.kids[rng.randrange(len(c.kids))]
            else:
                c.kids.insert(rng.randrange(len(c.kids) + 1),
                              rng.choice(c.kids).copy() if c.kids else _random_scalar(rng))
            return "count"
    if choice == 5:                                 # swap two nodes
        a = rng.choice(nodes)
        b = rng.choice(nodes)
        if a[1] is not None and b[1] is not None:
            a[1].kids[a[2]], b[1].kids[b[2]] = b[0], a[0]
            return "swap"
    if choice == 6:                                 # change a tag
        n = rng.choice(nodes)[0]
        if n.kids is not None:
            cands = [F.LIST, F.TUPLE, F.DICT] if n.tag in _CONTAINERS else [n.tag]
            n.tag = rng.choice(cands)
            if n.tag == F.DICT and len(n.kids) % 2:
                n.kids.append(Node(F.NONE))
            return "tag"
        n.tag = rng.choice((F.INT, F.LONG, F.BYTE)) if n.tag in (F.INT, F.LONG, F.BYTE) \
            else n.tag
        return "tag"
    if choice == 7:                                 # an OBJ/JOBJ field or an iterator state
        objs = [n for n, _, _ in nodes if n.tag in (F.OBJ, F.JOBJ) and n.kids]
        if objs:
            o = rng.choice(objs)
            i = rng.randrange(len(o.kids))
            o.kids[i] = _random_scalar(rng) if rng.random() < 0.7 else \
                rng.choice(nodes)[0].copy()
            return "field"
    if choice == 8:                                 # a string: another name
        ss = [n for n, _, _ in nodes if n.tag == F.STR_NEW] + \
            [n.head for n, _, _ in nodes if n.head is not None and n.head.tag == F.STR_NEW]
        if ss:
            s = rng.choice(ss)
            s.val = rng.choice((b"eval", b"sort", b"loop", b"iter.map", b"size", b"x",
                                b"dt.ZoneId", b"checkpoint", b"iter.src", b"main", b"",
                                s.val[:-1], s.val + b"x"))
            return "string"
    if choice == 9:                                 # a BOUND made to name something else
        bs = [n for n, _, _ in nodes if n.tag == F.BOUND]
        if bs:
            b = rng.choice(bs)
            b.head = Node(F.STR_NEW, rng.choice((b"eval", b"sleep", b"size", b"nextLine",
                                                 b"__class__", b"map", b"stream")))
            b.val = rng.randrange(2)
            if rng.random() < 0.5:
                b.kids[0] = Node(F.INSTANCE)
            return "bound"
        # or add one as a global
        g = root.kids[0] if root.tag == F.TUPLE and root.kids else None
        if g is not None and g.tag == F.DICT:
            g.kids += [Node(F.STR_NEW, b"zz"), Node(F.BOUND, rng.randrange(2),
                                                    Node(F.STR_NEW, b"eval"),
                                                    [Node(F.INSTANCE)])]
            return "bound"
    if choice == 10:                                # a scalar value
        sc = [(n, p, i) for n, p, i in nodes if n.kids is None and p is not None]
        if sc:
            n, p, i = rng.choice(sc)
            if n.tag in (F.INT, F.LONG, F.BYTE):
                n.val = rng.choice((n.val + 1, n.val - 1, -n.val, n.val * 1000,
                                    rng.choice(_INTERESTING_INTS)))
            elif n.tag >= F.SMALL_INT:
                p.kids[i] = Node(F.SMALL_INT + rng.randrange(128)) if rng.random() < 0.6 \
                    else Node(F.INT, rng.choice(_INTERESTING_INTS))
            else:
                p.kids[i] = _random_scalar(rng)
            return "scalar"
    if choice == 11:                                # replace any node by a REF
        n, p, i = rng.choice(nodes)
        if p is not None:
            p.kids[i] = Node(F.REF, rng.randrange(max(1, len(nodes) // 2)))
            return "ref"
    if choice == 12:                                # replace a node by a random container
        n, p, i = rng.choice(nodes)
        if p is not None:
            p.kids[i] = _random_container(rng, [x for x, _, _ in nodes if x.kids is None])
            return "container"
    if choice == 13 and other is not None:          # graft a subtree of another seed
        on = walk(other)
        n, p, i = rng.choice(nodes)
        if p is not None:
            p.kids[i] = rng.choice(on)[0].copy()
            return "graft"
    if choice == 14:                                # a frame's function or a closure's
        fns = [n for n, _, _ in nodes if n.tag == F.FN and n.kids and len(n.kids) == 2]
        if len(fns) > 1:
            a, b = rng.sample(fns, 2)
            a.kids, b.kids = [k.copy() for k in b.kids], [k.copy() for k in a.kids]
            return "fn"
    # default: drop a node's subtree in favour of a scalar
    n, p, i = rng.choice(nodes)
    if p is not None:
        p.kids[i] = _random_scalar(rng)
    return "scalar"


def mutate_bytes(rng, body, other):
    b = bytearray(body)
    r = rng.randrange(6)
    if not b:
        return bytes(other[:rng.randrange(len(other) + 1)]), "splice"
    if r == 0:
        for _ in range(rng.randrange(1, 4)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        return bytes(b), "flip"
    if r == 1:
        i = rng.randrange(len(b) + 1)
        b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4)))
        return bytes(b), "insert"
    if r == 2:
        i = rng.randrange(len(b))
        del b[i:i + rng.randrange(1, 4)]
        return bytes(b), "delete"
    if r == 3:
        i = rng.randrange(len(b))
        b[i] = rng.choice((0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)))
        return bytes(b), "overwrite"
    if r == 4:
        i = rng.randrange(len(b))
        j = rng.randrange(len(other) + 1)
        return bytes(b[:i]) + other[j:j + rng.randrange(1, 64)] + bytes(b[i:]), "splice"
    i = rng.randrange(len(b))
    k = rng.randrange(1, 9)
    return bytes(b[:i]) + bytes(b[i:i + k]) * 2 + bytes(b[i + k:]), "repeat"


def mutant(rng, data, other_data, signed=False):
    """A mutant of checkpoint ``data`` (re-sealed, re-signed when ``signed``) and the name of
    the mutation."""
    key = KEY if signed else None
    header, body = envelope.open_envelope(data, envelope.hmac_key(key), 1 << 30)
    _, other = envelope.open_envelope(other_data, envelope.hmac_key(key), 1 << 30)
    iid, seq = header.instance_id, header.sequence
    if rng.random() < 0.3:
        body, name = mutate_bytes(rng, body, other)
    else:
        root = parse(body)
        name = mutate_tree(rng, root, parse(other) if rng.random() < 0.2 else None)
        if rng.random() < 0.15:                    # a second mutation
            name += "+" + mutate_tree(rng, root)
        body = encode(root)
    if rng.random() < 0.03:
        seq = rng.choice((0, seq + 1, seq - 1 if seq else 5))
        name += "+seq"
    if rng.random() < 0.02:
        iid = rng.choice((None, "other", iid))
        name += "+iid"
    from lang.checkpoint.encoder import seal
    return seal(header.script_hash, body, key, instance_id=iid, sequence=seq), name


# ----------------------------------------------------------------------------------------------
# The long mode: worker processes with a hard timeout

def _worker(conn):
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    runners = {False: Runner(False), True: Runner(True)}
    while True:
        msg = conn.recv()
        if msg is None:
            return
        signed, name, src, data, rv = msg
        t = time.monotonic()
        try:
            res = runners[signed].run(name, src, data, rv)
        except BaseException as e:  # noqa: BLE001
            res = ("raw", "runner: " + _exc(e))
        conn.send((res, time.monotonic() - t))


class Pool:
    """Worker processes; a mutant that outlives HARD_S kills its worker (a hang)."""

    def __init__(self, n):
        import multiprocessing as mp
        self.mp = mp.get_context("fork")
        self.slots = [self._start() for _ in range(n)]

    def _start(self):
        a, b = self.mp.Pipe()
        p = self.mp.Process(target=_worker, args=(b,), daemon=True)
        p.start()
        b.close()
        return [p, a, None, 0.0]       # process, conn, job, started

    def close(self):
        for p, conn, _, _ in self.slots:
            try:
                conn.send(None)
            except OSError:
                pass
            p.join(2)
            if p.is_alive():
                p.kill()

    def run(self, jobs, report):
        """jobs: iterator of (meta, name, src, data, rv); report(meta, outcome, detail, secs)."""
        from multiprocessing.connection import wait
        jobs = iter(jobs)
        pending = True
        while True:
            for s in self.slots:
                if s[2] is None and pending:
                    try:
                        meta, name, src, data, rv = next(jobs)
                    except StopIteration:
                        pending = False
                        break
                    s[1].send((meta[0], name, src, data, rv))
                    s[2] = meta
                    s[3] = time.monotonic()
            busy = [s for s in self.slots if s[2] is not None]
            if not busy:
                return
            ready = wait([s[1] for s in busy], timeout=0.5)
            now = time.monotonic()
            for s in busy:
                if s[1] in ready:
                    try:
                        (outcome, detail), secs = s[1].recv()
                    except (EOFError, OSError):
                        outcome, detail, secs = "raw", "worker died", now - s[3]
                        self._restart(s)
                    report(s[2], outcome, detail, secs)
                    s[2] = None
                elif now - s[3] > HARD_S:
                    report(s[2], "hang", f"no answer after {HARD_S} s", now - s[3])
                    s[2] = None
                    self._restart(s)

    def _restart(self, s):
        s[0].kill()
        s[0].join()
        s[:] = self._start()


OUTCOMES = ("rejected", "same", "different", "script_error", "internal", "raw", "hang",
            "unstable")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mutants", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--signed-share", type=float, default=0.3,
                    help="fraction of mutants made from signed checkpoints and re-signed")
    ap.add_argument("--show", type=int, default=5, help="examples to print per bad outcome")
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    t0 = time.time()
    seeds = {False: seed_checkpoints(False), True: seed_checkpoints(True)}
    refs = {}
    for signed, cps in seeds.items():
        r = Runner(signed)
        for i, (name, src, data, rv) in enumerate(cps):
            outcome, detail = r.run(name, src, data, rv)
            if outcome != "completed":
                raise SystemExit(f"seed {name}#{i} does not resume: {outcome} {detail}")
            refs[(signed, i)] = detail
    print(f"{len(seeds[False])} seed checkpoints from {len(SEED_SCRIPTS)} scripts "
          f"(and as many signed); {args.mutants} mutants, seed {args.seed}, "
          f"{args.workers} workers", flush=True)

    counts = {signed: Counter() for signed in (False, True)}
    by_mut = {}
    examples = {}
    done = [0]

    def jobs():
        for k in range(args.mutants):
            signed = rng.random() < args.signed_share
            cps = seeds[signed]
            i = rng.randrange(len(cps))
            name, src, data, rv = cps[i]
            other = cps[rng.randrange(len(cps))][2]
            m, mname = mutant(rng, data, other, signed)
            yield (signed, i, mname, k), name, src, m, rv

    def report(meta, outcome, detail, secs):
        signed, i, mname, k = meta
        if outcome == "completed":
            outcome = "same" if detail == refs[(signed, i)] else "different"
        counts[signed][outcome] += 1
        by_mut.setdefault(mname.split("+")[0], Counter())[outcome] += 1
        if outcome in ("internal", "raw", "hang", "unstable") and \
                len(examples.setdefault(outcome, [])) < args.show:
            examples[outcome].append(f"#{k} {seeds[signed][i][0]}[{i}] {mname} "
                                     f"{'signed' if signed else 'unsigned'}: {detail}")
        done[0] += 1
        if done[0] % 5000 == 0:
            tot = counts[False] + counts[True]
            print(f"  {done[0]} mutants ({time.time() - t0:.0f} s): "
                  + ", ".join(f"{o} {tot[o]}" for o in OUTCOMES), flush=True)

    pool = Pool(args.workers)
    try:
        pool.run(jobs(), report)
    finally:
        pool.close()

    tot = counts[False] + counts[True]
    print(f"\nmutants: {sum(tot.values())} in {time.time() - t0:.0f} s")
    for label, c in (("unsigned", counts[False]), ("signed (re-signed with the key)",
                                                   counts[True]), ("total", tot)):
        print(f"  {label:32} " + "  ".join(f"{o} {c[o]}" for o in OUTCOMES))
    print("\nby mutation:")
    for mname, c in sorted(by_mut.items()):
        print(f"  {mname:10} " + "  ".join(f"{o} {c[o]}" for o in OUTCOMES if c[o]))
    for o, ex in examples.items():
        print(f"\n{o} examples:")
        for e in ex:
            print("  " + e)
    bad = tot["internal"] + tot["raw"] + tot["hang"] + tot["unstable"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
