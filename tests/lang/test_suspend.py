"""Suspension at every construct: each script is run plainly, then with every suspension
turned into bytes and restored in a fresh Context, and (for sleeps) resumed there. The
results must agree, and side effects before a suspend point must not run twice."""

import pytest

import lang


def run_restoring(source, globals=None, host=()):
    """Run source; at every suspension save the continuation to bytes, restore it in a
    brand-new Context compiled from the same source, and resume there."""
    def new_ctx():
        ctx = lang.Context()
        for name in host:
            ctx.register_function(name, suspends=True)
        ctx.compile(source)
        return ctx

    ctx = new_ctx()
    out = ctx.compile(source).start(dict(globals or {}))
    n = 0
    while isinstance(out, lang.Suspended):
        n += 1
        data = lang.Checkpointer.save(out.continuation)
        assert isinstance(data, bytes)
        cont = lang.Restorer.restore(new_ctx(), data)
        req = out.request
        if req.kind == "sleep":
            out = cont.resume(req.value)
        elif req.kind == "checkpoint":
            # the save succeeded: the original continues (commit); the restored copy
            # would run recover, which test_restore_runs_recover_closure covers
            out = out.continuation.resume(None)
        else:
            out = cont.resume(("reply", req.args))
    return out.value, n


CASES = [
    # (source, expected value, minimum number of suspensions)
    ("sleep(0, 5)", 5, 1),
    ("def x = 1; x += sleep(0, 2); x", 3, 1),
    ("def f(a,b,c) { [a,b,c] }; def n = 0; def a() { n++; 'a' }; [f(a(), sleep(0, 2), 'c'), n]",
     [["a", 2, "c"], 1], 1),
    ("def f(x) { sleep(0, x) * 2 }; def g(x) { f(x) + 1 }; g(5)", 11, 1),
    ("def s = 0; for (int i = 0; i < 5; i++) { s += sleep(0, i) }; s", 10, 5),
    ("def s = 0; def i = 0; while (i < 4) { s += sleep(0, i); i++ }; s", 6, 4),
    ("def s = 0; def i = 0; do { s += sleep(0, i); i++ } until (i >= 3); s", 3, 3),
    ("def s = []; for (x in [1,2,3]) { s <<= sleep(0, x) * 10 }; s", [10, 20, 30], 3),
    ("def r = []; OUTER: for (int i = 0; i < 3; i++) { for (int j = 0; j < 3; j++) "
     "{ if (j == 2) { continue OUTER }; r <<= sleep(0, \"$i$j\") } }; r",
     ["00", "01", "10", "11", "20", "21"], 6),
    ("def c = 0; def f = { c += sleep(0, it); c }; f(2); f(3)", 5, 2),
    ("def x = false && sleep(0, true); def y = true || sleep(0, false); "
     "def z = true && sleep(0, true); [x, y, z]", [False, True, True], 1),
    ("def a = null; def b = a ?: sleep(0, 'd'); def t = true ? sleep(0, 1) : sleep(0, 2); [b, t]",
     ["d", 1], 2),
    ("\"a${sleep(0, 1)}b${sleep(0, 2)}\"", "a1b2", 2),
    ("[1,2,3].map{ sleep(0, it) * 2 }", [2, 4, 6], 3),
    ("[1,2,3,4].filter{ sleep(0, it) % 2 == 0 }", [2, 4], 4),
    ("def s = 0; [1,2,3].each{ s += sleep(0, it) }; s", 6, 3),
    ("[3,1,2].sort{ a, b -> sleep(0, a <=> b) }", [1, 2, 3], 2),
    ("[1,2,3].reduce(0){ a, b -> a + sleep(0, b) }", 6, 3),
    ("def m = [a:1, b:2]; m.map{ k, v -> k + sleep(0, v) }", ["a1", "b2"], 2),
    # lazy chains: elements flow one at a time; a closure suspends mid-chain
    ("def r = []; [1,2,3,4].map{ r <<= sleep(0, it); it * 10 }.filter{ it > 10 }.limit(2); r",
     [1, 2, 3], 3),
    ("[1,2,3,4].map{ sleep(0, it) + 1 }.filter{ it % 2 == 0 }.map{ it * 10 }", [20, 40], 4),
    ("[[1,2],[3]].flatMap{ sleep(0, it) }.skip(1).sum()", 5, 2),
    ("['a','b'].mapWithIndex{ x, i -> sleep(0, x * (i + 1)) }.reverse()", ["bb", "a"], 2),
    ("def s = 0; for (x in [1,2,3].map{ sleep(0, it) * 2 }) { s += x }; s", 12, 3),
    ("def fib(n) { n < 2 ? sleep(0, n) : fib(n-1) + fib(n-2) }; fib(6)", 8, 13),
    ("def x = checkpoint(commit: { 1 }, recover: { 2 }); x", 1, 1),
    ("def l = [1]; def m = [l: l, same: l]; sleep(0, 0); m.l <<= 2; m.same", [1, 2], 1),
]


@pytest.mark.parametrize("source,expected,min_suspends", CASES)
def test_suspend_restore_matches_plain(source, expected, min_suspends):
    plain = lang.eval(source)
    assert plain == expected
    value, n = run_restoring(source)
    assert value == expected
    assert n >= min_suspends


@pytest.mark.parametrize("source,expected,min_suspends", CASES)
def test_checkpoint_each_statement_matches_plain(source, expected, min_suspends):
    assert lang.eval(source, checkpoint_each_statement=True) == expected


def test_host_wait_resumes_with_host_value():
    src = "def r = receive('corr-1', 1000); r.total * 2"
    ctx = lang.Context()
    ctx.register_function("receive", suspends=True)
    out = ctx.compile(src).start({})
    assert isinstance(out, lang.Suspended)
    assert out.request.kind == "receive"
    assert out.request.args == ("corr-1", 1000)
    data = lang.Checkpointer.save(out.continuation)
    ctx2 = lang.Context()
    ctx2.register_function("receive", suspends=True)
    ctx2.compile(src)
    done = lang.Restorer.restore(ctx2, data).resume({"total": 21})
    assert isinstance(done, lang.Completed) and done.value == 42


def test_restore_runs_recover_closure():
    src = "def n = 0; def x = checkpoint(commit: { n += 1; 'committed' }, recover: { 'recovered' }); [x, n]"
    ctx = lang.Context()
    out = ctx.compile(src).start({}, instance_id="inst-1")
    assert out.request.kind == "checkpoint"
    assert out.request.args == ("inst-1", 1)
    data = lang.Checkpointer.save(out.continuation)
    # the host persisted the bytes: commit runs, its value is checkpoint()'s value
    assert out.continuation.resume(None).value == ["committed", 1]
    # a crash after the save: restoring runs recover instead
    ctx2 = lang.Context()
    ctx2.compile(src)
    assert lang.Restorer.restore(ctx2, data).resume(None).value == ["recovered", 0]


def test_checkpoint_ids_increment_and_survive_restore():
    src = "checkpoint(); checkpoint(); 'done'"
    ctx = lang.Context()
    out = ctx.compile(src).start({}, instance_id="i")
    assert out.request.args == ("i", 1)
    data = lang.Checkpointer.save(out.continuation)
    ctx2 = lang.Context()
    ctx2.compile(src)
    out2 = lang.Restorer.restore(ctx2, data).resume(None)
    assert out2.request.kind == "checkpoint" and out2.request.args == ("i", 2)


def test_restore_into_context_without_the_script_is_rejected():
    ctx = lang.Context()
    out = ctx.compile("sleep(0, 1)").start({})
    data = lang.Checkpointer.save(out.continuation)
    with pytest.raises(lang.JactlError):
        lang.Restorer.restore(lang.Context(), data)


def test_functions_that_cannot_suspend_have_no_resume_entry():
    ctx = lang.Context()
    s = ctx.compile("int fib(int n) { n < 2 ? n : fib(n-1) + fib(n-2) }; fib(10)")
    assert "_fr=None" not in s.py_source.split("def _f1(")[1].split("\n")[0]
    assert s.start({}).value == 55


@pytest.mark.parametrize("cpe", [False, True])
@pytest.mark.parametrize("src,expected", [
    # ``?=``: a null met in a part that suspends (or in a call after it) is a null value too
    ("def f = null; f = { null as int }; def x = 1; x ?= sleep(0, 1) + f(); x", 1),
    ("def m = [:]; def x = 1; x ?= sleep(0, m.a).b; x", 1),
    ("def x = 1; x ?= sleep(0, 2) + 3; x", 5),
])
def test_conditional_assignment_over_suspending_parts(src, expected, cpe):
    assert lang.eval(src, checkpoint_each_statement=cpe) == expected


@pytest.mark.parametrize("src,expected", [
    # the value a sleep returns shares objects with the restored state (checkpoint mode)
    ("def f(x,y=sleep(0,{++x})) { def g() { y()+x }; g() }; f(3)", 8),
    ("class X { int i = 1; def f(){ return sleep(0,{ ++i }) } }; def x = new X();"
     " def g = x.f(); g(); x.i", 2),
    ("def x = [1]; def y = sleep(0, x); y <<= 2; x.size()", 2),
])
def test_a_sleep_value_shares_objects_with_the_restored_state(src, expected):
    assert lang.eval(src) == expected
    assert lang.eval(src, checkpoint_each_statement=True) == expected
