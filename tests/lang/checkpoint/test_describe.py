"""lang.describe: a checkpoint's frames, positions and locals, read without running anything."""

import pytest

import lang
from lang.checkpoint.describe import render


def _ctx():
    ctx = lang.Context()
    ctx.register_function("receive", suspends=True)
    return ctx


def _suspend(src, globals=None, ctx=None, **kw):
    ctx = ctx or _ctx()
    script = ctx.compile(src, **kw)
    out = script.start(dict(globals or {}), instance_id="inst-7")
    assert isinstance(out, lang.Suspended)
    return ctx, out, lang.Checkpointer.save(out.continuation)


NESTED = """\
def ask(String who, int n) {
  def note = "asking " + who
  def r = receive("c-" + who, 60000)
  return r
}
def orders = [[id: 1, qty: 2], [id: 2, qty: 5]]
def got = orders.map{ o ->
  def q = o.qty * 10
  ask("o" + o.id, q) + q
}
got
"""


def test_nested_function_inside_a_map_closure_shows_every_frame_innermost_last():
    ctx, out, data = _suspend(NESTED, {"customer": "acme"})
    d = lang.describe(ctx, data)
    assert d["kind"] == "wait" and d["instance_id"] == "inst-7" and d["checkpoint_id"] == 0
    frames = d["frames"]
    assert [(f["function"], f["kind"], f["line"]) for f in frames] == [
        ("script", "script", 7), ("map", "builtin", None), ("closure", "closure", 9),
        ("ask", "function", 3)]
    assert frames[-1]["column"] == 11           # the receive( call
    assert frames[-1]["locals"] == {"who": "o1", "n": "20", "note": "asking o1"}
    assert frames[2]["locals"] == {"o": "[id:1, qty:2]", "q": "20"}
    assert frames[1]["locals"] == {"index": "0"}
    assert frames[0]["locals"]["orders"] == "[[id:1, qty:2], [id:2, qty:5]]"
    assert "got" not in frames[0]["locals"]     # not assigned yet at that point
    assert d["globals"] == {"customer": "acme"}


def test_describing_changes_nothing_the_continuation_still_resumes_from_the_bytes():
    ctx, out, data = _suspend(NESTED)
    lang.describe(ctx, data)
    lang.describe(ctx, data)
    cont = lang.Restorer.restore(ctx, data)
    out = cont.resume(1)
    assert isinstance(out, lang.Suspended) and out.request.args[0] == "c-o2"
    done = out.continuation.resume(3)
    assert done.value == [1 + 20, 3 + 50]


def test_each_with_a_sleeping_closure_and_the_loop_position():
    src = "def seen = []\n[10, 20, 30].each{ x ->\n  seen <<= x\n  if (x == 20) { sleep(5) }\n}\nseen"
    ctx, out, data = _suspend(src)
    frames = lang.describe(ctx, data)["frames"]
    assert [f["function"] for f in frames] == ["script", "each", "closure"]
    assert frames[1]["locals"] == {"index": "1"}
    assert (frames[2]["line"], frames[2]["locals"]["x"]) == (4, "20")
    assert frames[0]["locals"]["seen"] == "[10, 20]"


def test_a_checkpoint_reports_its_kind_id_and_the_loop_variable():
    src = "int i = 0\nwhile (i < 3) {\n  i++\n  checkpoint(commit: { i }, recover: { -i })\n}\ni"
    ctx = _ctx()
    script = ctx.compile(src)
    out = script.start({}, instance_id="k1")
    out = out.continuation.resume(None)       # the second checkpoint
    d = lang.describe(ctx, lang.Checkpointer.save(out.continuation))
    assert d["kind"] == "checkpoint" and d["checkpoint_id"] == 2
    assert [f["function"] for f in d["frames"]] == ["script", "checkpoint"]
    assert d["frames"][0]["line"] == 4 and d["frames"][0]["locals"] == {"i": "2"}


def test_checkpoint_each_statement_mode_positions_each_statement():
    src = "def a = 1\ndef b = a + 1\nb * 3"
    ctx = _ctx()
    script = ctx.compile(src, checkpoint_each_statement=True)
    out = script.start({})
    lines = []
    while isinstance(out, lang.Suspended):
        d = lang.describe(ctx, lang.Checkpointer.save(out.continuation))
        lines.append(d["frames"][0]["line"])
        out = out.continuation.resume(None)
    assert out.value == 6
    assert lines and lines == sorted(lines) and set(lines) <= {1, 2, 3}


def test_values_are_rendered_as_jactl_prints_them():
    src = ("class P { int x; String s }\n"
           "def p = new P(x: 3, s: 'hi')\n"
           "def m = [a: 1, 'b c': [x: 's'], (1): 2.5, e: [:], l: 12L, d: 1.0D, n: null, t: true]\n"
           "def cyc = [1]; cyc <<= cyc\n"
           "def f = { it }\n"
           "receive('k', 10)\n")
    ctx, out, data = _suspend(src)
    loc = lang.describe(ctx, data)["frames"][0]["locals"]
    assert loc["p"] == "[x:3, s:'hi']"
    assert loc["m"] == "[a:1, 'b c':[x:'s'], (1):2.5, e:[:], l:12, d:1.0, n:null, t:true]"
    assert loc["f"].startswith("Function@")


def test_large_values_are_cut_and_shared_structure_does_not_blow_up():
    src = "def big = 10000.map{ it }\ndef s = 'x' * 5000\ndef l = [1]\n20.each{ l = [l, l] }\nreceive('k', 1)"
    ctx, out, data = _suspend(src)
    loc = lang.describe(ctx, data, value_limit=100)["frames"][0]["locals"]
    assert loc["big"].startswith("[0, 1, 2, 3") and loc["big"].endswith("...") and len(loc["big"]) <= 103
    assert loc["s"] == "x" * 100 + "..."
    assert len(loc["l"]) <= 103


def test_render_cycles_and_nesting():
    a = [1]
    a.append(a)
    assert render(a) == "[1, <CIRCULAR_REF>]"
    deep = []
    cur = deep
    for _ in range(500):
        nxt = []
        cur.append(nxt)
        cur = nxt
    assert render(deep, 10_000).endswith("...")
    assert render("plain") == "plain" and render(None) == "null"


def test_corrupted_bytes_are_rejected_like_restore_rejects_them():
    ctx, out, data = _suspend(NESTED)
    bad = bytearray(data)
    bad[len(bad) // 2] ^= 0xFF
    with pytest.raises(lang.CheckpointError):
        lang.describe(ctx, bytes(bad))
    with pytest.raises(lang.CheckpointError):
        lang.describe(_ctx(), data)   # a context that never compiled the script
